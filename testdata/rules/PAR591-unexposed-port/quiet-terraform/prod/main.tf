# Production: each published port has a way in.
resource "aws_lb_target_group" "api" {
  name        = "shop-api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

# The API: the ALB forwards to 8080, Service Connect publishes the admin port to the other
# services of the namespace.
resource "aws_ecs_task_definition" "api" {
  family                   = "shop-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  container_definitions = jsonencode([{
    name  = "api"
    image = "ghcr.io/acme/shop-api:2.3.0"
    portMappings = [
      { containerPort = 8080, name = "http" },
      { containerPort = 9000, name = "admin" },
    ]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
  service_connect_configuration {
    enabled = true
    service {
      port_name      = "admin"
      discovery_name = "api-admin"
      client_alias {
        port = 9000
      }
    }
  }
}

# Cloud Run serves 8080 when no port is written.
resource "google_cloud_run_v2_service" "storefront" {
  name     = "storefront"
  location = "europe-west1"
  ingress  = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  template {
    containers {
      image = "europe-docker.pkg.dev/acme/shop/storefront:5.1.0"
    }
  }
}

# The first generation of Cloud Run, with its port written.
resource "google_cloud_run_service" "legacy" {
  name     = "legacy"
  location = "europe-west1"
  metadata {
    annotations = {
      "run.googleapis.com/ingress" = "internal"
    }
  }
  template {
    spec {
      containers {
        image = "gcr.io/acme/legacy:0.9.0"
        ports {
          container_port = 8081
        }
      }
    }
  }
}

# EC2 bridge networking: the host port opens the container port on the instance.
resource "aws_ecs_task_definition" "thumbnailer" {
  family = "thumbnailer"
  container_definitions = jsonencode([{
    name         = "thumbnailer"
    image        = "ghcr.io/acme/thumbnailer:1.2.0"
    portMappings = [{ containerPort = 7000, hostPort = 7000 }]
  }])
}

resource "aws_ecs_service" "thumbnailer" {
  name            = "thumbnailer"
  task_definition = aws_ecs_task_definition.thumbnailer.arn
}

# Registered in Cloud Map: other services resolve its tasks' addresses.
resource "aws_service_discovery_service" "jobs" {
  name = "jobs"
}

resource "aws_ecs_task_definition" "jobs" {
  family                   = "jobs"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([{
    name         = "jobs"
    image        = "ghcr.io/acme/jobs:1.0.0"
    portMappings = [{ containerPort = 9100 }]
  }])
}

resource "aws_ecs_service" "jobs" {
  name            = "jobs"
  task_definition = aws_ecs_task_definition.jobs.arn
  service_registries {
    registry_arn = aws_service_discovery_service.jobs.arn
  }
}

# Search on the cluster, selected by a kubernetes_service that targets its named port.
resource "kubernetes_deployment_v1" "search" {
  metadata {
    name      = "search"
    namespace = "shop"
  }
  spec {
    selector {
      match_labels = { app = "search" }
    }
    template {
      metadata {
        labels = { app = "search", tier = "backend" }
      }
      spec {
        container {
          name  = "search"
          image = "getmeili/meilisearch:v1.10"
          port {
            name           = "http"
            container_port = 7700
          }
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "search" {
  metadata {
    name      = "search"
    namespace = "shop"
  }
  spec {
    selector = { app = "search" }
    port {
      port        = 80
      target_port = "http"
    }
  }
}
