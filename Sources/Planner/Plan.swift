public import DesiredState
import Identity
public import SCIM

/// What an action does. Its symbol is how every output shows it — text, Markdown, apply's progress and
/// drift — and `legend` says so in each.
public enum ActionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case create, update, adopt, reactivate, deactivate, delete

    public var symbol: String {
        switch self {
        case .create: "+"
        case .update: "~"
        case .adopt: "="
        case .reactivate: "↺"
        case .deactivate: "-"
        case .delete: "×"
        }
    }

    /// `Symbols: + create  ~ update  = adopt  ↺ reactivate  - deactivate  × delete`.
    public static var legend: String {
        "Symbols: " + allCases.map { "\($0.symbol) \($0.rawValue)" }.joined(separator: "  ")
    }
}

public enum ResourceKind: String, Sendable, Hashable, Codable {
    case user = "User"
    case group = "Group"
}

/// One attribute's change, `old → new`. The manager's values are userNames (apply resolves them to ids).
public struct AttributeChange: Sendable, Hashable {
    public var attribute: AttributePath
    public var old: JSONValue?
    public var new: JSONValue?

    public init(_ attribute: AttributePath, old: JSONValue?, new: JSONValue?) {
        self.attribute = attribute
        self.old = old
        self.new = new
    }
}

/// A member of a group, by key; `id` is nil for an object this plan creates (apply learns it then).
public struct MemberReference: Sendable, Hashable, Codable, Comparable {
    public var type: ResourceKind
    public var key: String
    public var id: String?
    /// An id that names no live user or group, kept by a provider whose profile allows it (members of
    /// deleted users). Its removal counts once in the budget, like a person's.
    public var dangling: Bool?

    public init(_ type: ResourceKind, key: String, id: String?, dangling: Bool? = nil) {
        self.type = type
        self.key = key
        self.id = id
        self.dangling = dangling
    }

    public static func < (lhs: MemberReference, rhs: MemberReference) -> Bool {
        (lhs.key.caseFolded, lhs.type.rawValue) < (rhs.key.caseFolded, rhs.type.rawValue)
    }
}

public struct MembershipChange: Sendable, Hashable, Codable {
    public var add: [MemberReference]
    public var remove: [MemberReference]

    public init(add: [MemberReference] = [], remove: [MemberReference] = []) {
        self.add = add
        self.remove = remove
    }

    public var isEmpty: Bool { add.isEmpty && remove.isEmpty }
}

/// One change to one object.
public struct PlannedAction: Sendable, Hashable {
    public var action: ActionKind
    public var type: ResourceKind
    /// The userName or displayName as declared (the live one for unmanaged objects).
    public var key: String
    /// The live id; nil for a create.
    public var id: String?
    /// The live version the plan was computed from (ETag, or a content hash).
    public var version: String?
    public var changes: [AttributeChange]
    public var members: MembershipChange?
    /// Why, when it is not plain (an expiry, a policy, a duplicate): data, worded only by the renderer.
    public var reason: ActionReason?
    /// Whether the object is declared in the YAML (false: an unmanaged object the policy acts on).
    public var managed: Bool

    public init(
        _ action: ActionKind, _ type: ResourceKind, key: String, id: String? = nil, version: String? = nil,
        changes: [AttributeChange] = [], members: MembershipChange? = nil, reason: ActionReason? = nil,
        managed: Bool = true
    ) {
        self.managed = managed
        self.action = action
        self.type = type
        self.key = key
        self.id = id
        self.version = version
        self.changes = changes
        self.members = members
        self.reason = reason
    }

    /// The phase this action's own step runs in (its member removals run later, in `.removeMembers`).
    public var phase: ExecutionPhase {
        switch (action, type) {
        case (.create, .user), (.reactivate, .user): .createUsers
        case (.create, .group): .createGroups
        case (.update, _), (.adopt, _), (.reactivate, .group): .updates
        case (.deactivate, _): .deactivate
        case (.delete, .user): .deleteUsers
        case (.delete, .group): .deleteGroups
        }
    }
}

/// The order a plan is executed in, the one place it is written (docs/contract.md, Plan semantics):
/// create and reactivate users → create groups → updates (member adds and managers first) → member
/// removals → deactivations → user deletions → group deletions. Steps within a phase are independent.
public enum ExecutionPhase: Int, Sendable, Hashable, Comparable, CaseIterable {
    case createUsers, createGroups, updates, removeMembers, deactivate, deleteUsers, deleteGroups

