# The database is reached through a pgbouncer sidecar on localhost:6432; the cache by its
# address, known only after apply.
resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_ecs_task_definition" "api" {
  family = "ledger-api"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "ghcr.io/acme/ledger-api:1.9.0"
      environment = [
        { name = "DATABASE_URL", value = "postgres://ledger:${random_password.db.result}@localhost:6432/ledger" },
        { name = "CACHE_URL", value = "redis://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379/0" },
      ]
    },
    {
      name         = "pgbouncer"
      image        = "bitnami/pgbouncer:1.23.1"
      portMappings = [{ containerPort = 6432 }]
      environment = [
        { name = "POSTGRESQL_HOST", value = aws_db_instance.ledger.address },
      ]
    },
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
}

resource "aws_db_instance" "ledger" {
  identifier = "ledger"
  engine     = "postgres"
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "ledger-cache"
  description          = "ledger cache"
}
