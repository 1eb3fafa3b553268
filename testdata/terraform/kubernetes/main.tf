locals {
  namespace = "shop"
  services = {
    web = { image = "ghcr.io/acme/web:2.4.1", port = 3000, replicas = 2 }
    api = { image = "ghcr.io/acme/api:1.8.0", port = 8080, replicas = 3 }
  }
  shared_env = {
    LOG_FORMAT = "json"
    REGION     = "eu-west-1"
  }
}

resource "kubernetes_config_map_v1" "app" {
  metadata {
    name      = "app-config"
    namespace = local.namespace
  }
  data = {
    FEATURE_FLAGS = "search,recommendations"
  }
}

resource "kubernetes_secret_v1" "db" {
  metadata {
    name      = "db-credentials"
    namespace = local.namespace
  }
  data = {
    password = "s3cr3t-value"
  }
}

resource "kubernetes_deployment_v1" "app" {
  for_each = local.services

  metadata {
    name      = each.key
    namespace = local.namespace
    labels = {
      "app.kubernetes.io/name" = each.key
    }
  }

  spec {
    replicas = each.value.replicas
    selector {
      match_labels = { app = each.key }
    }
    template {
      metadata {
        labels = { app = each.key }
      }
      spec {
        init_container {
          name  = "migrate"
          image = each.value.image
        }
        container {
          name  = each.key
          image = each.value.image
          port {
            container_port = each.value.port
          }
          env_from {
            config_map_ref {
              name = "app-config"
            }
          }
          env_from {
            secret_ref {
              name = "not-in-this-configuration"
            }
          }
          dynamic "env" {
            for_each = local.shared_env
            content {
              name  = env.key
              value = env.value
            }
          }
          env {
            name = "FEATURE_FLAGS"
            value_from {
              config_map_key_ref {
                name = kubernetes_config_map_v1.app.metadata[0].name
                key  = "FEATURE_FLAGS"
              }
            }
          }
          env {
            name = "DB_PASSWORD"
            value_from {
              secret_key_ref {
                name = "db-credentials"
                key  = "password"
              }
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "api" {
  metadata {
    name      = "api"
    namespace = local.namespace
  }
  spec {
    selector = { app = "api" }
    port {
      port        = 80
      target_port = 8080
    }
  }
}

resource "kubernetes_cron_job_v1" "cleanup" {
  metadata {
    name = "cart-cleanup"
  }
  spec {
    schedule = "0 3 * * *"
    job_template {
      metadata {}
      spec {
        template {
          metadata {}
          spec {
            container {
              name    = "cleanup"
              image   = "ghcr.io/acme/api:1.8.0"
              command = ["bin/cleanup"]
            }
          }
        }
      }
    }
  }
}
