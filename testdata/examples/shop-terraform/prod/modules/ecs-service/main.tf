variable "name" {
  type = string
}

variable "cluster_id" {
  type = string
}

variable "image" {
  type = string
}

variable "environment" {
  type    = map(string)
  default = {}
}

variable "desired_count" {
  type    = number
  default = 1
}

resource "aws_ecs_task_definition" "this" {
  family = var.name
  container_definitions = jsonencode([{
    name        = var.name
    image       = var.image
    essential   = true
    environment = [for key in sort(keys(var.environment)) : { name = key, value = var.environment[key] }]
  }])
}

resource "aws_ecs_service" "this" {
  name            = var.name
  cluster         = var.cluster_id
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = var.desired_count
}

output "service_name" {
  value = aws_ecs_service.this.name
}
