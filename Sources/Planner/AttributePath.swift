public import Catalog
import DesiredState
import Identity
public import SCIM

/// What a planned change changes: a case per kind of attribute, each with its behaviour here — how it
/// is read from a live resource, compared, encoded for PATCH, written into a resource for a create or a
/// PUT, and verified in a provider's answer. The diff, the applier and the write check all go through
/// these, so what apply verifies is what the plan compared. The plan file writes a path as text
/// (`description`) and reads it back with `init?(planPath:)`.
public enum AttributePath: Sendable, Hashable, CustomStringConvertible {
    case userName
    /// A group's name (a user's `displayName` is a table attribute, `.string`).
    case groupName
    case externalId
    case active
    /// A multi-valued attribute of the Catalog's table (`emails`, `phoneNumbers`): a list of
    /// `{value, type, primary}` compared as a set.
    case contacts(ManagedAttribute)
    /// The enterprise manager: the manager's userName in a plan, resolved to an id when written.
    case manager
    /// A single-valued string attribute of the Catalog's table (`title`, `name.givenName`, …).
    case string(ManagedAttribute)
    /// A whole section (`name`, `enterprise`) cleared by `null` in the YAML.
    case section(ManagedAttribute.Section)
    /// A custom schema extension's attribute (`urn:…:attr`).
    case extensionAttribute(schema: String, name: String)

    /// The plan path: `userName`, `name.givenName`, `enterprise.manager`, `urn:…:attr`.
    public var description: String {
        switch self {
        case .userName: "userName"
        case .groupName: "displayName"
        case .externalId: "externalId"
        case .active: "active"
        case .contacts(let attribute): attribute.path
        case .manager: AttributeTable.manager.path
        case .string(let attribute): attribute.path
        case .section(let section): section.rawValue
        case .extensionAttribute(let schema, let name): "\(schema):\(name)"
        }
    }

