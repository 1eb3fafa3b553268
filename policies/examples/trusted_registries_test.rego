package parity.policies.trusted_registries

import rego.v1

image_container(registry, repository) := {
	"name": "app",
	"image": {"raw": sprintf("%s/%s:1", [registry, repository]), "registry": registry, "repository": repository},
	"image_origin": {"file": "prod/app.yaml", "line": 12, "column": 18},
}

test_untrusted_registry_is_an_error_at_the_image_line if {
	services := [{"name": "app", "containers": [image_container("docker.io", "library/nginx")]}]
	result := findings with input as {"prod": {"services": services}}
	count(result) == 1
	some finding in result
	finding.severity == "error"
	finding.locations == [{"side": "prod", "file": "prod/app.yaml", "line": 12, "column": 18}]
}

test_trusted_registries_are_quiet if {
	services := [{"name": "app", "containers": [image_container("ghcr.io", "acme/api"), image_container("registry.k8s.io", "pause")]}]
	count(findings) == 0 with input as {"prod": {"services": services}}
}

test_a_lookalike_prefix_is_not_trusted if {
	services := [{"name": "app", "containers": [image_container("ghcr.io", "acme-evil/api")]}]
	count(findings) == 1 with input as {"prod": {"services": services}}
}
