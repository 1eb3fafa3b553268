# Production: the same engines, managed. The URLs are known only in part before apply; their
# schemes and the resources they name agree with the laptop.
resource "random_password" "db" {
  length = 32
}

resource "aws_ecs_task_definition" "api" {
  family = "orders-api"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "ghcr.io/acme/orders-api:3.4.0"
      environment = [
        # The password is generated at apply: no literal, and not the rule's business.
        { name = "DATABASE_URL", value = "postgresql://orders:${random_password.db.result}@${aws_rds_cluster.orders.endpoint}:5432/orders" },
        { name = "CACHE_URL", value = "rediss://${aws_elasticache_serverless_cache.cache.endpoint[0].address}:6379" },
        # No engine in an http URL, and none in the search domain it names.
        { name = "SEARCH_URL", value = "https://${aws_opensearch_domain.search.endpoint}" },
      ]
    },
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  engine_version     = "16.2"
}

# Valkey behind a `rediss://` URL: the managed resource, not the scheme, says so.
resource "aws_elasticache_serverless_cache" "cache" {
  name                 = "orders-cache"
  engine               = "valkey"
  major_engine_version = "8"
}

resource "aws_opensearch_domain" "search" {
  domain_name    = "orders-search"
  engine_version = "OpenSearch_2.11"
}
