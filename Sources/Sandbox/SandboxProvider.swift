public import Catalog
import Foundation
import GRDB
import Identity
public import SCIM
import SCIMFilter
import Synchronization

/// A SCIM 2.0 service provider inside scimctl, persisted in SQLite: the target a newcomer runs on
/// (`sandbox:PATH`) and a controllable provider for tests. It answers `HTTPRequest`s directly, so the
/// client reaches it through `SandboxTransport` with no socket at all.
public final class SandboxProvider: Sendable {
    private let database: DatabaseQueue
    private let base: Mutex<String>
    /// The base URL resources' `meta.location` is built on.
    public var baseURL: String { base.withLock { $0 } }
    /// The provider whose quirks it shows: the same profile the client and `validate` use.
    public let profile: ProviderProfile
    /// Custom extension schemas declared (`scimctl serve --schema FILE`), stored with the data.
    private let extensionSchemas: Mutex<[ExtensionSchema]>

    /// Opens (or creates) the store at `path`.
    public init(path: String, baseURL: String = "http://localhost/sandbox/v2", profile: ProviderProfile = .generic)
        throws
    {
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
        base = Mutex(baseURL)
        self.profile = profile
        try Self.migrator.migrate(database)
        // Opening is synchronous (GRDB migrates on the caller's thread): done once, before serving.
        extensionSchemas = Mutex(try database.read { db in try ExtensionSchema.fetchAll(db) })
    }

    /// Declares (or replaces) a custom extension schema: served at `/Schemas`, listed on its resource
    /// type's `schemaExtensions`, and enforced on writes. Kept in the store, so `sandbox:PATH` sees it too.
    public func declareSchema(_ json: JSONValue) async throws {
        let schema = try ExtensionSchema(json: json)
        try await database.write { db in try schema.save(db) }
        extensionSchemas.withLock { schemas in
            schemas.removeAll { $0.id.lowercased() == schema.id.lowercased() }
            schemas.append(schema)
            schemas.sort { $0.id < $1.id }
        }
    }

