variable "env" {
  default = "prod"
}

resource "aws_db_instance" "db" { # expect: version-mismatch
  identifier     = "acme-${var.env}-db"
  engine         = "postgres"
  engine_version = "14.9"
}

resource "aws_elasticache_replication_group" "sessions" { # expect: version-mismatch
  replication_group_id = "acme-${var.env}-sessions"
  description          = "sessions"
  engine               = "redis"
  engine_version       = "7.1"
}

resource "aws_opensearch_domain" "search" { # expect: version-mismatch
  domain_name    = "acme-search"
  engine_version = "OpenSearch_1.3"
}
