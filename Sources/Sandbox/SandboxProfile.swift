/// Which provider the sandbox behaves like: RFC 7644 as written, or a named provider's documented quirks
/// (scim-notes.md), so that the client's provider profiles are tested against a real server rather than
/// against what we believe of it.
public enum SandboxProfile: String, Sendable, CaseIterable {
    /// RFC 7643/7644 and RFC 9865 as written: index and cursor paging, Bulk, sorting, ETags.
    case generic
    /// AWS IAM Identity Center: groups never return members (read them by `groups.value eq` on Users),
    /// cursor paging only (`startIndex` ignored), at most 100 per page, filters of `eq` and `and` only,
    /// no Bulk, no sorting; a group needs members changed a member at a time (no replace-all/remove-all).
    case aws
    /// Qase: a duplicate userName is 400 `invalidValue` "not unique" (not 409); a user needs
    /// `name.givenName` and `name.familyName`, each at most 60 characters; no Bulk.
    case qase

    /// The largest page served.
    var maxPageSize: Int { self == .aws ? 100 : 1000 }
    var indexPaging: Bool { self != .aws }
    var bulk: Bool { self == .generic }
    var sorting: Bool { self != .aws }
    var membersOnGroups: Bool { self != .aws }
    /// Filter operators understood; nil: all of RFC 7644's.
    var filterOperators: Set<String>? { self == .aws ? ["eq", "and"] : nil }
}
