public import Catalog
import Foundation

/// The whole declared org, merged from every file: the one value the planner reads.
public struct DeclaredOrg: Sendable, Hashable {
    /// `target:`: the one target of a one-target directory.
    public var target: Target?
    /// `targets:`: the named targets of a people directory, by name (docs/contract.md, "Many targets").
    public var targets: [NamedTarget] = []
    public var policy: Policy
    public var safety: Safety
    public var users: [DesiredUser]
    public var groups: [DesiredGroup]
    /// `rules:` from every file, checked by the loader on its day.
    public var rules: [Rule] = []
    /// The files it was read from, sorted.
    public var files: [String]
    /// What each target is to hold, in the order of `targets` (one unnamed scope for `target:`): filled
    /// by the loader once the directory is valid. Each scope is a one-target org the planner reads as it is.
    public var scopes: [TargetScope] = []

    public init(
        target: Target? = nil, policy: Policy = Policy(), safety: Safety = Safety(), users: [DesiredUser] = [],
        groups: [DesiredGroup] = [], files: [String] = []
    ) {
        self.target = target
        self.policy = policy
        self.safety = safety
        self.users = users
        self.groups = groups
        self.files = files
    }
}

/// One entry of `targets:`: a target with its name, and the policy and safety keys it sets itself.
public struct NamedTarget: Sendable, Hashable {
    public var name: Located<String>
    public var target: Target
    /// The target's own `policy:` keys; the directory's policy gives the rest.
    public var policy: Policy?
    /// The target's own `safety:` keys; the directory's safety gives the rest.
    public var safety: Safety?

    public init(name: Located<String>, target: Target, policy: Policy? = nil, safety: Safety? = nil) {
        self.name = name
        self.target = target
        self.policy = policy
        self.safety = safety
    }
}

/// What one target is to hold: the directory seen from that target. `name` is nil for the one target of
/// a `target:` directory, whose org is the directory itself.
public struct TargetScope: Sendable, Hashable {
    public var name: String?
    /// A one-target org: `target`, the policy and safety in force there, the users with an account
    /// there (their attributes as that target sees them) and its groups (members by that target's userNames).
    public var org: DeclaredOrg

    public init(name: String?, org: DeclaredOrg) {
        self.name = name
        self.org = org
    }

    /// "target qase", for messages; "the target" for the unnamed one.
    public var label: String { name.map { "target \($0)" } ?? "the target" }
}

/// Where to reconcile, and how to authenticate. The token itself never appears here.
public struct Target: Sendable, Hashable {
    /// `https://…` (or `http://` to loopback), or `sandbox:PATH` for the embedded provider.
    public var url: Located<String>?
    /// The provider profile: a built-in one by name (`provider: qase`), or a file (`profile: ./acme.yaml`,
    /// resolved against the declaring file's folder and read by the loader).
    public var profile: Located<ProviderProfile>?
    /// `target.profile`'s path, resolved, until the loader has read it.
    public var profileFile: Located<String>?
    /// The environment variable that holds the bearer token.
    public var tokenEnv: Located<String>?
    /// PEM trust anchors besides the system's, resolved against the declaring file's folder.
    public var caFile: Located<String>?
    /// Tokens by OAuth2 client credentials instead of a static bearer token.
    public var auth: OAuth2Settings?
    /// A program (argv, run without a shell) whose standard output is the token: `[op, read, "op://…"]`.
    public var tokenCommand: Located<[String]>?
    public var location: SourceLocation

    public init(
        url: Located<String>? = nil, profile: Located<ProviderProfile>? = nil, tokenEnv: Located<String>? = nil,
        location: SourceLocation
    ) {
        self.url = url
        self.profile = profile
        self.tokenEnv = tokenEnv
        self.location = location
    }

    public static let defaultTokenEnv = "SCIM_TOKEN"

    /// The provider profile in force: the declared one, else `generic`.
    public var providerProfile: ProviderProfile { profile?.value ?? .generic }
    /// The token variable in force: the declared one, else `SCIM_TOKEN`.
    public var tokenVariable: String { tokenEnv?.value ?? Self.defaultTokenEnv }
}

/// What happens to live users that no file declares.
public enum UnmanagedUserPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    case ignore, deactivate, delete
}

/// What happens to live groups that no file declares.
public enum UnmanagedGroupPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    case ignore, delete
}

public struct Policy: Sendable, Hashable {
    public var unmanaged: UnmanagedUserPolicy
    public var unmanagedGroups: UnmanagedGroupPolicy
    /// userName patterns that are never touched, whatever the policy.
    public var protect: [Located<GlobPattern>]
    /// Where the policy was declared, if it was.
    public var location: SourceLocation?
    /// The keys the declaration wrote, so a target's own policy overrides only those.
    public var declaredKeys: Set<String> = []

