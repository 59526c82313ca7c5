import Catalog
public import Planner
public import SCIM
import SafeText

/// The live state written as desired-state YAML (`scimctl import`): every user and group, with the
/// attributes scimctl manages and nothing else, so that a plan against the same provider right after
/// reports no changes. Users and groups are sorted by name; memberships are written on the groups.
public struct OrgExporter: Sendable {
    /// The YAML, and what could not be carried over (a member or manager that names no live object).
    public struct Export: Sendable {
        public var yaml: String
        public var warnings: [String]
        public var users: Int
        public var groups: Int
    }

    public var target: Plan.TargetInfo
    /// Lines written first, as `# ` comments.
    public var header: [String]
    /// The provider's `/Schemas`, when it publishes them: read-only extension attributes are left out.
    public var schemas: [SchemaDefinition]?
    /// Writing into a people directory (`import --into`): no `target:` block; each user gets
    /// `access: {NAME: {}}` and each group `target: NAME`.
    public var directoryTarget: String?
    /// Live user id → the name a member or manager is written by (a person's key in the directory),
    /// where it is not the live userName.
    public var names: [String: String] = [:]
    /// The ids of the users and groups to write (the others are only named, as members and managers);
    /// nil writes every one.
    public var writtenUsers: Set<String>?
    /// With `directoryTarget`: live user id → groups the user joins from their access entry (groups the
    /// directory declares already).
    public var accessGroups: [String: [String]] = [:]
    public var writtenGroups: Set<String>?

    public init(target: Plan.TargetInfo, schemas: [SchemaDefinition]? = nil, header: [String]) {
        self.target = target
        self.header = header
        self.schemas = schemas
    }

    /// `name:` or `enterprise:` with the table's attributes of that section the user holds.
    private func writeSection(
        _ section: ManagedAttribute.Section, of user: SCIMUser, manager: String?, to out: inout YAMLWriter
    ) {
        let values = AttributeTable.strings(in: section).compactMap { attribute in
            user.attributes[attribute].map { (attribute.key, $0) }
        }
        guard !values.isEmpty || manager != nil else { return }
        out.line(2, "\(section.rawValue):")
        for (key, value) in values { out.field(3, key, value) }
        out.optional(3, AttributeTable.manager.key, manager)
    }

    /// `extensions:` with every custom extension object the provider holds (the enterprise one has its
    /// own key), but attributes its `/Schemas` mark read-only.
    private func writeExtensions(
        _ extra: [String: JSONValue], schemas: [SchemaDefinition]?,
        to out: inout YAMLWriter
    ) {
        var written = false
        for (urn, value) in extra.sorted(by: { $0.key < $1.key }) where urn.lowercased().hasPrefix("urn:") {
            guard let object = value.objectValue else { continue }
            let schema = schemas?.first { $0.id.lowercased() == urn.lowercased() }
            let attributes = object.filter { name, value in
                value != .null && schema?.attribute(named: name)?.mutability?.lowercased() != "readonly"
            }.sorted { $0.key < $1.key }
            guard !attributes.isEmpty else { continue }
            if !written {
                out.line(2, "extensions:")
                written = true
            }
            out.line(3, "\(YAMLWriter.quoted(urn)):")
            for (name, value) in attributes { out.line(4, "\(YAMLWriter.scalar(name)): \(YAMLWriter.flow(value))") }
        }
    }

