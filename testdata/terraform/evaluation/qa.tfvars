# Passed with --prod-var-file: wins over terraform.tfvars and *.auto.tfvars.
image_tag = "1.1.0-rc.1"
replicas  = 1
extra_env = { FEATURE_X = "on" }
