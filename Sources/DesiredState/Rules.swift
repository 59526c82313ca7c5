public import Catalog

/// `rules:`: policy a reviewer would otherwise check by eye, checked by `validate` and `plan` offline on
/// the plan's day (docs/yaml-reference.md, "rules"). Each rule selects users or groups and requires
/// something of each of them, or of how many there are.
public struct Rule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case users, groups }

    /// A condition of `where:`; every one must hold for an object to be selected.
    public enum Condition: Sendable, Hashable {
        /// A string attribute of the table whose value matches the glob (`"*"`: set to anything).
        case attribute(ManagedAttribute, GlobPattern)
        case userName(GlobPattern)
        case displayName(GlobPattern)
        /// A member of this group (directly).
        case memberOf(String)
        /// In this target (with `targets:`).
        case target(String)
        case active(Bool)
    }

    /// What `set:` may name: the table's string attributes and the others a user holds.
    public enum Field: Sendable, Hashable, CustomStringConvertible {
        case string(ManagedAttribute)
        /// A multi-valued attribute of the table (`emails`, `phoneNumbers`): set when it has an entry.
        case contacts(ManagedAttribute)
        case externalId, manager, expires, deleteAfter

        public var description: String {
            switch self {
            case .string(let attribute), .contacts(let attribute): attribute.path
            case .externalId: "externalId"
            case .manager: AttributeTable.manager.path
            case .expires: "expires"
            case .deleteAfter: "deleteAfter"
            }
        }

        public init?(path: String) {
            switch path {
            case "externalId": self = .externalId
            case AttributeTable.manager.path: self = .manager
            case "expires": self = .expires
            case "deleteAfter": self = .deleteAfter
            default:
                if let attribute = AttributeTable.string(at: path) {
                    self = .string(attribute)
                } else if let attribute = AttributeTable.contacts(at: path) {
                    self = .contacts(attribute)
                } else {
                    return nil
                }
            }
        }

        static let names =
            ["externalId"] + AttributeTable.userContacts.map(\.path) + [
                AttributeTable.manager.path, "expires", "deleteAfter",
            ]
    }

    /// A bound on a number: `{min, max}`, either optional.
    public struct Range: Sendable, Hashable, CustomStringConvertible {
        public var min: Int?
        public var max: Int?

        public func contains(_ value: Int) -> Bool { value >= (min ?? .min) && value <= (max ?? .max) }

        public var description: String {
            switch (min, max) {
            case (let low?, let high?): low == high ? "exactly \(low)" : "from \(low) to \(high)"
            case (let low?, nil): "at least \(low)"
            case (nil, let high?): "at most \(high)"
            case (nil, nil): "any number"
            }
        }
    }

    /// One requirement of `require:`.
    public enum Requirement: Sendable, Hashable {
        case expiresWithin(days: Int)
        case emailDomain([String])
        case memberOf([String])
        case notMemberOf([String])
        case set([Field])
        case oneOf(ManagedAttribute, [String])
        case members(Range)
        case membersAlsoIn(String)
        case count(Range)
    }

    public var id: Located<String>
    public var description: String?
    public var severity: Severity
    public var kind: Kind
    public var conditions: [Located<Condition>]
    public var requirements: [Located<Requirement>]
    public var location: SourceLocation

    public init(
        id: Located<String>, description: String? = nil, severity: Severity = .error, kind: Kind,
        conditions: [Located<Condition>] = [], requirements: [Located<Requirement>] = [], location: SourceLocation
    ) {
        self.id = id
        self.description = description
        self.severity = severity
        self.kind = kind
        self.conditions = conditions
        self.requirements = requirements
        self.location = location
    }
}
