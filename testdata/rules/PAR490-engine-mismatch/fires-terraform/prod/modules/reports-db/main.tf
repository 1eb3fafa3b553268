# The reports database: an Aurora MySQL cluster. Its callers only see the endpoint output.
variable "name" {
  type = string
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = var.name
  engine             = "aurora-mysql"
  engine_version     = "8.0.mysql_aurora.3.05.2"
}

output "endpoint" {
  value = aws_rds_cluster.this.endpoint
}
