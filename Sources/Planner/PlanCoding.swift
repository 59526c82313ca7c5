public import Foundation
import SCIM

/// The JSON form of a plan: the stable core of design.md (`format_version`, `target`, `summary`,
/// `actions` with `action`/`type`/`key`) and everything `apply --plan` needs. Fields are added, never
/// renamed. Only written: a saved plan is read back as a `SavedPlan`, which takes nothing safety-relevant.
extension Plan: Encodable {
    public static let formatVersion = "1"

    enum Keys: String, CodingKey {
        case formatVersion = "format_version", target, day, summary, actions, protected, unmanaged
        case desiredDigest = "desired_digest", liveVersions = "live_versions", protect
    }

    enum SummaryKeys: String, CodingKey {
        case create, update, adopt, reactivate, deactivate, delete, destructive, cap, blocked, digest, approved
        case maxDestructive = "max_destructive", maxDestructivePercent = "max_destructive_percent"
        case liveManagedUsers = "live_managed_users", percentCap = "percent_cap", bound
    }

    enum UnmanagedKeys: String, CodingKey {
        case users, groups, inactiveUsers = "inactive_users"
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
        try summary.encode(budget.maxDestructive, forKey: .maxDestructive)
        try summary.encode(budget.maxDestructivePercent, forKey: .maxDestructivePercent)
        try summary.encode(budget.liveManagedUsers, forKey: .liveManagedUsers)
        try summary.encode(budget.percentCap, forKey: .percentCap)
        try summary.encode(budget.bound.rawValue, forKey: .bound)
        try container.encode(actions, forKey: .actions)
        try container.encode(protected, forKey: .protected)
        var unmanaged = container.nestedContainer(keyedBy: UnmanagedKeys.self, forKey: .unmanaged)
        try unmanaged.encode(unmanagedUsers, forKey: .users)
        try unmanaged.encode(unmanagedGroups, forKey: .groups)
        try unmanaged.encode(inactiveUnmanagedUsers, forKey: .inactiveUsers)
        try container.encode(desiredDigest, forKey: .desiredDigest)
        try container.encode(liveVersions, forKey: .liveVersions)
        try container.encode(protectPatterns, forKey: .protect)
    }

    /// The plan as one JSON document (sorted keys, so equal plans give equal bytes).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a string, number, boolean or JSONValue: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

}

extension Plan: Decodable {
    /// A plan file read back whole, for `scimctl show`: what the file states, budget included. Only for
    /// display — `apply --plan` reads a `SavedPlan`, which takes nothing safety-relevant from the file.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let version = try container.decode(String.self, forKey: .formatVersion)
        guard version == Self.formatVersion else { throw SavedPlanRefusal.unsupportedVersion(version) }
        let summary = try container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        let unmanaged = try container.nestedContainer(keyedBy: UnmanagedKeys.self, forKey: .unmanaged)
        let budget = DestructiveBudget(
            count: try summary.decode(Int.self, forKey: .destructive), cap: try summary.decode(Int.self, forKey: .cap),
            maxDestructive: try summary.decode(Int.self, forKey: .maxDestructive),
            maxDestructivePercent: try summary.decode(Double.self, forKey: .maxDestructivePercent),
            liveManagedUsers: try summary.decode(Int.self, forKey: .liveManagedUsers),
            percentCap: try summary.decode(Int.self, forKey: .percentCap),
            digest: try summary.decode(String.self, forKey: .digest),
            approved: try summary.decode(Bool.self, forKey: .approved))
        self.init(
            target: try container.decode(TargetInfo.self, forKey: .target),
            actions: try container.decode([PlannedAction].self, forKey: .actions),
            protected: try container.decode([ProtectedObject].self, forKey: .protected),
            unmanagedUsers: try unmanaged.decode([String].self, forKey: .users),
            unmanagedGroups: try unmanaged.decode([String].self, forKey: .groups), budget: budget,
            desiredDigest: try container.decode(String.self, forKey: .desiredDigest),
            liveVersions: try container.decode([String: String].self, forKey: .liveVersions),
            day: try container.decode(String.self, forKey: .day),
            protectPatterns: try container.decode([String].self, forKey: .protect),
            inactiveUnmanagedUsers: try unmanaged.decodeIfPresent([String].self, forKey: .inactiveUsers) ?? [])
    }

    /// Reads a plan file for display; a file that is not one gets the message `apply --plan` gives.
    public static func decodeFile(_ data: Data) throws(SavedPlanRefusal) -> Plan {
        try SavedPlan.decodePlanFile(Plan.self, data)
    }

    /// Whether the file's stated destructive digest is the digest of its own actions (not, when the
    /// actions were edited by hand).
    public var digestMatchesActions: Bool {
        budget.digest == ContentDigest.sha256(DestructiveBudget.digestLines(actions).joined(separator: "\n"))
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