    public static func < (lhs: ExecutionPhase, rhs: ExecutionPhase) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why an action is planned, where it is not a plain difference. Data: the renderer words it, a saved
/// plan is compared by it, drift labels an undeclared object by it (terraform's `ActionReason`).
public enum ActionReason: Sendable, Hashable {
    /// `active: false` in the YAML.
    case declaredInactive
    /// `expires` has come (the day, as declared).
    case expired(on: CalendarDay)
    /// `deleteAfter` has passed (the day, as declared).
    case deleteAfterPassed(CalendarDay)
    /// A live user no file declares, acted on by `policy.unmanaged`.
    case undeclaredUser(UnmanagedUserPolicy)
    /// A live group no file declares, deleted by `policy.unmanagedGroups: delete`.
    case undeclaredGroup
    /// A second live group with a declared group's name; `keeper` is the one kept.
    case duplicateGroup(of: String, duplicate: GroupTally, keeper: GroupTally)

    /// A live group as a duplicate's reason names it: its id and how many members it has.
    public struct GroupTally: Sendable, Hashable {
        public var id: String?
        public var members: Int

        public init(id: String?, members: Int) {
            self.id = id
            self.members = members
        }
    }
}

/// A live object the plan leaves alone because a `protect` pattern matches it.
public struct ProtectedObject: Sendable, Hashable {
    public var key: String
    public var pattern: String
    /// What the plan would otherwise have done, and why.
    public var wouldHave: ActionKind?
    public var wouldHaveReason: ActionReason?

    public init(key: String, pattern: String, wouldHave: ActionKind? = nil, reason: ActionReason? = nil) {
        self.key = key
        self.pattern = pattern
        self.wouldHave = wouldHave
        self.wouldHaveReason = reason
    }
}

/// The plan: a value that `apply` consumes unchanged.
public struct Plan: Sendable, Hashable {
    public struct TargetInfo: Sendable, Hashable, Codable {
        public var url: String
        public var provider: String
        /// The name of the variable that holds the token (never the token), for `apply --plan`.
        public var tokenEnv: String?
        /// Where the URL came from: `--url`, `target.url at FILE:LINE:COLUMN` or `SCIM_URL`.
        public var source: String?
        /// The profile file (`target.profile`), when the profile is not a built-in one.
        public var profileFile: String?
        /// The target's name in a directory of several (`targets:`); nil for the one target of `target:`.
        public var name: String?

        public init(
            url: String, provider: String, tokenEnv: String? = nil, source: String? = nil, profileFile: String? = nil,
            name: String? = nil
        ) {
            self.name = name
            self.url = url
            self.provider = provider
            self.tokenEnv = tokenEnv
            self.source = source
            self.profileFile = profileFile
        }
    }

    public var target: TargetInfo
    /// In execution order.
    public var actions: [PlannedAction]
    public var protected: [ProtectedObject]
    /// Live users no file declares and the policy leaves alone (`unmanaged: ignore`).
    public var unmanagedUsers: [String]
    /// Live groups no file declares and the policy leaves alone.
    public var unmanagedGroups: [String]
    /// Computed by the planner from the actions and the YAML's limits; never read from a file.
    public var budget: DestructiveBudget
    /// `sha256:` of the desired state the plan was made from.
    public var desiredDigest: String
    /// The version of every live object the plan read, by id: apply refuses a stale plan.
    public var liveVersions: [String: String]
    /// The day the plan was made for (expiries are evaluated on it).
    public var day: String
    /// The YAML's `protect` patterns, for the record and for apply's last check before writing.
    public var protectPatterns: [String] = []
    /// Live users no file declares that are already inactive under `unmanaged: deactivate`: the policy
    /// holds, so they are in sync (offboarded users removed from the YAML), not drift.
    public var inactiveUnmanagedUsers: [String] = []

    public init(
        target: TargetInfo, actions: [PlannedAction], protected: [ProtectedObject], unmanagedUsers: [String],
        unmanagedGroups: [String], budget: DestructiveBudget, desiredDigest: String, liveVersions: [String: String],
        day: String, protectPatterns: [String] = [], inactiveUnmanagedUsers: [String] = []
    ) {
        self.target = target
        self.actions = actions
        self.protected = protected
        self.unmanagedUsers = unmanagedUsers
        self.unmanagedGroups = unmanagedGroups
        self.budget = budget
        self.desiredDigest = desiredDigest
        self.liveVersions = liveVersions
        self.day = day
        self.protectPatterns = protectPatterns
        self.inactiveUnmanagedUsers = inactiveUnmanagedUsers
    }

    public var hasChanges: Bool { !actions.isEmpty }

    public func count(_ kind: ActionKind) -> Int { actions.count { $0.action == kind } }
}
