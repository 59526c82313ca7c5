import Catalog
public import DesiredState
public import Foundation
import SCIM

/// The desired state as one JSON document (`scimctl validate --format state`; schema/state.schema.json;
/// docs/state-json.md): what a policy engine (OPA, conftest) reads, as `terraform show -json` gives
/// Terraform's. Every user with the attributes in force in each target, groups with resolved members,
/// the policy and safety in force, and the rules declared. Keys sorted, so equal states are equal bytes.
public enum StateJSON {
    public static let formatVersion = "1"

    public static func jsonData(_ org: DeclaredOrg, day: CalendarDay) -> Data {
        var document: [String: JSONValue] = [
            "format_version": .string(formatVersion),
            "day": .string(day.description),
            "files": .array(org.files.map(JSONValue.string)),
            "targets": .array(org.scopes.map { target($0, day: day) }),
            "people": .array(people(org)),
            "rules": .array(org.rules.map(rule)),
        ]
        document["policy"] = policy(org.policy)
        document["safety"] = safety(org.safety)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(document))) ?? Data()
    }

    /// Each person once, with the targets they have an account in (one unnamed target: `[null]`).
    private static func people(_ org: DeclaredOrg) -> [JSONValue] {
        org.users.map { person in
            var object = user(person, day: nil)
            let targets: [JSONValue] =
                org.targets.isEmpty ? [.null] : person.access.map { .string(canonical($0.target.value, in: org)) }
            object["targets"] = .array(targets)
            return .object(object)
        }
    }

    private static func canonical(_ name: String, in org: DeclaredOrg) -> String {
        org.targets.first { $0.name.value.lowercased() == name.lowercased() }?.name.value ?? name
    }

    private static func target(_ scope: TargetScope, day: CalendarDay) -> JSONValue {
        let org = scope.org
        let memberships = Memberships(org)
        let memberOf = memberships.groupsOfUsers(count: org.users.count)
        var object: [String: JSONValue] = [
            "name": scope.name.map(JSONValue.string) ?? .null,
            "users": .array(
                org.users.indices.map { number in
                    var object = user(org.users[number], day: day)
                    object["memberOf"] = .array(memberOf[number].map { .string(org.groups[$0].displayName.value) })
                    return .object(object)
                }),
            "groups": .array(
                org.groups.indices.map { number in
                    var object = group(org.groups[number], number, in: org, memberships)
                    object["allUsers"] = .array(
                        memberships.all[number].keys.sorted().map { .string(org.users[$0].userName.value) })
                    return .object(object)
                }),
            "policy": policy(org.policy),
            "safety": safety(org.safety),
        ]
        if let target = org.target {
            object["url"] = target.url.map { .string($0.value) } ?? .null
            object["provider"] = .string(target.providerProfile.name)
            object["tokenEnv"] = target.tokenEnv.map { .string($0.value) } ?? .null
        }
        return .object(object)
    }

    /// A user's attributes in force: every declared string attribute by its path, `null` where the YAML
    /// clears it. `active` is what the plan's day makes it (declared, and not past `expires`).
    private static func user(_ user: DesiredUser, day: CalendarDay?) -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for (attribute, value) in user.attributes.present {
            attributes[attribute.path] = value.value.map(JSONValue.string) ?? .null
        }
        if let manager = user.manager.value { attributes[AttributeTable.manager.path] = .string(manager) }
        var object: [String: JSONValue] = [
            "userName": .string(user.userName.value),
            "externalId": user.externalId.value.map(JSONValue.string) ?? .null,
            "attributes": .object(attributes),
            "groups": .array(user.groups.map { .string($0.value) }),
            "declaredActive": .bool(user.active.value ?? true),
            "expires": user.expires.map { .string($0.value.description) } ?? .null,
            "deleteAfter": user.deleteAfter.map { .string($0.value.description) } ?? .null,
            "location": .string(user.location.description),
        ]
        for attribute in AttributeTable.userContacts {
            object[attribute.key] = .array((user.contacts[attribute]?.value ?? []).map(contact))
        }
        if let day {
            let expired = user.expires.map { $0.value <= day } ?? false
            object["active"] = .bool((user.active.value ?? true) && !expired)
        }
        return object
    }

    private static func contact(_ value: ContactValue) -> JSONValue {
        .object([
            "value": .string(value.value), "type": value.type.map(JSONValue.string) ?? .null,
            "primary": .bool(value.primary),
        ])
    }

    /// Members resolved: users by their userName in this target, nested groups by name — from the group's
    /// own list and the users' `groups:` alike.
    /// A group with its direct members: users (from its own list and the users' `groups`) and nested groups.
    private static func group(_ group: DesiredGroup, _ number: Int, in org: DeclaredOrg, _ memberships: Memberships)
        -> [String: JSONValue]
    {
        let users = memberships.direct[number].keys.sorted().map { JSONValue.string(org.users[$0].userName.value) }
        let groups = memberships.nested[number].map { JSONValue.string(org.groups[$0].displayName.value) }
        return [
            "displayName": .string(group.displayName.value),
            "externalId": group.externalId.value.map(JSONValue.string) ?? .null,
            "members": .object(["users": .array(users), "groups": .array(groups)]),
            "location": .string(group.location.description),
        ]
    }

    private static func policy(_ policy: Policy) -> JSONValue {
        .object([
            "unmanaged": .string(policy.unmanaged.rawValue),
            "unmanagedGroups": .string(policy.unmanagedGroups.rawValue),
            "protect": .array(policy.protect.map { .string($0.value.text) }),
        ])
    }

    private static func safety(_ safety: Safety) -> JSONValue {
        .object([
            "maxDestructive": .number(Double(safety.maxDestructive)),
            "maxDestructivePercent": .number(safety.maxDestructivePercent),
            "approve": .array(safety.approve.map { .string($0.value) }),
        ])
    }

    private static func rule(_ rule: Rule) -> JSONValue {
        .object([
            "id": .string(rule.id.value),
            "description": rule.description.map(JSONValue.string) ?? .null,
            "severity": .string(rule.severity.rawValue),
            "selects": .string(rule.kind.rawValue),
            "location": .string(rule.location.description),
        ])
    }
}
