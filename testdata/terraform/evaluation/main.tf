locals {
  # Declared before the locals it uses: evaluated in dependency order all the same.
  image    = "${local.registry}/shop:${var.image_tag}"
  registry = "ghcr.io/acme"
  config = templatefile("${path.module}/templates/config.tftpl", {
    environment = var.environment
    features    = ["search", "cart"]
  })
  banner = <<-EOT
    shop ${var.environment}
    replicas: ${var.replicas}
  EOT
  worker_names = [for name in var.workers : "worker-${name}"]
  ports        = { for index, port in [8080, 9090] : "PORT_${index}" => tostring(port) }
}

resource "docker_container" "web" {
  count = var.replicas
  name  = "web-${count.index}"
  image = local.image
  env = concat(
    [for key, value in merge(local.ports, var.extra_env) : "${key}=${value}"],
    ["CONFIG=${base64encode(local.config)}", "BANNER=${trimspace(local.banner)}"],
    var.environment == "production" ? ["SENTRY=on"] : [],
  )
}

module "worker" {
  source   = "./modules/app"
  for_each = var.workers
  name     = "worker-${each.key}"
  image    = local.image
  queue    = each.value
}

output "worker_names" {
  value = [for name in sort(keys(module.worker)) : module.worker[name].name]
}