    public init(
        unmanaged: UnmanagedUserPolicy = .deactivate, unmanagedGroups: UnmanagedGroupPolicy = .ignore,
        protect: [Located<GlobPattern>] = [], location: SourceLocation? = nil
    ) {
        self.unmanaged = unmanaged
        self.unmanagedGroups = unmanagedGroups
        self.protect = protect
        self.location = location
    }

    /// The first protect pattern that matches `userName`, if any.
    public func protectingPattern(for userName: String) -> Located<GlobPattern>? {
        protect.first { $0.value.matches(userName) }
    }
}

/// The destructive budget of one run.
public struct Safety: Sendable, Hashable {
    public var maxDestructive: Int
    public var maxDestructivePercent: Double
    /// Destructive digests (`sha256:…`) that reviewers approved to exceed the budget.
    public var approve: [Located<String>]
    public var location: SourceLocation?
    /// The keys the declaration wrote, so a target's own safety overrides only those.
    public var declaredKeys: Set<String> = []

    public init(
        maxDestructive: Int = 10, maxDestructivePercent: Double = 10, approve: [Located<String>] = [],
        location: SourceLocation? = nil
    ) {
        self.maxDestructive = maxDestructive
        self.maxDestructivePercent = maxDestructivePercent
        self.approve = approve
        self.location = location
    }
}

extension Policy {
    /// This policy with the keys `own` declares taken from it (a target's policy over the directory's).
    public func overridden(by own: Policy?) -> Policy {
        guard let own else { return self }
        var merged = self
        if own.declaredKeys.contains("unmanaged") { merged.unmanaged = own.unmanaged }
        if own.declaredKeys.contains("unmanagedGroups") { merged.unmanagedGroups = own.unmanagedGroups }
        if own.declaredKeys.contains("protect") { merged.protect = own.protect }
        merged.location = own.location ?? location
        merged.declaredKeys.formUnion(own.declaredKeys)
        return merged
    }
}

extension Safety {
    /// This safety with the keys `own` declares taken from it (a target's safety over the directory's).
    public func overridden(by own: Safety?) -> Safety {
        guard let own else { return self }
        var merged = self
        if own.declaredKeys.contains("maxDestructive") { merged.maxDestructive = own.maxDestructive }
        if own.declaredKeys.contains("maxDestructivePercent") {
            merged.maxDestructivePercent = own.maxDestructivePercent
        }
        if own.declaredKeys.contains("approve") { merged.approve = own.approve }
        merged.location = own.location ?? location
        merged.declaredKeys.formUnion(own.declaredKeys)
        return merged
    }
}

