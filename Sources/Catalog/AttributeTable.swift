/// Every user attribute scimctl manages, once: its YAML key, where it sits in SCIM, its shape, how it
/// compares and who may write it. The loader, the JSON Schema generator, the diff, the applier, `import`
/// and the sandbox all read this table; none of them names a simple attribute itself. Adding a
/// single-valued string attribute is one line in `userStrings`.
public enum AttributeTable {
    /// The single-valued string attributes of a user: declared, compared, written and exported alike.
    /// The order is the order of a plan's changes and of `import`'s output.
    public static let userStrings: [ManagedAttribute] = numbered([
        .string(.name, "givenName", "Given (first) name."),
        .string(.name, "familyName", "Family (last) name."),
        .string(.name, "middleName", "Middle name(s)."),
        .string(.name, "honorificPrefix", "Honorific prefix, e.g. Dr."),
        .string(.name, "honorificSuffix", "Honorific suffix, e.g. III."),
        .string(.name, "formatted", "The full name as displayed."),
        .string(.core, "displayName", "Display name."),
        .string(.core, "nickName", "Nickname."),
        .string(.core, "title", "Job title."),
        .string(.core, "userType", "User type (Qase: regular, read-only or billing)."),
        .string(.core, "preferredLanguage", "Preferred language, e.g. en-GB."),
        .string(.core, "locale", "Locale, e.g. en-GB."),
        .string(.core, "timezone", "IANA time zone, e.g. Europe/London."),
        .string(.enterprise, "employeeNumber", "Employee number."),
        .string(.enterprise, "costCenter", "Cost center."),
        .string(.enterprise, "organization", "Organization."),
        .string(.enterprise, "division", "Division."),
        .string(.enterprise, "department", "Department."),
    ])

    /// The multi-valued attributes of a user (`[{value, type, primary}]`), each with what its entries
    /// are: declared, compared as sets, written and exported alike. Adding one (`ims`, say) is one line
    /// here: the YAML loader, both SCIM readers, the diff, the applier's writes and checks, `import`, the
    /// resolved state and every schema read this list. The order is the order of a plan's changes.
    public static let userContacts: [ManagedAttribute] = numbered([
        .contacts(
            "emails", "Email addresses.",
            entries: .init(
                singular: "email", definition: "email", summary: "An email address.", format: .emailAddress,
                types: ["work", "home", "other"])),
        .contacts(
            "phoneNumbers", "Phone numbers.",
            entries: .init(
                singular: "phone number", definition: "phoneNumber", summary: "A phone number.", format: .text,
                types: ["work", "home", "mobile", "fax", "pager", "other"])),
    ])

    /// The email addresses, named for the rules that are about addresses (matching people by email,
    /// allowed domains).
    public static let emails = userContacts.first { $0.key == "emails" }!

    /// The user attributes with their own rules (the matching keys, the state, the manager reference),
    /// described here for the schemas and read by shape.
    public static let userSpecial: [ManagedAttribute] = [
        ManagedAttribute(
            .core, "userName", shape: .string, required: true, summary: "The key; compared ignoring case."),
        ManagedAttribute(
            .core, "externalId", shape: .string, caseExact: true,
            summary: "A stable id from the source of truth; matched first, so an email change is a rename."),
        ManagedAttribute(
            .core, "active", shape: .boolean, summary: "false deactivates (offboarding); omitted means active."),
        ManagedAttribute(.enterprise, "manager", shape: .userReference, summary: "The manager's userName."),
    ]

    /// The enterprise manager (a reference to another user, declared by userName).
    public static let manager = userSpecial.first { $0.shape == .userReference }!

    /// The references to other users in a section, in table order (the enterprise manager). Built
    /// once: the YAML loader asks for every user's section.
    public static func references(in section: ManagedAttribute.Section) -> [ManagedAttribute] {
        referencesBySection[section] ?? []
    }

    private static let referencesBySection = Dictionary(
        grouping: userSpecial.filter { $0.shape == .userReference }, by: \.section)

    /// Every managed user attribute, by its plan path (`nickName`, `name.givenName`,
    /// `enterprise.costCenter`, `emails`).
    public static let byPath: [String: ManagedAttribute] = Dictionary(
        uniqueKeysWithValues: (userStrings + userContacts + userSpecial).map { ($0.path, $0) })

    /// The single-valued string attribute at a plan path, if the path names one.
    public static func string(at path: String) -> ManagedAttribute? {
        guard let attribute = byPath[path], attribute.shape == .string, attribute.index != nil else { return nil }
        return attribute
    }

    /// The multi-valued attribute at a plan path, if the path names one.
    public static func contacts(at path: String) -> ManagedAttribute? {
        guard let attribute = byPath[path], attribute.shape == .contacts else { return nil }
        return attribute
    }

