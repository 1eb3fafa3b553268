# Production: the API on Fargate behind an ALB that forwards to 8080 only; the storefront on
# Cloud Run, which serves 3000; the notifier on Fargate with nothing in front of it.
resource "aws_lb_target_group" "api" {
  name        = "shop-api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_task_definition" "api" {
  family                   = "shop-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  container_definitions = jsonencode([{ # expect: unexposed-port
    name  = "api"
    image = "ghcr.io/acme/shop-api:2.3.0"
    portMappings = [
      { containerPort = 8080, hostPort = 8080 },
      { containerPort = 9000, hostPort = 9000 },
    ]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
  network_configuration {
    subnets          = ["subnet-0a1b2c3d"]
    assign_public_ip = false
  }
}

resource "google_cloud_run_v2_service" "storefront" { # expect: unexposed-port
  name     = "storefront"
  location = "europe-west1"
  ingress  = "INGRESS_TRAFFIC_ALL"
  template {
    containers {
      image = "europe-docker.pkg.dev/acme/shop/storefront:5.1.0"
      ports {
        container_port = 3000
      }
    }
  }
}

resource "aws_ecs_task_definition" "notifier" {
  family                   = "notifier"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  container_definitions = jsonencode([{ # expect: unexposed-port
    name         = "notifier"
    image        = "ghcr.io/acme/notifier:1.0.4"
    portMappings = [{ containerPort = 8025, hostPort = 8025 }]
  }])
}

resource "aws_ecs_service" "notifier" {
  name            = "notifier"
  task_definition = aws_ecs_task_definition.notifier.arn
}

# Search runs on the cluster through Terraform's Kubernetes provider; no kubernetes_service
# selects its pods.
resource "kubernetes_deployment_v1" "search" {
  metadata {
    name = "search"
  }
  spec {
    selector {
      match_labels = { app = "search" }
    }
    template {
      metadata {
        labels = { app = "search" }
      }
      spec {
        container {
          name  = "search"
          image = "getmeili/meilisearch:v1.10"
          port {
            container_port = 7700 # expect: unexposed-port
          }
        }
      }
    }
  }
}

# This Service selects the API's pods (there are none on the cluster), not the search pods.
resource "kubernetes_service_v1" "api" {
  metadata {
    name = "api"
  }
  spec {
    selector = { app = "api" }
    port {
      port        = 80
      target_port = 7700
    }
  }
}
