# Ways into ECS and Cloud Run services, and env values only partly known before apply.

resource "random_password" "db" {
  length = 32
}

resource "aws_db_instance" "main" {
  count          = 1
  identifier     = "shop-db"
  engine         = "postgres"
  engine_version = "16.3"
}

data "aws_db_instance" "legacy" {
  db_instance_identifier = "legacy"
}

module "cache" {
  source = "./modules/cache"
}

resource "aws_lb_target_group" "api" {
  name        = "shop-api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_service_discovery_service" "api" {
  name = "api"
}

# Fargate: reached through a target group, Service Connect and Cloud Map; hostPort is only the
# container port repeated.
resource "aws_ecs_task_definition" "api" {
  family                   = "shop-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "ghcr.io/acme/shop-api:2.0.0"
      portMappings = [
        { containerPort = 8080, hostPort = 8080, name = "http" },
        { containerPort = 9090, hostPort = 9090, name = "metrics" },
        { containerPort = 5005, hostPort = 5005, name = "debug" },
      ]
      environment = [
        { name = "DATABASE_URL", value = "postgres://shop:${random_password.db.result}@${aws_db_instance.main[0].address}:5432/shop" },
        { name = "CACHE_URL", value = "rediss://${module.cache.endpoint}:6379/0" },
        { name = "LEGACY_DB_URL", value = "mysql://${data.aws_db_instance.legacy.address}/legacy" },
        { name = "ESCAPED", value = "$${NOT_A_REFERENCE}-${aws_db_instance.main[0].port}" },
        { name = "REPLICA_URL", value = format("postgresql://%s:%d/%s", aws_db_instance.main[0].address, 5432, "shop") },
      ]
    },
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
  service_registries {
    registry_arn = aws_service_discovery_service.api.arn
    container_name = "api"
    container_port = 8080
  }
  service_connect_configuration {
    enabled = true
    service {
      port_name      = "metrics"
      discovery_name = "api-metrics"
      client_alias {
        port = 9090
      }
    }
  }
  network_configuration {
    subnets          = ["subnet-1"]
    assign_public_ip = false
  }
}

# EC2 bridge networking: a host port opens the container port on the instance; hostPort 0 is a
# dynamic port for a load balancer.
resource "aws_ecs_task_definition" "worker" {
  family = "shop-worker"
  container_definitions = jsonencode([
    {
      name  = "worker"
      image = "ghcr.io/acme/shop-worker:2.0.0"
      portMappings = [
        { containerPort = 8081, hostPort = 8081 },
        { containerPort = 8082, hostPort = 0 },
      ]
    },
  ])
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  task_definition = aws_ecs_task_definition.worker.arn
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-worker/6d0ecf831eec9f09"
    container_name   = "worker"
    container_port   = 8082
  }
}

# A public IP reaches every port of the task.
resource "aws_ecs_task_definition" "admin" {
  family                   = "shop-admin"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    { name = "admin", image = "ghcr.io/acme/shop-admin:2.0.0", portMappings = [{ containerPort = 3000 }] },
  ])
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  task_definition = aws_ecs_task_definition.admin.arn
  network_configuration {
    subnets          = ["subnet-1"]
    assign_public_ip = true
  }
}

resource "google_cloud_run_v2_service" "web" {
  name     = "web"
  location = "europe-west1"
  ingress  = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  template {
    containers {
      image = "europe-docker.pkg.dev/acme/shop/web:2.0.0"
      env {
        name  = "API_URL"
        value = "https://${google_cloud_run_v2_service.api.uri}/v1"
      }
    }
  }
}

resource "google_cloud_run_v2_service" "api" {
  name     = "api-run"
  location = "europe-west1"
  template {
    containers {
      image = "europe-docker.pkg.dev/acme/shop/api:2.0.0"
      ports {
        container_port = 9000
      }
    }
  }
}
