import Catalog

/// How the sandbox serves a provider profile (`scimctl serve --profile`): what the profile leaves to
/// discovery, the sandbox answers as RFC 7644 and RFC 9865 say.
extension ProviderProfile {
    /// The largest page served.
    var servedMaxPageSize: Int { pageSize ?? 1000 }
    /// Whether `startIndex` paging is served (cursor paging always is).
    var servesIndexPaging: Bool { paging != .cursor }
    var servesBulk: Bool { bulkSupported ?? true }
    var servesSorting: Bool { sorting ?? true }
    var servesPatch: Bool { patchSupported ?? true }
    var servesETags: Bool { etagSupported ?? true }
    /// Whether groups carry their members (AWS: never; read by `groups.value eq` on Users).
    var servesMembersOnGroups: Bool { membershipRead != .byUserFilter }
}
