# The database address is known only after apply, but the password is typed into the task
# definition, and so is the Stripe key next to a per-environment prefix.
resource "aws_ecs_task_definition" "api" {
  family = "billing-api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "ghcr.io/acme/billing-api:4.0.1"
    environment = [
      {
        name  = "DATABASE_URL" # expect: secret-in-plain-env
        value = "postgres://billing:Pr0d-Pa55@${aws_db_instance.billing.address}:5432/billing"
      },
      {
        name  = "STRIPE_API_KEY" # expect: secret-in-plain-env
        value = "sk_live_prod_key_value${aws_ssm_parameter.key_suffix.value}"
      },
    ]
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
}

resource "aws_ssm_parameter" "key_suffix" {
  name = "/billing/stripe-key-suffix"
  type = "String"
}

resource "aws_db_instance" "billing" {
  identifier = "billing"
  engine     = "postgres"
}
