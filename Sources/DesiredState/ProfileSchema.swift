import Catalog

extension SchemaGenerator {
    /// `schema/profile.schema.json`, for editors: every mapping's properties in the order of the key
    /// tables the profile reader checks (`MappingKeys.profile*`), the attribute paths from the attribute
    /// table, the choices from their Swift enums and the bounds from `ProfileDecoder.Limits`. A test
    /// compares the committed file with it.
    public static func profile() -> String {
        let document: [(String, OrderedJSON)] = [
            ("$schema", "https://json-schema.org/draft/2020-12/schema"),
            ("$id", "https://scimctl.dev/schema/profile.schema.json"),
            ("title", "scimctl provider profile, version 1"),
            (
                "description",
                "What scimctl knows of a provider beyond what it advertises: used by the client, by validate's rules and by scimctl serve --profile. Omitted settings trust discovery."
            ),
            ("type", "object"), ("additionalProperties", false), ("required", .array(["profile", "name"])),
            ("properties", .object(ProfileProperties.of(.profileDocument))),
            (
                "$defs",
                .object(
                    [MappingKeys.profileListing, .profileWrites, .profileGroups, .profileUsers].map { keys in
                        (
                            keys.schemaDefinition!,
                            .object([
                                ("type", "object"), ("additionalProperties", false),
                                ("properties", .object(ProfileProperties.of(keys))),
                            ])
                        )
                    } + [
                        ("userAttributePath", ProfileProperties.userAttributePath),
                        ("insistsOn", ProfileProperties.insistsOn),
                    ]
                )
            ),
        ]
        return OrderedJSON.object(document).pretty() + "\n"
    }
}

/// The schema of each key a profile may hold.
private enum ProfileProperties {
    /// `keys`' properties, in its order; a key without a schema here is a build defect a test finds.
    static func of(_ keys: MappingKeys) -> [(String, OrderedJSON)] {
        keys.keys.map { key in
            guard let schema = schemas["\(keys.name).\(key)"] ?? schemas[key] else {
                preconditionFailure("no schema for the profile key \(keys.name).\(key)")
            }
            return (key, schema)
        }
    }

    static func choice<Choice: CaseIterable & RawRepresentable>(_: Choice.Type, _ description: String) -> OrderedJSON
    where Choice.RawValue == String {
        .object([
            ("enum", .array(Choice.allCases.map { .string($0.rawValue) })), ("description", .string(description)),
        ])
    }

    static func integer(_ range: ClosedRange<Int>, _ description: String? = nil) -> OrderedJSON {
        var object: [(String, OrderedJSON)] = [
            ("type", "integer"), ("minimum", .integer(range.lowerBound)), ("maximum", .integer(range.upperBound)),
        ]
        if let description { object.append(("description", .string(description))) }
        return .object(object)
    }

    static func boolean(_ description: String) -> OrderedJSON {
        .object([("type", "boolean"), ("description", .string(description))])
    }

    static let attributePath: OrderedJSON = .object([("$ref", "#/$defs/userAttributePath")])

    static let userAttributePath: OrderedJSON = .object([
        (
            "description",
            "A user attribute's plan path, as the attribute table (Sources/Catalog/AttributeTable.swift) lists the single-valued strings."
        ),
        ("enum", .array(AttributeTable.userStrings.map { .string($0.path) })),
    ])

    static let insistsOn: OrderedJSON = .object([
        ("type", "object"),
        (
            "description",
            "Attributes the provider refuses a create or replace without, though RFC 7643 leaves them optional, with the value scimctl sends when it sets none itself."
        ),
        (
            "propertyNames",
            .object([
                ("pattern", .string(ProfileDecoder.attributeNamePattern)),
                ("not", .object([("enum", .array(ProfileDecoder.writtenByScimctl.map(OrderedJSON.string)))])),
            ])
        ),
        (
            "additionalProperties",
            .object([
                (
                    "oneOf",
                    .array([
                        .object([("type", "string")]), .object([("type", "boolean")]), .object([("type", "integer")]),
                        .object([("type", "array"), ("maxItems", 0)]),
                        .object([("type", "object"), ("maxProperties", 0)]),
                    ])
                )
            ])
        ),
    ])

