# The password is generated at apply and the Stripe key comes from Secrets Manager: nothing
# secret is written in the configuration.
resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_secretsmanager_secret" "stripe" {
  name = "billing/stripe-api-key"
}

resource "aws_ecs_task_definition" "api" {
  family = "billing-api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "ghcr.io/acme/billing-api:4.0.1"
    environment = [
      {
        name  = "DATABASE_URL"
        value = "postgres://billing:${random_password.db.result}@${aws_db_instance.billing.address}:5432/billing"
      },
      {
        name  = "CACHE_URL"
        value = "rediss://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379/0"
      },
    ]
    secrets = [
      { name = "STRIPE_API_KEY", valueFrom = aws_secretsmanager_secret.stripe.arn },
    ]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
}

resource "aws_db_instance" "billing" {
  identifier = "billing"
  engine     = "postgres"
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "billing-cache"
  description          = "billing cache"
}