    public func export(_ live: LiveSnapshot) -> Export {
        var warnings: [String] = []
        let users = live.users.filter { user in writtenUsers.map { user.id.map($0.contains) ?? false } ?? true }
            .sorted {
                ($0.userName.lowercased(), $0.userName) < ($1.userName.lowercased(), $1.userName)
            }
        let groups = live.groups.filter { group in writtenGroups.map { group.id.map($0.contains) ?? false } ?? true }
            .sorted {
                ($0.displayName.lowercased(), $0.displayName) < ($1.displayName.lowercased(), $1.displayName)
            }
        var userNames: [String: String] = [:]
        for user in live.users { if let id = user.id { userNames[id] = names[id] ?? user.userName } }
        var groupNames: [String: String] = [:]
        for group in live.groups { if let id = group.id { groupNames[id] = group.displayName } }

        var out = YAMLWriter()
        for line in header { out.line(0, "# \(line)") }
        out.line(0, "version: 1")
        if directoryTarget == nil {
            out.blank()
            out.line(0, "target:")
            out.field(1, "url", target.url)
            out.field(1, "provider", target.provider)
            if let tokenEnv = target.tokenEnv { out.field(1, "tokenEnv", tokenEnv) }
        }

        out.section("users", if: !users.isEmpty)
        for user in users {
            out.item(1, "userName", user.userName)
            out.optional(2, "externalId", user.externalId)
            writeSection(.name, of: user, manager: nil, to: &out)
            for attribute in AttributeTable.strings(in: .core) {
                out.optional(2, attribute.key, user.attributes[attribute])
            }
            if user.active == false { out.line(2, "active: false") }
            for (attribute, values) in user.contacts.present where !values.isEmpty {
                out.line(2, "\(attribute.key):")
                for value in values {
                    var entry = ["value: \(YAMLWriter.scalar(value.value))"]
                    if let type = value.type { entry.append("type: \(YAMLWriter.scalar(type))") }
                    if value.primary == true { entry.append("primary: true") }
                    out.line(3, "- {\(entry.joined(separator: ", "))}")
                }
            }
            var manager: String?
            if let managerId = user.managerId {
                manager = userNames[managerId]
                if manager == nil {
                    warnings.append("\(user.userName): the manager \(managerId) is no live user; left out")
                }
            }
            writeSection(.enterprise, of: user, manager: manager, to: &out)
            writeExtensions(user.extra, schemas: schemas, to: &out)
            if let directoryTarget {
                let groups = (user.id.flatMap { accessGroups[$0] } ?? []).map(YAMLWriter.scalar)
                let entry = groups.isEmpty ? "{}" : "{groups: [\(groups.joined(separator: ", "))]}"
                out.line(2, "access: {\(YAMLWriter.scalar(directoryTarget)): \(entry)}")
            }
        }

        out.section("groups", if: !groups.isEmpty)
        for group in groups {
            out.item(1, "displayName", group.displayName)
            out.optional(2, "externalId", group.externalId)
            if let directoryTarget { out.field(2, "target", directoryTarget) }
            writeExtensions(group.extra, schemas: schemas, to: &out)
            var members: [String] = []
            for member in group.members ?? [] {
                if member.type != "Group", let name = userNames[member.value] {
                    members.append(name)
                } else if member.type != "User", let name = groupNames[member.value] {
                    members.append(name)
                } else {
                    warnings.append(
                        "group \(group.displayName): the member \(member.value) is no live user or group; left out")
                }
            }
            guard !members.isEmpty else { continue }
            out.line(2, "members:")
            for member in members.sorted(by: { ($0.lowercased(), $0) < ($1.lowercased(), $1) }) {
                out.line(3, "- \(YAMLWriter.scalar(member))")
            }
        }
        return Export(yaml: out.text, warnings: warnings, users: users.count, groups: groups.count)
    }
}

/// Block-style YAML, two spaces a level, with every string either plain (when it cannot be read as
/// anything else) or double-quoted and escaped.
struct YAMLWriter {
    private(set) var text = ""

    mutating func line(_ level: Int, _ content: String) {
        text += String(repeating: "  ", count: level) + content + "\n"
    }

    mutating func blank() { text += "\n" }

    /// A top-level key opening a list, after a blank line; nothing when the list would be empty.
    mutating func section(_ key: String, if present: Bool) {
        guard present else { return }
        blank()
        line(0, "\(key):")
    }

    mutating func field(_ level: Int, _ key: String, _ value: String) {
        line(level, "\(key): \(Self.scalar(value))")
    }

    mutating func optional(_ level: Int, _ key: String, _ value: String?) {
        if let value { field(level, key, value) }
    }

    /// The first key of a list item: `- key: value`, the rest of the item's keys at `level + 1`.
    mutating func item(_ level: Int, _ key: String, _ value: String) {
        line(level, "- \(key): \(Self.scalar(value))")
    }

    /// A string as a YAML scalar that reads back as exactly that string under YAML 1.1 and 1.2.
    static func scalar(_ value: String) -> String {
        plainIsSafe(value) ? value : quoted(value)
    }

    /// Plain only for letters, digits and `_ . @ / + -` inside (spaces between words), starting with a
    /// letter or `_`, and not a word YAML 1.1 reads as a boolean or null.
    static func plainIsSafe(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, first.properties.isAlphabetic || first == "_",
            first.isASCII, value.last != " ", !value.contains("  ")
        else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@/+- ".unicodeScalars)
        guard value.unicodeScalars.allSatisfy(allowed.contains) else { return false }
        let reserved: Set<String> = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
        return !reserved.contains(value.lowercased())
    }

    /// A JSON value in YAML flow style: `[a, b]`, `{k: v}`, scalars as `scalar` writes them.
    static func flow(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): scalar(text)
        case .array(let items): "[" + items.map(flow).joined(separator: ", ") + "]"
        case .object(let fields):
            "{"
                + fields.sorted { $0.key < $1.key }.map { "\(scalar($0.key)): \(flow($0.value))" }
                .joined(separator: ", ") + "}"
        }
    }

    /// A double-quoted scalar: JSON's escaping, plus the characters YAML does not allow raw in one
    /// (DEL and the C1 controls) or would read as line breaks or a byte-order mark.
    static func quoted(_ value: String) -> String {
        JSONString.literal(value) { scalar in
            (0x7F...0x9F).contains(scalar.value) || ["\u{2028}", "\u{2029}", "\u{FEFF}"].contains(scalar)
        }
    }
}
