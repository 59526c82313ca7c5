/// What scimctl knows of a provider beyond what it advertises: discovery is a hint, and real providers
/// misreport (docs/providers.md). One value drives the client (paging, PATCH forms, error readings),
/// `validate`'s rules (required attributes, lengths, values) and `scimctl serve --profile`, which
/// behaves as the profile says so that the client is tested against it. Profiles are data: the
/// built-in ones are YAML documents (`Sources/DesiredState/Profiles/`), and a user may write one (`target.profile`).
/// A nil field means "trust discovery" (or, for the sandbox, "as RFC 7644 says").
public struct ProviderProfile: Sendable, Hashable {
    public enum Paging: String, Sendable, Hashable, CaseIterable {
        /// `startIndex` + `count` (RFC 7644 §3.4.2.4).
        case index
        /// `cursor` + `nextCursor` (RFC 9865).
        case cursor
    }

    /// How a PATCH operation's `op` is spelt: RFC 7644 says lowercase; Qase's documentation shows `Replace`.
    public enum OpCasing: String, Sendable, Hashable, CaseIterable {
        case lowercase, capitalized
    }

    /// A value a profile says to send: what a provider that insists on an attribute RFC 7643 leaves
    /// optional accepts as "nothing yet" (`members: []`, `active: true`, `emails: []`).
    public enum SentValue: Sendable, Hashable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case emptyList
        case emptyObject
    }

    /// How group membership is read.
    public enum MembershipRead: String, Sendable, Hashable, CaseIterable {
        /// `GET /Groups` returns members.
        case inGroupList
        /// `GET /Groups?excludedAttributes=members`, then each group's members by `GET /Groups/{id}`.
        case perGroup
        /// `GET /Users?filter=groups.value eq "{id}"` for each group (AWS: groups never return members).
        case byUserFilter
    }

    /// Its name: a built-in one's (`qase`), or the `name` of a profile file.
    public var name: String
    /// Where it came from: `built-in`, or the file's path.
    public var source: String

    // Listing
    public var pageSize: Int?
    public var paging: Paging?
    /// Filter operators the provider understands, when fewer than RFC 7644's.
    public var filterOperators: Set<String>?
    public var sorting: Bool?

    // Writes
    public var patchSupported: Bool?
    public var opCasing: OpCasing = .lowercase
    /// Members added in one PATCH at most.
    public var maxMembersAddedPerPatch = 100
    /// Members removed in one PATCH at most (one operation each).
    public var maxMembersRemovedPerPatch = 100
    public var bulkSupported: Bool?
    public var etagSupported: Bool?
    /// Requests started per second at most (a provider's documented rate limit); `--rate` overrides.
    public var requestsPerSecond: Double?

    // Groups
    /// Whether the provider has Groups at all; nil: ask `/ResourceTypes`.
    public var groupsSupported: Bool?
    public var membershipRead: MembershipRead?
    /// The provider leaves a deleted user's id among group members. Where it does, such a member is a
    /// counted removal; where it does not, a member that names no listed user fails the read (the user
    /// listing is then incomplete, and acting on it would remove people).
    public var keepsMembersOfDeletedUsers = false
    /// Attributes the provider refuses a group create or replace without, though RFC 7643 leaves them
    /// optional, with the value sent when scimctl sets none itself (`members: []` is always sent).
    public var groupsInsistOn: [String: SentValue] = [:]

    // Users
    /// userName must be an email address.
    public var userNameIsEmail = false
    /// Attributes a create must carry besides userName, by plan path (`name.givenName`).
    public var requiredAttributes: [String] = []
    /// The longest each attribute may be, in characters, by plan path.
    public var maxLength: [String: Int] = [:]
    /// The values an attribute may take, by plan path, where the provider restricts them.
    public var allowedValues: [String: [String]] = [:]
    /// The status a duplicate userName is refused with: 409 (RFC 7644), or 400 with "not unique" (Qase).
    public var duplicateUserNameStatus = 409
    /// The provider answers a DELETE of a user by deactivating it (Slack).
    public var deleteDeactivates = false
    /// Attributes the provider refuses a user create or replace without, though RFC 7643 leaves them
    /// optional, with the value sent when scimctl sets none itself: a setting, not code, per provider.
    public var usersInsistOn: [String: SentValue] = [:]

    public init(name: String, source: String = "built-in") {
        self.name = name
        self.source = source
    }

    /// RFC 7643/7644 as written, trusting discovery: the profile of an unnamed provider.
    public static let generic = ProviderProfile(name: "generic")

    /// A duplicate on create comes back as 400 with "not unique" in the detail, not 409.
    public var conflictAs400NotUnique: Bool { duplicateUserNameStatus == 400 }
}