    /// The string attributes of one section, in table order (built once: read for every resource).
    public static func strings(in section: ManagedAttribute.Section) -> [ManagedAttribute] {
        switch section {
        case .core: coreStrings
        case .name: nameStrings
        case .enterprise: enterpriseStrings
        }
    }

    private static let coreStrings = userStrings.filter { $0.section == .core }
    private static let nameStrings = userStrings.filter { $0.section == .name }
    private static let enterpriseStrings = userStrings.filter { $0.section == .enterprise }

    /// The SCIM path of a plan path: core attributes as they are, `name.x` as it is, enterprise ones
    /// under their URN (`urn:…:enterprise:2.0:User:costCenter`), a whole section by its SCIM name.
    /// A custom extension's path (`urn:…:attr`) is already a SCIM path.
    public static func scimPath(_ path: String) -> String {
        if path == ManagedAttribute.Section.enterprise.rawValue { return ManagedAttribute.Section.enterpriseURN }
        if let attribute = byPath[path] { return attribute.scimPath }
        return path
    }

    private static func numbered(_ attributes: [ManagedAttribute]) -> [ManagedAttribute] {
        attributes.enumerated().map { index, attribute in
            ManagedAttribute(
                attribute.section, attribute.key, shape: attribute.shape, caseExact: attribute.caseExact,
                mutability: attribute.mutability, required: attribute.required, summary: attribute.summary,
                entries: attribute.entries, index: index)
        }
    }
}

/// One managed attribute of a user. A class, immutable: the diff passes attributes around for every
/// user, and a reference costs one retain where a struct of four strings costs four.
public final class ManagedAttribute: Sendable, Hashable, CustomStringConvertible {
    /// Where an attribute sits, in YAML and in SCIM.
    public enum Section: String, Sendable, Hashable, CaseIterable {
        /// A top-level attribute of the core User schema.
        case core
        /// A sub-attribute of `name` (RFC 7643 §4.1.1).
        case name
        /// An attribute of the enterprise extension (RFC 7643 §4.3), under `enterprise:` in YAML.
        case enterprise

        public static let enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    }

    /// How a value is written in YAML and compared.
    public enum Shape: String, Sendable, Hashable {
        /// A single string; `null` clears it.
        case string
        case boolean
        /// A list of `{value, type, primary}` (emails, phone numbers): compared as a set.
        case contacts
        /// Another declared user, by userName; held live by id.
        case userReference
    }

    /// What the entries of a multi-valued attribute are (`.contacts`).
    public struct Entries: Sendable, Hashable {
        /// How an entry's `value` is checked when declared.
        public enum Format: String, Sendable, Hashable {
            /// An email address (checked in the YAML).
            case emailAddress
            /// Any non-empty text.
            case text
        }

        /// One entry in messages: "email", "phone number".
        public let singular: String
        /// The JSON Schema definition of one entry (`$defs/email`).
        public let definition: String
        /// One line for the entry's JSON Schema.
        public let summary: String
        public let format: Format
        /// RFC 7643's canonical values of `type`, published in `/Schemas`.
        public let types: [String]

        public init(singular: String, definition: String, summary: String, format: Format, types: [String]) {
            self.singular = singular
            self.definition = definition
            self.summary = summary
            self.format = format
            self.types = types
        }
    }

    /// RFC 7643 §7 `mutability`.
    public enum Mutability: String, Sendable, Hashable {
        case readWrite, immutable, readOnly, writeOnly
    }

    public let section: Section
    /// The key in YAML, within its section, and the SCIM (sub-)attribute name.
    public let key: String
    public let shape: Shape
    /// RFC 7643 `caseExact`: whether "Ada" and "ada" differ. Strings compare exactly in plans either way
    /// (a provider that kept "ada" for "Ada" did not keep what was written); this is what is published.
    public let caseExact: Bool
    public let mutability: Mutability
    public let required: Bool
    /// One line for the JSON Schema and `/Schemas`.
    public let summary: String
    /// What each entry is, for a multi-valued attribute (`.contacts`).
    public let entries: Entries?
    /// The position among `AttributeTable.userStrings` (string attributes) or `userContacts`
    /// (multi-valued ones); nil for the others.
    public let index: Int?
    /// The name a plan gives it: `nickName`, `name.givenName`, `enterprise.costCenter`.
    public let path: String
    /// The path a PATCH names (RFC 7644 §3.5.2).
    public let scimPath: String

    init(
        _ section: Section, _ key: String, shape: Shape, caseExact: Bool = false, mutability: Mutability = .readWrite,
        required: Bool = false, summary: String, entries: Entries? = nil, index: Int? = nil
    ) {
        self.section = section
        self.key = key
        self.shape = shape
        self.caseExact = caseExact
        self.mutability = mutability
        self.required = required
        self.summary = summary
        self.entries = entries
        self.index = index
        path = section == .core ? key : "\(section.rawValue).\(key)"
        scimPath =
            switch section {
            case .core: key
            case .name: "name.\(key)"
            case .enterprise: "\(Section.enterpriseURN):\(key)"
            }
    }

