public import Catalog
public import Foundation

/// The schema URNs scimctl reads and writes (RFC 7643 §8.7, RFC 7644 §3).
public enum SCIMSchema {
    public static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let enterpriseUser = ManagedAttribute.Section.enterpriseURN
    public static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    public static let patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    public static let error = "urn:ietf:params:scim:api:messages:2.0:Error"
    public static let bulkRequest = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
    public static let bulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
}

/// A response body that is not the SCIM the client expected.
public struct SCIMDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    /// A provider's text quoted for a message: at most 80 characters, control characters escaped.
    static func quote(_ text: String) -> String {
        var quoted = "'"
        for scalar in text.unicodeScalars.prefix(80) {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                || scalar == "\u{2029}"
            {
                quoted += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + (text.unicodeScalars.count > 80 ? "…'" : "'")
    }
}

/// `meta` (RFC 7643 §3.1). `version` is the ETag when the provider has them. `location` is not kept:
/// scimctl builds its URLs from the endpoint and the id, and 100,000 of them were 11 MB of a plan.
public struct SCIMMeta: Sendable, Hashable {
    public var resourceType: String?
    public var created: String?
    public var lastModified: String?
    public var version: String?

    public init(json: JSONValue?) {
        let object = json?.objectValue ?? [:]
        resourceType = object[attribute: "resourceType"]?.stringValue
        created = object[attribute: "created"]?.stringValue
        lastModified = object[attribute: "lastModified"]?.stringValue
        version = object[attribute: "version"]?.stringValue
    }

    init(_ reader: AttributeReader) throws(SCIMDecodingError) {
        resourceType = try reader.string("resourceType")
        created = try reader.string("created")
        lastModified = try reader.string("lastModified")
        version = try reader.string("version")
    }
}

/// An entry of a multi-valued attribute: an email, a phone number (RFC 7643 §2.4).
public struct SCIMMultiValue: Sendable, Hashable {
    public var value: String
    public var type: String?
    public var primary: Bool?
    public var display: String?

    public init(value: String, type: String? = nil, primary: Bool? = nil, display: String? = nil) {
        self.value = value
        self.type = type
        self.primary = primary
        self.display = display
    }

    static func list(_ readers: [AttributeReader]?) throws(SCIMDecodingError) -> [SCIMMultiValue]? {
        guard let readers else { return nil }
        var values: [SCIMMultiValue] = []
        for reader in readers { if let value = try SCIMMultiValue(reader) { values.append(value) } }
        return values
    }

    /// nil for an entry without a `value` (it names no address to compare); a wrong type is an error.
    init?(_ reader: AttributeReader) throws(SCIMDecodingError) {
        let value = try reader.string("value")
        let type = try reader.string("type")
        let primary = try reader.bool("primary")
        let display = try reader.string("display")
        guard let value else { return nil }
        self.init(value: value, type: type, primary: primary, display: display)
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["value": .string(value)]
        if let type { object["type"] = .string(type) }
        if let primary { object["primary"] = .bool(primary) }
        if let display { object["display"] = .string(display) }
        return .object(object)
    }
}

/// A member of a group, or a group of a user (RFC 7643 §4.2): its id and, when the provider says, its
/// type. `display` and `$ref` are not kept: nothing reads them, and in a listing of 2,000 groups they
/// were a third of the strings held (the id and the type say who the member is).
public struct SCIMMember: Sendable, Hashable {
    public var value: String
    /// "User" or "Group", when the provider says.
    public var type: String?

    public init(value: String, type: String? = nil) {
        self.value = value
        self.type = type
    }

    init(_ reader: AttributeReader) throws(SCIMDecodingError) {
        value = try reader.required("value", reader.identifier)
        type = try reader.string("type")
    }

    /// Only `value` (and `type`, when known) is sent: `display` and `$ref` are the provider's to fill.
    var json: JSONValue {
        var object: [String: JSONValue] = ["value": .string(value)]
        if let type { object["type"] = .string(type) }
        return .object(object)
    }
}

/// Reads the `schemas` list, also from the `schema` some servers send.
private func schemas(in object: [String: JSONValue]) -> [String] {
    let list = object[attribute: "schemas"] ?? object[attribute: "schema"]
    if let single = list?.stringValue { return [single] }
    return list?.arrayValue?.compactMap(\.stringValue) ?? []
}

/// A SCIM User as the provider holds it. Attributes scimctl does not model are kept in `extra`.
public struct SCIMUser: Sendable, Hashable {
    public var id: String?
    public var externalId: String?
    public var userName: String
    /// The table's string attributes the provider holds (`AttributeTable.userStrings`): core ones,
    /// `name`'s parts and the enterprise extension's.
    public var attributes = AttributeValues<String>()
    public var active: Bool?
    /// The multi-valued attributes the provider holds (`AttributeTable.userContacts`).
    public var contacts = ContactLists<[SCIMMultiValue]>()
    /// The manager's SCIM id (`enterprise…:manager.value`).
    public var managerId: String?
    /// Read-only, and often absent: membership is read from Groups.
    public var groups: [SCIMMember]?
    public var meta: SCIMMeta?
    /// Every other attribute the provider sent, by its name as sent (custom extensions among them).
    public var extra: [String: JSONValue]

    public init(userName: String) {
        self.userName = userName
        self.extra = [:]
    }

    /// The email addresses: for the rules about addresses (matching people by email in `import`).
    public var emails: [SCIMMultiValue]? {
        get { contacts[AttributeTable.emails] }
        set { contacts[AttributeTable.emails] = newValue }
    }

    /// The attributes read into fields, each as RFC 7643 spells it and lowercased: a key as providers
    /// send it is found without lowercasing it first (`Dictionary.matches`).
    static let modelled: Set<String> = {
        let names =
            AttributeTable.strings(in: .core).map(\.key) + AttributeTable.userContacts.map(\.key) + [
                "id", "externalId", "userName", "name", "active", "groups", "meta", "schemas", "schema",
                SCIMSchema.enterpriseUser,
            ]
        return Set(names + names.map { $0.lowercased() })
    }()

    /// Reads a User strictly: every attribute scimctl models must have its JSON type (see
    /// `AttributeReader`); `id` and `userName` must be there.
    public init(json: JSONValue) throws(SCIMDecodingError) {
        let (reader, id, userName) = try AttributeReader.resource(json, type: "User", named: "userName")
        let object = reader.object
        self.init(userName: userName)
        self.id = id
        externalId = try reader.string("externalId")
        for attribute in AttributeTable.strings(in: .core) { attributes[attribute] = try reader.string(attribute.key) }
        if let name = try reader.object("name") {
            for attribute in AttributeTable.strings(in: .name) {
                attributes[attribute] = try name.string(attribute.key)
            }
        }
        if let enterprise = try reader.object(SCIMSchema.enterpriseUser) {
            for attribute in AttributeTable.strings(in: .enterprise) {
                attributes[attribute] = try enterprise.string(attribute.key)
            }
            // RFC 7643 §4.3: a complex attribute; some providers send the manager's id as a plain string.
            if case .string(let id)? = enterprise.value(AttributeTable.manager.key) {
                managerId = id
            } else {
                managerId =
                    try enterprise.object(AttributeTable.manager.key).map { manager throws(SCIMDecodingError) in
                        try manager.identifier("value")
                    } ?? nil
            }
        }
        active = try reader.bool("active")
        for attribute in AttributeTable.userContacts {
            contacts[attribute] = try SCIMMultiValue.list(reader.objects(attribute.key))
        }
        // Read-only and not used for planning (membership is read from Groups): kept where it reads.
        groups = (try? reader.objects("groups"))??.compactMap { try? SCIMMember($0) }
        meta = try reader.object("meta").map { reader throws(SCIMDecodingError) in try SCIMMeta(reader) }
        extra = object.filter { !Dictionary.matches($0.key, Self.modelled) }
    }

    /// The values of one section, as its JSON object; nil when it holds none.
    private func sectionJSON(_ section: ManagedAttribute.Section) -> [String: JSONValue]? {
        var object: [String: JSONValue] = [:]
        for (attribute, value) in attributes.present where attribute.section == section {
            object[attribute.key] = .string(value)
        }
        if section == .enterprise, let managerId {
            object[AttributeTable.manager.key] = .object(["value": .string(managerId)])
        }
        return object.isEmpty ? nil : object
    }

    /// The resource as sent on create or replace: read-only attributes (`groups`, `meta`) left out.
    public var json: JSONValue {
        var object = extra
        var schemaList = [SCIMSchema.user]
        object["userName"] = .string(userName)
        if let id { object["id"] = .string(id) }
        if let externalId { object["externalId"] = .string(externalId) }
        for (attribute, value) in attributes.present where attribute.section == .core {
            object[attribute.key] = .string(value)
        }
        if let name = sectionJSON(.name) { object["name"] = .object(name) }
        if let active { object["active"] = .bool(active) }
        for (attribute, values) in contacts.present { object[attribute.key] = .array(values.map(\.json)) }
        if let enterprise = sectionJSON(.enterprise) {
            object[SCIMSchema.enterpriseUser] = .object(enterprise)
            schemaList.append(SCIMSchema.enterpriseUser)
        }
        // Extension schemas the provider listed for attributes kept in `extra` stay listed.
        for key in extra.keys.sorted() where key.hasPrefix("urn:") && !schemaList.contains(key) {
            schemaList.append(key)
        }
        object["schemas"] = .array(schemaList.map(JSONValue.string))
        return .object(object)
    }
}

/// A SCIM Group as the provider holds it.
public struct SCIMGroup: Sendable, Hashable {
    public var id: String?
    public var externalId: String?
    public var displayName: String
    /// nil when the provider did not send members (excluded, or never sent by this provider).
    public var members: [SCIMMember]?
    public var meta: SCIMMeta?
    public var extra: [String: JSONValue]

    public init(displayName: String, members: [SCIMMember]? = nil) {
        self.displayName = displayName
        self.members = members
        self.extra = [:]
    }

    static let modelled: Set<String> = [
        "id", "externalId", "externalid", "displayName", "displayname", "members", "meta", "schemas", "schema",
    ]

    /// Reads a Group strictly, like `SCIMUser.init(json:)`: members must be objects with a `value`.
    public init(json: JSONValue) throws(SCIMDecodingError) {
        let (reader, id, displayName) = try AttributeReader.resource(json, type: "Group", named: "displayName")
        let object = reader.object
        self.init(displayName: displayName)
        self.id = id
        externalId = try reader.string("externalId")
        members = try reader.objects("members")?.map { reader throws(SCIMDecodingError) in try SCIMMember(reader) }
        meta = try reader.object("meta").map { reader throws(SCIMDecodingError) in try SCIMMeta(reader) }
        extra = object.filter { !Dictionary.matches($0.key, Self.modelled) }
    }

    public var json: JSONValue {
        var object = extra
        object["schemas"] = .array([.string(SCIMSchema.group)])
        object["displayName"] = .string(displayName)
        if let id { object["id"] = .string(id) }
        if let externalId { object["externalId"] = .string(externalId) }
        if let members { object["members"] = .array(members.map(\.json)) }
        return .object(object)
    }
}

/// A page of a list (RFC 7644 §3.4.2), with RFC 9865's `nextCursor`.
public struct ListPage: Sendable {
    public var totalResults: Int?
    public var startIndex: Int?
    public var itemsPerPage: Int?
    public var nextCursor: String?
    public var resources: [JSONValue]

    public init(json: JSONValue) throws(SCIMDecodingError) {
        guard let object = json.objectValue else {
            throw SCIMDecodingError(message: "a ListResponse must be a JSON object")
        }
        totalResults = object[attribute: "totalResults"]?.intValue
        startIndex = object[attribute: "startIndex"]?.intValue
        itemsPerPage = object[attribute: "itemsPerPage"]?.intValue
        nextCursor = object[attribute: "nextCursor"]?.stringValue
        if let resources = object[attribute: "Resources"] {
            guard let list = resources.arrayValue else {
                throw SCIMDecodingError(message: "ListResponse.Resources is not a list")
            }
            self.resources = list
        } else {
            self.resources = []
        }
    }
}

/// One PATCH operation (RFC 7644 §3.5.2).
public struct PatchOperation: Sendable, Hashable {
    public enum Op: String, Sendable, Hashable {
        case add, remove, replace
    }

    public var op: Op
    public var path: String?
    public var value: JSONValue?

    public init(_ op: Op, path: String?, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }

    /// Adds members, by id.
    public static func addMembers(_ ids: [String]) -> PatchOperation {
        PatchOperation(.add, path: "members", value: .array(ids.map { .object(["value": .string($0)]) }))
    }

    /// Removes one member by a value filter: the form every provider accepts (scim2-server refuses a
    /// value list on remove; Entra accepts only one member per remove).
    public static func removeMember(_ id: String) -> PatchOperation {
        PatchOperation(.remove, path: "members[value eq \(SCIMFilter.quote(id))]")
    }

    /// Removes members by a value list (`"path": "members", "value": [{"value": id}]`): the form
    /// Entra sends and django-scim2 implements, for providers that answer 501 to a filter path.
    public static func removeMembers(_ ids: [String]) -> PatchOperation {
        PatchOperation(.remove, path: "members", value: .array(ids.map { .object(["value": .string($0)]) }))
    }
}

/// The body of a SCIM error response (RFC 7644 §3.12), read tolerantly: `status` as a string or a number.
public struct SCIMErrorBody: Sendable, Hashable {
    public var status: Int?
    public var scimType: String?
    public var detail: String?

    public init?(data: Data) {
        guard !data.isEmpty, let json = try? JSONValue.parse(data), let object = json.objectValue else { return nil }
        status = object[attribute: "status"]?.intValue
        scimType = object[attribute: "scimType"]?.stringValue
        detail = object[attribute: "detail"]?.stringValue
        if status == nil && scimType == nil && detail == nil { return nil }
    }
}
