import Catalog
import DesiredState
import Foundation
import Identity
import SCIM
import Sandbox
import ScimctlTestSupport
import Testing

/// A sandbox in a fresh temporary database, and a client that reaches it in process.
struct Fixture {
    let path: String
    let provider: SandboxProvider
    let client: SCIMClient

    static func make(
        path: String? = nil, profile: ProviderProfile = .generic, client clientProfile: ProviderProfile = .generic
    ) async throws -> Fixture {
        let path =
            path ?? FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID())/db.sqlite").path
        let provider = try SandboxProvider(path: path, profile: profile)
        let connection = try SCIMConnection(
            baseURL: URL(string: provider.baseURL)!, token: nil, transport: SandboxTransport(provider),
            profile: clientProfile)
        return Fixture(path: path, provider: provider, client: try await SCIMClient.connect(connection))
    }

    /// Sends a raw request and returns the status and the JSON body.
    func send(_ method: String, _ path: String, _ body: String? = nil, headers: [String: String] = [:]) async -> (
        Int, JSONValue?
    ) {
        let url = URL(string: provider.baseURL + path)!
        let response = await provider.handle(
            HTTPRequest(method: method, url: url, headers: headers, body: body.map { Data($0.utf8) }))
        return (response.status, try? JSONValue.parse(response.body))
    }

    func user(_ name: String, title: String? = nil, externalId: String? = nil) async throws -> SCIMUser {
        var user = SCIMUser(userName: name)
        // What every profile the sandbox serves requires (aws: displayName and the name parts).
        user.attributes[path: "displayName"] = name
        user.attributes[path: "name.givenName"] = "G"
        user.attributes[path: "name.familyName"] = "F"
        user.attributes[path: "title"] = title
        user.externalId = externalId
        user.active = true
        user.emails = [SCIMMultiValue(value: name, type: "work", primary: true)]
        return try await client.createUser(user)
    }
}

@Suite("Sandbox provider", .timeLimit(.minutes(10)))
struct SandboxTests {
    @Test("discovery: PATCH, ETags, sort, filters up to 1,000, Users with the enterprise extension, Groups")
    func discovery() async throws {
        let capabilities = try await Fixture.make().client.capabilities
        #expect(capabilities.patchSupported && capabilities.etagSupported)
        #expect(capabilities.pageSize == 1000)
        #expect(capabilities.groupsSupported && capabilities.enterpriseExtension)
    }

