import Catalog
import DesiredState
import Foundation
import SCIM
import Sandbox
import ScimctlTestSupport
import Testing

extension JSONValue {
    fileprivate subscript(_ key: String) -> JSONValue? { objectValue?[key] }
    fileprivate var items: [JSONValue] { arrayValue ?? [] }
}

extension Fixture {
    /// `count` users u0@x.io… created directly (with what every profile requires); their ids in
    /// creation order.
    func seed(_ count: Int) async -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let id = await send(
                "POST", "/Users",
                #"{"userName": "u\#(index)@x.io", "displayName": "U", "name": {"givenName": "G", "familyName": "F"}}"#
            )
            .1?["id"]?.stringValue
            if let id { ids.append(id) }
        }
        return ids
    }

    /// Follows `nextCursor` from the first page; the ids in the order served, and the pages taken.
    func walk(_ path: String, count: Int, between: (Int) async -> Void = { _ in }) async throws -> ([String], Int) {
        var ids: [String] = []
        var cursor = ""
        var pages = 0
        while true {
            let separator = path.contains("?") ? "&" : "?"
            let (status, body) = await send("GET", "\(path)\(separator)count=\(count)&cursor=\(cursor)")
            try #require(status == 200, "\(String(describing: body))")
            pages += 1
            #expect(body?["startIndex"] == nil)
            ids += body?["Resources"]?.items.compactMap { $0["id"]?.stringValue } ?? []
            await between(pages)
            guard let next = body?["nextCursor"]?.stringValue else { return (ids, pages) }
            cursor = next
            try #require(pages < 1000)
        }
    }
}

@Suite("Sandbox: RFC 9865 cursor paging", .timeLimit(.minutes(10)))
struct CursorPagingTests {
    @Test("250 users by 100: three pages, every user once, no nextCursor on the last page")
    func walk() async throws {
        let sandbox = try await Fixture.make()
        let ids = await sandbox.seed(250)
        let (seen, pages) = try await sandbox.walk("/Users", count: 100)
        #expect(seen == ids)
        #expect(pages == 3)
    }

