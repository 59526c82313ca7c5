import Foundation
import GRDB
import SCIM

/// A resource as the store holds it: its attributes as JSON, and the columns lookups use.
struct Stored {
    var type: ResourceType
    var id: String
    var attributes: [String: JSONValue]
    var version: Int
    var created: String
    var modified: String

    var etag: String { "W/\"\(version)\"" }
    var name: String { attributes[attribute: type == .user ? "userName" : "displayName"]?.stringValue ?? "" }

    mutating func touch(_ now: String) {
        version += 1
        modified = now
    }

    /// userName is unique ignoring case (RFC 7643: caseExact false, uniqueness server).
    func checkUnique(_ db: Database) throws {
        guard type == .user else { return }
        let clash = try String.fetchOne(
            db, sql: "SELECT id FROM resource WHERE type = 'User' AND nameFolded = ? AND id != ?",
            arguments: [name.lowercased(), id])
        if clash != nil {
            throw SandboxError(409, scimType: "uniqueness", detail: "userName '\(name)' is already taken")
        }
    }

    func insert(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO resource (type, id, name, nameFolded, externalId, version, created, modified, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                type.rawValue, id, name, name.lowercased(), attributes[attribute: "externalId"]?.stringValue, version,
                created, modified, String(decoding: JSONValue.object(attributes).serialized(), as: UTF8.self),
            ])
    }

    func update(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE resource SET name = ?, nameFolded = ?, externalId = ?, version = ?, modified = ?, json = ?
                WHERE type = ? AND id = ?
                """,
            arguments: [
                name, name.lowercased(), attributes[attribute: "externalId"]?.stringValue, version, modified,
                String(decoding: JSONValue.object(attributes).serialized(), as: UTF8.self), type.rawValue, id,
            ])
    }

    static func setMembers(_ db: Database, groupId: String, _ members: [SCIMMember]) throws {
        try db.execute(sql: "DELETE FROM member WHERE groupId = ?", arguments: [groupId])
        for member in members {
            let type = try String.fetchOne(db, sql: "SELECT type FROM resource WHERE id = ?", arguments: [member.value])
            try db.execute(
                sql: "INSERT OR IGNORE INTO member (groupId, memberId, memberType) VALUES (?, ?, ?)",
                arguments: [groupId, member.value, type ?? member.type ?? "User"])
        }
    }

    private static func decode(_ row: Row) throws -> Stored {
        let text: String = row["json"]
        guard let attributes = try JSONValue.parse(Data(text.utf8)).objectValue else {
            throw SandboxError(500, detail: "a stored resource is not an object")
        }
        return Stored(
            type: ResourceType(rawValue: row["type"]) ?? .user, id: row["id"], attributes: attributes,
            version: row["version"], created: row["created"], modified: row["modified"])
    }

    private static func members(_ db: Database, of groupId: String) throws -> [SCIMMember] {
        try Row.fetchAll(
            db, sql: "SELECT memberId, memberType FROM member WHERE groupId = ? ORDER BY rowid", arguments: [groupId]
        )
        .map { SCIMMember(value: $0["memberId"], type: $0["memberType"]) }
    }

    static func fetch(_ db: Database, type: ResourceType, id: String) throws -> (Stored, [SCIMMember])? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM resource WHERE type = ? AND id = ?", arguments: [type.rawValue, id])
        else { return nil }
        return (try decode(row), type == .group ? try members(db, of: id) : [])
    }

    /// Every resource of a type, in creation order; narrowed by index for the lookups clients make most
    /// (`userName eq`, `displayName eq`, `externalId eq`), which the filter then confirms.
    static func fetch(_ db: Database, type: ResourceType, filter: FilterExpression?) throws -> [(
        stored: Stored, members: [SCIMMember]
    )] {
        var sql = "SELECT * FROM resource WHERE type = ?"
        var arguments: StatementArguments = [type.rawValue]
        if case .compare(let path, "eq", .string(let value))? = filter, path.subAttribute == nil {
            switch path.attribute.lowercased() {
            case "username" where type == .user, "displayname" where type == .group:
                sql += " AND nameFolded = ?"
                arguments += [value.lowercased()]
            case "externalid":
                sql += " AND externalId = ?"
                arguments += [value]
            case "id":
                sql += " AND id = ?"
                arguments += [value]
            default: break
            }
        }
        let stored = try Row.fetchAll(db, sql: sql + " ORDER BY rowid", arguments: arguments).map(decode)
        guard type == .group else { return stored.map { ($0, []) } }
        var members: [String: [SCIMMember]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT groupId, memberId, memberType FROM member ORDER BY rowid") {
            members[row["groupId"], default: []].append(SCIMMember(value: row["memberId"], type: row["memberType"]))
        }
        return stored.map { ($0, members[$0.id] ?? []) }
    }

    /// One page of every resource of a type, in creation order, and the total: an unfiltered listing
    /// reads only the rows it returns.
    static func page(_ db: Database, type: ResourceType, offset: Int, limit: Int) throws -> (
        total: Int, page: [(stored: Stored, members: [SCIMMember])]
    ) {
        let total =
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resource WHERE type = ?", arguments: [type.rawValue]) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM resource WHERE type = ? ORDER BY rowid LIMIT ? OFFSET ?",
            arguments: [type.rawValue, limit, offset])
        let stored = try rows.map(decode)
        guard type == .group else { return (total, stored.map { ($0, []) }) }
        return (total, try stored.map { ($0, try members(db, of: $0.id)) })
    }
}
