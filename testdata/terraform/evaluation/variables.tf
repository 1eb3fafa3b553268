variable "environment" {
  type    = string
  default = "dev"
}

variable "replicas" {
  type    = number
  default = 1
}

variable "image_tag" {
  type    = string
  default = "0.0.0-dev"
}

variable "workers" {
  type    = set(string)
  default = ["email"]
}

variable "extra_env" {
  type    = map(string)
  default = {}
}
