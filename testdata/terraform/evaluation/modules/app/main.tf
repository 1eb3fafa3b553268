variable "name" {
  type = string
}

variable "image" {
  type = string
}

variable "queue" {
  type = string
}

resource "docker_container" "this" {
  name  = var.name
  image = var.image
  env   = ["QUEUE=${var.queue}", "MODULE_PATH=${path.module}"]
}

output "name" {
  value = docker_container.this.name
}
