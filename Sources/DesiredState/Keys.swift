import Catalog

/// The keys one kind of YAML mapping accepts. The decoder reads mappings only through these tables,
/// so they are the loader's truth; the schema test checks `schema/scimctl.schema.json` against them.
public struct MappingKeys: Sendable, Hashable {
    /// What the mapping is, in messages ("user", "policy", …).
    public let name: String
    /// Where the mapping is described in the JSON Schema: nil for the document root, else a `$defs` name.
    public let schemaDefinition: String?
    public let keys: [String]
    /// Slots by a cheap hash of (length, first byte, last byte), open addressing; see `slot(of:)`.
    private let table: [Int8]

    init(_ name: String, schemaDefinition: String?, keys: [String]) {
        self.name = name
        self.schemaDefinition = schemaDefinition
        self.keys = keys
        var table = [Int8](repeating: -1, count: Self.tableSize)
        for (slot, key) in keys.enumerated() {
            var bucket = Self.bucket(key)
            while table[bucket] >= 0 { bucket = (bucket + 1) & (Self.tableSize - 1) }
            table[bucket] = Int8(slot)
        }
        self.table = table
    }

    private static let tableSize = 64

    private static func bucket(_ key: String) -> Int {
        let utf8 = key.utf8
        let hash = utf8.count &* 31 &+ Int(utf8.first ?? 0) &* 7 &+ Int(utf8.last ?? 0)
        return hash & (tableSize - 1)
    }

    /// The slot of `key`, or nil for a key this mapping does not accept. Called for every key of every
    /// mapping, so it avoids hashing whole strings.
    func slot(of key: String) -> Int? {
        var bucket = Self.bucket(key)
        while table[bucket] >= 0 {
            let slot = Int(table[bucket])
            if keys[slot] == key { return slot }
            bucket = (bucket + 1) & (Self.tableSize - 1)
        }
        return nil
    }

    /// Where such a mapping sits, for messages: "in user", "at the top level".
    var place: String { schemaDefinition == nil ? "at the top level" : "in \(name)" }

    /// Every kind of mapping in the format.
    public static let all: [MappingKeys] =
        [
            document, target, namedTarget, auth, policy, safety, user, access, name,
        ] + contactEntries + [enterprise, group, rule, selector, require, range]

    public static let document = MappingKeys(
        "document", schemaDefinition: nil,
        keys: ["version", "target", "targets", "policy", "safety", "users", "groups", "rules"])
    public static let target = MappingKeys(
        "target", schemaDefinition: "target",
        keys: ["url", "provider", "profile", "tokenEnv", "tokenCommand", "caFile", "auth"])
    /// An entry of `targets:`: a target's keys, and its own policy and safety.
    public static let namedTarget = MappingKeys(
        "target", schemaDefinition: "namedTarget", keys: target.keys + ["policy", "safety"])
    public static let auth = MappingKeys(
        "auth", schemaDefinition: "auth", keys: ["type", "tokenUrl", "clientIdEnv", "clientSecretEnv", "scope"])
    public static let policy = MappingKeys(
        "policy", schemaDefinition: "policy", keys: ["unmanaged", "unmanagedGroups", "protect"])
    public static let safety = MappingKeys(
        "safety", schemaDefinition: "safety", keys: ["maxDestructive", "maxDestructivePercent", "approve"])
    /// A user's keys: those with their own rules, and the table's core string attributes in its order.
    public static let user = MappingKeys(
        "user", schemaDefinition: "user",
        keys: ["userName", "externalId", "previously", "name"] + AttributeTable.strings(in: .core).map(\.key)
            + ["active"] + AttributeTable.userContacts.map(\.key)
            + ["enterprise", "extensions", "groups", "expires", "deleteAfter", "access"])
    /// `access.TARGET`: every key of a user but `access` itself, each overriding the person's own there.
    public static let access = MappingKeys(
        "access entry", schemaDefinition: "access", keys: user.keys.filter { $0 != "access" })
    public static let name = MappingKeys(
        "name", schemaDefinition: "name", keys: AttributeTable.strings(in: .name).map(\.key))
    /// An entry of each multi-valued attribute (an email, a phone number), in table order.
    public static let contactEntries: [MappingKeys] = AttributeTable.userContacts.map { attribute in
        MappingKeys(
            attribute.entries!.singular, schemaDefinition: attribute.entries!.definition,
            keys: ["value", "type", "primary"])
    }
    /// The keys of one entry of `attribute`, a multi-valued attribute of the table.
    static func entry(of attribute: ManagedAttribute) -> MappingKeys { contactEntries[attribute.index!] }
    public static let enterprise = MappingKeys(
        "enterprise", schemaDefinition: "enterprise",
        keys: AttributeTable.strings(in: .enterprise).map(\.key) + AttributeTable.references(in: .enterprise).map(\.key)
    )
    public static let group = MappingKeys(
        "group", schemaDefinition: "group",
        keys: ["displayName", "externalId", "previously", "members", "extensions", "target"])

