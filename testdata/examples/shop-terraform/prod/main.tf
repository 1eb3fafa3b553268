locals {
  name = "shop-${var.environment}"

  common_env = {
    DATABASE_URL = "postgres://${aws_db_instance.main.username}@${aws_db_instance.main.address}:5432/shop"
    REDIS_URL    = "redis://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379/0"
  }

  api_env = merge(local.common_env, {
    LOG_LEVEL = upper(var.log_level) == "DEBUG" ? "debug" : var.log_level
  })
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
  name    = local.name
}

resource "aws_ecr_repository" "api" {
  name = "acme/shop-api"
}

resource "aws_ecs_cluster" "main" {
  name = local.name
}

resource "aws_ecs_task_definition" "api" {
  family = "${local.name}-api"
  container_definitions = jsonencode([
    {
      name      = "api"
      image     = "${aws_ecr_repository.api.repository_url}:${var.api_image_tag}"
      essential = true
      portMappings = [
        { containerPort = 8080, protocol = "tcp" }
      ]
      environment = [for key, value in local.api_env : { name = key, value = value }]
      secrets = [
        { name = "PAYMENTS_API_KEY", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/payments-api-key" },
        { name = "SENTRY_DSN", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/sentry-dsn" },
      ]
    },
    {
      name      = "log-router"
      image     = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2"
      essential = false
    },
  ])
}

resource "aws_lb_target_group" "api" {
  name        = "${local.name}-api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 3

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}

module "worker" {
  source      = "./modules/ecs-service"
  name        = "worker"
  cluster_id  = aws_ecs_cluster.main.id
  image       = var.worker_image
  environment = merge(local.common_env, { QUEUE_CONCURRENCY = tostring(var.worker_settings.concurrency) })
}

resource "aws_db_instance" "main" {
  identifier     = "${local.name}-db"
  engine         = "postgres"
  engine_version = "14.9"
  instance_class = "db.t4g.medium"
  username       = "shop"
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "${local.name}-cache"
  description          = "shop cache"
  engine               = "valkey"
  engine_version       = "7.2"
  node_type            = "cache.t4g.small"
}
