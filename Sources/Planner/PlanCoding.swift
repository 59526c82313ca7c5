public import Foundation
import SCIM

/// The JSON form of a plan: the stable core of design.md (`format_version`, `target`, `summary`,
/// `actions` with `action`/`type`/`key`) and everything `apply --plan` needs. Fields are added, never
/// renamed.
extension Plan {
    public static let formatVersion = "1"

    private enum Keys: String, CodingKey {
        case formatVersion = "format_version", target, day, summary, actions, protected, unmanaged
        case desiredDigest = "desired_digest", liveVersions = "live_versions", protect
    }

    private enum SummaryKeys: String, CodingKey {
        case create, update, adopt, reactivate, deactivate, delete, destructive, cap, blocked, digest, approved
    }

    private enum UnmanagedKeys: String, CodingKey {
        case users, groups
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Self.formatVersion, forKey: .formatVersion)
        try container.encode(target, forKey: .target)
        try container.encode(day, forKey: .day)
        var summary = container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        try summary.encode(count(.create), forKey: .create)
        try summary.encode(count(.update), forKey: .update)
        try summary.encode(count(.adopt), forKey: .adopt)
        try summary.encode(count(.reactivate), forKey: .reactivate)
        try summary.encode(count(.deactivate), forKey: .deactivate)
        try summary.encode(count(.delete), forKey: .delete)
        try summary.encode(budget.count, forKey: .destructive)
        try summary.encode(budget.cap, forKey: .cap)
        try summary.encode(budget.blocked, forKey: .blocked)
        try summary.encode(budget.digest, forKey: .digest)
        try summary.encode(budget.approved, forKey: .approved)
        try container.encode(actions, forKey: .actions)
        try container.encode(protected, forKey: .protected)
        var unmanaged = container.nestedContainer(keyedBy: UnmanagedKeys.self, forKey: .unmanaged)
        try unmanaged.encode(unmanagedUsers, forKey: .users)
        try unmanaged.encode(unmanagedGroups, forKey: .groups)
        try container.encode(desiredDigest, forKey: .desiredDigest)
        try container.encode(liveVersions, forKey: .liveVersions)
        try container.encode(protectPatterns, forKey: .protect)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let version = try container.decode(String.self, forKey: .formatVersion)
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: container,
                debugDescription:
                    "plan format \(version) is not supported; this scimctl reads format \(Self.formatVersion)")
        }
        let summary = try container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        let unmanaged = try container.nestedContainer(keyedBy: UnmanagedKeys.self, forKey: .unmanaged)
        let actions = try container.decode([PlannedAction].self, forKey: .actions)
        self.init(
            target: try container.decode(TargetInfo.self, forKey: .target),
            actions: actions,
            protected: try container.decode([ProtectedObject].self, forKey: .protected),
            unmanagedUsers: try unmanaged.decode([String].self, forKey: .users),
            unmanagedGroups: try unmanaged.decode([String].self, forKey: .groups),
            budget: DestructiveBudget(
                count: actions.reduce(0) { $0 + $1.destructiveCount }, cap: try summary.decode(Int.self, forKey: .cap),
                digest: try summary.decode(String.self, forKey: .digest),
                approved: try summary.decode(Bool.self, forKey: .approved)),
            desiredDigest: try container.decode(String.self, forKey: .desiredDigest),
            liveVersions: try container.decode([String: String].self, forKey: .liveVersions),
            day: try container.decode(String.self, forKey: .day),
            protectPatterns: try container.decodeIfPresent([String].self, forKey: .protect) ?? [])
    }

    /// The plan as one JSON document (sorted keys, so equal plans give equal bytes).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a string, number, boolean or JSONValue: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data) throws -> Plan {
        try JSONDecoder().decode(Plan.self, from: data)
    }
}

extension PlannedAction {
    private enum Keys: String, CodingKey {
        case action, type, key, id, version, changes, members, reason, managed
    }

    private enum MemberKeys: String, CodingKey {
        case add, remove, refs
    }

    private enum RefKeys: String, CodingKey {
        case add, remove
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(action, forKey: .action)
        try container.encode(type, forKey: .type)
        try container.encode(key, forKey: .key)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encode(changes, forKey: .changes)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encode(managed, forKey: .managed)
        if let members {
            var nested = container.nestedContainer(keyedBy: MemberKeys.self, forKey: .members)
            try nested.encode(members.add.map(\.key), forKey: .add)
            try nested.encode(members.remove.map(\.key), forKey: .remove)
            var refs = nested.nestedContainer(keyedBy: RefKeys.self, forKey: .refs)
            try refs.encode(members.add, forKey: .add)
            try refs.encode(members.remove, forKey: .remove)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var members: MembershipChange?
        if container.contains(.members) {
            let nested = try container.nestedContainer(keyedBy: MemberKeys.self, forKey: .members)
            let refs = try nested.nestedContainer(keyedBy: RefKeys.self, forKey: .refs)
            members = MembershipChange(
                add: try refs.decode([MemberReference].self, forKey: .add),
                remove: try refs.decode([MemberReference].self, forKey: .remove))
        }
        self.init(
            try container.decode(ActionKind.self, forKey: .action),
            try container.decode(ResourceKind.self, forKey: .type),
            key: try container.decode(String.self, forKey: .key),
            id: try container.decodeIfPresent(String.self, forKey: .id),
            version: try container.decodeIfPresent(String.self, forKey: .version),
            changes: try container.decode([AttributeChange].self, forKey: .changes), members: members,
            reason: try container.decodeIfPresent(String.self, forKey: .reason),
            managed: try container.decodeIfPresent(Bool.self, forKey: .managed) ?? true)
    }
}

extension AttributeChange {
    private enum Keys: String, CodingKey {
        case attribute, old, new
    }

    /// `old`/`new` are always present: `null` for "absent" or "cleared", so the shape is regular.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(attribute, forKey: .attribute)
        try container.encode(old ?? .null, forKey: .old)
        try container.encode(new ?? .null, forKey: .new)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let old = try container.decode(JSONValue.self, forKey: .old)
        let new = try container.decode(JSONValue.self, forKey: .new)
        self.init(
            try container.decode(String.self, forKey: .attribute), old: old == .null ? nil : old,
            new: new == .null ? .null : new)
    }
}
