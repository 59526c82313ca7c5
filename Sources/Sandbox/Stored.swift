import Foundation
import GRDB
import Identity
import SCIM
import SCIMFilter

/// A resource as the store holds it: its attributes as JSON, and the columns lookups use.
struct Stored {
    var type: StoredType
    var id: String
    /// SQLite's rowid: creation order, and the position a cursor (RFC 9865) resumes after.
    var rowid: Int64 = 0
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

    /// userName is unique ignoring case as the client folds it (RFC 7643: caseExact false, uniqueness
    /// server; `caseFolded`, so `STRASSE` and `straße` are one name).
    func checkUnique(_ db: Database) throws {
        guard type == .user else { return }
        let clash = try String.fetchOne(
            db, sql: "SELECT id FROM resource WHERE type = 'User' AND nameFolded = ? AND id != ?",
            arguments: [name.caseFolded, id])
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
                type.rawValue, id, name, name.caseFolded, attributes[attribute: "externalId"]?.stringValue, version,
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
                name, name.caseFolded, attributes[attribute: "externalId"]?.stringValue, version, modified,
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
            type: StoredType(rawValue: row["type"]) ?? .user, id: row["id"], rowid: row["rowid"],
            attributes: attributes, version: row["version"], created: row["created"], modified: row["modified"])
    }

    /// One resource with its members or groups, as a read or a write that answers with it needs.
    static func fetch(_ db: Database, type: StoredType, id: String) throws -> Loaded? {
        guard let stored = try fetchAlone(db, type: type, id: id) else { return nil }
        return try related(db, [stored]).first
    }

    /// One resource without what is read with it (a delete needs only its version).
    static func fetchAlone(_ db: Database, type: StoredType, id: String) throws -> Stored? {
        try Row.fetchOne(
            db, sql: "SELECT rowid, * FROM resource WHERE type = ? AND id = ?", arguments: [type.rawValue, id]
        ).map(decode)
    }

    /// Every resource of a type, in creation order, that `keep` accepts; narrowed by index for the lookups
    /// clients make most (`userName eq`, `displayName eq`, `externalId eq`, `id eq`, and `groups.value
    /// eq`, which AWS's clients use to read a group's members), which the filter then confirms. Rows are
    /// read and judged a chunk at a time, so a filter no index narrows holds only its matches, never the
    /// whole table.
    static func scan<Kept>(
        _ db: Database, type: StoredType, filter: FilterExpression?, keep: (Loaded) -> Kept?
    ) throws -> [Kept] {
        var sql = "SELECT rowid, * FROM resource WHERE type = ?"
        var arguments: StatementArguments = [type.rawValue]
        if case .compare(let path, "eq", .string(let value))? = filter, path.schema == nil {
            switch (path.attribute.lowercased(), path.subAttribute?.lowercased()) {
            case ("username", nil) where type == .user, ("displayname", nil) where type == .group:
                sql += " AND nameFolded = ?"
                arguments += [value.caseFolded]
            case ("externalid", nil):
                sql += " AND externalId = ?"
                arguments += [value]
            case ("id", nil):
                sql += " AND id = ?"
                arguments += [value]
            case ("groups", "value") where type == .user:
                // Direct and indirect members: everything reachable from the group (UNION stops at cycles).
                sql += """
                     AND id IN (WITH RECURSIVE inside(id) AS (SELECT ? UNION
                     SELECT member.memberId FROM member JOIN inside ON member.groupId = inside.id) SELECT id FROM inside)
                    """
                arguments += [value]
            default: break
            }
        }
        var kept: [Kept] = []
        var chunk: [Stored] = []
        func judge() throws {
            kept += try related(db, chunk).compactMap(keep)
            chunk.removeAll(keepingCapacity: true)
        }
        let rows = try Row.fetchCursor(db, sql: sql + " ORDER BY rowid", arguments: arguments)
        while let row = try rows.next() {
            chunk.append(try decode(row))
            if chunk.count == 1000 { try judge() }
        }
        try judge()
        return kept
    }

    /// One page of every resource of a type in creation order, after a rowid or from an offset, and the
    /// total: an unfiltered listing reads only the rows it returns.
    static func page(_ db: Database, type: StoredType, after: Int64?, offset: Int, limit: Int) throws -> (
        total: Int, page: [Loaded]
    ) {
        let total =
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resource WHERE type = ?", arguments: [type.rawValue]) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT rowid, * FROM resource WHERE type = ? AND rowid > ? ORDER BY rowid LIMIT ? OFFSET ?",
            arguments: [type.rawValue, after ?? 0, limit, after == nil ? offset : 0])
        return (total, try related(db, try rows.map(decode)))
    }

    /// Groups' members, and users' groups (RFC 7643 §4.1.2: direct and, through nested groups, indirect),
    /// read for the resources given (at most a page or a chunk: their ids go into one statement).
    private static func related(_ db: Database, _ resources: [Stored]) throws -> [Loaded] {
        let groupIds = resources.filter { $0.type == .group }.map(\.id)
        let userIds = resources.filter { $0.type == .user }.map(\.id)
        func rows(_ column: String, _ ids: [String], memberType: String? = nil) throws -> [Row] {
            var sql = "SELECT groupId, memberId, memberType FROM member"
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let memberType {
                conditions.append("memberType = ?")
                arguments += [memberType]
            }
            guard !ids.isEmpty else { return [] }
            conditions.append("\(column) IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))")
            arguments += StatementArguments(ids)
            sql += " WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: sql + " ORDER BY rowid", arguments: arguments)
        }
        var members: [String: [SCIMMember]] = [:]
        for row in try rows("groupId", groupIds) {
            members[row["groupId"], default: []].append(SCIMMember(value: row["memberId"], type: row["memberType"]))
        }
        var direct: [String: [String]] = [:]
        for row in try rows("memberId", userIds, memberType: "User") {
            direct[row["memberId"], default: []].append(row["groupId"])
        }
        var groups: [String: [GroupMembership]] = [:]
        if !direct.isEmpty {
            var parents: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT groupId, memberId FROM member WHERE memberType = 'Group'") {
                parents[row["memberId"], default: []].append(row["groupId"])
            }
            var closure: [String: (direct: [String], indirect: [String])] = [:]
            for (user, groupsIn) in direct {
                var seen = Set(groupsIn)
                var indirect: [String] = []
                var queue = groupsIn
                while let group = queue.popLast() {
                    for parent in parents[group] ?? [] where seen.insert(parent).inserted {
                        indirect.append(parent)
                        queue.append(parent)
                    }
                }
                closure[user] = (groupsIn, indirect.sorted())
            }
            let needed = Set(closure.values.flatMap { $0.direct + $0.indirect })
            var names: [String: String] = [:]
            let sql = "SELECT id, name FROM resource WHERE type = 'Group'"
            let rows =
                needed.count > 500
                ? try Row.fetchAll(db, sql: sql)
                : try Row.fetchAll(
                    db, sql: sql + " AND id IN (\(Array(repeating: "?", count: needed.count).joined(separator: ",")))",
                    arguments: StatementArguments(Array(needed)))
            for row in rows { names[row["id"]] = row["name"] }
            for (user, (groupsIn, indirect)) in closure {
                groups[user] =
                    groupsIn.map { GroupMembership(id: $0, display: names[$0], direct: true) }
                    + indirect.map { GroupMembership(id: $0, display: names[$0], direct: false) }
            }
        }
        return resources.map { Loaded(stored: $0, members: members[$0.id] ?? [], groups: groups[$0.id] ?? []) }
    }
}

/// A resource with what is read with it: a group's members, a user's groups.
struct Loaded {
    var stored: Stored
    var members: [SCIMMember] = []
    var groups: [GroupMembership] = []
}

/// One of a user's groups, as `User.groups` shows it.
struct GroupMembership {
    var id: String
    var display: String?
    var direct: Bool
}
