/// What scimctl knows of a provider beyond what it advertises: discovery is a hint, and real providers
/// misreport (scim-notes.md). A nil field means "trust discovery".
public struct ProviderProfile: Sendable, Hashable {
    public enum Paging: String, Sendable, Hashable {
        /// `startIndex` + `count` (RFC 7644 §3.4.2.4).
        case index
        /// `cursor` + `nextCursor` (RFC 9865).
        case cursor
    }

    /// How a PATCH operation's `op` is spelt: RFC 7644 says lowercase; Qase's documentation shows `Replace`.
    public enum OpCasing: String, Sendable, Hashable {
        case lowercase, capitalized
    }

    /// How group membership is read.
    public enum MembershipRead: String, Sendable, Hashable {
        /// `GET /Groups` returns members.
        case inGroupList
        /// `GET /Groups?excludedAttributes=members`, then each group's members by `GET /Groups/{id}`.
        case perGroup
        /// `GET /Users?filter=groups.value eq "{id}"` for each group (AWS: groups never return members).
        case byUserFilter
    }

    public var name: String
    public var pageSize: Int?
    public var paging: Paging?
    public var patchSupported: Bool?
    public var opCasing: OpCasing
    /// Members added in one PATCH at most.
    public var maxMembersAddedPerPatch: Int
    /// Members removed in one PATCH at most (one operation each).
    public var maxMembersRemovedPerPatch: Int
    public var membershipRead: MembershipRead?
    public var bulkSupported: Bool?
    public var etagSupported: Bool?
    /// The provider answers a DELETE of a user by deactivating it (Slack).
    public var deleteDeactivates: Bool
    /// A duplicate on create comes back as 400 with "not unique" in the detail, not 409 (Qase).
    public var conflictAs400NotUnique: Bool
    /// Filter operators the provider supports, when it supports fewer than RFC 7644's.
    public var filterOperators: Set<String>?
    /// User attributes a create must carry.
    public var requiredCreateAttributes: [String]
    /// Whether the provider has Groups at all; nil: ask `/ResourceTypes`.
    public var groupsSupported: Bool?
    /// The provider leaves a deleted user's id among group members. Where it does, such a member is a
    /// counted removal; where it does not, a member that names no listed user fails the read (the user
    /// listing is then incomplete, and acting on it would remove people).
    public var keepsMembersOfDeletedUsers: Bool

    public init(name: String) {
        self.name = name
        opCasing = .lowercase
        maxMembersAddedPerPatch = 100
        maxMembersRemovedPerPatch = 100
        deleteDeactivates = false
        conflictAs400NotUnique = false
        requiredCreateAttributes = ["userName"]
        keepsMembersOfDeletedUsers = false
    }

    /// The profiles scimctl ships, by the names `target.provider` accepts.
    public static func named(_ name: String) -> ProviderProfile? {
        switch name {
        case "generic": return generic
        case "qase": return qase
        case "aws": return aws
        case "entra": return entra
        case "github": return github
        case "slack": return slack
        default: return nil
        }
    }

    public static let generic = ProviderProfile(name: "generic")

    public static var qase: ProviderProfile {
        var profile = ProviderProfile(name: "qase")
        profile.opCasing = .capitalized
        profile.conflictAs400NotUnique = true
        profile.requiredCreateAttributes = ["userName", "name.givenName", "name.familyName"]
        return profile
    }

    public static var aws: ProviderProfile {
        var profile = ProviderProfile(name: "aws")
        profile.pageSize = 100
        profile.paging = .cursor
        profile.bulkSupported = false
        profile.membershipRead = .byUserFilter
        profile.filterOperators = ["eq", "and"]
        profile.requiredCreateAttributes = ["userName", "displayName", "name.givenName", "name.familyName"]
        return profile
    }

    public static var entra: ProviderProfile {
        var profile = ProviderProfile(name: "entra")
        profile.paging = .cursor
        profile.membershipRead = .perGroup
        profile.maxMembersAddedPerPatch = 20
        profile.maxMembersRemovedPerPatch = 1
        return profile
    }

    public static var github: ProviderProfile {
        ProviderProfile(name: "github")
    }

    public static var slack: ProviderProfile {
        var profile = ProviderProfile(name: "slack")
        profile.pageSize = 1000
        profile.deleteDeactivates = true
        return profile
    }
}

/// What the client does with this provider: discovery merged with the profile (the profile wins).
public struct ProviderCapabilities: Sendable, Hashable {
    public var profile: ProviderProfile
    public var pageSize: Int
    public var paging: ProviderProfile.Paging
    public var patchSupported: Bool
    public var etagSupported: Bool
    public var bulkSupported: Bool
    public var bulkMaxOperations: Int
    public var membershipRead: ProviderProfile.MembershipRead
    public var groupsSupported: Bool
    public var usersEndpoint: String
    public var groupsEndpoint: String
    /// Where the enterprise extension is supported on Users.
    public var enterpriseExtension: Bool

    /// The page size asked for when the provider states no limit: small enough for any server to honour.
    public static let fallbackPageSize = 100
    /// The page size never exceeded, whatever the provider claims.
    public static let maxPageSize = 1000

    public init(
        profile: ProviderProfile, config: ServiceProviderConfig, resourceTypes: [ResourceType]?
    ) {
        self.profile = profile
        let claimed = config.maxPageSize ?? config.filterMaxResults ?? Self.fallbackPageSize
        pageSize = max(1, min(profile.pageSize ?? claimed, Self.maxPageSize))
        if let paging = profile.paging {
            self.paging = paging
        } else {
            paging = config.cursorPagination == true && config.indexPagination != true ? .cursor : .index
        }
        patchSupported = profile.patchSupported ?? config.patchSupported ?? false
        etagSupported = profile.etagSupported ?? config.etagSupported ?? false
        bulkSupported = profile.bulkSupported ?? config.bulkSupported ?? false
        bulkMaxOperations = config.bulkMaxOperations ?? 0
        membershipRead = profile.membershipRead ?? .inGroupList
        let user = resourceTypes?.first { $0.name.lowercased() == "user" }
        let group = resourceTypes?.first { $0.name.lowercased() == "group" }
        usersEndpoint = user?.endpoint ?? "/Users"
        groupsEndpoint = group?.endpoint ?? "/Groups"
        // Without /ResourceTypes, assume Groups exist; with it, believe it unless the profile knows better.
        groupsSupported = profile.groupsSupported ?? (resourceTypes == nil || group != nil)
        enterpriseExtension = user?.schemaExtensions.contains(SCIMSchema.enterpriseUser) ?? true
    }
}
