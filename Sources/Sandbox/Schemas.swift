import Catalog
import SCIM

/// The schema definitions the sandbox serves at `/Schemas` (RFC 7643 §8.7.1): clients such as
/// scim2-tester build their payloads from them.
enum Schemas {
    /// One attribute definition.
    struct Attribute {
        var name: String
        var type = "string"
        var multiValued = false
        var required = false
        var caseExact = false
        var mutability = "readWrite"
        var returned = "default"
        var uniqueness = "none"
        var canonicalValues: [String] = []
        var referenceTypes: [String] = []
        var subAttributes: [Attribute] = []

        var description: String?

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "name": .string(name), "type": .string(type), "multiValued": .bool(multiValued),
                "description": .string(description ?? name), "required": .bool(required), "caseExact": .bool(caseExact),
                "mutability": .string(mutability), "returned": .string(returned), "uniqueness": .string(uniqueness),
            ]
            if !canonicalValues.isEmpty { object["canonicalValues"] = .array(canonicalValues.map(JSONValue.string)) }
            if !referenceTypes.isEmpty { object["referenceTypes"] = .array(referenceTypes.map(JSONValue.string)) }
            if !subAttributes.isEmpty { object["subAttributes"] = .array(subAttributes.map(\.json)) }
            return .object(object)
        }
    }

    private static func string(_ name: String, required: Bool = false, caseExact: Bool = false) -> Attribute {
        Attribute(name: name, required: required, caseExact: caseExact)
    }

    /// A multi-valued attribute of `value`, `display`, `type` and `primary` (emails, phoneNumbers, …).
    private static func multi(_ name: String, types: [String], valueType: String = "string") -> Attribute {
        Attribute(
            name: name, type: "complex", multiValued: true,
            subAttributes: [
                Attribute(name: "value", type: valueType), string("display"),
                Attribute(name: "type", canonicalValues: types), Attribute(name: "primary", type: "boolean"),
            ])
    }

    /// A string attribute of the attribute table, as `/Schemas` describes it.
    private static func managed(_ attribute: ManagedAttribute) -> Attribute {
        Attribute(
            name: attribute.key, required: attribute.required, caseExact: attribute.caseExact,
            mutability: attribute.mutability.rawValue, description: attribute.summary)
    }

    /// A multi-valued attribute of the attribute table, as `/Schemas` describes it.
    private static func managedList(_ attribute: ManagedAttribute) -> Attribute {
        var list = multi(attribute.key, types: attribute.entries!.types)
        list.subAttributes[0].caseExact = attribute.caseExact
        list.description = attribute.summary
        return list
    }

    /// The core User schema: the attributes scimctl manages, from its attribute table, and the rest of
    /// RFC 7643 §4.1, which the sandbox stores as sent.
    static let user: [Attribute] =
        [
            Attribute(name: "userName", required: true, uniqueness: "server"),
            Attribute(
                name: "name", type: "complex", subAttributes: AttributeTable.strings(in: .name).map(managed)),
        ] + AttributeTable.strings(in: .core).map(managed) + [
            Attribute(name: "profileUrl", type: "reference", referenceTypes: ["external"]),
            Attribute(name: "active", type: "boolean"),
            Attribute(name: "password", mutability: "writeOnly", returned: "never"),
        ] + AttributeTable.userContacts.map(managedList) + rfcLists.filter { AttributeTable.byPath[$0.name] == nil }

    /// The multi-valued attributes of RFC 7643 §4.1.2 scimctl does not manage, stored as sent.
    private static let rfcLists: [Attribute] = [
        multi("ims", types: ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
        multi("photos", types: ["photo", "thumbnail"], valueType: "reference"),
        Attribute(
            name: "addresses", type: "complex", multiValued: true,
            subAttributes: ["formatted", "streetAddress", "locality", "region", "postalCode", "country"].map {
                string($0)
            }
                + [
                    Attribute(name: "type", canonicalValues: ["work", "home", "other"]),
                    Attribute(name: "primary", type: "boolean"),
                ]),
        Attribute(
            name: "groups", type: "complex", multiValued: true, mutability: "readOnly",
            subAttributes: [
                Attribute(name: "value", mutability: "readOnly"),
                Attribute(
                    name: "$ref", type: "reference", mutability: "readOnly", referenceTypes: ["User", "Group"]),
                Attribute(name: "display", mutability: "readOnly"),
                Attribute(name: "type", mutability: "readOnly", canonicalValues: ["direct", "indirect"]),
            ]),
        multi("entitlements", types: []), multi("roles", types: []),
        multi("x509Certificates", types: [], valueType: "binary"),
    ]

    static let group: [Attribute] = [
        Attribute(name: "displayName", required: true),
        Attribute(
            name: "members", type: "complex", multiValued: true,
            subAttributes: [
                Attribute(name: "value", caseExact: true, mutability: "immutable"),
                Attribute(name: "$ref", type: "reference", mutability: "immutable", referenceTypes: ["User", "Group"]),
                Attribute(name: "type", mutability: "immutable", canonicalValues: ["User", "Group"]),
            ]),
    ]

    static let enterpriseUser: [Attribute] =
        AttributeTable.strings(in: .enterprise).map(managed) + [
            Attribute(
                name: AttributeTable.manager.key, type: "complex",
                subAttributes: [
                    Attribute(name: "value"),
                    Attribute(name: "$ref", type: "reference", referenceTypes: ["User"]),
                    Attribute(name: "displayName", mutability: "readOnly"),
                ], description: AttributeTable.manager.summary)
        ]

    static func resources(_ baseURL: String, _ declared: [ExtensionSchema]) -> [JSONValue] {
        let builtIn: [JSONValue] = [
            (SCIMSchema.user, "User", "User Account", user), (SCIMSchema.group, "Group", "Group", group),
            (SCIMSchema.enterpriseUser, "EnterpriseUser", "Enterprise User", enterpriseUser),
        ].map { id, name, description, attributes in
            .object([
                "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:Schema")]),
                "id": .string(id), "name": .string(name), "description": .string(description),
                "attributes": .array(attributes.map(\.json)),
                "meta": .object(["resourceType": .string("Schema"), "location": .string("\(baseURL)/Schemas/\(id)")]),
            ])
        }
        return builtIn
            + declared.map { schema in
                var object = schema.json.objectValue ?? [:]
                object["meta"] = .object([
                    "resourceType": .string("Schema"), "location": .string("\(baseURL)/Schemas/\(schema.id)"),
                ])
                return .object(object)
            }
    }
}
