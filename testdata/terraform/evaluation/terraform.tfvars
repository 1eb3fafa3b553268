environment = "staging"
image_tag   = "1.0.0"
