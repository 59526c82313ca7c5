import Catalog
public import DesiredState
import Identity
public import Planner
public import SCIM

/// The access review of a directory (`scimctl report`, docs/report.md): per person, their account in
/// each target with its groups, licence and status; what ends soon; who awaits deletion; and, read live,
/// the accounts nobody declared and what drifted. One value, rendered as HTML, CSV, Markdown and JSON.
public struct AccessReport: Sendable {
    public static let formatVersion = "1"

    public struct Target: Sendable {
        public var name: String?
        public var url: String?
        public var provider: String
        /// People by licence (`userType`; "none" when not declared) among the accounts declared there.
        public var licences: [String: Int]
        public var groups: [Group]
        /// With `--live`: accounts no file declares, with what the policy does to them.
        public var undeclared: [Undeclared]?
    }

    public struct Group: Sendable {
        public var displayName: String
        public var members: Int
    }

    public struct Undeclared: Sendable {
        public var userName: String
        public var active: Bool
        /// `ignore`, `deactivate` or `delete`: the target's `policy.unmanaged`.
        public var policy: String
        /// What the next apply does: nil when nothing.
        public var action: String?
        public var created: String?
        public var lastModified: String?
    }

    /// A person's account in one target.
    public struct Account: Sendable {
        public var target: String?
        public var userName: String
        public var groups: [String]
        public var userType: String?
        /// `active`, `offboarded`, `expired` (its `expires` has passed) or `ends DATE`.
        public var status: String
        public var expires: String?
        public var deleteAfter: String?
        /// With `--live`: whether the provider holds it, what differs there, and its times.
        public var live: Live?
    }

    public struct Live: Sendable {
        public var exists: Bool
        /// Attribute paths the provider holds otherwise (what the next apply would change).
        public var drift: [String]
        public var created: String?
        public var lastModified: String?
    }

    public struct Person: Sendable {
        public var userName: String
        public var displayName: String?
        public var manager: String?
        public var accounts: [Account]
    }

    /// An end within `within` days of the day, or one past.
    public struct Ending: Sendable {
        public var person: String
        public var target: String?
        public var on: String
        public var days: Int
    }

    public var formatVersion = Self.formatVersion
    public var day: String
    public var within: Int
    public var live: Bool
    public var targets: [Target]
    public var people: [Person]
    public var endingSoon: [Ending]
    /// Offboarded people whose `deleteAfter` is set: deleted once it passes.
    public var awaitingDeletion: [Ending]

