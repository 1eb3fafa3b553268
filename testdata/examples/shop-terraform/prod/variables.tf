variable "environment" {
  type    = string
  default = "staging"
}

variable "api_image_tag" {
  type        = string
  description = "Tag of the API image pushed to ECR by CI"
}

variable "worker_image" {
  type    = string
  default = "ghcr.io/acme/shop-worker:2.1.0"
}

variable "log_level" {
  type    = string
  default = "info"
}

variable "worker_settings" {
  type = object({
    concurrency = number
    queues      = optional(list(string), ["default"])
  })
  default = { concurrency = 2 }
}