    /// An entry of `rules:`.
    public static let rule = MappingKeys(
        "rule", schemaDefinition: "rule", keys: ["id", "description", "severity", "users", "groups", "require"])
    /// `users:` or `groups:` of a rule: which objects it applies to.
    public static let selector = MappingKeys("selector", schemaDefinition: "selector", keys: ["where"])
    /// `require:` of a rule: the users' requirements, the groups', and `count` for either.
    public static let require = MappingKeys(
        "require", schemaDefinition: "require",
        keys: [
            "expiresWithin", "emailDomain", "memberOf", "notMemberOf", "set", "oneOf", "members", "membersAlsoIn",
            "count",
        ])
    /// `{min, max}`.
    public static let range = MappingKeys("range", schemaDefinition: "range", keys: ["min", "max"])

    // A provider profile file (`target.profile`, `Sources/DesiredState/Profiles/*.yaml`).

    /// Every kind of mapping in a profile file.
    public static let profileAll: [MappingKeys] = [
        profileDocument, profileListing, profileWrites, profileGroups, profileUsers,
    ]

    public static let profileDocument = MappingKeys(
        "profile", schemaDefinition: nil,
        keys: ["profile", "name", "description", "listing", "writes", "groups", "users"])
    public static let profileListing = MappingKeys(
        "listing", schemaDefinition: "listing", keys: ["pageSize", "paging", "filterOperators", "sorting"])
    public static let profileWrites = MappingKeys(
        "writes", schemaDefinition: "writes",
        keys: [
            "patch", "opCasing", "maxMembersAddedPerPatch", "maxMembersRemovedPerPatch", "bulk", "etags",
            "requestsPerSecond",
        ])
    public static let profileGroups = MappingKeys(
        "groups", schemaDefinition: "groups",
        keys: ["supported", "membershipRead", "keepsMembersOfDeletedUsers", "insistsOn"])
    public static let profileUsers = MappingKeys(
        "users", schemaDefinition: "users",
        keys: [
            "userNameIsEmail", "required", "maxLength", "allowedValues", "duplicateUserNameStatus",
            "deleteDeactivates", "insistsOn",
        ])
}

/// The closest accepted key to a misspelt one, for "did you mean" hints.
///
/// Bounded: a suggestion is at most 3 edits away, so candidates whose length differs by more are never
/// compared, and a key far longer than every candidate costs one length check.
func nearestKey(to key: String, in candidates: [String]) -> String? {
    let maxEdits = 3
    let length = key.unicodeScalars.count
    guard length <= (candidates.map(\.count).max() ?? 0) + maxEdits else { return nil }
    let folded = key.lowercased()
    var best: (key: String, distance: Int)?
    for candidate in candidates where abs(candidate.count - length) <= maxEdits {
        let distance = editDistance(folded, candidate.lowercased())
        if distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    guard let best else { return nil }
    let allowed = max(1, min(3, best.key.count / 3))
    return best.distance <= allowed ? best.key : nil
}

/// Levenshtein distance, by characters.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
