import Catalog
import Foundation
import SCIM
import SCIMTransport
import ScimctlTestSupport
import Testing

/// The client against scim2-server, the reference SCIM server from PyPI, over real HTTP on loopback.
/// Each test has its own tenant of one server process started for the suite.
@Suite("SCIM client against scim2-server", .scim2Server, .timeLimit(.minutes(10)))
struct SCIM2ServerTests {
    private func server() throws -> SCIM2Server {
        try #require(SCIM2Server.current, "the suite's scim2-server is not running")
    }

    /// A client on a fresh tenant, with the transport recording every request.
    private func connect(
        token: String? = nil, tenant: URL? = nil, profile: ProviderProfile = .generic, timeout: Double = 30
    ) async throws -> (SCIMClient, RecordingTransport, URL) {
        let server = try server()
        let base = tenant ?? server.newTenant()
        let recorder = RecordingTransport(try AsyncHTTPClientTransport(timeout: timeout))
        let connection = try SCIMConnection(
            baseURL: base, token: BearerToken(token ?? server.token), transport: recorder, profile: profile,
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(50)))
        return (try await SCIMClient.connect(connection), recorder, base)
    }

    private func user(_ name: String, externalId: String? = nil) -> SCIMUser {
        var user = SCIMUser(userName: name)
        user.externalId = externalId
        user.attributes[path: "name.familyName"] = "Tester"
        user.attributes[path: "name.givenName"] = String(name.prefix { $0 != "@" })
        user.active = true
        return user
    }

    @Test("discovery: PATCH, ETags, 1,000 per page, index paging, Users and Groups")
    func discovery() async throws {
        let (client, _, _) = try await connect()
        let capabilities = client.capabilities
        #expect(capabilities.patchSupported)
        #expect(capabilities.etagSupported)
        #expect(capabilities.pageSize == 1000)
        #expect(capabilities.paging == .index)
        #expect(capabilities.groupsSupported)
        #expect(capabilities.enterpriseExtension)
        #expect(capabilities.usersEndpoint == "/Users")
    }

    @Test("users: create, look up ignoring case, patch (204), replace with If-Match, delete")
    func userLifecycle() async throws {
        let (client, _, _) = try await connect()
        var alice = user("alice@example.com", externalId: "E1001")
        alice.attributes[path: "title"] = "QA"
        alice.emails = [SCIMMultiValue(value: "alice@example.com", type: "work", primary: true)]
        alice.attributes[path: "enterprise.department"] = "QA"
        let created = try await client.createUser(alice)
        let id = try #require(created.id)
        #expect(created.attributes[path: "enterprise.department"] == "QA")
        #expect(created.meta?.version != nil)

        #expect(try await client.findUsers(userName: "ALICE@EXAMPLE.COM").map(\.id) == [id])

        let patched = try await client.patchUser(
            id: id, [PatchOperation(.replace, path: "title", value: .string("QA Lead"))], version: nil)
        #expect(patched == nil)  // scim2-server answers 204 with no body
        let reread = try await client.getUser(id: id)
        #expect(reread.attributes[path: "title"] == "QA Lead")

        var replacement = reread
        replacement.attributes[path: "displayName"] = "Alice Nguyen"
        let replaced = try await client.replaceUser(id: id, with: replacement, version: reread.meta?.version)
        #expect(replaced.attributes[path: "displayName"] == "Alice Nguyen")
        #expect(replaced.attributes[path: "title"] == "QA Lead")
        let stale = await #expect(throws: SCIMError.self) {
            try await client.replaceUser(id: id, with: replacement, version: reread.meta?.version)
        }
        #expect(stale?.kind == .preconditionFailed)

        try await client.deleteUser(id: id)
        let gone = await #expect(throws: SCIMError.self) { try await client.getUser(id: id) }
        #expect(gone?.kind == .notFound)
        let again = await #expect(throws: SCIMError.self) { try await client.deleteUser(id: id) }
        #expect(again?.kind == .notFound)
    }

    @Test("a duplicate userName, in another case, is a conflict")
    func duplicate() async throws {
        let (client, _, _) = try await connect()
        _ = try await client.createUser(user("bob@example.com"))
        let error = await #expect(throws: SCIMError.self) { try await client.createUser(user("BOB@example.com")) }
        #expect(error?.kind == .conflict)
        #expect(error?.description.contains("POST http://127.0.0.1:") == true)
    }

    @Test("groups: create, add and remove members one by one, rename, delete")
    func groupLifecycle() async throws {
        let (client, recorder, _) = try await connect()
        let ids = try await [user("a@example.com"), user("b@example.com"), user("c@example.com")].asyncMap {
            try #require(try await client.createUser($0).id)
        }
        let group = try await client.createGroup(SCIMGroup(displayName: "qa"))
        let groupId = try #require(group.id)
        _ = try await client.addMembers(groupId: groupId, memberIds: ids)
        #expect(Set(try await client.getGroup(id: groupId).members?.map(\.value) ?? []) == Set(ids))

        _ = try await client.removeMembers(groupId: groupId, memberIds: [ids[1]])
        let listed = try await client.listGroups()
        #expect(listed.count == 1)
        #expect(Set(listed[0].members?.map(\.value) ?? []) == [ids[0], ids[2]])
        // The listing's page, with members and meta, is read straight from its bytes.
        let page = try #require(recorder.bodies.last { $0.method == "GET" && $0.url.path.hasSuffix("/Groups") })
        #expect(PageReaders.groups(page.body) == listed)

        _ = try await client.patchGroup(
            id: groupId, [PatchOperation(.replace, path: "displayName", value: .string("qa-team"))], version: nil)
        #expect(try await client.findGroups(displayName: "qa-team").map(\.id) == [groupId])
        var whole = try await client.getGroup(id: groupId)
        whole.externalId = "G-7"
        let replaced = try await client.replaceGroup(id: groupId, with: whole, version: whole.meta?.version)
        #expect(replaced.externalId == "G-7")
        #expect(Set(replaced.members?.map(\.value) ?? []) == [ids[0], ids[2]])
        try await client.deleteGroup(id: groupId)
        #expect(try await client.listGroups().isEmpty)
    }

    @Test("listing 2,500 users takes exactly ceil(2500/1000) = 3 list requests after discovery")
    func paging() async throws {
        // Seeding is set-up: a 1,000-operation bulk request to a Python server on shared cores may take
        // longer than a request of scimctl's should.
        let (seeder, _, tenant) = try await connect(timeout: 180)
        try await seedUsers(2500, through: seeder.connection)
        let (client, recorder, _) = try await connect(tenant: tenant)
        let users = try await client.listUsers()
        #expect(users.count == 2500)
        #expect(Set(users.map(\.userName)).count == 2500)
        let lists = recorder.requests.filter { $0.method == "GET" && $0.url.path.hasSuffix("/Users") }
        #expect(lists.count == 3)
        #expect(recorder.requests.count == 2 + 3)  // discovery, then the pages
        // scim2-server's pages are read straight from their bytes, none left to the reference reader.
        let pages = recorder.bodies.filter { $0.method == "GET" && $0.url.path.hasSuffix("/Users") }
        #expect(
            pages.count == 3 && pages.compactMap { PageReaders.users($0.body)?.count }.sorted() == [500, 1000, 1000])
    }

    @Test("a wrong token is refused as unauthorized, and the token is in no error")
    func wrongToken() async throws {
        let server = try server()
        let connection = try SCIMConnection(
            baseURL: server.newTenant(), token: BearerToken("wrong-\(server.token)"), transport: URLSessionTransport())
        let error = await #expect(throws: SCIMError.self) { try await SCIMClient.connect(connection) }
        #expect(error?.kind == .unauthorized)
        #expect(!String(describing: error).contains(server.token))
    }

    /// Creates `count` users through /Bulk, at most `bulk.maxOperations` (1,000) per request.
    private func seedUsers(_ count: Int, through connection: SCIMConnection) async throws {
        for chunk in stride(from: 0, to: count, by: 1000) {
            let operations: [JSONValue] = (chunk..<min(chunk + 1000, count)).map { index in
                .object([
                    "method": .string("POST"), "path": .string("/Users"), "bulkId": .string("u\(index)"),
                    "data": user("seed\(index)@example.com").json,
                ])
            }
            let body = JSONValue.object([
                "schemas": .array([.string(SCIMSchema.bulkRequest)]), "Operations": .array(operations),
            ])
            let response = try await connection.send("POST", "/Bulk", body: body, retryable: false)
            #expect(response.status == 200)
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<Result>(_ transform: (Element) async throws -> Result) async rethrows -> [Result] {
        var results: [Result] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
