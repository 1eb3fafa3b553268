# The password is generated at apply, but the host was copied from a laptop's .env.
resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_ecs_task_definition" "api" {
  family = "ledger-api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "ghcr.io/acme/ledger-api:1.9.0"
    environment = [
      {
        name  = "DATABASE_URL" # expect: loopback-reference
        value = "postgres://ledger:${random_password.db.result}@localhost:5432/ledger"
      },
    ]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
}
