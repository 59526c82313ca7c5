import Catalog
import SCIM

/// What the sandbox says about itself: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
enum Discovery {
    /// Bulk limits (RFC 7644 §3.7.4): over them, 413.
    static let bulkMaxOperations = 1000
    static let bulkMaxPayloadSize = 1 << 20

    static func serviceProviderConfig(_ profile: ProviderProfile) -> JSONValue {
        .object([
            "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")]),
            "patch": .object(["supported": .bool(profile.servesPatch)]),
            "bulk": .object([
                "supported": .bool(profile.servesBulk),
                "maxOperations": .number(Double(profile.servesBulk ? bulkMaxOperations : 0)),
                "maxPayloadSize": .number(Double(profile.servesBulk ? bulkMaxPayloadSize : 0)),
            ]),
            "filter": .object(["supported": .bool(true), "maxResults": .number(Double(profile.servedMaxPageSize))]),
            // RFC 9865 §4: how lists may be paged.
            "pagination": .object([
                "cursor": .bool(true), "index": .bool(profile.servesIndexPaging),
                "defaultPaginationMethod": .string(profile.servesIndexPaging ? "index" : "cursor"),
                "defaultPageSize": .number(Double(min(100, profile.servedMaxPageSize))),
                "maxPageSize": .number(Double(profile.servedMaxPageSize)),
            ]),
            "changePassword": .object(["supported": .bool(false)]),
            "sort": .object(["supported": .bool(profile.servesSorting)]),
            "etag": .object(["supported": .bool(profile.servesETags)]),
            "authenticationSchemes": .array([
                .object([
                    "type": .string("oauthbearertoken"), "name": .string("OAuth Bearer Token"),
                    "description": .string("Authentication with a bearer token"),
                ])
            ]),
        ])
    }

    static func resourceTypes(_ baseURL: String, _ declared: [ExtensionSchema]) -> JSONValue {
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
            type(
                "User", "/Users", SCIMSchema.user,
                extensions: [SCIMSchema.enterpriseUser] + declared.filter { $0.resourceType == "User" }.map(\.id)),
            type(
                "Group", "/Groups", SCIMSchema.group,
                extensions: declared.filter { $0.resourceType == "Group" }.map(\.id)),
        ]
        return .object([
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(2), "startIndex": .number(1),
            "itemsPerPage": .number(2), "Resources": .array(types),
        ])
    }

    static func schemas(_ baseURL: String, _ declared: [ExtensionSchema]) -> JSONValue {
        let resources = Schemas.resources(baseURL, declared)
        return .object([
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(resources.count)),
            "startIndex": .number(1), "itemsPerPage": .number(Double(resources.count)), "Resources": .array(resources),
        ])
    }
}
