environment   = "production"
api_image_tag = "1.7.3"
worker_image  = "ghcr.io/acme/shop-worker:2.0.0"
