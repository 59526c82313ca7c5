# A rule on the JSON plan (`scimctl plan --format json`, docs/json-plan.md), as conftest users write
# them against `terraform show -json`: people are deactivated, never deleted. Works on the plan of one
# target and on the plan of several (`targets`).
#
#   scimctl plan --format json org/ > plan.json
#   opa eval --data examples/policy/plan.rego --input plan.json 'data.scimctl.plan.deny'
package scimctl.plan

import rego.v1

plans := input.targets if input.targets

plans := [input] if not input.targets

deny contains msg if {
	some plan in plans
	some action in plan.actions
	action.type == "User"
	action.action == "delete"
	msg := sprintf("%s would be deleted in %s; deactivate people instead (active: false)", [action.key, target(plan)])
}

target(plan) := plan.target.name if plan.target.name

target(plan) := plan.target.url if not plan.target.name