    /// By key, or by `mapping.key` where a name means two things (the document's `groups` and `users`
    /// are references to the mappings of those names).
    static let schemas: [String: OrderedJSON] = [
        "profile": .object([("const", 1), ("description", "The format version; always 1.")]),
        "name": .object([("type", "string"), ("minLength", 1), ("description", "The profile's name, shown in plans.")]),
        "description": .object([("type", "string")]),
        "listing": .object([("$ref", "#/$defs/listing")]),
        "writes": .object([("$ref", "#/$defs/writes")]),
        "profile.groups": .object([("$ref", "#/$defs/groups")]),
        "profile.users": .object([("$ref", "#/$defs/users")]),
        // listing
        "pageSize": integer(ProfileDecoder.Limits.pageSize, "The largest page the provider serves."),
        "paging": choice(ProviderProfile.Paging.self, "startIndex paging (RFC 7644) or cursors (RFC 9865)."),
        "filterOperators": .object([
            ("type", "array"),
            ("items", .object([("enum", .array(ProfileDecoder.filterOperators.map(OrderedJSON.string)))])),
            ("contains", .object([("const", "eq")])),
            ("description", "The filter operators understood, when fewer than RFC 7644's; eq is required."),
        ]),
        "sorting": boolean("Whether sortBy is honoured."),
        // writes
        "patch": boolean("Whether PATCH is implemented; without it, GET + PUT with If-Match."),
        "opCasing": choice(ProviderProfile.OpCasing.self, "How a PATCH op is spelt: add, or Add."),
        "maxMembersAddedPerPatch": integer(ProfileDecoder.Limits.membersPerPatch),
        "maxMembersRemovedPerPatch": integer(ProfileDecoder.Limits.membersPerPatch),
        "bulk": boolean("Whether /Bulk may be used."),
        "etags": boolean("Whether ETags (If-Match) are honoured."),
        "requestsPerSecond": .object([
            ("type", "number"), ("minimum", .number(ProfileDecoder.Limits.requestsPerSecond.lowerBound)),
            ("maximum", .number(ProfileDecoder.Limits.requestsPerSecond.upperBound)),
            ("description", "A documented rate limit; --rate-limit overrides it."),
        ]),
        // groups
        "supported": boolean("Whether the provider has Groups; omitted: ask /ResourceTypes."),
        "membershipRead": choice(ProviderProfile.MembershipRead.self, "How members are read."),
        "keepsMembersOfDeletedUsers": boolean("A deleted user's id may stay among members."),
        "insistsOn": .object([("$ref", "#/$defs/insistsOn")]),
        // users
        "userNameIsEmail": boolean("userName must be an email address."),
        "required": .object([
            ("type", "array"), ("items", attributePath),
            ("description", "Attributes a user must have, besides userName."),
        ]),
        "maxLength": .object([
            ("type", "object"), ("propertyNames", attributePath),
            ("additionalProperties", integer(ProfileDecoder.Limits.maxLength)),
        ]),
        "allowedValues": .object([
            ("type", "object"), ("propertyNames", attributePath),
            (
                "additionalProperties",
                .object([("type", "array"), ("minItems", 1), ("items", .object([("type", "string")]))])
            ),
        ]),
        "duplicateUserNameStatus": .object([
            ("enum", .array(ProfileDecoder.Limits.duplicateUserNameStatuses.map(OrderedJSON.integer))),
            ("description", "409 (RFC 7644), or 400 with \"not unique\"."),
        ]),
        "deleteDeactivates": boolean("A DELETE of a user only deactivates it."),
    ]
}