    public static func == (lhs: ManagedAttribute, rhs: ManagedAttribute) -> Bool { lhs.path == rhs.path }
    public func hash(into hasher: inout Hasher) { hasher.combine(path) }

    static func string(_ section: Section, _ key: String, _ summary: String) -> ManagedAttribute {
        ManagedAttribute(section, key, shape: .string, summary: summary)
    }

    static func contacts(_ key: String, _ summary: String, entries: Entries) -> ManagedAttribute {
        ManagedAttribute(.core, key, shape: .contacts, summary: summary, entries: entries)
    }

    public var description: String { path }
}

/// A list of the table's attributes of one shape, each numbered by its position (`ManagedAttribute.index`).
public protocol AttributeList {
    static var shape: ManagedAttribute.Shape { get }
    static var attributes: [ManagedAttribute] { get }
}

/// The single-valued string attributes (`AttributeTable.userStrings`).
public enum StringAttributes: AttributeList {
    public static var shape: ManagedAttribute.Shape { .string }
    public static var attributes: [ManagedAttribute] { AttributeTable.userStrings }
}

/// The multi-valued attributes (`AttributeTable.userContacts`).
public enum ContactAttributes: AttributeList {
    public static var shape: ManagedAttribute.Shape { .contacts }
    public static var attributes: [ManagedAttribute] { AttributeTable.userContacts }
}

/// Values of the string attributes, by attribute.
public typealias AttributeValues<Value: Sendable & Hashable> = AttributeSlots<StringAttributes, Value>
/// Lists of the multi-valued attributes, by attribute.
public typealias ContactLists<Value: Sendable & Hashable> = AttributeSlots<ContactAttributes, Value>

/// Values of the attributes of one list, by attribute: only those present are stored (a user declares
/// or holds a few of them), in table order.
public struct AttributeSlots<List: AttributeList, Value: Sendable & Hashable>: Sendable, Hashable {
    @usableFromInline
    struct Entry: Sendable, Hashable {
        @usableFromInline var index: UInt8
        @usableFromInline var value: Value

        @inlinable init(index: UInt8, value: Value) {
            self.index = index
            self.value = value
        }
    }

    // Inlinable, so that the modules reading 100,000 users get code specialised for their value type.
    @usableFromInline var entries: [Entry] = []

    @inlinable public init() {}

    /// The value of an attribute of the list; nil for an attribute of another.
    @inlinable
    public subscript(_ attribute: ManagedAttribute) -> Value? {
        get {
            guard attribute.shape == List.shape, let index = attribute.index else { return nil }
            return entries.first { $0.index == UInt8(index) }?.value
        }
        set {
            guard attribute.shape == List.shape, let index = attribute.index.map(UInt8.init) else {
                preconditionFailure("\(attribute.path) is not a \(List.shape) attribute of the table")
            }
            let position = entries.firstIndex { $0.index >= index } ?? entries.endIndex
            let exists = position < entries.endIndex && entries[position].index == index
            switch (newValue, exists) {
            case (let value?, true): entries[position].value = value
            case (let value?, false): entries.insert(Entry(index: index, value: value), at: position)
            case (nil, true): entries.remove(at: position)
            case (nil, false): break
            }
        }
    }

    /// The attributes present with their values, in table order.
    public var present: [(attribute: ManagedAttribute, value: Value)] {
        entries.map { (List.attributes[Int($0.index)], $0.value) }
    }

    /// Calls `body` with each attribute of `section` present, in table order, building nothing.
    @inlinable
    public func forEach(in section: ManagedAttribute.Section, _ body: (ManagedAttribute, Value) -> Void) {
        for entry in entries {
            let attribute = List.attributes[Int(entry.index)]
            if attribute.section == section { body(attribute, entry.value) }
        }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Room for `count` attributes at once: a reader about to set several allocates once, not per growth.
    @inlinable public mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

    /// Removes every attribute of `section`.
    public mutating func removeAll(in section: ManagedAttribute.Section) {
        entries.removeAll { List.attributes[Int($0.index)].section == section }
    }
}

extension AttributeSlots where List == StringAttributes {
    /// The value at a plan path (`title`, `name.givenName`), for paths that name a string attribute.
    public subscript(path path: String) -> Value? {
        get { AttributeTable.string(at: path).flatMap { self[$0] } }
        set {
            guard let attribute = AttributeTable.string(at: path) else {
                preconditionFailure("\(path) is not a string attribute of the table")
            }
            self[attribute] = newValue
        }
    }
}
