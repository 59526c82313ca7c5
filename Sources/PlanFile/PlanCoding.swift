import DesiredState
public import Foundation
public import Planner
public import Rendering
import SCIM

/// The JSON form of a plan: the stable core of docs/json-plan.md (`format_version`, `target`, `summary`,
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

    /// The plan as one JSON document (sorted keys, so equal plans give equal bytes); `reason` worded by
    /// `wording`, beside the reason's data (`why`), which is what a saved plan is compared by.
    public func jsonData(wording: Wording = .standard) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Wording.userInfoKey] = wording
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
        budget.digest == DestructiveBudget.digest(of: actions)
    }
}

extension PlannedAction: Codable {
    private enum Keys: String, CodingKey {
        case action, type, key, id, version, changes, members, reason, why, managed
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
        if let reason {
            if let wording = encoder.userInfo[Wording.userInfoKey] as? Wording {
                try container.encode(wording.reason(reason), forKey: .reason)
            }
            try container.encode(reason, forKey: .why)
        }
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
        let type = try container.decode(ResourceKind.self, forKey: .type)
        var changes: [AttributeChange] = []
        var list = try container.nestedUnkeyedContainer(forKey: .changes)
        while !list.isAtEnd {
            let change = try list.nestedContainer(keyedBy: AttributeChange.Keys.self)
            let text = try change.decode(String.self, forKey: .attribute)
            guard let path = AttributePath(planPath: text, of: type) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .attribute, in: change, debugDescription: "'\(text)' is no attribute of a \(type.rawValue)")
            }
            let old = try change.decode(JSONValue.self, forKey: .old)
            changes.append(
                AttributeChange(
                    path, old: old == .null ? nil : old, new: try change.decode(JSONValue.self, forKey: .new)))
        }
        self.init(
            try container.decode(ActionKind.self, forKey: .action), type,
            key: try container.decode(String.self, forKey: .key),
            id: try container.decodeIfPresent(String.self, forKey: .id),
            version: try container.decodeIfPresent(String.self, forKey: .version),
            changes: changes, members: members,
            reason: try container.decodeIfPresent(ActionReason.self, forKey: .why),
            managed: try container.decodeIfPresent(Bool.self, forKey: .managed) ?? true)
    }
}

extension AttributeChange: Encodable {
    enum Keys: String, CodingKey {
        case attribute, old, new
    }

    /// `old`/`new` are always present: `null` for "absent" or "cleared", so the shape is regular.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(attribute.description, forKey: .attribute)
        try container.encode(old ?? .null, forKey: .old)
        try container.encode(new ?? .null, forKey: .new)
    }
}

extension Wording {
    /// Where an encoder finds the wording for `reason` fields; without one, only the data is written.
    static let userInfoKey = CodingUserInfoKey(rawValue: "scimctl.wording")!
}

/// A reason as data: `{"code": "expired", "day": "2027-03-31"}` (docs/json-plan.md lists the codes).
extension ActionReason: Codable {
    private enum Keys: String, CodingKey {
        case code, day, policy, of, id, members
        case keeperId = "keeper_id", keeperMembers = "keeper_members"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .declaredInactive:
            try container.encode("declared_inactive", forKey: .code)
        case .expired(let day):
            try container.encode("expired", forKey: .code)
            try container.encode(day.description, forKey: .day)
        case .deleteAfterPassed(let day):
            try container.encode("delete_after_passed", forKey: .code)
            try container.encode(day.description, forKey: .day)
        case .undeclaredUser(let policy):
            try container.encode("undeclared_user", forKey: .code)
            try container.encode(policy.rawValue, forKey: .policy)
        case .undeclaredGroup:
            try container.encode("undeclared_group", forKey: .code)
            try container.encode(UnmanagedGroupPolicy.delete.rawValue, forKey: .policy)
        case .duplicateGroup(let name, let duplicate, let keeper):
            try container.encode("duplicate_group", forKey: .code)
            try container.encode(name, forKey: .of)
            try container.encodeIfPresent(duplicate.id, forKey: .id)
            try container.encode(duplicate.members, forKey: .members)
            try container.encodeIfPresent(keeper.id, forKey: .keeperId)
            try container.encode(keeper.members, forKey: .keeperMembers)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        func day() throws -> CalendarDay {
            let text = try container.decode(String.self, forKey: .day)
            guard let day = CalendarDay(text) else {
                throw DecodingError.dataCorruptedError(forKey: .day, in: container, debugDescription: "not a day")
            }
            return day
        }
        let code = try container.decode(String.self, forKey: .code)
        switch code {
        case "declared_inactive": self = .declaredInactive
        case "expired": self = .expired(on: try day())
        case "delete_after_passed": self = .deleteAfterPassed(try day())
        case "undeclared_user":
            guard let policy = UnmanagedUserPolicy(rawValue: try container.decode(String.self, forKey: .policy)) else {
                throw DecodingError.dataCorruptedError(forKey: .policy, in: container, debugDescription: "no policy")
            }
            self = .undeclaredUser(policy)
        case "undeclared_group": self = .undeclaredGroup
        case "duplicate_group":
            self = .duplicateGroup(
                of: try container.decode(String.self, forKey: .of),
                duplicate: GroupTally(
                    id: try container.decodeIfPresent(String.self, forKey: .id),
                    members: try container.decode(Int.self, forKey: .members)),
                keeper: GroupTally(
                    id: try container.decodeIfPresent(String.self, forKey: .keeperId),
                    members: try container.decode(Int.self, forKey: .keeperMembers)))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .code, in: container, debugDescription: "'\(code)' is no reason this scimctl knows")
        }
    }
}

