# Production: the API on ECS, PostgreSQL on RDS, Redis on ElastiCache, reports on an Aurora
# MySQL cluster in a module. Every address below is known only after apply.
variable "environment" {
  default = "production"
}

locals {
  name = "orders-${var.environment}"
}

resource "aws_ecs_cluster" "main" {
  name = local.name
}

resource "aws_ecs_task_definition" "api" {
  family                   = "${local.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "ghcr.io/acme/orders-api:3.4.0"
      portMappings = [
        { containerPort = 8080, protocol = "tcp" }
      ]
      environment = [
        { name = "DATABASE_URL", value = "postgres://${aws_db_instance.main.address}:5432/shop" }, # expect: engine-mismatch
        { name = "CACHE_URL", value = "redis://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379/0" }, # expect: engine-mismatch
        { name = "REPORTS_URL", value = "postgres://reports@${module.reports.endpoint}:3306/reports" }, # expect: engine-mismatch
      ]
    },
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 2
}

resource "aws_db_instance" "main" {
  identifier     = "${local.name}-db"
  engine         = "postgres"
  engine_version = "16.3"
  instance_class = "db.t4g.medium"
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "${local.name}-cache"
  description          = "orders cache"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "cache.t4g.small"
}

module "reports" {
  source = "./modules/reports-db"
  name   = "${local.name}-reports"
}
