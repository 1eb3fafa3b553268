resource "aws_rds_cluster" "db" {
  cluster_identifier = "acme-db"
  engine             = "aurora-postgresql"
  engine_version     = "14.11"
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id     = "acme-cache"
  engine         = "redis"
  engine_version = "7.1"
}

resource "google_sql_database_instance" "mysql" {
  name             = "acme-mysql"
  database_version = "MYSQL_8_0"
}