    /// The custom extension schemas declared.
    var declaredSchemas: [ExtensionSchema] { extensionSchemas.withLock { $0 } }

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
        migrator.registerMigration("v3") { db in
            // Members are checked and typed by id alone (the primary key leads with type).
            try db.execute(sql: "CREATE UNIQUE INDEX resource_id ON resource(id)")
            // Nested groups by member: a page of users finds its indirect groups without scanning members.
            try db.execute(sql: "CREATE INDEX member_nested ON member(memberId) WHERE memberType = 'Group'")
        }
        migrator.registerMigration("v4") { db in
            // Custom extension schemas (RFC 7643 §7 Schema resources), by URN.
            try db.execute(
                sql:
                    "CREATE TABLE extensionSchema (id TEXT PRIMARY KEY, resourceType TEXT NOT NULL, json TEXT NOT NULL)"
            )
        }
        migrator.registerMigration("v5") { db in
            // Names are folded as the client folds them (NFKC + Unicode case folding, not lowercase): a
            // name beyond ASCII stored before is folded again. Two users whose names fold to one now
            // stop the migration with a uniqueness error rather than leave a database with two of one.
            let rows = try Row.fetchAll(db, sql: "SELECT type, id, name FROM resource")
            for row in rows {
                let name: String = row["name"]
                guard !name.utf8.allSatisfy({ $0 < 0x80 }) else { continue }
                try db.execute(
                    sql: "UPDATE resource SET nameFolded = ? WHERE type = ? AND id = ?",
                    arguments: [name.caseFolded, row["type"] as String, row["id"] as String])
            }
        }
        return migrator
    }

    /// Moves the base URL, once a server knows the port it listens on.
    public func rebase(_ baseURL: String) {
        base.withLock { $0 = baseURL }
    }

    // MARK: Requests

    /// A SCIM error response, for the HTTP front to answer with.
    public static func errorResponse(_ status: Int, detail: String) -> HTTPResponse {
        SandboxError(status, detail: detail).response
    }

    /// Answers one request as a SCIM 2.0 provider would.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        // Only under the base path: a client configured with a wrong base URL must fail its rehearsal
        // here as it would against a real provider, not be answered anyway.
        let basePath = URL(string: baseURL)?.path ?? ""
        let relative: Substring
        if basePath.isEmpty || basePath == "/" {
            relative = Substring(request.url.path)
        } else if request.url.path.hasPrefix(basePath + "/") {
            relative = request.url.path.dropFirst(basePath.count)
        } else {
            return SandboxError(
                404, detail: "no such endpoint: \(request.url.path) (the SCIM base URL is \(baseURL))"
            ).response
        }
        let components = ["/"] + relative.split(separator: "/").map(String.init)
        if components.last == "Bulk" {
            guard request.method == "POST" else {
                return SandboxError(405, detail: "\(request.method) is not supported on /Bulk").response
            }
            return await bulk(request)
        }
        if request.method == "POST", components.last == ".search" {
            // RFC 7644 §3.4.3: a query in the body, at the root (every type) or under one endpoint.
            let types: [StoredType] =
                components.contains("Users") ? [.user] : components.contains("Groups") ? [.group] : [.user, .group]
            do {
                return try await list(types, query: Query(searchRequest: try body(request)))
            } catch let error as SandboxError {
                return error.response
            } catch {
                return SandboxError(500, detail: "\(error)").response
            }
        }
        // The endpoint is the first component under the base path, never one found further down.
        guard components.count > 1, let endpoint = Endpoint(rawValue: components[1]) else {
            return SandboxError(404, detail: "no such endpoint: \(request.url.path)").response
        }
        let index = 1
        let id = components.count > index + 1 ? components[index + 1] : nil
        if request.method == "PATCH", !profile.servesPatch, endpoint.type != nil {
            return SandboxError(501, detail: "PATCH is not implemented by this provider").response
        }
        do {
            switch (endpoint, request.method, id) {
            case (.serviceProviderConfig, "GET", _): return json(200, Discovery.serviceProviderConfig(profile))
            case (.resourceTypes, "GET", nil): return json(200, Discovery.resourceTypes(baseURL, declaredSchemas))
            case (.resourceTypes, "GET", let id?):
                let types =
                    Discovery.resourceTypes(baseURL, declaredSchemas).objectValue?["Resources"]?.arrayValue ?? []
                guard let type = types.first(where: { $0.objectValue?["id"]?.stringValue == id }) else {
                    return SandboxError(404, detail: "no resource type \(id)").response
                }
                return json(200, type)
            case (.schemas, "GET", nil): return json(200, Discovery.schemas(baseURL, declaredSchemas))
            case (.schemas, "GET", let id?):
                guard
                    let schema = Schemas.resources(baseURL, declaredSchemas).first(where: {
                        $0.objectValue?["id"]?.stringValue == id
                    })
                else {
                    return SandboxError(404, detail: "no schema \(id)").response
                }
                return json(200, schema)
            case (.users, "GET", nil), (.groups, "GET", nil):
                return try await list([endpoint.type!], query: Query(request.url))
            case (.users, "POST", nil), (.groups, "POST", nil):
                return try await create(endpoint.type!, body: try body(request))
            case (.users, "GET", let id?), (.groups, "GET", let id?):
                return try await get(
                    endpoint.type!, id: id, ifNoneMatch: request.header("If-None-Match"), query: Query(request.url))
            case (.users, "PUT", let id?), (.groups, "PUT", let id?):
                return try await replace(
                    endpoint.type!, id: id, body: try body(request), ifMatch: request.header("If-Match"))
            case (.users, "PATCH", let id?), (.groups, "PATCH", let id?):
                return try await patch(
                    endpoint.type!, id: id, body: try body(request), ifMatch: request.header("If-Match"))
            case (.users, "DELETE", let id?), (.groups, "DELETE", let id?):
                return try await delete(endpoint.type!, id: id, ifMatch: request.header("If-Match"))
            default:
                return SandboxError(405, detail: "\(request.method) is not supported on \(request.url.path)").response
            }
        } catch let error as SandboxError {
            return error.response
        } catch {
            return SandboxError(500, detail: "\(error)").response
        }
    }

    func body(_ request: HTTPRequest) throws -> [String: JSONValue] {
        guard let data = request.body, let object = (try? JSONValue.parse(data))?.objectValue else {
            throw SandboxError(400, scimType: "invalidSyntax", detail: "the body is not a JSON object")
        }
        return object
    }

    func json(_ status: Int, _ value: JSONValue, headers: [String: String] = [:]) -> HTTPResponse {
        var all = ["Content-Type": "application/scim+json"]
        all.merge(headers) { $1 }
        return HTTPResponse(status: status, headers: all, body: value.serialized())
    }

    // MARK: Reading

    private func list(_ types: [StoredType], query: Query) async throws -> HTTPResponse {
        var query = query
        let filter: FilterExpression?
        do {
            filter = try query.filter.map(FilterParser.parse)
        } catch {
            throw SandboxError(400, scimType: "invalidFilter", detail: error.message)
        }
        if let allowed = profile.filterOperators, let filter, let refused = filter.operators.subtracting(allowed).first
        {
            throw SandboxError(
                400, scimType: "invalidFilter", detail: "the filter operator '\(refused)' is not supported")
        }
        if !profile.servesIndexPaging { query.startIndex = nil }
        if !profile.servesSorting { query.sortBy = nil }
        let count = min(max(0, query.count ?? min(100, profile.servedMaxPageSize)), profile.servedMaxPageSize)
        let scope = Cursor.scope(types, query)
        let paging: Paging
        if let text = query.cursor {
            guard query.startIndex == nil else {
                throw SandboxError(
                    400, scimType: "invalidValue", detail: "startIndex and cursor cannot be used together")
            }
            paging = try .cursor(text.isEmpty ? nil : Cursor(decoding: text, scope: scope))
        } else {
            paging = .index(max(1, query.startIndex ?? 1))
        }
        let keyset = filter == nil && query.sortBy == nil && types.count == 1
        if keyset, let type = types.first {
            let (after, offset) = paging.position
            let (total, rows) = try await database.read { db in
                try Stored.page(db, type: type, after: after, offset: offset, limit: count + 1)
            }
            // One row more than the page says whether another page follows.
            let page = rows.prefix(count)
            let next = rows.count > count ? page.last.map { Cursor(scope: scope, rowid: $0.stored.rowid) } : nil
            return listResponse(total: total, paging: paging, page.map(resource), query, next: next)
        }
        var resources: [(rowid: Int64, object: [String: JSONValue])] = []
        for type in types {
            resources += try await database.read { db in
                try Stored.scan(db, type: type, filter: filter) { loaded in
                    let object = resource(loaded)
                    return filter.map { FilterEvaluator.matches($0, object) } ?? true
                        ? (loaded.stored.rowid, object) : nil
                }
            }
        }
        if let sortBy = query.sortBy {
            let path = FilterPath(sortBy)
            func key(_ resource: [String: JSONValue]) -> String {
                FilterEvaluator.values(of: path, in: resource).first?.stringValue?.caseFolded ?? ""
            }
            resources.sort { query.descending ? key($0.object) > key($1.object) : key($0.object) < key($1.object) }
        }
        let total = resources.count
        let (after, offset) = paging.position
        // A cursor over one type in creation order resumes after a rowid (stable under inserts and
        // deletes); over a sort or several types, at an offset.
        let start = after.map { after in resources.firstIndex { $0.rowid > after } ?? total } ?? offset
        let end = min(total, start + count)
        let page = start >= total ? [] : Array(resources[start..<end])
        var next: Cursor?
        if end < total, let last = page.last {
            next =
                types.count == 1 && query.sortBy == nil
                ? Cursor(scope: scope, rowid: last.rowid) : Cursor(scope: scope, offset: end)
        }
        return listResponse(total: total, paging: paging, page.map(\.object), query, next: next)
    }

    private func listResponse(
        total: Int, paging: Paging, _ page: [[String: JSONValue]], _ query: Query, next: Cursor?
    ) -> HTTPResponse {
        var object: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(total)),
            "itemsPerPage": .number(Double(page.count)), "Resources": .array(page.map { .object(query.project($0)) }),
        ]
        switch paging {
        case .index(let start): object["startIndex"] = .number(Double(start))
        case .cursor:
            // RFC 9865 §3: nextCursor while there is more; absent on the last page.
            if let next { object["nextCursor"] = .string(next.encoded) }
        }
        return json(200, .object(object))
    }

    private func get(_ type: StoredType, id: String, ifNoneMatch: String?, query: Query) async throws -> HTTPResponse {
        guard let loaded = try await database.read({ db in try Stored.fetch(db, type: type, id: id) }) else {
            throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
        }
        let etag = loaded.stored.etag
        if let ifNoneMatch, ifNoneMatch == etag {
            return HTTPResponse(status: 304, headers: ["ETag": etag])
        }
        return json(200, .object(query.project(resource(loaded))), headers: ["ETag": etag])
    }

    /// The resource as served: the stored attributes, with id, schemas, meta, a group's members and a
    /// user's groups.
    private func resource(_ loaded: Loaded) -> [String: JSONValue] {
        let (stored, type) = (loaded.stored, loaded.stored.type)
        // A password is write-only (RFC 7643: returned "never").
        var object = stored.attributes.filter { $0.key.lowercased() != "password" }
        object["id"] = .string(stored.id)
        object["meta"] = .object([
            "resourceType": .string(type.rawValue), "created": .string(stored.created),
            "lastModified": .string(stored.modified), "version": .string(stored.etag),
            "location": .string("\(baseURL)/\(type.endpoint)/\(stored.id)"),
        ])
        if type == .user, !loaded.groups.isEmpty {
            object["groups"] = .array(
                loaded.groups.map { group in
                    var entry: [String: JSONValue] = [
                        "value": .string(group.id), "$ref": .string("\(baseURL)/Groups/\(group.id)"),
                        "type": .string(group.direct ? "direct" : "indirect"),
                    ]
                    if let display = group.display { entry["display"] = .string(display) }
                    return .object(entry)
                })
        }
        if type == .group, profile.servesMembersOnGroups {
            object["members"] = .array(
                loaded.members.map { member in
                    .object([
                        "value": .string(member.value), "type": .string(member.type ?? "User"),
                        "$ref": .string("\(baseURL)/\(member.type == "Group" ? "Groups" : "Users")/\(member.value)"),
                    ])
                })
        }
        return object
    }

    // MARK: Writing

    private func create(_ type: StoredType, body: [String: JSONValue]) async throws -> HTTPResponse {
        try checkInsisted(type, body)
        let (attributes, members) = try validated(type, body)
        let now = Self.timestamp()
        let stored = Stored(
            type: type, id: UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            attributes: attributes, version: 1, created: now, modified: now)
        try await database.write { db in
            try checkUnique(db, stored)
            try Self.checkMembers(db, members)
            try stored.insert(db)
            try Stored.setMembers(db, groupId: stored.id, members ?? [])
        }
        let served = resource(Loaded(stored: stored, members: members ?? []))
        return json(
            201, .object(served),
            headers: ["ETag": stored.etag, "Location": "\(baseURL)/\(type.endpoint)/\(stored.id)"])
    }

    private func replace(_ type: StoredType, id: String, body: [String: JSONValue], ifMatch: String?) async throws
        -> HTTPResponse
    {
        try checkInsisted(type, body)
        let (attributes, members) = try validated(type, body)
        let result = try await database.write { db -> Loaded in
            guard var loaded = try Stored.fetch(db, type: type, id: id) else {
                throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
            }
            try Self.check(ifMatch, loaded.stored)
            loaded.stored.attributes = attributes
            loaded.stored.touch(Self.timestamp())
            try checkUnique(db, loaded.stored)
            if type == .group {
                if !profile.servesMembersOnGroups,
                    let members, Set(members.map(\.value)) != Set(loaded.members.map(\.value))
                {
                    throw SandboxError(400, scimType: "invalidValue", detail: "members cannot be replaced all at once")
                }
                try Self.checkMembers(db, members)
                try Stored.setMembers(db, groupId: id, members ?? [])
                loaded.members = members ?? []
            }
            try loaded.stored.update(db)
            return loaded
        }
        return json(200, .object(resource(result)), headers: ["ETag": result.stored.etag])
    }

    private func patch(_ type: StoredType, id: String, body: [String: JSONValue], ifMatch: String?) async throws
        -> HTTPResponse
    {
        guard let operations = body[attribute: "Operations"]?.arrayValue, !operations.isEmpty else {
            throw SandboxError(400, scimType: "invalidSyntax", detail: "a PatchOp needs Operations")
        }
        let result = try await database.write { db -> Loaded in
            guard var loaded = try Stored.fetch(db, type: type, id: id) else {
                throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
            }
            try Self.check(ifMatch, loaded.stored)
            var patcher = Patcher(attributes: loaded.stored.attributes, members: loaded.members, type: type)
            for operation in operations {
                if !profile.servesMembersOnGroups, Self.touchesAllMembers(operation) {
                    throw SandboxError(
                        400, scimType: "invalidValue", detail: "members can only be added or removed by value")
                }
                try patcher.apply(operation)
            }
            let (attributes, _) = try validated(type, patcher.attributes)
            loaded.stored.attributes = attributes
            loaded.stored.touch(Self.timestamp())
            try checkUnique(db, loaded.stored)
            if type == .group {
                try Self.checkMembers(db, patcher.members)
                try Stored.setMembers(db, groupId: id, patcher.members)
                loaded.members = patcher.members
            }
            try loaded.stored.update(db)
            return loaded
        }
        return json(200, .object(resource(result)), headers: ["ETag": result.stored.etag])
    }

    private func delete(_ type: StoredType, id: String, ifMatch: String?) async throws -> HTTPResponse {
        if type == .user, profile.deleteDeactivates {
            // Slack: a DELETE of a user only deactivates it.
            try await database.write { db in
                guard var stored = try Stored.fetchAlone(db, type: type, id: id) else {
                    throw SandboxError(404, detail: "\(type.rawValue) \(id) not found")
                }
                try Self.check(ifMatch, stored)
                stored.attributes["active"] = .bool(false)
                stored.touch(Self.timestamp())
                try stored.update(db)
            }
            return HTTPResponse(status: 204)
        }
        try await database.write { db in
            guard let stored = try Stored.fetchAlone(db, type: type, id: id) else {
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

    /// userName is unique ignoring case; Qase says so with a 400 "not unique" rather than a 409.
    private func checkUnique(_ db: Database, _ stored: Stored) throws {
        do {
            try stored.checkUnique(db)
        } catch let error as SandboxError where profile.duplicateUserNameStatus == 400 {
            throw SandboxError(400, scimType: "invalidValue", detail: "userName is not unique: \(error.detail)")
        }
    }

    /// AWS refuses a PATCH that replaces or removes every member at once.
    private static func touchesAllMembers(_ operation: JSONValue) -> Bool {
        guard let object = operation.objectValue, let op = object[attribute: "op"]?.stringValue?.lowercased(),
            op != "add"
        else { return false }
        guard let path = object[attribute: "path"]?.stringValue else {
            return object[attribute: "value"]?.objectValue?[attribute: "members"] != nil
        }
        return path.lowercased() == "members"
    }

    /// A whole-resource write (create, replace) without an attribute the profile says the provider insists
    /// on is refused as such providers refuse it, though RFC 7643 leaves the attribute optional.
    private func checkInsisted(_ type: StoredType, _ body: [String: JSONValue]) throws {
        let insisted = type == .user ? profile.usersInsistOn : profile.groupsInsistOn
        for name in insisted.keys.sorted() where body[attribute: name] == nil {
            throw SandboxError(400, scimType: "invalidValue", detail: "Field '\(name)' is required")
        }
    }

    /// Read-only attributes dropped, required ones checked, and the profile's rules on users (required
    /// attributes, lengths, allowed values) and the declared extension schemas' on everything.
    func validated(_ type: StoredType, _ body: [String: JSONValue]) throws -> ([String: JSONValue], [SCIMMember]?) {
        let result = try Self.validated(type, body)
        if type == .user {
            for path in profile.requiredAttributes {
                guard let value = Self.string(at: path, in: body), !value.isEmpty else {
                    throw SandboxError(400, scimType: "invalidValue", detail: "\(path) is required")
                }
            }
            for (path, limit) in profile.maxLength.sorted(by: { $0.key < $1.key }) {
                if let value = Self.string(at: path, in: body), value.count > limit {
                    throw SandboxError(
                        400, scimType: "invalidValue", detail: "\(path) is longer than \(limit) characters")
                }
            }
            for (path, allowed) in profile.allowedValues.sorted(by: { $0.key < $1.key }) {
                if let value = Self.string(at: path, in: body), !allowed.contains(value) {
                    throw SandboxError(
                        400, scimType: "invalidValue",
                        detail: "\(path) must be one of \(allowed.joined(separator: ", ")), not \(value)")
                }
            }
        }
        for schema in declaredSchemas where schema.resourceType == type.rawValue {
            try schema.check(body)
        }
        return result
    }

    /// A string attribute of the table at its plan path, in a resource body.
    private static func string(at path: String, in body: [String: JSONValue]) -> String? {
        guard let attribute = AttributeTable.string(at: path) else { return nil }
        let container: [String: JSONValue]? =
            switch attribute.section {
            case .core: body
            case .name: body[attribute: "name"]?.objectValue
            case .enterprise: body[attribute: ManagedAttribute.Section.enterpriseURN]?.objectValue
            }
        return container?[attribute: attribute.key]?.stringValue
    }

    /// Read-only attributes dropped, required ones checked; members split out of groups.
    static func validated(_ type: StoredType, _ body: [String: JSONValue]) throws -> (
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

    /// RFC 7643 dateTime, to the millisecond: two creates in one second still have an order (a client
    /// that resolves twins keeps the oldest).
    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
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
        await provider.handle(request)
    }
}

enum Endpoint: String {
    case users = "Users", groups = "Groups", serviceProviderConfig = "ServiceProviderConfig"
    case resourceTypes = "ResourceTypes", schemas = "Schemas"

    var type: StoredType? {
        switch self {
        case .users: .user
        case .groups: .group
        default: nil
        }
    }
}

enum StoredType: String, Sendable {
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
    /// RFC 9865: present (maybe empty, for the first page) when the client pages by cursor.
    var cursor: String?
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
        cursor = body[attribute: "cursor"]?.stringValue
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
        cursor = items.first { $0.name.lowercased() == "cursor" }.map { $0.value ?? "" }
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
            let wanted = Set(attributes.map { FilterPath($0).attribute.lowercased() })
            result = result.filter { entry in
                always.contains(entry.key) || wanted.contains(entry.key.lowercased())
                    || entry.key.hasPrefix("urn:")
                        && attributes.contains { $0.lowercased().hasPrefix(entry.key.lowercased()) }
            }
        }
        for excluded in excludedAttributes {
            let name = FilterPath(excluded).attribute.lowercased()
            result = result.filter { always.contains($0.key) || $0.key.lowercased() != name }
        }
        return result
    }
}