/// A calendar day as written in YAML (`2027-03-31`), with no time zone: it starts at midnight UTC.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Parses `YYYY-MM-DD`; nil for any other shape or a day that does not exist (`2027-02-30`).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year)
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    private static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day `days` after this one (before, when negative).
    public func adding(days: Int) -> CalendarDay {
        let z = daysSinceEpoch + days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var result = self
        (result.year, result.month, result.day) = (year, month, day)
        return result
    }

    /// Today in UTC.
    public static var today: CalendarDay {
        let days = Int((Date().timeIntervalSince1970 / 86_400).rounded(.down))
        return CalendarDay("1970-01-01")!.adding(days: days)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// One entry of a multi-valued attribute: an email address or a phone number.
public struct ContactValue: Sendable, Hashable {
    public var value: String
    public var type: String?
    public var primary: Bool
    public var location: SourceLocation

    public init(value: String, type: String? = nil, primary: Bool = false, location: SourceLocation) {
        self.value = value
        self.type = type
        self.primary = primary
        self.location = location
    }
}

/// A user as declared.
public struct DesiredUser: Sendable, Hashable {
    /// The key: compared case-insensitively (RFC 7643: userName is caseExact=false).
    public var userName: Located<String>
    public var externalId: Declared<String> = .omitted
    /// Earlier userNames, so a rename is an update and never a delete plus a create.
    public var previously: [Located<String>] = []
    /// The single-valued string attributes declared (`AttributeTable.userStrings`), `null` as `.cleared`.
    public var attributes = AttributeValues<Declared<String>>()
    /// `name:` and `enterprise:` as wholes: `.set` when the mapping is written, `.cleared` for `null`
    /// (which clears every attribute of the section).
    public var sections: [ManagedAttribute.Section: Declared<Bool>] = [:]
    /// Omitted means active: a declared user is meant to be able to sign in.
    public var active: Declared<Bool> = .omitted
    /// The multi-valued attributes declared (`AttributeTable.userContacts`), `null` as `.cleared`.
    public var contacts = ContactLists<Declared<[ContactValue]>>()
    /// The manager's userName (`enterprise.manager`); the planner resolves it to the manager's id.
    public var manager: Declared<String> = .omitted
    /// Attributes of custom schema extensions (`extensions: {"urn:…": {attr: value}}`).
    public var extensions: [ExtensionAttribute] = []
    /// Groups this user belongs to (unioned with the groups' own member lists).
    public var groups: [Located<String>] = []
    /// Deactivated from this day on.
    public var expires: Located<CalendarDay>?
    /// Deleted once this day has passed.
    public var deleteAfter: Located<CalendarDay>?
    /// `access:` (with `targets:`): the targets this person has an account in, each with its own groups
    /// and overrides. Empty when not declared.
    public var access: [TargetAccess] = []
    /// In a target's org of a directory of several: the person's own userName (the directory's key),
    /// whatever userName they have there. Nil elsewhere (the userName is the key).
    public var person: String?
    /// Where the user's entry starts.
    public var location: SourceLocation

    public init(userName: Located<String>, location: SourceLocation) {
        self.userName = userName
        self.location = location
    }

    /// The email addresses declared: for the rules about addresses (`emailDomain`, matching by email).
    public var emails: Declared<[ContactValue]> {
        get { contacts[AttributeTable.emails] ?? .omitted }
        set { contacts[AttributeTable.emails] = newValue.isDeclared ? newValue : nil }
    }
}

/// `target.auth` with `type: oauth2`: where to get tokens by client credentials (RFC 6749 §4.4). The id
/// and secret are read from the environment variables named here; neither ever goes in YAML.
public struct OAuth2Settings: Sendable, Hashable {
    public var tokenURL: Located<String>
    public var clientIdEnv: Located<String>
    public var clientSecretEnv: Located<String>
    public var scope: String?

    public init(
        tokenURL: Located<String>, clientIdEnv: Located<String>, clientSecretEnv: Located<String>, scope: String?
    ) {
        self.tokenURL = tokenURL
        self.clientIdEnv = clientIdEnv
        self.clientSecretEnv = clientSecretEnv
        self.scope = scope
    }
}

/// One attribute of a custom schema extension, as declared: `extensions: {URN: {name: value}}`.
/// Validated against the provider's `/Schemas` when it publishes them; compared and written like a
/// core attribute, at the SCIM path `URN:name`.
public struct ExtensionAttribute: Sendable, Hashable {
    public var schema: String
    public var name: String
    public var value: Declared<ExtensionValue>
    public var location: SourceLocation

    public init(schema: String, name: String, value: Declared<ExtensionValue>, location: SourceLocation) {
        self.schema = schema
        self.name = name
        self.value = value
        self.location = location
    }

    /// The plan path and SCIM path: `urn:…:User:badge`.
    public var path: String { "\(schema):\(name)" }
}

/// A value of an extension attribute, as YAML gives it.
public indirect enum ExtensionValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case integer(Int)
    case decimal(Double)
    case list([ExtensionValue])
    case object([String: ExtensionValue])

    /// The RFC 7643 §2.3 type it reads as: string, boolean, integer, decimal, complex; nil for a list.
    public var scimType: String? {
        switch self {
        case .string: "string"
        case .bool: "boolean"
        case .integer: "integer"
        case .decimal: "decimal"
        case .object: "complex"
        case .list: nil
        }
    }
}

/// `access.TARGET`: the person has an account in that target; what is written here (groups, any
/// attribute, userName included) holds there over the person's own.
public struct TargetAccess: Sendable, Hashable {
    public var target: Located<String>
    /// The overrides, read with the user's own keys (`userName` empty when not overridden).
    public var overrides: DesiredUser
    public var location: SourceLocation

    public init(target: Located<String>, overrides: DesiredUser, location: SourceLocation) {
        self.target = target
        self.overrides = overrides
        self.location = location
    }
}

/// A group as declared.
public struct DesiredGroup: Sendable, Hashable {
    public var displayName: Located<String>
    public var externalId: Declared<String> = .omitted
    public var previously: [Located<String>] = []
    /// Members by userName or by group displayName (nested groups).
    public var members: [Located<String>] = []
    /// Attributes of custom schema extensions.
    public var extensions: [ExtensionAttribute] = []
    /// `target:` (with `targets:`): the target the group lives in.
    public var target: Located<String>?
    public var location: SourceLocation

    public init(displayName: Located<String>, location: SourceLocation) {
        self.displayName = displayName
        self.location = location
    }
}
