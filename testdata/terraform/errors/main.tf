locals {
  a     = "${local.b}-a"
  b     = "${local.c}-b"
  c     = "${local.a}-c"
  fine  = upper("still evaluated")
  typo  = lenght([1, 2])
  undef = var.not_declared
}

variable "tag" {
  type    = number
  default = "not-a-number"
}

resource "docker_container" "ok" {
  name  = "ok"
  image = "nginx:1.27"
  env   = ["GREETING=${local.fine}"]
}

resource "docker_container" "bad_file" {
  name  = "bad-file"
  image = "nginx:1.27"
  env   = ["SECRET=${file("../../../etc/passwd")}"]
}
