import Foundation
import GRDB
public import SCIM

/// A SCIM 2.0 service provider inside scimctl, persisted in SQLite: the target a newcomer runs on
/// (`sandbox:PATH`) and a controllable provider for tests. It answers `HTTPRequest`s directly, so the
/// client reaches it through `SandboxTransport` with no socket at all.
public final class SandboxProvider: Sendable {
    private let database: DatabaseQueue
    /// The base URL resources' `meta.location` is built on.
    public let baseURL: String

    /// Opens (or creates) the store at `path`.
    public init(path: String, baseURL: String = "http://localhost/sandbox/v2") throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        // WAL with NORMAL sync: durable across crashes of the process, and no fsync per write.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.baseURL = baseURL
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resource (
                        type TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, nameFolded TEXT NOT NULL,
                        externalId TEXT, version INTEGER NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL,
                        json TEXT NOT NULL, PRIMARY KEY (type, id));
                    CREATE UNIQUE INDEX user_name ON resource(nameFolded) WHERE type = 'User';
                    CREATE INDEX resource_name ON resource(type, nameFolded);
                    CREATE INDEX resource_external ON resource(type, externalId);
                    CREATE TABLE member (
                        groupId TEXT NOT NULL, memberId TEXT NOT NULL, memberType TEXT NOT NULL,
                        PRIMARY KEY (groupId, memberId));
                    CREATE INDEX member_by_member ON member(memberId);
                    """)
        }
        migrator.registerMigration("v2") { db in
            // Entries in (type, rowid) order: a page of one type in creation order needs no sort.
            try db.execute(sql: "CREATE INDEX resource_type ON resource(type)")
        }
        return migrator
    }

    // MARK: Requests

    /// A SCIM error response, for the HTTP front to answer with.
    public static func errorResponse(_ status: Int, detail: String) -> HTTPResponse {
        SandboxError(status, detail: detail).response
    }

    /// Answers one request as a SCIM 2.0 provider would.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let components = request.url.pathComponents
        if request.method == "POST", components.last == ".search" {
            // RFC 7644 §3.4.3: a query in the body, at the root (every type) or under one endpoint.
            let types: [ResourceType] =
                components.contains("Users") ? [.user] : components.contains("Groups") ? [.group] : [.user, .group]
            do {
                return try list(types, query: Query(searchRequest: try body(request)))
            } catch let error as SandboxError {
                return error.response
            } catch {
                return SandboxError(500, detail: "\(error)").response
            }
        }
        guard let index = components.firstIndex(where: { Endpoint(rawValue: $0) != nil }),
            let endpoint = Endpoint(rawValue: components[index])
        else {
            return SandboxError(404, detail: "no such endpoint: \(request.url.path)").response
        }
        let id = components.count > index + 1 ? components[index + 1] : nil
        do {
            switch (endpoint, request.method, id) {
            case (.serviceProviderConfig, "GET", _): return json(200, Discovery.serviceProviderConfig)
            case (.resourceTypes, "GET", nil): return json(200, Discovery.resourceTypes(baseURL))
            case (.resourceTypes, "GET", let id?):
                let types = Discovery.resourceTypes(baseURL).objectValue?["Resources"]?.arrayValue ?? []
                guard let type = types.first(where: { $0.objectValue?["id"]?.stringValue == id }) else {
                    return SandboxError(404, detail: "no resource type \(id)").response
                }
                return json(200, type)
            case (.schemas, "GET", nil): return json(200, Discovery.schemas(baseURL))
            case (.schemas, "GET", let id?):
                guard let schema = Schemas.resources(baseURL).first(where: { $0.objectValue?["id"]?.stringValue == id })
                else {
                    return SandboxError(404, detail: "no schema \(id)").response
                }
                return json(200, schema)
            case (.users, "GET", nil), (.groups, "GET", nil):
                return try list([endpoint.type!], query: Query(request.url))
            case (.users, "POST", nil), (.groups, "POST", nil):
                return try create(endpoint.type!, body: try body(request))
            case (.users, "GET", let id?), (.groups, "GET", let id?):
                return try get(
                    endpoint.type!, id: id, ifNoneMatch: request.header("If-None-Match"), query: Query(request.url))
            case (.users, "PUT", let id?), (.groups, "PUT", let id?):
                return try replace(endpoint.type!, id: id, body: try body(request), ifMatch: request.header("If-Match"))
            case (.users, "PATCH", let id?), (.groups, "PATCH", let id?):
                return try patch(endpoint.type!, id: id, body: try body(request), ifMatch: request.header("If-Match"))
            case (.users, "DELETE", let id?), (.groups, "DELETE", let id?):
                return try delete(endpoint.type!, id: id, ifMatch: request.header("If-Match"))
            default:
                return SandboxError(405, detail: "\(request.method) is not supported on \(request.url.path)").response
            }
        } catch let error as SandboxError {
            return error.response
        } catch {
            return SandboxError(500, detail: "\(error)").response
        }
    }

    private func body(_ request: HTTPRequest) throws -> [String: JSONValue] {
        guard let data = request.body, let object = (try? JSONValue.parse(data))?.objectValue else {
            throw SandboxError(400, scimType: "invalidSyntax", detail: "the body is not a JSON object")
        }
        return object
    }

    private func json(_ status: Int, _ value: JSONValue, headers: [String: String] = [:]) -> HTTPResponse {
        var all = ["Content-Type": "application/scim+json"]
        all.merge(headers) { $1 }
        return HTTPResponse(status: status, headers: all, body: value.serialized())
    }

    // MARK: Reading

    private func list(_ types: [ResourceType], query: Query) throws -> HTTPResponse {
        let filter: FilterExpression?
        do {
            filter = try query.filter.map(FilterParser.parse)
        } catch {
            throw SandboxError(400, scimType: "invalidFilter", detail: error.message)
        }
        let start = max(1, query.startIndex ?? 1)
        let count = min(max(0, query.count ?? 100), Discovery.maxResults)
        if filter == nil, query.sortBy == nil, types.count == 1, let type = types.first {
            let (total, page) = try database.read { db in
                try Stored.page(db, type: type, offset: start - 1, limit: count)
            }
            return listResponse(
                total: total, start: start, page.map { resource(type, $0.stored, members: $0.members) }, query)
        }
        var resources: [[String: JSONValue]] = []
        for type in types {
            resources += try database.read { db in try Stored.fetch(db, type: type, filter: filter) }
                .map { resource(type, $0.stored, members: $0.members) }
        }
        if let filter { resources = resources.filter { FilterEvaluator.matches(filter, $0) } }
        if let sortBy = query.sortBy {
            let path = AttributePath(sortBy)
            func key(_ resource: [String: JSONValue]) -> String {
                FilterEvaluator.values(of: path, in: resource).first?.stringValue?.lowercased() ?? ""
            }
            resources.sort { query.descending ? key($0) > key($1) : key($0) < key($1) }
        }
        let total = resources.count
        let page = start > total ? [] : Array(resources[(start - 1)..<min(total, start - 1 + count)])
        return listResponse(total: total, start: start, page, query)
    }

    private func listResponse(total: Int, start: Int, _ page: [[String: JSONValue]], _ query: Query) -> HTTPResponse {
        json(
            200,
            .object([
                "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(total)),
                "startIndex": .number(Double(start)), "itemsPerPage": .number(Double(page.count)),
                "Resources": .array(page.map { .object(query.project($0)) }),
            ]))
    }

    private func get(_ type: ResourceType, id: String, ifNoneMatch: String?, query: Query) throws -> HTTPResponse {
        guard let (stored, members) = try database.read({ db in try Stored.fetch(db, type: type, id: id) }) else {
            throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
        }
        if let ifNoneMatch, ifNoneMatch == stored.etag {
            return HTTPResponse(status: 304, headers: ["ETag": stored.etag])
        }
        return json(
            200, .object(query.project(resource(type, stored, members: members))), headers: ["ETag": stored.etag])
    }

    /// The resource as served: the stored attributes, with id, schemas, meta and (groups) members.
    private func resource(_ type: ResourceType, _ stored: Stored, members: [SCIMMember]) -> [String: JSONValue] {
        // A password is write-only (RFC 7643: returned "never").
        var object = stored.attributes.filter { $0.key.lowercased() != "password" }
        object["id"] = .string(stored.id)
        object["meta"] = .object([
            "resourceType": .string(type.rawValue), "created": .string(stored.created),
            "lastModified": .string(stored.modified), "version": .string(stored.etag),
            "location": .string("\(baseURL)/\(type.endpoint)/\(stored.id)"),
        ])
        if type == .group {
            object["members"] = .array(
                members.map { member in
                    .object([
                        "value": .string(member.value), "type": .string(member.type ?? "User"),
                        "$ref": .string("\(baseURL)/\(member.type == "Group" ? "Groups" : "Users")/\(member.value)"),
                    ])
                })
        }
        return object
    }

    // MARK: Writing

    private func create(_ type: ResourceType, body: [String: JSONValue]) throws -> HTTPResponse {
        let (attributes, members) = try Self.validated(type, body)
        let now = Self.timestamp()
        let stored = Stored(
            type: type, id: UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            attributes: attributes, version: 1, created: now, modified: now)
        try database.write { db in
            try stored.checkUnique(db)
            try Self.checkMembers(db, members)
            try stored.insert(db)
            try Stored.setMembers(db, groupId: stored.id, members ?? [])
        }
        let served = resource(type, stored, members: members ?? [])
        return json(
            201, .object(served),
            headers: ["ETag": stored.etag, "Location": "\(baseURL)/\(type.endpoint)/\(stored.id)"])
    }

    private func replace(_ type: ResourceType, id: String, body: [String: JSONValue], ifMatch: String?) throws
        -> HTTPResponse
    {
        let (attributes, members) = try Self.validated(type, body)
        let result = try database.write { db -> (Stored, [SCIMMember]) in
            guard var (stored, _) = try Stored.fetch(db, type: type, id: id) else {
                throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
            }
            try Self.check(ifMatch, stored)
            stored.attributes = attributes
            stored.touch(Self.timestamp())
            try stored.checkUnique(db)
            try Self.checkMembers(db, members)
            try stored.update(db)
            try Stored.setMembers(db, groupId: id, members ?? [])
            return (stored, members ?? [])
        }
        return json(200, .object(resource(type, result.0, members: result.1)), headers: ["ETag": result.0.etag])
    }

    private func patch(_ type: ResourceType, id: String, body: [String: JSONValue], ifMatch: String?) throws
        -> HTTPResponse
    {
        guard let operations = body[attribute: "Operations"]?.arrayValue, !operations.isEmpty else {
            throw SandboxError(400, scimType: "invalidSyntax", detail: "a PatchOp needs Operations")
        }
        let result = try database.write { db -> (Stored, [SCIMMember]) in
            guard var (stored, members) = try Stored.fetch(db, type: type, id: id) else {
                throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
            }
            try Self.check(ifMatch, stored)
            var patcher = Patcher(attributes: stored.attributes, members: members, type: type)
            for operation in operations { try patcher.apply(operation) }
            let (attributes, _) = try Self.validated(type, patcher.attributes)
            stored.attributes = attributes
            members = patcher.members
            stored.touch(Self.timestamp())
            try stored.checkUnique(db)
            try Self.checkMembers(db, members)
            try stored.update(db)
            try Stored.setMembers(db, groupId: id, members)
            return (stored, members)
        }
        return json(200, .object(resource(type, result.0, members: result.1)), headers: ["ETag": result.0.etag])
    }

    private func delete(_ type: ResourceType, id: String, ifMatch: String?) throws -> HTTPResponse {
        try database.write { db in
            guard let (stored, _) = try Stored.fetch(db, type: type, id: id) else {
                throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
            }
            try Self.check(ifMatch, stored)
            try db.execute(sql: "DELETE FROM resource WHERE type = ? AND id = ?", arguments: [type.rawValue, id])
            // Referential integrity: a deleted user or group leaves every group, and a group its members.
            try db.execute(sql: "DELETE FROM member WHERE memberId = ? OR groupId = ?", arguments: [id, id])
        }
        return HTTPResponse(status: 204)
    }

    // MARK: Checks

    private static func check(_ ifMatch: String?, _ stored: Stored) throws {
        guard let ifMatch, ifMatch != "*" else { return }
        let wanted = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard wanted.contains(stored.etag) else {
            throw SandboxError(412, detail: "the resource changed: its version is \(stored.etag)")
        }
    }

    /// Read-only attributes dropped, required ones checked; members split out of groups.
    static func validated(_ type: ResourceType, _ body: [String: JSONValue]) throws -> (
        [String: JSONValue], [SCIMMember]?
    ) {
        var attributes = body.filter {
            !["id", "meta", "groups", "members", "schemas", "schema"].contains($0.key.lowercased())
        }
        let schemas = [type.schema] + attributes.keys.filter { $0.lowercased().hasPrefix("urn:") }.sorted()
        attributes["schemas"] = .array(schemas.map(JSONValue.string))
        let nameKey = type == .user ? "userName" : "displayName"
        guard let name = body[attribute: nameKey]?.stringValue, !name.isEmpty else {
            throw SandboxError(400, scimType: "invalidValue", detail: "\(nameKey) is required")
        }
        if let key = attributes.keys.first(where: { $0.lowercased() == nameKey.lowercased() && $0 != nameKey }) {
            attributes.removeValue(forKey: key)
        }
        attributes[nameKey] = .string(name)
        guard type == .group else { return (attributes, nil) }
        let members = body[attribute: "members"]?.arrayValue?.map { item -> SCIMMember? in
            guard let value = item.objectValue?[attribute: "value"]?.stringValue else { return nil }
            return SCIMMember(value: value, type: item.objectValue?[attribute: "type"]?.stringValue)
        }
        if let members, members.contains(where: { $0 == nil }) {
            throw SandboxError(400, scimType: "invalidValue", detail: "every member needs a value")
        }
        return (attributes, members?.compactMap { $0 })
    }

    /// Every member must name an existing user or group.
    private static func checkMembers(_ db: Database, _ members: [SCIMMember]?) throws {
        for member in members ?? [] {
            let exists =
                try Bool.fetchOne(db, sql: "SELECT 1 FROM resource WHERE id = ?", arguments: [member.value]) ?? false
            guard exists else {
                throw SandboxError(
                    400, scimType: "invalidValue", detail: "member \(member.value) is neither a user nor a group")
            }
        }
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}

/// The transport that reaches an in-process sandbox: the client's requests go straight to
/// `SandboxProvider.handle`, with no socket.
public struct SandboxTransport: HTTPTransport {
    public let provider: SandboxProvider

    public init(_ provider: SandboxProvider) {
        self.provider = provider
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        provider.handle(request)
    }
}

enum Endpoint: String {
    case users = "Users", groups = "Groups", serviceProviderConfig = "ServiceProviderConfig"
    case resourceTypes = "ResourceTypes", schemas = "Schemas"

    var type: ResourceType? {
        switch self {
        case .users: .user
        case .groups: .group
        default: nil
        }
    }
}

enum ResourceType: String, Sendable {
    case user = "User", group = "Group"

    var endpoint: String { self == .user ? "Users" : "Groups" }
    var schema: String { self == .user ? SCIMSchema.user : SCIMSchema.group }
}

/// A SCIM error response (RFC 7644 §3.12).
struct SandboxError: Error {
    var status: Int
    var scimType: String?
    var detail: String

    init(_ status: Int, scimType: String? = nil, detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    var response: HTTPResponse {
        var object: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.error)]), "status": .string(String(status)),
            "detail": .string(detail),
        ]
        if let scimType { object["scimType"] = .string(scimType) }
        return HTTPResponse(
            status: status, headers: ["Content-Type": "application/scim+json"],
            body: JSONValue.object(object).serialized())
    }
}

/// The query parameters of a request.
struct Query {
    var filter: String?
    var startIndex: Int?
    var count: Int?
    var sortBy: String?
    var descending = false
    var attributes: [String]?
    var excludedAttributes: [String] = []

    /// A SearchRequest body (`POST …/.search`).
    init(searchRequest body: [String: JSONValue]) {
        func list(_ name: String) -> [String]? {
            body[attribute: name]?.arrayValue?.compactMap(\.stringValue)
                ?? body[attribute: name]?.stringValue?.split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
        }
        filter = body[attribute: "filter"]?.stringValue
        startIndex = body[attribute: "startIndex"]?.intValue
        count = body[attribute: "count"]?.intValue
        sortBy = body[attribute: "sortBy"]?.stringValue
        descending = body[attribute: "sortOrder"]?.stringValue?.lowercased() == "descending"
        attributes = list("attributes")
        excludedAttributes = list("excludedAttributes") ?? []
    }

    init(_ url: URL) {
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name.lowercased() == name.lowercased() }?.value }
        filter = value("filter")
        startIndex = value("startIndex").flatMap { Int($0) }
        count = value("count").flatMap { Int($0) }
        sortBy = value("sortBy")
        descending = value("sortOrder")?.lowercased() == "descending"
        attributes = value("attributes").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        excludedAttributes =
            value("excludedAttributes")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
    }

    /// `attributes` / `excludedAttributes` applied; `id`, `schemas` and `meta` always stay.
    func project(_ resource: [String: JSONValue]) -> [String: JSONValue] {
        var result = resource
        let always: Set<String> = ["id", "schemas", "meta"]
        if let attributes {
            let wanted = Set(attributes.map { AttributePath($0).attribute.lowercased() })
            result = result.filter { entry in
                always.contains(entry.key) || wanted.contains(entry.key.lowercased())
                    || entry.key.hasPrefix("urn:")
                        && attributes.contains { $0.lowercased().hasPrefix(entry.key.lowercased()) }
            }
        }
        for excluded in excludedAttributes {
            let name = AttributePath(excluded).attribute.lowercased()
            result = result.filter { always.contains($0.key) || $0.key.lowercased() != name }
        }
        return result
    }
}