    /// A path as a plan file writes it, for a resource of `type`; nil when it names nothing scimctl writes.
    public init?(planPath text: String, of type: ResourceKind) {
        if text.lowercased().hasPrefix("urn:") {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            self = .extensionAttribute(schema: String(text[..<colon]), name: String(text[text.index(after: colon)...]))
            return
        }
        switch (text, type) {
        case ("userName", .user): self = .userName
        case ("displayName", .group): self = .groupName
        case ("externalId", _): self = .externalId
        case ("active", .user): self = .active
        case (Self.manager.description, .user): self = .manager
        case (_, .user):
            if let section = ManagedAttribute.Section(rawValue: text), section != .core {
                self = .section(section)
            } else if let attribute = AttributeTable.string(at: text) {
                self = .string(attribute)
            } else if let attribute = AttributeTable.contacts(at: text) {
                self = .contacts(attribute)
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// The path a PATCH operation names.
    public var scimPath: String {
        switch self {
        case .section(let section): section == .enterprise ? ManagedAttribute.Section.enterpriseURN : section.rawValue
        case .string(let attribute), .contacts(let attribute): attribute.scimPath
        case .manager: AttributeTable.manager.scimPath
        default: description
        }
    }

    /// Whether a create sends it in its body: the userName is the body's key and the manager waits until
    /// both users exist.
    public var sentOnCreate: Bool { self != .userName && self != .manager }

    // MARK: Encoding

    /// The value a PATCH `replace` carries for `value` (the manager, already resolved to an id, as a
    /// reference object).
    public func patchValue(_ value: JSONValue) -> JSONValue {
        self == .manager ? .object(["value": value]) : value
    }

    /// `value` (nil or null: cleared) written into `user`, for a create body or a PUT. The manager must
    /// already be resolved to an id. Returns false when the path is not a user's.
    public func write(_ value: JSONValue?, to user: inout SCIMUser) -> Bool {
        let value = value == .null ? nil : value
        let text = value?.stringValue
        switch self {
        case .userName: if let text { user.userName = text }
        case .externalId: user.externalId = text
        case .active: user.active = value?.boolValue
        case .contacts(let attribute): user.contacts[attribute] = value?.arrayValue?.compactMap(Contacts.multiValue)
        case .manager: user.managerId = text
        case .section(let section):
            user.attributes.removeAll(in: section)
            if section == .enterprise { user.managerId = nil }
        case .string(let attribute): user.attributes[attribute] = text
        case .extensionAttribute: write(value, to: &user.extra)
        case .groupName: return false
        }
        return true
    }

    /// `value` written into `group`; false when the path is not a group's.
    public func write(_ value: JSONValue?, to group: inout SCIMGroup) -> Bool {
        let value = value == .null ? nil : value
        switch self {
        case .groupName: group.displayName = value?.stringValue ?? group.displayName
        case .externalId: group.externalId = value?.stringValue
        case .extensionAttribute: write(value, to: &group.extra)
        default: return false
        }
        return true
    }

    /// Sets (or, for nil, removes) an extension attribute under its schema URN as the provider spells it.
    private func write(_ value: JSONValue?, to extra: inout [String: JSONValue]) {
        guard case .extensionAttribute(let urn, let name) = self else { return }
        let key = extra.keys.first { $0.lowercased() == urn.lowercased() } ?? urn
        var object = extra[key]?.objectValue ?? [:]
        let existing = object.keys.first { $0.lowercased() == name.lowercased() } ?? name
        if let value {
            object[existing] = value
        } else {
            object.removeValue(forKey: existing)
        }
        extra[key] = .object(object)
    }

    // MARK: Comparing and verifying

    /// Whether `user` holds `value` (nil or null: nothing). The one comparison: the diff plans a change
    /// where it is false, and apply accepts a write only where it is true. The manager is compared by id
    /// (`value` resolved); an empty string reads as absent, as providers differ in which they return.
    public func holds(_ value: JSONValue?, in user: SCIMUser) -> Bool {
        let wanted = value == .null ? nil : value
        switch self {
        case .userName: return user.userName.caseFolded == wanted?.stringValue?.caseFolded
        // A provider that leaves `active` out holds the user active (most do; RFC 7643 names no default).
        case .active: return (user.active ?? true) == (wanted?.boolValue ?? true)
        case .externalId: return user.externalId.nonEmpty == wanted?.stringValue.nonEmpty
        case .contacts(let attribute):
            return Contacts.same(
                Contacts.entries(user.contacts[attribute]), Contacts.entries(wanted), foldCase: !attribute.caseExact)
        case .manager: return user.managerId.nonEmpty == wanted?.stringValue.nonEmpty
        case .section(let section):
            // A section cleared as a whole holds no value.
            return wanted != nil
                || (!user.attributes.present.contains { $0.attribute.section == section && !$0.value.isEmpty }
                    && (section != .enterprise || user.managerId.nonEmpty == nil))
        case .string(let attribute): return user.attributes[attribute].nonEmpty == wanted?.stringValue.nonEmpty
        case .extensionAttribute: return holds(wanted, in: user.extra)
        case .groupName: return true
        }
    }

    /// Whether `group` holds `value` (nil or null: nothing).
    public func holds(_ value: JSONValue?, in group: SCIMGroup) -> Bool {
        let wanted = value == .null ? nil : value
        switch self {
        case .groupName: return group.displayName.caseFolded == wanted?.stringValue?.caseFolded
        case .externalId: return group.externalId.nonEmpty == wanted?.stringValue.nonEmpty
        case .extensionAttribute: return holds(wanted, in: group.extra)
        default: return true
        }
    }

    /// The live value of an extension attribute as the plan shows it (nil: none).
    public func held(in extra: [String: JSONValue]?) -> JSONValue? {
        guard case .extensionAttribute(let schema, let name) = self, let extra else { return nil }
        let object = extra.first { $0.key.lowercased() == schema.lowercased() }?.value.objectValue
        return object?.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    private func holds(_ wanted: JSONValue?, in extra: [String: JSONValue]) -> Bool {
        let current = held(in: extra)
        guard let wanted else { return current == nil || current == .null }
        return ExtensionJSON.same(wanted, current)
    }
}

extension Optional where Wrapped == String {
    /// An empty string reads as absent: providers differ in which they return for a cleared value.
    public var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
