# Loaded after terraform.tfvars: wins.
environment = "production"
workers     = ["email", "billing", "email"]
replicas    = "3"
