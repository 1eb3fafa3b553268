package parity.policies.required_labels

import rego.v1

test_each_missing_label_is_one_finding if {
	result := findings with input as {"prod": {"services": [{"name": "api", "labels": {"team": "shop"}}]}}
	count(result) == 1
	some finding in result
	finding.key == "app.kubernetes.io/name"
	finding.message == "prod workload `api` has no `app.kubernetes.io/name` label"
}

test_fully_labelled_workloads_are_quiet if {
	labels := {"team": "shop", "app.kubernetes.io/name": "api"}
	count(findings) == 0 with input as {"prod": {"services": [{"name": "api", "labels": labels}]}}
}

test_local_services_are_not_checked if {
	count(findings) == 0 with input as {
		"local": {"services": [{"name": "api", "labels": {}}]},
		"prod": {"services": []},
	}
}
