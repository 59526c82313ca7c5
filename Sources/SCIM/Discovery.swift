/// `/ServiceProviderConfig` (RFC 7643 §5), with RFC 9865's `pagination`. Every field is what the
/// provider claims; `ProviderCapabilities` merges it with what its profile knows better.
public struct ServiceProviderConfig: Sendable, Hashable {
    public var patchSupported: Bool?
    public var bulkSupported: Bool?
    public var bulkMaxOperations: Int?
    public var bulkMaxPayloadSize: Int?
    public var filterSupported: Bool?
    public var filterMaxResults: Int?
    public var sortSupported: Bool?
    public var etagSupported: Bool?
    public var cursorPagination: Bool?
    public var indexPagination: Bool?
    public var defaultPageSize: Int?
    public var maxPageSize: Int?

    public init() {}

    public init(json: JSONValue) throws(SCIMDecodingError) {
        guard let object = json.objectValue else {
            throw SCIMDecodingError(message: "ServiceProviderConfig must be a JSON object")
        }
        func feature(_ name: String) -> [String: JSONValue]? { object[attribute: name]?.objectValue }
        patchSupported = feature("patch")?[attribute: "supported"]?.boolValue
        bulkSupported = feature("bulk")?[attribute: "supported"]?.boolValue
        bulkMaxOperations = feature("bulk")?[attribute: "maxOperations"]?.intValue
        bulkMaxPayloadSize = feature("bulk")?[attribute: "maxPayloadSize"]?.intValue
        filterSupported = feature("filter")?[attribute: "supported"]?.boolValue
        filterMaxResults = feature("filter")?[attribute: "maxResults"]?.intValue
        sortSupported = feature("sort")?[attribute: "supported"]?.boolValue
        etagSupported = feature("etag")?[attribute: "supported"]?.boolValue
        let pagination = feature("pagination")
        cursorPagination = pagination?[attribute: "cursor"]?.boolValue
        indexPagination = pagination?[attribute: "index"]?.boolValue
        defaultPageSize = pagination?[attribute: "defaultPageSize"]?.intValue
        maxPageSize = pagination?[attribute: "maxPageSize"]?.intValue
    }
}

/// An entry of `/ResourceTypes` (RFC 7643 §6).
public struct ResourceType: Sendable, Hashable {
    public var name: String
    public var endpoint: String
    public var schema: String?
    public var schemaExtensions: [String]

    public init(name: String, endpoint: String, schema: String? = nil, schemaExtensions: [String] = []) {
        self.name = name
        self.endpoint = endpoint
        self.schema = schema
        self.schemaExtensions = schemaExtensions
    }

    public init(json: JSONValue) throws(SCIMDecodingError) {
        guard let object = json.objectValue,
            let name = object[attribute: "name"]?.stringValue ?? object[attribute: "id"]?.stringValue,
            let endpoint = object[attribute: "endpoint"]?.stringValue
        else {
            throw SCIMDecodingError(message: "a ResourceType needs a name and an endpoint")
        }
        self.init(
            name: name, endpoint: endpoint, schema: object[attribute: "schema"]?.stringValue,
            schemaExtensions: object[attribute: "schemaExtensions"]?.arrayValue?.compactMap {
                $0.objectValue?[attribute: "schema"]?.stringValue
            } ?? [])
    }
}

/// An attribute definition of `/Schemas` (RFC 7643 §7), as far as a client needs it.
public struct SchemaAttribute: Sendable, Hashable {
    public var name: String
    public var type: String?
    public var multiValued: Bool
    public var required: Bool
    public var caseExact: Bool
    public var mutability: String?
    public var uniqueness: String?
    public var subAttributes: [SchemaAttribute]

    public init(json: JSONValue) throws(SCIMDecodingError) {
        guard let object = json.objectValue, let name = object[attribute: "name"]?.stringValue else {
            throw SCIMDecodingError(message: "a schema attribute needs a name")
        }
        self.name = name
        type = object[attribute: "type"]?.stringValue
        multiValued = object[attribute: "multiValued"]?.boolValue ?? false
        required = object[attribute: "required"]?.boolValue ?? false
        caseExact = object[attribute: "caseExact"]?.boolValue ?? false
        mutability = object[attribute: "mutability"]?.stringValue
        uniqueness = object[attribute: "uniqueness"]?.stringValue
        var subAttributes: [SchemaAttribute] = []
        for item in object[attribute: "subAttributes"]?.arrayValue ?? [] {
            subAttributes.append(try SchemaAttribute(json: item))
        }
        self.subAttributes = subAttributes
    }
}

/// A schema of `/Schemas` (RFC 7643 §7).
public struct SchemaDefinition: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var attributes: [SchemaAttribute]

    public init(json: JSONValue) throws(SCIMDecodingError) {
        guard let object = json.objectValue, let id = object[attribute: "id"]?.stringValue else {
            throw SCIMDecodingError(message: "a schema needs an id")
        }
        self.id = id
        name = object[attribute: "name"]?.stringValue
        var attributes: [SchemaAttribute] = []
        for item in object[attribute: "attributes"]?.arrayValue ?? [] {
            attributes.append(try SchemaAttribute(json: item))
        }
        self.attributes = attributes
    }

    /// The attribute of this name, ignoring case (RFC 7643 §2.1).
    public func attribute(named name: String) -> SchemaAttribute? {
        attributes.first { $0.name.lowercased() == name.lowercased() }
    }
}
