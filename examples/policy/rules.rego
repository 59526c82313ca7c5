# The five rules of examples/org.yaml, written in Rego against `scimctl validate --format state`
# (docs/state-json.md): for teams that keep their policy in OPA/conftest beside other Rego. The test
# suite evaluates this file with a real Rego engine (regopy) and checks that it gives the same verdicts
# as scimctl's own rules, on the example org and on a copy that breaks each rule.
#
#   scimctl validate --format state org/ > state.json
#   opa eval --data examples/policy/rules.rego --input state.json 'data.scimctl.rules.violations'
package scimctl.rules

import rego.v1

day_ns := time.parse_ns("2006-01-02", input.day)

nanos_per_day := ((24 * 60) * 60) * 1000000000

# Each violation: {rule, severity, target, subject} — the fields of scimctl's own diagnostics
# (`validate --format json`: rule, subject, target).
violations contains v if {
	some t in input.targets
	some u in t.users
	contractor(u)
	not expires_within(u, 180)
	v := {"rule": "contractors-expire", "severity": "error", "target": t.name, "subject": u.userName}
}

contractor(u) if {
	organization := u.attributes["enterprise.organization"]
	is_string(organization)
	organization != ""
}

expires_within(u, days) if {
	is_string(u.expires)
	time.parse_ns("2006-01-02", u.expires) - day_ns <= days * nanos_per_day
}

violations contains v if {
	some t in input.targets
	some u in t.users
	some address in addresses(u)
	not in_domains(address, {"acme-qa.example"})
	v := {"rule": "company-domains", "severity": "error", "target": t.name, "subject": u.userName}
}

addresses(u) := {u.userName | contains(u.userName, "@")} | {e.value | some e in u.emails}

in_domains(address, domains) if {
	parts := split(lower(address), "@")
	domain := parts[count(parts) - 1]
	some allowed in domains
	domain_matches(domain, allowed)
}

domain_matches(domain, allowed) if domain == allowed

domain_matches(domain, allowed) if endswith(domain, concat("", [".", allowed]))

violations contains v if {
	some t in input.targets
	some u in all_users(t, "stakeholders")
	not lower(u) in lowered(all_users(t, "qaseUsers"))
	v := {"rule": "stakeholders-are-users", "severity": "error", "target": t.name, "subject": u}
}

all_users(t, name) := {u | some g in t.groups; lower(g.displayName) == lower(name); some u in g.allUsers}

lowered(names) := {lower(n) | some n in names}

violations contains v if {
	some t in input.targets
	some g in t.groups
	lower(g.displayName) == "qa-team"
	count(g.members.users) + count(g.members.groups) < 2
	v := {"rule": "qa-team-staffed", "severity": "error", "target": t.name, "subject": g.displayName}
}

violations contains v if {
	some t in input.targets
	seats := [u | some u in t.users; u.attributes.userType == "regular"; u.active]
	count(seats) > 25
	v := {"rule": "paid-seats", "severity": "warning", "target": t.name, "subject": null}
}

# conftest's convention: deny holds the errors, warn the warnings.
deny contains sprintf("%s: %v", [v.rule, v.subject]) if {
	some v in violations
	v.severity == "error"
}

warn contains sprintf("%s: %v", [v.rule, v.subject]) if {
	some v in violations
	v.severity == "warning"
}