    /// The declared side of `org` on `day`; `plans` (one per scope, in order) add the live side.
    public init(
        _ org: DeclaredOrg, day: CalendarDay, within: Int = 30, scopes: [TargetScope]? = nil,
        live: [(plan: Plan, users: [SCIMUser])]? = nil
    ) {
        let scopes = scopes ?? org.scopes
        self.day = day.description
        self.within = within
        self.live = live != nil
        var people: [Person] = []
        /// A person's place in `people`, by their key (`person`, or the userName).
        var place: [String: Int] = [:]
        var targets: [Target] = []
        var ending: [Ending] = []
        var deletion: [Ending] = []
        let limit = day.adding(days: within)
        let userTypeAttribute = AttributeTable.byPath["userType"]!
        let displayNameAttribute = AttributeTable.byPath["displayName"]!
        let givenNameAttribute = AttributeTable.byPath["name.givenName"]!
        let familyNameAttribute = AttributeTable.byPath["name.familyName"]!
        for (index, scope) in scopes.enumerated() {
            let read = live?[index]
            var byName: [String: SCIMUser] = [:]
            for user in read?.users ?? [] { byName[user.userName.caseFolded] = user }
            var drift: [String: [String]] = [:]
            for action in read?.plan.actions ?? [] where action.type == .user && action.managed {
                drift[action.key.caseFolded] =
                    action.changes.map(\.attribute.description)
                    + (action.action == .update ? [] : [action.action.rawValue])
            }
            // Direct groups, as the state JSON and the rules read membership.
            let memberships = Memberships(scope.org)
            var groups = [[String]](repeating: [], count: scope.org.users.count)
            for (group, members) in memberships.direct.enumerated() {
                for user in members.keys { groups[user].append(scope.org.groups[group].displayName.value) }
            }
            var licences: [String: Int] = [:]
            for (number, user) in scope.org.users.enumerated() {
                let key = user.person ?? user.userName.value
                let expires = user.expires?.value
                var status = "active"
                if user.active.value == false {
                    status = "offboarded"
                } else if let expires, expires <= day {
                    status = "expired"
                } else if let expires {
                    status = "ends \(expires)"
                }
                let userType = user.attributes[userTypeAttribute]?.value
                if status == "active" || status.hasPrefix("ends") { licences[userType ?? "none", default: 0] += 1 }
                var account = Account(
                    target: scope.name, userName: user.userName.value, groups: groups[number],
                    userType: userType, status: status, expires: expires?.description,
                    deleteAfter: user.deleteAfter?.value.description)
                if read != nil {
                    let folded = user.userName.value.caseFolded
                    let held = byName[folded]
                    account.live = Live(
                        exists: held != nil, drift: drift[folded] ?? [], created: held?.meta?.created,
                        lastModified: held?.meta?.lastModified)
                }
                if let expires, status != "offboarded", expires <= limit {
                    ending.append(
                        Ending(
                            person: key, target: scope.name, on: expires.description,
                            days: expires.daysSinceEpoch - day.daysSinceEpoch))
                }
                if let deleteAfter = user.deleteAfter?.value {
                    deletion.append(
                        Ending(
                            person: key, target: scope.name, on: deleteAfter.description,
                            days: deleteAfter.daysSinceEpoch - day.daysSinceEpoch))
                }
                let at: Int
                if let known = place[key] {
                    at = known
                } else {
                    at = people.count
                    place[key] = at
                    people.append(Person(userName: key, displayName: nil, manager: nil, accounts: []))
                }
                people[at].accounts.append(account)
                if people[at].displayName == nil {
                    let parts = [
                        user.attributes[givenNameAttribute]?.value, user.attributes[familyNameAttribute]?.value,
                    ]
                    .compactMap { $0 }
                    people[at].displayName =
                        user.attributes[displayNameAttribute]?.value
                        ?? (parts.isEmpty ? nil : parts.joined(separator: " "))
                }
                if people[at].manager == nil { people[at].manager = user.manager.value }
            }
            var undeclared: [Undeclared]?
            if let read {
                let actions = Dictionary(
                    read.plan.actions.filter { $0.type == .user && !$0.managed }.map { ($0.key.caseFolded, $0) },
                    uniquingKeysWith: { first, _ in first })
                let declared = Set(scope.org.users.map { $0.userName.value.caseFolded })
                undeclared = read.users.filter { !declared.contains($0.userName.caseFolded) }
                    .sorted { $0.userName.caseFolded < $1.userName.caseFolded }
                    .map { user in
                        Undeclared(
                            userName: user.userName, active: user.active ?? true,
                            policy: scope.org.policy.unmanaged.rawValue,
                            action: actions[user.userName.caseFolded]?.action.rawValue, created: user.meta?.created,
                            lastModified: user.meta?.lastModified)
                    }
            }
            targets.append(
                Target(
                    name: scope.name, url: scope.org.target?.url?.value,
                    provider: scope.org.target?.providerProfile.name ?? "generic", licences: licences,
                    groups: scope.org.groups.map { group in
                        Group(
                            displayName: group.displayName.value,
                            members: memberships.group(group.displayName.value).map { memberships.direct[$0].count }
                                ?? 0)
                    },
                    undeclared: undeclared))
        }
        self.targets = targets
        self.people = people
        self.endingSoon = ending.sorted { ($0.on, $0.person) < ($1.on, $1.person) }
        self.awaitingDeletion = deletion.sorted { ($0.on, $0.person) < ($1.on, $1.person) }
    }

    /// Target names as columns: the name, or "target" for the one target of `target:`.
    public var columns: [String] { targets.map { $0.name ?? "target" } }
}
