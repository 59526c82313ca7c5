import Foundation
import GRDB
import SCIM

/// A custom extension schema declared to the sandbox (RFC 7643 §7): served, and enforced on writes.
struct ExtensionSchema: Sendable {
    var id: String
    /// "User" or "Group": the last part of the URN.
    var resourceType: String
    var json: JSONValue
    var definition: SchemaDefinition

    init(json: JSONValue) throws {
        let definition: SchemaDefinition
        do {
            definition = try SchemaDefinition(json: json)
        } catch {
            throw SandboxError(400, scimType: "invalidValue", detail: "not a SCIM schema: \(error.message)")
        }
        let parts = definition.id.split(separator: ":")
        guard definition.id.lowercased().hasPrefix("urn:"), parts.count >= 3 else {
            throw SandboxError(400, scimType: "invalidValue", detail: "a schema id is a URN, not '\(definition.id)'")
        }
        guard let last = parts.last, ["user", "group"].contains(last.lowercased()) else {
            throw SandboxError(
                400, scimType: "invalidValue",
                detail: "the schema '\(definition.id)' must end in :User or :Group (the resource it extends)")
        }
        guard ![SCIMSchema.user, SCIMSchema.group, SCIMSchema.enterpriseUser].contains(definition.id) else {
            throw SandboxError(400, scimType: "invalidValue", detail: "'\(definition.id)' is built in")
        }
        guard !definition.attributes.isEmpty else {
            throw SandboxError(400, scimType: "invalidValue", detail: "the schema '\(definition.id)' has no attributes")
        }
        for attribute in definition.attributes {
            let type = attribute.type?.lowercased() ?? "string"
            guard Self.types.contains(type) else {
                throw SandboxError(
                    400, scimType: "invalidValue",
                    detail: "attribute '\(attribute.name)' has type '\(type)'; RFC 7643 §2.3 knows "
                        + Self.types.sorted().joined(separator: ", "))
            }
        }
        self.id = definition.id
        self.resourceType = last.lowercased() == "user" ? "User" : "Group"
        var object = json.objectValue ?? [:]
        object["schemas"] = .array([.string("urn:ietf:params:scim:schemas:core:2.0:Schema")])
        self.json = .object(object)
        self.definition = definition
    }

    static let types: Set<String> = [
        "string", "boolean", "decimal", "integer", "datetime", "binary", "reference", "complex",
    ]

    static func fetchAll(_ db: Database) throws -> [ExtensionSchema] {
        try String.fetchAll(db, sql: "SELECT json FROM extensionSchema ORDER BY id").map { text in
            try ExtensionSchema(json: try JSONValue.parse(Data(text.utf8)))
        }
    }

    func save(_ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO extensionSchema (id, resourceType, json) VALUES (?, ?, ?)",
            arguments: [id, resourceType, String(decoding: json.serialized(), as: UTF8.self)])
    }

    /// Refuses a body whose object under this schema's URN breaks it: an unknown attribute, a value of
    /// the wrong type or plurality, a read-only attribute written, a required one missing.
    func check(_ body: [String: JSONValue]) throws {
        guard let value = body[attribute: id] else { return }
        guard let object = value.objectValue else {
            throw SandboxError(400, scimType: "invalidSyntax", detail: "\(id) must be an object")
        }
        for (name, value) in object where value != .null {
            guard let attribute = definition.attribute(named: name) else {
                throw SandboxError(400, scimType: "invalidPath", detail: "\(id) has no attribute '\(name)'")
            }
            if attribute.mutability?.lowercased() == "readonly" {
                throw SandboxError(400, scimType: "mutability", detail: "\(id):\(attribute.name) is read-only")
            }
            try Self.check(value, attribute, path: "\(id):\(attribute.name)")
        }
        for attribute in definition.attributes where attribute.required {
            let present = object.contains { $0.key.lowercased() == attribute.name.lowercased() && $0.value != .null }
            if !present {
                throw SandboxError(400, scimType: "invalidValue", detail: "\(id):\(attribute.name) is required")
            }
        }
    }

    /// Refuses `value` where it does not fit `attribute` (`SchemaAttribute.problem(with:)`, the check
    /// the client makes before sending).
    private static func check(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws {
        guard let problem = attribute.problem(with: value) else { return }
        throw error(problem, attribute, path: path)
    }

    private static func error(_ problem: SchemaTypeProblem, _ attribute: SchemaAttribute, path: String)
        -> SandboxError
    {
        switch problem {
        case .multiValued:
            SandboxError(400, scimType: "invalidValue", detail: "\(path) is multi-valued: send a list")
        case .notMultiValued, .wrongType:
            SandboxError(
                400, scimType: "invalidValue",
                detail: "\(path) must be of type \(attribute.type?.lowercased() ?? "string")")
        case .unknownSubAttribute(let name, _):
            SandboxError(400, scimType: "invalidPath", detail: "\(path) has no sub-attribute '\(name)'")
        case .inSubAttribute(let name, let inner):
            error(
                inner, attribute.subAttributes.first { $0.name == name } ?? attribute, path: "\(path).\(name)")
        }
    }
}
