import SCIM

/// What the sandbox says about itself: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
enum Discovery {
    /// Bulk limits (RFC 7644 §3.7.4): over them, 413.
    static let bulkMaxOperations = 1000
    static let bulkMaxPayloadSize = 1 << 20

    static func serviceProviderConfig(_ profile: SandboxProfile) -> JSONValue {
        .object([
            "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")]),
            "patch": .object(["supported": .bool(true)]),
            "bulk": .object([
                "supported": .bool(profile.bulk),
                "maxOperations": .number(Double(profile.bulk ? bulkMaxOperations : 0)),
                "maxPayloadSize": .number(Double(profile.bulk ? bulkMaxPayloadSize : 0)),
            ]),
            "filter": .object(["supported": .bool(true), "maxResults": .number(Double(profile.maxPageSize))]),
            // RFC 9865 §4: how lists may be paged.
            "pagination": .object([
                "cursor": .bool(true), "index": .bool(profile.indexPaging),
                "defaultPaginationMethod": .string(profile.indexPaging ? "index" : "cursor"),
                "defaultPageSize": .number(Double(min(100, profile.maxPageSize))),
                "maxPageSize": .number(Double(profile.maxPageSize)),
            ]),
            "changePassword": .object(["supported": .bool(false)]),
            "sort": .object(["supported": .bool(profile.sorting)]),
            "etag": .object(["supported": .bool(true)]),
            "authenticationSchemes": .array([
                .object([
                    "type": .string("oauthbearertoken"), "name": .string("OAuth Bearer Token"),
                    "description": .string("Authentication with a bearer token"),
                ])
            ]),
        ])
    }

    static func resourceTypes(_ baseURL: String) -> JSONValue {
        func type(_ name: String, _ endpoint: String, _ schema: String, extensions: [String]) -> JSONValue {
            .object([
                "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ResourceType")]),
                "id": .string(name), "name": .string(name), "endpoint": .string(endpoint), "schema": .string(schema),
                "schemaExtensions": .array(
                    extensions.map { .object(["schema": .string($0), "required": .bool(false)]) }),
                "meta": .object([
                    "resourceType": .string("ResourceType"), "location": .string("\(baseURL)/ResourceTypes/\(name)"),
                ]),
            ])
        }
        let types = [
            type("User", "/Users", SCIMSchema.user, extensions: [SCIMSchema.enterpriseUser]),
            type("Group", "/Groups", SCIMSchema.group, extensions: []),
        ]
        return .object([
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(2), "startIndex": .number(1),
            "itemsPerPage": .number(2), "Resources": .array(types),
        ])
    }

    static func schemas(_ baseURL: String) -> JSONValue {
        let resources = Schemas.resources(baseURL)
        return .object([
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(resources.count)),
            "startIndex": .number(1), "itemsPerPage": .number(Double(resources.count)), "Resources": .array(resources),
        ])
    }
}
