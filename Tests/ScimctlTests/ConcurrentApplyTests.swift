import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// Two applies of one org started together against `scimctl serve` (group names are not unique there,
/// as on many providers): no duplicate objects, and the next run converges.
@Suite("Applies that race", .timeLimit(.minutes(10)))
struct ConcurrentApplyTests {
    @Test("two applies at once leave no duplicate user or group; a third run converges")
    func race() async throws {
        let tenant = try await Tenant(.sandbox)
        defer { tenant.close() }
        var yaml = "version: 1\nsafety: {maxDestructivePercent: 100}\nusers:\n"
        for index in 0..<30 { yaml += "  - {userName: user\(index)@x.io, title: T, groups: [team\(index % 6)]}\n" }
        yaml += "groups:\n" + (0..<6).map { "  - {displayName: team\($0)}\n" }.joined()
        try yaml.write(to: tenant.folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        func apply() async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(
                [
                    "apply", "--auto-approve", "--url", tenant.url.absoluteString, "--now", "2026-11-29",
                    tenant.folder.path,
                ],
                environment: ["SCIM_TOKEN": tenant.token])
        }
        async let first = apply()
        async let second = apply()
        let outcomes = try await [first, second]

        let users = try await tenant.client.listUsers()
        #expect(users.count == 30, "\(outcomes.map(\.stdout))")
        let groups = try await tenant.client.listGroups()
        #expect(groups.count == 6, "duplicates: \(groups.map(\.displayName).sorted()); \(outcomes.map(\.stdout))")

        let third = try await apply()
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        let plan = try await ProcessRunner.runScimctl(
            [
                "plan", "--detailed-exitcode", "--url", tenant.url.absoluteString, "--now", "2026-11-29",
                tenant.folder.path,
            ],
            environment: ["SCIM_TOKEN": tenant.token])
        #expect(plan.status == 0, "\(plan.stdout)")
        #expect(Set(try await tenant.client.listGroups().map(\.displayName)).count == 6)
    }
}
