variable "project" {
  default = "acme-prod"
}

resource "google_cloud_run_v2_service" "web" {
  name     = "web"
  location = "europe-west1"
  labels   = { team = "storefront" }
  template {
    scaling {
      min_instance_count = 2
    }
    containers {
      image = "europe-docker.pkg.dev/${var.project}/shop/web:2.4.1"
      ports {
        container_port = 3000
      }
      env {
        name  = "API_URL"
        value = "https://api.acme.example"
      }
      env {
        name = "SESSION_SECRET"
        value_source {
          secret_key_ref {
            secret  = "session-secret"
            version = "latest"
          }
        }
      }
    }
  }
}

resource "google_cloud_run_service" "legacy" {
  name     = "legacy-api"
  location = "europe-west1"
  template {
    spec {
      containers {
        image = "gcr.io/${var.project}/legacy-api:0.9.2"
        env {
          name  = "MODE"
          value = "legacy"
        }
        ports {
          container_port = 8080
        }
      }
    }
  }
}

resource "azurerm_container_app" "orders" {
  name                         = "orders"
  container_app_environment_id = "env-id"
  resource_group_name          = "rg"
  revision_mode                = "Single"
  ingress {
    target_port      = 8080
    external_enabled = true
    traffic_weight {
      percentage      = 100
      latest_revision = true
    }
  }
  template {
    min_replicas = 1
    container {
      name   = "orders"
      image  = "acme.azurecr.io/orders:4.2.0"
      cpu    = 0.5
      memory = "1Gi"
      env {
        name  = "QUEUE"
        value = "orders"
      }
      env {
        name        = "DB_PASSWORD"
        secret_name = "db-password"
      }
    }
  }
}

resource "docker_container" "proxy" {
  name  = "edge-proxy"
  image = "nginx:1.27-alpine"
  env   = ["WORKER_PROCESSES=4", "UPSTREAM=web:3000"]
  ports {
    internal = 80
    external = 8080
  }
}

resource "aws_lambda_function" "thumbnails" {
  function_name = "thumbnails"
  package_type  = "Image"
  image_uri     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbnails:5.0.1"
  role          = "arn:aws:iam::123456789012:role/lambda"
  environment {
    variables = {
      BUCKET    = "acme-images"
      MAX_WIDTH = 1200
    }
  }
}

resource "helm_release" "ingress" {
  name       = "ingress-nginx"
  repository = "https://kubernetes.github.io/ingress-nginx"
  chart      = "ingress-nginx"
  version    = "4.10.1"
}