    @Test("a cursor resumes after the last user served: users created or deleted mid-walk shift nothing")
    func stableUnderWrites() async throws {
        let sandbox = try await Fixture.make()
        let ids = await sandbox.seed(30)
        let (seen, _) = try await sandbox.walk("/Users", count: 10) { page in
            guard page == 1 else { return }
            // Delete one already served and one not yet served; add one at the end.
            _ = await sandbox.send("DELETE", "/Users/\(ids[0])")
            _ = await sandbox.send("DELETE", "/Users/\(ids[15])")
            _ = await sandbox.send("POST", "/Users", #"{"userName": "late@x.io"}"#)
        }
        #expect(seen.count == 30)  // 10 served, 19 left of the rest, 1 added
        #expect(Set(seen).count == seen.count)
        #expect(!seen.contains(ids[15]))
    }

    @Test("filtered and sorted listings page by cursor too")
    func filteredAndSorted() async throws {
        let sandbox = try await Fixture.make()
        _ = await sandbox.seed(120)
        let filter = "filter=" + "userName sw \"u1\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (filtered, pages) = try await sandbox.walk("/Users?\(filter)", count: 10)
        #expect(filtered.count == 31)  // u1, u10–u19, u100–u119
        #expect(pages == 4)
        let (sorted, _) = try await sandbox.walk("/Users?sortBy=userName&sortOrder=descending", count: 50)
        #expect(sorted.count == 120)
        #expect(Set(sorted).count == 120)
        let (_, first) = await sandbox.send("GET", "/Users?sortBy=userName&sortOrder=descending&count=1&cursor=")
        #expect(first?["Resources"]?.items.first?["userName"] == .string("u9@x.io"))  // "@" sorts after "9"
    }

    @Test("a forged cursor, one from another query, or startIndex with cursor: 400, with the scimType")
    func refusals() async throws {
        let sandbox = try await Fixture.make()
        _ = await sandbox.seed(5)
        let (_, first) = await sandbox.send("GET", "/Users?count=2&cursor=")
        let cursor = try #require(first?["nextCursor"]?.stringValue)
        let forged = await sandbox.send("GET", "/Users?count=2&cursor=bm9wZQ")
        #expect(forged.0 == 400)
        #expect(forged.1?["scimType"] == .string("invalidCursor"))
        let elsewhere = await sandbox.send("GET", "/Groups?count=2&cursor=\(cursor)")
        #expect(elsewhere.1?["scimType"] == .string("invalidCursor"))
        let filtered = await sandbox.send("GET", "/Users?count=2&filter=userName%20pr&cursor=\(cursor)")
        #expect(filtered.1?["scimType"] == .string("invalidCursor"))
        let both = await sandbox.send("GET", "/Users?startIndex=1&cursor=")
        #expect(both.0 == 400)
        #expect(both.1?["scimType"] == .string("invalidValue"))
    }

    @Test("the client pages by cursor when the provider offers only cursors (its aws profile)")
    func client() async throws {
        let sandbox = try await Fixture.make(
            profile: BuiltInProfiles.named("aws")!, client: BuiltInProfiles.named("aws")!)
        _ = await sandbox.seed(250)
        let recorder = RecordingTransport(SandboxTransport(sandbox.provider))
        let client = try await SCIMClient.connect(
            try SCIMConnection(
                baseURL: URL(string: sandbox.provider.baseURL)!, token: nil, transport: recorder,
                profile: BuiltInProfiles.named("aws")!))
        #expect(client.capabilities.paging == .cursor)
        let users = try await client.listUsers()
        #expect(users.count == 250)
        let listings = recorder.requests.filter { $0.url.path.hasSuffix("/Users") }
        #expect(listings.count == 3)
        #expect(listings.allSatisfy { $0.url.query?.contains("cursor=") == true })
    }
}

@Suite("Sandbox: POST /Bulk", .timeLimit(.minutes(10)))
struct BulkTests {
    private func bulk(_ sandbox: Fixture, _ operations: String, failOnErrors: Int? = nil) async -> (Int, [JSONValue]) {
        let fail = failOnErrors.map { #", "failOnErrors": \#($0)"# } ?? ""
        let (status, body) = await sandbox.send(
            "POST", "/Bulk",
            #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]\#(fail), "Operations": [\#(operations)]}"#
        )
        return (status, body?["Operations"]?.items ?? [body ?? .null])
    }

    @Test("creates with bulkId references, in any order: a group made before its members gets them")
    func references() async throws {
        let sandbox = try await Fixture.make()
        let (status, results) = await bulk(
            sandbox,
            """
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"displayName": "qa",
              "members": [{"value": "bulkId:a", "type": "User"}, {"value": "bulkId:b", "type": "User"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a@x.io"}},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"userName": "b@x.io"}},
            {"method": "PATCH", "path": "/Users/bulkId:b", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "path": "title", "value": "QA"}]}},
            {"method": "DELETE", "path": "/Users/bulkId:a"}
            """)
        #expect(status == 200)
        #expect(results.map { $0["status"]?.stringValue } == ["201", "201", "201", "200", "204"])
        #expect(results.map { $0["bulkId"]?.stringValue } == ["g", "a", "b", nil, nil])
        let groupLocation = try #require(results[0]["location"]?.stringValue)
        #expect(results[0]["version"] == .string("W/\"1\""))
        let group = try await sandbox.client.getGroup(id: String(groupLocation.split(separator: "/").last!))
        let b = try #require(try await sandbox.client.findUsers(userName: "b@x.io").first)
        #expect(group.members?.map(\.value) == [try #require(b.id)])  // a was deleted, and left the group
        #expect(b.attributes[path: "title"] == "QA")
    }

    @Test("undefined and circular references fail with 409; a failed create fails what refers to it")
    func unresolvable() async throws {
        let sandbox = try await Fixture.make()
        let (_, results) = await bulk(
            sandbox,
            """
            {"method": "POST", "path": "/Groups", "bulkId": "x", "data": {"displayName": "x", "members": [{"value": "bulkId:y"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "y", "data": {"displayName": "y", "members": [{"value": "bulkId:x"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "n", "data": {"userName": "n@x.io"}},
            {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "N@x.io"}},
            {"method": "PATCH", "path": "/Users/bulkId:dup", "data": {"Operations": [{"op": "add", "path": "title", "value": "T"}]}},
            {"method": "DELETE", "path": "/Users/bulkId:nowhere"},
            {"method": "POST", "path": "/Users", "data": {"userName": "no-bulk-id@x.io"}}
            """)
        let statuses = results.map { $0["status"]?.stringValue }
        #expect(statuses == ["409", "409", "201", "409", "409", "409", "400"])
        #expect(results[3]["response"]?["scimType"] == .string("uniqueness"))
        #expect(results[4]["response"]?["detail"]?.stringValue?.contains("'dup' failed") == true)
        #expect(results[5]["response"]?["detail"]?.stringValue?.contains("no operation has bulkId 'nowhere'") == true)
        #expect(try await sandbox.client.listGroups().isEmpty)
    }

    @Test("failOnErrors stops the job; limits: 413 over maxOperations, 400 on a repeated bulkId")
    func limits() async throws {
        let sandbox = try await Fixture.make()
        let (_, results) = await bulk(
            sandbox,
            """
            {"method": "POST", "path": "/Users", "bulkId": "1", "data": {"userName": ""}},
            {"method": "POST", "path": "/Users", "bulkId": "2", "data": {}},
            {"method": "POST", "path": "/Users", "bulkId": "3", "data": {"userName": "never@x.io"}}
            """, failOnErrors: 2)
        #expect(results.map { $0["status"]?.stringValue } == ["400", "400"])
        #expect(try await sandbox.client.findUsers(userName: "never@x.io").isEmpty)
        let many = (0...1000).map { #"{"method": "DELETE", "path": "/Users/\#($0)"}"# }.joined(separator: ",")
        let (status, _) = await bulk(sandbox, many)
        #expect(status == 413)
        let (repeated, body) = await bulk(
            sandbox,
            #"{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a@x.io"}}, {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "b@x.io"}}"#
        )
        #expect(repeated == 400)
        #expect(body.first?["scimType"] == .string("invalidValue"))
        #expect(try await sandbox.client.listUsers().isEmpty)
    }
}

@Suite("Sandbox: users' groups and provider profiles", .timeLimit(.minutes(10)))
struct ProfileTests {
    @Test("User.groups: direct and, through nested groups, indirect; filterable by groups.value")
    func userGroups() async throws {
        let sandbox = try await Fixture.make()
        let alice = try #require(try await sandbox.user("alice@x.io").id)
        _ = try await sandbox.user("bob@x.io")
        let inner = try await sandbox.client.createGroup(SCIMGroup(displayName: "inner"))
        var outer = SCIMGroup(displayName: "outer")
        outer.members = [SCIMMember(value: try #require(inner.id), type: "Group")]
        let outerId = try #require(try await sandbox.client.createGroup(outer).id)
        _ = try await sandbox.client.addMembers(groupId: try #require(inner.id), memberIds: [alice])
        let (_, body) = await sandbox.send("GET", "/Users/\(alice)")
        let groups = body?["groups"]?.items ?? []
        #expect(groups.map { $0["display"]?.stringValue } == ["inner", "outer"])
        #expect(groups.map { $0["type"]?.stringValue } == ["direct", "indirect"])
        let filter = SCIMFilter.equals("groups.value", outerId).addingPercentEncoding(
            withAllowedCharacters: .alphanumerics)!
        let (_, found) = await sandbox.send("GET", "/Users?filter=\(filter)")
        #expect(found?["Resources"]?.items.map { $0["userName"]?.stringValue } == ["alice@x.io"])
        // Written groups are ignored: the attribute is read-only.
        let put = await sandbox.send(
            "PUT", "/Users/\(alice)", #"{"userName": "alice@x.io", "groups": [{"value": "\#(outerId)"}]}"#)
        #expect(put.1?["groups"]?.items.count == 2)
    }

    @Test("aws: groups never carry members, yet the client's aws profile reads them through Users")
    func aws() async throws {
        let sandbox = try await Fixture.make(
            profile: BuiltInProfiles.named("aws")!, client: BuiltInProfiles.named("aws")!)
        let alice = try #require(try await sandbox.user("alice@x.io").id)
        let bob = try #require(try await sandbox.user("bob@x.io").id)
        let group = try #require(try await sandbox.client.createGroup(SCIMGroup(displayName: "qa")).id)
        _ = try await sandbox.client.addMembers(groupId: group, memberIds: [alice, bob])
        let (_, raw) = await sandbox.send("GET", "/Groups/\(group)")
        #expect(raw?["members"] == nil)
        let listed = try await sandbox.client.listGroups()
        #expect(Set(listed.first?.members?.map(\.value) ?? []) == [alice, bob])
        let generic = try await Fixture.make(
            path: sandbox.path, profile: BuiltInProfiles.named("aws")!, client: .generic)
        #expect(try await generic.client.listGroups().first?.members ?? [] == [])  // why the profile exists

        #expect(
            await sandbox.send("GET", "/Users?filter=userName%20co%20%22a%22").1?["scimType"]
                == .string("invalidFilter"))
        let page = await sandbox.send("GET", "/Users?startIndex=2&count=500").1
        #expect(page?["itemsPerPage"] == .number(2))  // startIndex ignored
        let config = await sandbox.send("GET", "/ServiceProviderConfig").1
        #expect(config?["pagination"]?["index"] == .bool(false))
        #expect(config?["pagination"]?["maxPageSize"] == .number(100))
        #expect(await sandbox.send("POST", "/Bulk", #"{"Operations": []}"#).0 == 501)
        // PUT may keep the members (written without their type), not replace them.
        let same = await sandbox.send(
            "PUT", "/Groups/\(group)",
            #"{"displayName": "qa", "members": [{"value": "\#(alice)"}, {"value": "\#(bob)"}]}"#)
        #expect(same.0 == 200)
        let replaced = await sandbox.send("PUT", "/Groups/\(group)", #"{"displayName": "qa", "members": []}"#)
        #expect(replaced.0 == 400)
        let removeAll = await sandbox.send(
            "PATCH", "/Groups/\(group)", #"{"Operations": [{"op": "remove", "path": "members"}]}"#)
        #expect(removeAll.0 == 400)
        _ = try await sandbox.client.removeMembers(groupId: group, memberIds: [bob])
        #expect(try await sandbox.client.listGroups().first?.members?.map(\.value) == [alice])
    }

    @Test("qase: a duplicate userName is 400 'not unique', which the qase profile reads as a conflict")
    func qase() async throws {
        let sandbox = try await Fixture.make(
            profile: BuiltInProfiles.named("qase")!, client: BuiltInProfiles.named("qase")!)
        var user = SCIMUser(userName: "alice@x.io")
        user.attributes[path: "name.familyName"] = "Liddell"
        user.attributes[path: "name.givenName"] = "Alice"
        _ = try await sandbox.client.createUser(user)
        user.userName = "ALICE@x.io"
        let raw = await sandbox.send("POST", "/Users", String(decoding: user.json.serialized(), as: UTF8.self))
        #expect(raw.0 == 400)
        #expect(raw.1?["detail"]?.stringValue?.contains("not unique") == true)
        let duplicate = await #expect(throws: SCIMError.self) { try await sandbox.client.createUser(user) }
        #expect(duplicate?.kind == .conflict)
        let nameless = await sandbox.send("POST", "/Users", #"{"userName": "bob@x.io", "name": {"givenName": "Bob"}}"#)
        #expect(nameless.0 == 400)
        #expect(nameless.1?["detail"] == .string("name.familyName is required"))
        let long = String(repeating: "x", count: 61)
        let tooLong = await sandbox.send(
            "POST", "/Users", #"{"userName": "bob@x.io", "name": {"givenName": "\#(long)", "familyName": "B"}}"#)
        #expect(tooLong.0 == 400)
    }
}

@Suite("Sandbox: attributes a provider insists on (profile insistsOn)", .timeLimit(.minutes(10)))
struct InsistsOnTests {
    /// Every kind of value a profile can send, on users and on groups.
    static let values: [(String, ProviderProfile.SentValue)] = [
        ("nickName", .string("")), ("active", .bool(true)), ("x-seats", .integer(0)),
        ("emails", .emptyList), ("x-settings", .emptyObject),
    ]

    @Test(
        "without the setting the provider's 400 names the field; with it, the value is sent and kept",
        arguments: [true, false])
    func eachKind(users: Bool) async throws {
        for (name, value) in Self.values {
            var profile = ProviderProfile(name: "insisting")
            if users { profile.usersInsistOn = [name: value] } else { profile.groupsInsistOn = [name: value] }
            let strict = try await Fixture.make(profile: profile, client: .generic)
            let told = try await Fixture.make(path: strict.path, profile: profile, client: profile)
            var user = SCIMUser(userName: "u-\(name)@x.io")
            user.active = nil
            let group = SCIMGroup(displayName: "g-\(name)")

            // A raw request without it, and the generic client (which sends nothing it does not manage).
            let raw =
                users
                ? await strict.send("POST", "/Users", #"{"userName": "raw@x.io"}"#)
                : await strict.send("POST", "/Groups", #"{"displayName": "raw", "members": []}"#)
            #expect(raw.0 == 400 && raw.1?.objectValue?["detail"] == .string("Field '\(name)' is required"))
            let refused = await #expect(throws: SCIMError.self) {
                if users {
                    _ = try await strict.client.createUser(user)
                } else {
                    _ = try await strict.client.createGroup(group)
                }
            }
            #expect(refused?.description.contains("Field '\(name)' is required") == true, "\(name)")

            // The client told by the profile: created, and the value as the profile gave it.
            if users {
                let created = try await told.client.createUser(user)
                let stored = try #require(try await told.client.listUsers().first { $0.id == created.id })
                #expect(Self.read(name, of: stored) == value.json, "\(name)")
                // A replace (PUT) without it is completed the same way.
                var replaced = stored
                Self.clear(name, of: &replaced)
                _ = try await told.client.replaceUser(id: created.id!, with: replaced, version: nil)
            } else {
                let created = try await told.client.createGroup(group)
                let stored = try #require(try await told.client.listGroups().first { $0.id == created.id })
                #expect(stored.extra[name] == value.json, "\(name)")
                var replaced = stored
                replaced.extra[name] = nil
                _ = try await told.client.replaceGroup(id: created.id!, with: replaced, version: nil)
            }
        }
    }

    @Test("what a request already carries is sent as it is, in whatever case the provider spells it")
    func declaredWins() async throws {
        var profile = ProviderProfile(name: "insisting")
        profile.usersInsistOn = ["emails": .emptyList, "NICKNAME": .string("none")]
        let fixture = try await Fixture.make(profile: .generic, client: profile)
        var user = SCIMUser(userName: "alice@x.io")
        user.emails = [SCIMMultiValue(value: "alice@x.io", type: "work", primary: true)]
        user.attributes[path: "nickName"] = "Al"
        _ = try await fixture.client.createUser(user)
        let stored = try #require(try await fixture.client.listUsers().first)
        #expect(stored.emails?.map(\.value) == ["alice@x.io"])
        #expect(stored.attributes[path: "nickName"] == "Al")
        #expect(stored.extra.keys.filter { $0.lowercased() == "nickname" }.isEmpty)
    }

    static func read(_ name: String, of user: SCIMUser) -> JSONValue? {
        switch name {
        case "nickName": user.attributes[path: "nickName"].map(JSONValue.string)
        case "active": user.active.map(JSONValue.bool)
        case "emails": user.emails.map { .array($0.map { .string($0.value) }) }
        default: user.extra[name]
        }
    }

    static func clear(_ name: String, of user: inout SCIMUser) {
        switch name {
        case "nickName": user.attributes[path: "nickName"] = nil
        case "active": user.active = nil
        case "emails": user.emails = nil
        default: user.extra[name] = nil
        }
    }
}
