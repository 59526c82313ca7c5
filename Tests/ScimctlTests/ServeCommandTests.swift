import Catalog
import DesiredState
import Foundation
import SCIM
import SCIMTransport
import ScimctlTestSupport
import Testing

/// `scimctl serve` over real HTTP on loopback: the sandbox as a provider for other tools, behind a
/// token, and with injected faults the client and the applier must ride out.
@Suite("scimctl serve", .timeLimit(.minutes(10)))
struct ServeCommandTests {
    private func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-serve-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func org(in folder: URL, url: URL, users: Int) throws {
        var yaml = "version: 1\ntarget: {url: \"\(url.absoluteString)\"}\nusers:\n"
        for index in 0..<users { yaml += "  - {userName: u\(index)@x.io, title: T, groups: [g\(index % 3)]}\n" }
        yaml += "groups:\n" + (0..<3).map { "  - {displayName: g\($0)}\n" }.joined()
        try yaml.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
    }

    @Test("apply through HTTP behind a token, then in sync; a wrong token is refused")
    func overHTTP() async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start([
            "--db", folder.appendingPathComponent("db.sqlite").path, "--token", "t0k",
        ])
        defer { server.stop() }
        try org(in: folder, url: server.baseURL, users: 30)
        let apply = try await ProcessRunner.runScimctl(
            ["apply", "--auto-approve", folder.path], environment: ["SCIM_TOKEN": "t0k"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let plan = try await ProcessRunner.runScimctl(
            ["plan", "--detailed-exitcode", folder.path], environment: ["SCIM_TOKEN": "t0k"])
        #expect(plan.status == 0)
        let wrong = try await ProcessRunner.runScimctl(["plan", folder.path], environment: ["SCIM_TOKEN": "nope"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("HTTP 401"))
    }

    @Test("with 429s and 503s injected, apply still converges within two runs, with no duplicates")
    func faults() async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let server = try await ServeProcess.start(
            ["--db", database, "--throttle-rate", "0.1", "--fail-rate", "0.1", "--seed", "42"])
        defer { server.stop() }
        try org(in: folder, url: server.baseURL, users: 40)
        let outcome = try await applyUntilConverged(folder, runs: 2)
        #expect(outcome.converged, "not converged after \(outcome.runs) runs:\n\(outcome.log)")
        server.stop()
        try await expectEveryoneOnce(database, users: 40, groups: 3)
    }

    @Test("with responses dropped after processing, apply never duplicates and converges within four runs")
    func drops() async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let server = try await ServeProcess.start(["--db", database, "--drop-rate", "0.3", "--seed", "7"])
        defer { server.stop() }
        try org(in: folder, url: server.baseURL, users: 40)
        let outcome = try await applyUntilConverged(folder, runs: 4)
        #expect(outcome.converged, "not converged after \(outcome.runs) runs:\n\(outcome.log)")
        // Creates really were lost (processed, unanswered) and found again rather than made twice.
        #expect(outcome.lostCreates > 0, "\(outcome.log)")
        server.stop()
        try await expectEveryoneOnce(database, users: 40, groups: 3)
    }

    /// What repeated applies against a faulty server came to.
    private struct Convergence {
        var converged = false
        var runs = 0
        /// Creates whose response was lost and that the applier found again by lookup.
        var lostCreates = 0
        /// What apply said, but for its lines of actions done.
        var log = ""
    }

    /// Applies, then plans, until the plan shows no changes or `runs` applies have been made.
    private func applyUntilConverged(_ folder: URL, runs: Int) async throws -> Convergence {
        var outcome = Convergence()
        while outcome.runs < runs && !outcome.converged {
            outcome.runs += 1
            let apply = try await ProcessRunner.runScimctl(
                ["apply", "--auto-approve", folder.path], environment: ["SCIM_TOKEN": "x"])
            outcome.lostCreates += apply.stdout.components(separatedBy: "(the first response was lost)").count - 1
            outcome.log += apply.stdout.split(separator: "\n").filter { !$0.hasPrefix("done") }
                .joined(separator: "\n")
            outcome.log += apply.stderr
            // Faults hit reads too; a plan that could not read fails rather than lies, so ask until it answers.
            for _ in 0..<5 {
                let plan = try await ProcessRunner.runScimctl(
                    ["plan", "--detailed-exitcode", folder.path], environment: ["SCIM_TOKEN": "x"])
                if plan.status == 1 { continue }
                outcome.converged = plan.status == 0
                break
            }
        }
        return outcome
    }

    /// Reads the database through a server with no faults: every user and group exactly once.
    private func expectEveryoneOnce(_ database: String, users: Int, groups: Int) async throws {
        let clean = try await ServeProcess.start(["--db", database])
        defer { clean.stop() }
        let client = try await SCIMClient.connect(try SCIMConnection(baseURL: clean.baseURL, token: nil))
        let listed = try await client.listUsers()
        #expect(listed.count == users)
        #expect(Set(listed.map { $0.userName.lowercased() }).count == users)
        #expect(try await client.listGroups().count == groups)
    }
}

