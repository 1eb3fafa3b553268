# Prod pulls images only from registries the organisation trusts; the local side may use any.
#
# Each finding points at the image line of the prod manifest. Change `trusted` to your
# registries (a prefix of `registry/repository`).
package parity.policies.trusted_registries

import rego.v1

trusted := {"ghcr.io/acme/", "registry.k8s.io/"}

findings contains finding if {
	some service in input.prod.services
	some container in service.containers
	image := container.image
	not is_trusted(image)
	origin := container.image_origin
	finding := {
		"rule": "trusted-registries",
		"severity": "error",
		"service": service.name,
		"prod_service": service.name,
		"key": container.name,
		"prod": image.raw,
		"message": sprintf("prod container `%s` of `%s` pulls `%s` from an untrusted registry", [container.name, service.name, image.raw]),
		"locations": [{"side": "prod", "file": origin.file, "line": origin.line, "column": origin.column}],
	}
}

is_trusted(image) if {
	some prefix in trusted
	startswith(sprintf("%s/%s", [image.registry, image.repository]), prefix)
}
