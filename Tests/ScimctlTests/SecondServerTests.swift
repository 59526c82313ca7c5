import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// The loop against a second, independent SCIM implementation: django-scim2 (PyPI), whose
/// /ResourceTypes gives endpoints as absolute paths (`/scim/v2/Users`), and which answers 501 to a PATCH
/// of a group's displayName and to member removal by filter path: scimctl then writes by GET + PUT and
/// removes by value list (docs/providers.md), with the same YAML as for any other provider.
@Suite("Against django-scim2", .timeLimit(.minutes(10)))
struct SecondServerTests {
    /// A django-scim2 server of its own, a scratch folder for the YAML, and scimctl run against both.
    private struct Peer {
        let server: DjangoSCIMServer
        let folder: URL

        static func start() async throws -> Peer {
            let server = try await DjangoSCIMServer.start()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-django-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return Peer(server: server, folder: folder)
        }

        func scimctl(_ arguments: [String]) async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(arguments, in: folder, environment: ["SCIM_TOKEN": server.token])
        }

        func client() async throws -> SCIMClient {
            try await SCIMClient.connect(try SCIMConnection(baseURL: server.baseURL, token: BearerToken(server.token)))
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    private func write(_ yaml: String, to folder: URL) throws {
        try Data(yaml.utf8).write(to: folder.appendingPathComponent("org.yaml"))
    }

    private func org(_ server: DjangoSCIMServer, users: String, groups: String) -> String {
        """
        version: 1
        target:
          url: \(server.baseURL.absoluteString)
        policy:
          unmanaged: deactivate
        safety:
          maxDestructive: 10
          maxDestructivePercent: 100
        users:
        \(users)
        groups:
        \(groups)
        """
    }

    @Test("create, group membership, joining a group, offboarding: each apply converges")
    func loop() async throws {
        let peer = try await Peer.start()
        defer { peer.stop() }
        let (server, folder) = (peer.server, peer.folder)
        func converge() async throws {
            let apply = try await peer.scimctl(["apply", "--auto-approve"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            let plan = try await peer.scimctl(["plan", "--detailed-exitcode"])
            #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
            #expect(plan.stdout.contains("No changes"), "\(plan.stdout)")
        }
        try write(
            org(
                server,
                users: """
                      - {userName: alice@example.com, name: {givenName: Alice, familyName: Ng}, emails: [{value: alice@example.com, primary: true}]}
                      - {userName: bob@example.com, name: {givenName: Bob, familyName: Smith}, displayName: Bob Smith}
                      - {userName: carol@example.com, name: {givenName: Carol, familyName: Diaz}}
                      - {userName: dave@example.com, name: {givenName: Dave, familyName: Kim}}
                    """,
                groups: """
                      - {displayName: eng, members: [alice@example.com, bob@example.com]}
                      - {displayName: ops, members: [carol@example.com]}
                    """), to: folder)
        try await converge()
        let client = try await peer.client()
        let before = try await client.listUsers().count
        #expect(before == 4)
        try write(
            org(
                server,
                users: """
                      - {userName: alice@example.com, name: {givenName: Alice, familyName: Ng}, emails: [{value: alice@example.com, primary: true}]}
                      - {userName: bob@example.com, name: {givenName: Bob, familyName: Smith}, displayName: Bob Smith}
                      - {userName: carol@example.com, name: {givenName: Carol, familyName: Diaz}}
                      - {userName: dave@example.com, name: {givenName: Dave, familyName: Kim}, active: false}
                      - {userName: erin@example.com, name: {givenName: Erin, familyName: Park}}
                    """,
                groups: """
                      - {displayName: eng, members: [alice@example.com, bob@example.com, carol@example.com, erin@example.com]}
                      - {displayName: ops, members: [carol@example.com]}
                    """), to: folder)
        try await converge()
        #expect(try await client.listUsers().count == 5)
        #expect(try await client.findUsers(userName: "dave@example.com").first?.active == false)
        let eng = try #require(try await client.listGroups().first { $0.displayName == "eng" })
        #expect(Set(eng.members?.map(\.value) ?? []).count == 4)

        // Renames (a user by `previously`, a group by `previously`), a changed name, and group moves:
        // bob and carol leave eng for operations. Ids are kept: a rename is never delete + create.
        let users = try await client.listUsers()
        func id(_ userName: String) -> String? { users.first { $0.userName == userName }?.id }
        let opsId = try #require(try await client.listGroups().first { $0.displayName == "ops" }?.id)
        try write(
            org(
                server,
                users: """
                      - {userName: alice.ng@example.com, previously: [alice@example.com], name: {givenName: Alice, familyName: Ng}, emails: [{value: alice.ng@example.com, primary: true}]}
                      - {userName: bob@example.com, name: {givenName: Bob, familyName: Smyth}, displayName: Bob Smyth}
                      - {userName: carol@example.com, name: {givenName: Carol, familyName: Diaz}}
                      - {userName: dave@example.com, name: {givenName: Dave, familyName: Kim}, active: false}
                      - {userName: erin@example.com, name: {givenName: Erin, familyName: Park}}
                    """,
                groups: """
                      - {displayName: eng, members: [alice.ng@example.com, erin@example.com]}
                      - {displayName: operations, previously: [ops], members: [bob@example.com, carol@example.com]}
                    """), to: folder)
        try await converge()
        let renamed = try #require(try await client.findUsers(userName: "alice.ng@example.com").first)
        #expect(renamed.id == id("alice@example.com"))
        #expect(try await client.findUsers(userName: "alice@example.com").isEmpty)
        #expect(
            try await client.findUsers(userName: "bob@example.com").first?.attributes[path: "name.familyName"]
                == "Smyth")
        let groups = try await client.listGroups()
        #expect(groups.map(\.displayName).sorted() == ["eng", "operations"])
        let operations = try #require(groups.first { $0.displayName == "operations" })
        #expect(operations.id == opsId)
        #expect(Set(operations.members?.map(\.value) ?? []) == Set([id("bob@example.com"), id("carol@example.com")]))
        let engNow = try #require(groups.first { $0.displayName == "eng" })
        #expect(
            Set(engNow.members?.map(\.value) ?? []) == Set([id("alice@example.com"), id("erin@example.com")]))

        // Offboarding by deletion: erin leaves the YAML under `unmanaged: delete`.
        try write(
            org(
                server,
                users: """
                      - {userName: alice.ng@example.com, name: {givenName: Alice, familyName: Ng}, emails: [{value: alice.ng@example.com, primary: true}]}
                      - {userName: bob@example.com, name: {givenName: Bob, familyName: Smyth}, displayName: Bob Smyth}
                      - {userName: carol@example.com, name: {givenName: Carol, familyName: Diaz}}
                      - {userName: dave@example.com, name: {givenName: Dave, familyName: Kim}, active: false}
                    """,
                groups: """
                      - {displayName: eng, members: [alice.ng@example.com]}
                      - {displayName: operations, members: [bob@example.com, carol@example.com]}
                    """
            ).replacingOccurrences(of: "unmanaged: deactivate", with: "unmanaged: delete"), to: folder)
        try await converge()
        #expect(try await client.findUsers(userName: "erin@example.com").isEmpty)
        #expect(try await client.listUsers().count == 4)
    }
}

extension SecondServerTests {
    @Test("200 users in 10 groups from empty: plan shows nothing, drift is 0, an over-cap plan changes nothing")
    func wholeOrg() async throws {
        let peer = try await Peer.start()
        defer { peer.stop() }
        let (server, folder) = (peer.server, peer.folder)
        var users = ""
        for index in 0..<200 {
            users +=
                "  - {userName: user\(index)@x.io, externalId: E\(index), name: {givenName: G\(index), familyName: F}, groups: [team\(index % 10)]}\n"
        }
        let groups = (0..<10).map { "  - {displayName: team\($0)}\n" }.joined()
        try write(org(server, users: users, groups: groups), to: folder)
        let apply = try await peer.scimctl(["apply", "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply: 220 done, 0 failed, 0 skipped."), "\(apply.stdout)")
        #expect(!apply.stdout.contains(server.token) && !apply.stderr.contains(server.token))
        let plan = try await peer.scimctl(["plan", "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        let drift = try await peer.scimctl(["drift"])
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")

        let client = try await peer.client()
        func dump() async throws -> String {
            let users = try await client.listUsers().map { String(decoding: $0.json.serialized(), as: UTF8.self) }
            let groups = try await client.listGroups().map { group in
                var group = group
                group.members = group.members?.sorted { $0.value < $1.value }
                return String(decoding: group.json.serialized(), as: UTF8.self)
            }
            return (users.sorted() + groups.sorted()).joined(separator: "\n")
        }
        let start = try await dump()
        #expect(try await client.listUsers().count == 200)
        try write(
            org(server, users: "  []", groups: "  []").replacingOccurrences(
                of: "maxDestructive: 10\n  maxDestructivePercent: 100", with: "maxDestructive: 5"), to: folder)
        let blocked = try await peer.scimctl(["apply", "--auto-approve"])
        #expect(blocked.status == 3, "\(blocked.stdout)\(blocked.stderr)")
        #expect(try await dump() == start)
    }
}
