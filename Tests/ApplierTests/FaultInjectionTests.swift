import Applier
import Catalog
import Commands
import DesiredState
import Foundation
import Planner
import SCIM
import ScimctlTestSupport
import Testing

/// Apply against scim2-server behind a transport that injects 429s, 503s and dropped connections:
/// it converges within two runs, with no duplicate and no lost user.
@Suite("Apply under injected faults, against scim2-server", .scim2Server, .timeLimit(.minutes(10)))
struct FaultInjectionTests {
    private func org(users: Int, groups: Int) -> String {
        var yaml = "version: 1\npolicy: {unmanaged: delete}\nsafety: {maxDestructivePercent: 100}\nusers:\n"
        for index in 0..<users {
            yaml +=
                "  - {userName: u\(index)@x.io, name: {givenName: G\(index), familyName: F}, title: T\(index % 3), groups: [g\(index % groups)]}\n"
        }
        yaml += "groups:\n" + (0..<groups).map { "  - {displayName: g\($0)}\n" }.joined()
        return yaml
    }

    private func desired(_ yaml: String) throws -> DeclaredOrg {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-faults-\(UUID()).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let loaded = DesiredStateLoader().load(paths: [file.path])
        return try #require(loaded.state, "\(loaded.diagnostics)")
    }

    private func plan(_ desired: DeclaredOrg, _ client: SCIMClient) async throws -> Plan {
        let live = try await LiveSnapshot.read(from: client, includeGroups: true)
        return try Diff(
            desired: desired, live: live, today: CalendarDay("2026-11-29")!,
            target: .init(url: client.connection.baseURL.absoluteString, provider: "generic"), desiredDigest: "sha256:x"
        ).plan()
    }

    @Test("random 429, 503 and dropped connections: converges within two runs, no duplicates, nobody lost")
    func converges() async throws {
        let server = try #require(SCIM2Server.current)
        let tenant = server.newTenant()
        let faults = FaultInjectingTransport(
            URLSessionTransport(timeout: 30), seed: 7644, throttleRate: 0.1, failRate: 0.1, dropRate: 0.1)
        let retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))
        let connection = try SCIMConnection(
            baseURL: tenant, token: BearerToken(server.token), transport: faults, retry: retry)
        let client = try await SCIMClient.connect(connection)
        let clean = try await SCIMClient.connect(
            try SCIMConnection(baseURL: tenant, token: BearerToken(server.token), transport: URLSessionTransport()))
        let state = try desired(org(users: 60, groups: 5))

        var runs = 0
        var remaining = try await plan(state, clean)
        var failures: [String] = []
        while remaining.hasChanges && runs < 2 {
            runs += 1
            let result = await PlanExecutor(client: client, parallelism: 4).apply(remaining)
            failures += result.entries.filter { $0.outcome != .done }.map { "\($0.key): \($0.detail ?? "")" }
            remaining = try await plan(state, clean)
        }
        #expect(
            !remaining.hasChanges,
            "still planned after \(runs) runs: \(remaining.actions.map { "\($0.action) \($0.key)" }); failures: \(failures)"
        )
        let injected = faults.injected
        #expect((injected["429"] ?? 0) > 0 && (injected["503"] ?? 0) > 0 && (injected["drop"] ?? 0) > 0, "\(injected)")

        let users = try await clean.listUsers()
        #expect(users.count == 60)
        #expect(Set(users.map { $0.userName.lowercased() }).count == 60, "duplicates")
        let groups = try await clean.listGroups()
        #expect(groups.count == 5)
        #expect(groups.reduce(0) { $0 + Set($1.members?.map(\.value) ?? []).count } == 60)
    }
}
