import Foundation
import ScimctlTestSupport
import Testing

/// `scimctl serve` over real HTTP on loopback: the sandbox as a provider for other tools, behind a
/// token, and with injected faults the client and the applier must ride out.
@Suite("scimctl serve")
struct ServeCommandTests {
    private func org(in folder: URL, url: URL, users: Int) throws {
        var yaml = "version: 1\ntarget: {url: \"\(url.absoluteString)\"}\nusers:\n"
        for index in 0..<users { yaml += "  - {userName: u\(index)@x.io, title: T, groups: [g\(index % 3)]}\n" }
        yaml += "groups:\n" + (0..<3).map { "  - {displayName: g\($0)}\n" }.joined()
        try yaml.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
    }

    @Test("apply through HTTP behind a token, then in sync; a wrong token is refused")
    func overHTTP() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-serve-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-serve-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let server = try await ServeProcess.start(
            ["--db", database, "--throttle-rate", "0.1", "--fail-rate", "0.1", "--seed", "42"])
        defer { server.stop() }
        try org(in: folder, url: server.baseURL, users: 40)
        var runs = 0
        var converged = false
        var log = ""
        while runs < 2 && !converged {
            runs += 1
            let apply = try await ProcessRunner.runScimctl(
                ["apply", "--auto-approve", folder.path], environment: ["SCIM_TOKEN": "x"])
            log += apply.stdout.split(separator: "\n").filter { !$0.hasPrefix("done") }.joined(separator: "\n")
            log += apply.stderr
            // Faults hit reads too; a plan that could not read fails rather than lies, so ask until it answers.
            for _ in 0..<5 {
                let plan = try await ProcessRunner.runScimctl(
                    ["plan", "--detailed-exitcode", folder.path], environment: ["SCIM_TOKEN": "x"])
                if plan.status == 1 { continue }
                converged = plan.status == 0
                break
            }
        }
        #expect(converged, "not converged after \(runs) runs:\n\(log)")
        server.stop()
        let clean = try await ServeProcess.start(["--db", database])
        defer { clean.stop() }
        let list = try await ProcessRunner.runScimctl(
            ["plan", "--format", "json", "--url", clean.baseURL.absoluteString, folder.path],
            environment: ["SCIM_TOKEN": "x"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"create\" : 0"))
    }
}

@Suite("Conformance")
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