extension ServeCommandTests {
    @Test("serve answers only under its base path: elsewhere a 404 with a SCIM error body")
    func basePathOnly() async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start(["--db", folder.appendingPathComponent("db.sqlite").path])
        defer { server.stop() }
        let transport = try AsyncHTTPClientTransport(timeout: 10)
        let root = try #require(URL(string: "/", relativeTo: server.baseURL)?.absoluteURL)
        for path in ["foo/Users", "Users", "v2x/Users", "foo/v2/Users", "scim/v2/ServiceProviderConfig"] {
            let response = try await transport.send(
                HTTPRequest(method: "GET", url: root.appendingPathComponent(path)))
            #expect(response.status == 404, "\(path)")
            let body = try JSONValue.parse(response.body)
            #expect(
                body.objectValue?["schemas"]?.arrayValue?.first?.stringValue
                    == "urn:ietf:params:scim:api:messages:2.0:Error")
            #expect(body.objectValue?["status"]?.stringValue == "404")
        }
        let good = try await transport.send(
            HTTPRequest(method: "GET", url: server.baseURL.appendingPathComponent("Users")))
        #expect(good.status == 200)
        // And the client, pointed at a wrong base, fails its discovery instead of passing a rehearsal.
        let wrong = root.appendingPathComponent("scim/v2")
        let failure = await #expect(throws: SCIMError.self) {
            try await SCIMClient.connect(try SCIMConnection(baseURL: wrong, token: nil, transport: transport))
        }
        #expect(failure?.status == 404)
    }

    @Test("AsyncHTTPClientTransport: a response dropped after processing is a transport error, not a timeout")
    func dropIsImmediate() async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start([
            "--db", folder.appendingPathComponent("db.sqlite").path, "--drop-rate", "1",
        ])
        defer { server.stop() }
        let transport = try AsyncHTTPClientTransport(timeout: 120)
        let request = HTTPRequest(
            method: "POST", url: server.baseURL.appendingPathComponent("Users"),
            headers: ["Content-Type": "application/scim+json"], body: Data(#"{"userName": "a@x.io"}"#.utf8))
        let error = await #expect(throws: TransportError.self) { try await transport.send(request) }
        #expect(error?.message == "the connection closed before a response arrived")
        server.stop()
        // It was processed all the same: that is what the applier's lookup after a lost create is for.
        let clean = try await ServeProcess.start(["--db", folder.appendingPathComponent("db.sqlite").path])
        defer { clean.stop() }
        let client = try await SCIMClient.connect(
            try SCIMConnection(baseURL: clean.baseURL, token: nil, transport: try AsyncHTTPClientTransport()))
        #expect(try await client.findUsers(userName: "a@x.io").count == 1)
    }

    @Test(
        "the client's provider profile against serve --profile: apply, move members, in sync after",
        arguments: ["aws", "qase"])
    func profiles(provider: String) async throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start([
            "--db", folder.appendingPathComponent("db.sqlite").path, "--profile", provider,
        ])
        defer { server.stop() }
        func write(moved: Bool) throws {
            var yaml =
                "version: 1\ntarget: {url: \"\(server.baseURL.absoluteString)\", provider: \(provider)}\nusers:\n"
            for index in 0..<150 {
                let group = moved && index == 0 ? 1 : index % 3
                yaml +=
                    "  - {userName: u\(index)@x.io, displayName: U\(index), name: {givenName: G, familyName: F\(index)}, groups: [g\(group)]}\n"
            }
            yaml += "groups:\n" + (0..<3).map { "  - {displayName: g\($0)}\n" }.joined()
            try yaml.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        }
        for moved in [false, true] {
            try write(moved: moved)
            let apply = try await ProcessRunner.runScimctl(
                ["apply", "--auto-approve", folder.path], environment: ["SCIM_TOKEN": "x"])
            #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
            let plan = try await ProcessRunner.runScimctl(
                ["plan", "--detailed-exitcode", folder.path], environment: ["SCIM_TOKEN": "x"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        }
        let profile = try #require(BuiltInProfiles.named(provider))
        let client = try await SCIMClient.connect(
            try SCIMConnection(baseURL: server.baseURL, token: nil, profile: profile))
        let groups = try await client.listGroups()
        let users = Dictionary(uniqueKeysWithValues: try await client.listUsers().map { ($0.id ?? "", $0.userName) })
        let g1 = try #require(groups.first { $0.displayName == "g1" })
        #expect(g1.members?.contains { users[$0.value] == "u0@x.io" } == true)
        #expect(g1.members?.count == 51)
    }
}

@Suite("Conformance", .timeLimit(.minutes(10)))
struct ConformanceTests {
    @Test("scim2-tester (scim2 test, from scim2-cli) passes every check against scimctl serve")
    func scim2Tester() async throws {
        let scim2 = PackagePaths.root.appendingPathComponent(".venv-peers/bin/scim2")
        try #require(
            FileManager.default.isExecutableFile(atPath: scim2.path), "no \(scim2.path): run scripts/setup-peers")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-conformance-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start([
            "--db", folder.appendingPathComponent("db.sqlite").path, "--token", "conformance",
        ])
        defer { server.stop() }
        let result = try await ProcessRunner.run(
            scim2, ["--url", server.baseURL.absoluteString, "test"],
            environment: ["SCIM_CLI_HEADERS": "Authorization: Bearer conformance"])
        let lines = result.stdout.split(separator: "\n")
        let passed = lines.filter { $0.hasPrefix("SUCCESS") }.count
        let failed = lines.filter { $0.hasPrefix("ERROR") || $0.hasPrefix("CRITICAL") }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
        #expect(passed >= 135, "\(passed) checks passed")
    }
}