    @Test("users: create (201, Location, ETag), get, unique userName ignoring case, replace, delete")
    func users() async throws {
        let sandbox = try await Fixture.make()
        let created = try await sandbox.user("alice@x.io", title: "QA", externalId: "E1")
        let id = try #require(created.id)
        #expect(created.meta?.version == "W/\"1\"")
        let raw = await sandbox.provider.handle(
            HTTPRequest(method: "GET", url: URL(string: sandbox.provider.baseURL + "/Users/\(id)")!))
        #expect(raw.header("ETag") == "W/\"1\"")
        let conflict = await #expect(throws: SCIMError.self) { try await sandbox.user("ALICE@x.io") }
        #expect(conflict?.kind == .conflict)
        #expect(conflict?.scimType == "uniqueness")
        var replacement = created
        replacement.attributes[path: "title"] = "Lead"
        #expect(
            try await sandbox.client.replaceUser(id: id, with: replacement, version: "W/\"1\"").attributes[
                path: "title"] == "Lead")
        let stale = await #expect(throws: SCIMError.self) {
            try await sandbox.client.replaceUser(id: id, with: replacement, version: "W/\"1\"")
        }
        #expect(stale?.kind == .preconditionFailed)
        #expect(await sandbox.send("GET", "/Users/\(id)", headers: ["If-None-Match": "W/\"2\""]).0 == 304)
        try await sandbox.client.deleteUser(id: id)
        let gone = await #expect(throws: SCIMError.self) { try await sandbox.client.getUser(id: id) }
        #expect(gone?.kind == .notFound)
    }

    @Test(
        "filters: every operator, and/or/not, parentheses, value paths, case rules",
        arguments: [
            (#"userName eq "ALICE@x.io""#, ["alice@x.io"]),
            (#"userName ne "alice@x.io""#, ["bob@x.io", "carol@y.io"]),
            (#"userName co "x.io""#, ["alice@x.io", "bob@x.io"]),
            (#"userName sw "b""#, ["bob@x.io"]),
            (#"userName ew "@y.io""#, ["carol@y.io"]),
            (#"title pr"#, ["alice@x.io", "bob@x.io"]),
            (#"title gt "B" and title lt "Z""#, ["bob@x.io"]),
            (#"title ge "Lead" or externalId eq "E3""#, ["bob@x.io", "carol@y.io"]),
            (#"not (userName co "x.io")"#, ["carol@y.io"]),
            (#"(title eq "Lead" or title eq "Admin") and userName sw "b""#, ["bob@x.io"]),
            (#"emails[type eq "work" and value ew "y.io"]"#, ["carol@y.io"]),
            (#"externalId eq "e1""#, []),
            (#"emails.value eq "BOB@x.io""#, ["bob@x.io"]),
        ])
    func filters(filter: String, expected: [String]) async throws {
        let sandbox = try await Fixture.make()
        _ = try await sandbox.user("alice@x.io", title: "Admin", externalId: "E1")
        _ = try await sandbox.user("bob@x.io", title: "Lead", externalId: "E2")
        _ = try await sandbox.user("carol@y.io", externalId: "E3")
        let (status, body) = await sandbox.send("GET", "/Users?filter=\(SCIMConnectionEncoding.encode(filter))")
        #expect(status == 200)
        let names = body?.objectValue?["Resources"]?.arrayValue?.compactMap { $0.objectValue?["userName"]?.stringValue }
        #expect(names?.sorted() == expected)
    }

    @Test("a malformed filter is refused with invalidFilter")
    func badFilter() async throws {
        let (status, body) = await (try await Fixture.make()).send(
            "GET", "/Users?filter=\(SCIMConnectionEncoding.encode(#"userName zz "a""#))")
        #expect(status == 400)
        #expect(body?.objectValue?["scimType"]?.stringValue == "invalidFilter")
    }

    @Test("PATCH: paths, value filters, extension URNs, path-less values, ops in any case")
    func patch() async throws {
        let sandbox = try await Fixture.make()
        let id = try #require(try await sandbox.user("alice@x.io").id)
        let operations = #"""
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
              {"op": "Replace", "path": "title", "value": "Lead"},
              {"op": "add", "path": "emails", "value": [{"value": "a@home.io", "type": "home"}]},
              {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": false},
              {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "QA"},
              {"op": "add", "value": {"nickName": "Ali", "name": {"givenName": "Alice"}}},
              {"op": "replace", "path": "name.familyName", "value": "Nguyen"},
              {"op": "remove", "path": "emails[type eq \"home\"]"}
            ]}
            """#
        let (status, body) = await sandbox.send("PATCH", "/Users/\(id)", operations)
        #expect(status == 200)
        let user = try SCIMUser(json: try #require(body))
        #expect(user.attributes[path: "title"] == "Lead")
        #expect(user.attributes[path: "nickName"] == "Ali")
        #expect(
            user.attributes[path: "name.familyName"] == "Nguyen" && user.attributes[path: "name.givenName"] == "Alice")
        #expect(user.emails == [SCIMMultiValue(value: "alice@x.io", type: "work", primary: false)])
        #expect(user.attributes[path: "enterprise.department"] == "QA")
        let noTarget = await sandbox.send(
            "PATCH", "/Users/\(id)",
            #"{"Operations": [{"op": "remove", "path": "emails[type eq \"nope\"]"}]}"#)
        #expect(noTarget.0 == 400)
        #expect(noTarget.1?.objectValue?["scimType"]?.stringValue == "noTarget")
    }

    @Test("groups: members of users and groups, per-member add and remove, unknown ids refused, integrity on delete")
    func groups() async throws {
        let sandbox = try await Fixture.make()
        let alice = try #require(try await sandbox.user("alice@x.io").id)
        let bob = try #require(try await sandbox.user("bob@x.io").id)
        let inner = try #require(try await sandbox.client.createGroup(SCIMGroup(displayName: "inner")).id)
        let group = try #require(try await sandbox.client.createGroup(SCIMGroup(displayName: "qa")).id)
        _ = try await sandbox.client.addMembers(groupId: group, memberIds: [alice, bob, inner])
        var members = try await sandbox.client.getGroup(id: group).members ?? []
        #expect(Set(members.map(\.value)) == [alice, bob, inner])
        #expect(members.first { $0.value == inner }?.type == "Group")
        _ = try await sandbox.client.removeMembers(groupId: group, memberIds: [bob])
        let unknown = await #expect(throws: SCIMError.self) {
            try await sandbox.client.addMembers(groupId: group, memberIds: ["no-such-id"])
        }
        #expect(unknown?.kind == .clientError)
        try await sandbox.client.deleteUser(id: alice)
        members = try await sandbox.client.getGroup(id: group).members ?? []
        #expect(members.map(\.value) == [inner])
        let listed = try await sandbox.client.listGroups()
        #expect(Set(listed.map(\.displayName)) == ["inner", "qa"])
    }

    @Test("the sandbox's pages of users (emails, name, enterprise, manager) and of groups are read from their bytes")
    func pagesReadFromBytes() async throws {
        let sandbox = try await Fixture.make()
        let alice = try await sandbox.user("alice@x.io", title: "Lead", externalId: "E-1")
        var bob = SCIMUser(userName: "bob@x.io")
        bob.managerId = alice.id
        bob.attributes[path: "enterprise.department"] = "QA"
        bob.contacts[AttributeTable.contacts(at: "phoneNumbers")!] = [
            SCIMMultiValue(value: "+44 20 7946 0000", type: "work")
        ]
        bob = try await sandbox.client.createUser(bob)
        let group = try await sandbox.client.createGroup(SCIMGroup(displayName: "qa"))
        _ = try await sandbox.client.addMembers(groupId: try #require(group.id), memberIds: [alice.id!, bob.id!])
        let recorder = RecordingTransport(SandboxTransport(sandbox.provider))
        let client = try await SCIMClient.connect(
            try SCIMConnection(baseURL: URL(string: sandbox.provider.baseURL)!, token: nil, transport: recorder))
        let users = try await client.listUsers()
        let groups = try await client.listGroups()
        #expect(users.first { $0.userName == "bob@x.io" }?.managerId == alice.id)
        let pages = recorder.bodies.filter { $0.method == "GET" }
        let userPage = try #require(pages.first { $0.url.path.hasSuffix("/Users") })
        let groupPage = try #require(pages.first { $0.url.path.hasSuffix("/Groups") })
        #expect(PageReaders.users(userPage.body) == users)
        #expect(PageReaders.groups(groupPage.body) == groups)
        #expect(PageReaders.disagreement(userPage.body) == nil && PageReaders.disagreement(groupPage.body) == nil)
    }

    @Test("paging: 2,500 users in 3 requests after discovery, sorted when asked")
    func paging() async throws {
        let sandbox = try await Fixture.make()
        for index in 0..<2500 {
            _ = await sandbox.send("POST", "/Users", #"{"userName": "u\#(index)@x.io"}"#)
        }
        let recorder = RecordingTransport(SandboxTransport(sandbox.provider))
        let client = try await SCIMClient.connect(
            try SCIMConnection(baseURL: URL(string: sandbox.provider.baseURL)!, token: nil, transport: recorder))
        #expect(try await client.listUsers().count == 2500)
        #expect(recorder.requests.count == 2 + 3)
        // The sandbox's pages are read straight from their bytes, none left to the reference reader.
        let pages = recorder.bodies.filter { $0.method == "GET" && $0.url.path.hasSuffix("/Users") }
        #expect(
            pages.count == 3 && pages.compactMap { PageReaders.users($0.body)?.count }.sorted() == [500, 1000, 1000])
        let (_, body) = await sandbox.send("GET", "/Users?sortBy=userName&sortOrder=descending&count=2")
        let names = body?.objectValue?["Resources"]?.arrayValue?.compactMap { $0.objectValue?["userName"]?.stringValue }
        #expect(names == ["u9@x.io", "u99@x.io"])  // string order
        #expect(body?.objectValue?["totalResults"] == .number(2500))
    }

    @Test("POST /.search, single resource types and schemas, and a password that is never returned")
    func searchAndDiscovery() async throws {
        let sandbox = try await Fixture.make()
        _ = await sandbox.send("POST", "/Users", #"{"userName": "a@x.io", "password": "hunter2"}"#)
        _ = await sandbox.send("POST", "/Groups", #"{"displayName": "qa"}"#)
        let search = await sandbox.send(
            "POST", "/.search",
            #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName pr or displayName pr", "count": 10}"#
        )
        #expect(search.0 == 200)
        #expect(search.1?.objectValue?["totalResults"] == .number(2))
        let found = String(decoding: try #require(search.1).serialized(), as: UTF8.self)
        #expect(!found.contains("hunter2"))
        let users = await sandbox.send("POST", "/Users/.search", #"{"filter": "userName eq \"A@x.io\""}"#)
        #expect(users.1?.objectValue?["totalResults"] == .number(1), "\(users)")
        #expect(await sandbox.send("GET", "/ResourceTypes/User").1?.objectValue?["endpoint"] == .string("/Users"))
        #expect(await sandbox.send("GET", "/ResourceTypes/Nope").0 == 404)
        let schema = await sandbox.send("GET", "/Schemas/\(SCIMSchema.user)")
        #expect(schema.1?.objectValue?["attributes"]?.arrayValue?.count ?? 0 > 15)
    }

    @Test("attributes= keeps only what is asked (an extension only when named); excludedAttributes drops")
    func projection() async throws {
        let sandbox = try await Fixture.make()
        _ = await sandbox.send(
            "POST", "/Users",
            #"{"userName": "a@x.io", "title": "T", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "QA"}}"#
        )
        func first(_ query: String) async -> [String: JSONValue] {
            await sandbox.send("GET", "/Users?\(query)").1?.objectValue?["Resources"]?.arrayValue?.first?.objectValue
                ?? [:]
        }
        let narrow = await first("attributes=userName")
        #expect(narrow["userName"] != nil && narrow["id"] != nil)
        #expect(narrow["title"] == nil)
        #expect(narrow[SCIMSchema.enterpriseUser] == nil)
        let withExtension = await first("attributes=userName,\(SCIMSchema.enterpriseUser):department")
        #expect(withExtension[SCIMSchema.enterpriseUser] != nil)
        let excluded = await first("excludedAttributes=title")
        #expect(excluded["title"] == nil && excluded["userName"] != nil)
    }

    @Test("state persists across reopening the database")
    func persistence() async throws {
        let first = try await Fixture.make()
        _ = try await first.user("kept@x.io")
        let reopened = try await Fixture.make(path: first.path)
        #expect(try await reopened.client.findUsers(userName: "kept@x.io").count == 1)
    }
}

/// The client's query encoding, for building raw requests the same way.
enum SCIMConnectionEncoding {
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

@Suite("Sandbox names fold as the client's", .timeLimit(.minutes(10)))
struct SandboxFoldingTests {
    @Test("STRASSE and straße are one userName and one displayName in the sandbox, as in the planner")
    func foldsBeyondASCII() async throws {
        let sandbox = try await Fixture.make()
        let created = try await sandbox.user("STRASSE@x.io")
        #expect("STRASSE@x.io".sameName(as: "straße@x.io"))
        // Unique as the planner folds: the second spelling is the same user.
        let conflict = await #expect(throws: SCIMError.self) { try await sandbox.user("straße@x.io") }
        #expect(conflict?.status == 409)
        // Found by either spelling, through the indexed look-up and the filter alike.
        #expect(try await sandbox.client.findUsers(userName: "straße@x.io").map(\.id) == [created.id])
        let filtered = await sandbox.send(
            "GET", "/Users?filter=" + SCIMConnectionEncoding.encode("userName co \"straße\""))
        #expect(filtered.1?.objectValue?["totalResults"]?.intValue == 1)
        let group = try await sandbox.client.createGroup(SCIMGroup(displayName: "STRASSE"))
        #expect(try await sandbox.client.findGroups(displayName: "straße").map(\.id) == [group.id])
    }
}