extension ProtectedObject: Codable {
    private enum Keys: String, CodingKey {
        case key, pattern, wouldHave, wouldHaveAction = "would_have_action", why
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(key, forKey: .key)
        try container.encode(pattern, forKey: .pattern)
        if let wording = encoder.userInfo[Wording.userInfoKey] as? Wording {
            try container.encodeIfPresent(wording.wouldHave(self), forKey: .wouldHave)
        }
        try container.encodeIfPresent(wouldHave, forKey: .wouldHaveAction)
        try container.encodeIfPresent(wouldHaveReason, forKey: .why)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.init(
            key: try container.decode(String.self, forKey: .key),
            pattern: try container.decode(String.self, forKey: .pattern),
            wouldHave: try container.decodeIfPresent(ActionKind.self, forKey: .wouldHaveAction),
            reason: try container.decodeIfPresent(ActionReason.self, forKey: .why))
    }
}

// MARK: Several targets

extension Plan {
    /// The JSON of a directory's plans. The one target of `target:` is one plan, as it always was; the
    /// targets of `targets:` are `{"format_version", "targets": [plan, …], "summary"}`, each entry a whole
    /// plan naming its target (docs/json-plan.md, "Several targets").
    public static func jsonData(_ plans: [Plan], wording: Wording = .standard) -> Data {
        guard PlanRenderer.isSeveral(plans) else { return plans.first?.jsonData(wording: wording) ?? Data() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Wording.userInfoKey] = wording
        return (try? encoder.encode(DirectoryPlan(plans: plans))) ?? Data()
    }

    /// A plan file read back whole, for `scimctl show`: one plan, or each target's.
    public static func decodeFiles(_ data: Data) throws(SavedPlanRefusal) -> [Plan] {
        if let plans = try SavedPlan.decodePlanFile(DirectoryDocument<Plan>.self, data).plans { return plans }
        return [try decodeFile(data)]
    }
}

/// `{"format_version", "targets": [...], "summary": {...}}`: the plans of several targets.
struct DirectoryPlan: Encodable {
    var plans: [Plan]

    enum Keys: String, CodingKey { case formatVersion = "format_version", targets, summary }
    enum SummaryKeys: String, CodingKey {
        case create, update, adopt, reactivate, deactivate, delete, destructive, blocked
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Plan.formatVersion, forKey: .formatVersion)
        try container.encode(plans, forKey: .targets)
        var summary = container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        func total(_ kind: ActionKind) -> Int { plans.reduce(0) { $0 + $1.count(kind) } }
        try summary.encode(total(.create), forKey: .create)
        try summary.encode(total(.update), forKey: .update)
        try summary.encode(total(.adopt), forKey: .adopt)
        try summary.encode(total(.reactivate), forKey: .reactivate)
        try summary.encode(total(.deactivate), forKey: .deactivate)
        try summary.encode(total(.delete), forKey: .delete)
        try summary.encode(plans.reduce(0) { $0 + $1.budget.count }, forKey: .destructive)
        try summary.encode(plans.filter(\.budget.blocked).compactMap(\.target.name), forKey: .blocked)
    }
}

/// A plan file as far as telling its form: `targets` (several) or not (one).
struct DirectoryDocument<Entry: Decodable>: Decodable {
    var plans: [Entry]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DirectoryPlan.Keys.self)
        guard container.contains(.targets) else { return }
        let version = try container.decode(String.self, forKey: .formatVersion)
        guard version == Plan.formatVersion else { throw SavedPlanRefusal.unsupportedVersion(version) }
        plans = try container.decode([Entry].self, forKey: .targets)
    }
}
