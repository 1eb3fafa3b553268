# Every prod workload carries the labels the platform routes alerts and costs by.
#
# Use: `parity diff local/ prod/ --rego policies/examples/required_labels.rego`, or list the file
# under `rego:` in parity.yaml. Change `required` to your organisation's labels.
package parity.policies.required_labels

import rego.v1

required := {"team", "app.kubernetes.io/name"}

findings contains finding if {
	some service in input.prod.services
	some label in required
	not service.labels[label]
	finding := {
		"rule": "required-labels",
		"severity": "warning",
		"service": service.name,
		"prod_service": service.name,
		"key": label,
		"message": sprintf("prod workload `%s` has no `%s` label", [service.name, label]),
	}
}
