resource "aws_db_instance" "orders" {
  identifier     = "orders-db"
  engine         = "postgres"
  engine_version = "15.5"
}

resource "aws_rds_cluster" "catalog" {
  cluster_identifier = "catalog"
  engine             = "aurora-mysql"
  engine_version     = "8.0.mysql_aurora.3.05.2"
}

resource "aws_elasticache_cluster" "sessions" {
  cluster_id     = "sessions"
  engine         = "memcached"
  engine_version = "1.6.22"
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
  description          = "cache"
  engine               = "valkey"
  engine_version       = "8.0"
}

resource "google_sql_database_instance" "reporting" {
  name             = "reporting"
  database_version = "POSTGRES_16"
}

resource "azurerm_postgresql_flexible_server" "billing" {
  name    = "billing"
  version = "16"
}

resource "aws_mq_broker" "events" {
  broker_name    = "events"
  engine_type    = "RabbitMQ"
  engine_version = "3.13"
}

resource "aws_opensearch_domain" "search" {
  domain_name    = "search"
  engine_version = "OpenSearch_2.11"
}

resource "aws_msk_cluster" "stream" {
  cluster_name  = "stream"
  kafka_version = "3.6.0"
}
