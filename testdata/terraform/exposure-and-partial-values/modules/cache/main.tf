resource "aws_elasticache_replication_group" "this" {
  replication_group_id = "shop-cache"
  description          = "shop cache"
  engine               = "valkey"
  engine_version       = "8.0"
}

output "endpoint" {
  value = aws_elasticache_replication_group.this.primary_endpoint_address
}
