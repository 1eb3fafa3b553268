environment   = "production"
api_image_tag = "1.8.0"
worker_image  = "ghcr.io/acme/shop-worker:2.0.0"
