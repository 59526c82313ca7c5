public import Catalog

/// What the client does with this provider: discovery merged with the profile (the profile wins).
public struct ProviderCapabilities: Sendable, Hashable {
    public var profile: ProviderProfile
    public var pageSize: Int
    public var paging: ProviderProfile.Paging
    public var patchSupported: Bool
    public var etagSupported: Bool
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
    /// A claimed page size above this is not believed (a provider writing 2^31 means "no limit", or
    /// nothing); zero and negative claims are not either. Such a claim is ignored, as if absent.
    public static let absurdPageSize = 100_000
    /// What discovery claimed that was not believed, for `--verbose`.
    public var notes: [String] = []

    public init(
        profile: ProviderProfile, config: ServiceProviderConfig, resourceTypes: [ResourceType]?
    ) {
        self.profile = profile
        // The first believable claim: RFC 9865's maxPageSize, then filter.maxResults (RFC 7643 §5).
        var claimed: Int?
        var notes: [String] = []
        for (name, value) in [
            ("pagination.maxPageSize", config.maxPageSize), ("filter.maxResults", config.filterMaxResults),
        ] {
            guard let value else { continue }
            if (1...Self.absurdPageSize).contains(value) {
                claimed = claimed ?? value
            } else {
                notes.append(
                    "/ServiceProviderConfig says \(name) is \(value), which is no page size: ignored (pages of "
                        + "\(profile.pageSize ?? Self.fallbackPageSize) unless another claim says otherwise)")
            }
        }
        self.notes = notes
        pageSize = max(1, min(profile.pageSize ?? claimed ?? Self.fallbackPageSize, Self.maxPageSize))
        if let paging = profile.paging {
            self.paging = paging
        } else {
            paging = config.cursorPagination == true && config.indexPagination != true ? .cursor : .index
        }
        patchSupported = profile.patchSupported ?? config.patchSupported ?? false
        etagSupported = profile.etagSupported ?? config.etagSupported ?? false
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
