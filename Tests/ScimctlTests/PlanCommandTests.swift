import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// `scimctl plan` and `scimctl drift`, run as the built binary against scim2-server over real HTTP: a
/// live org seeded to differ from the YAML in every kind of way, and the exact plan expected.
@Suite("scimctl plan and drift against scim2-server", .scim2Server, .timeLimit(.minutes(10)))
struct PlanCommandTests {
    private struct Tenant {
        var url: URL
        var token: String
        var client: SCIMClient
    }

    private func tenant() async throws -> Tenant {
        let server = try #require(SCIM2Server.current)
        let url = server.newTenant()
        let connection = try SCIMConnection(baseURL: url, token: BearerToken(server.token))
        return Tenant(url: url, token: server.token, client: try await SCIMClient.connect(connection))
    }

    private func user(_ name: String, title: String? = nil, externalId: String? = nil, active: Bool = true) -> SCIMUser
    {
        var user = SCIMUser(userName: name)
        user.attributes[path: "title"] = title
        user.externalId = externalId
        user.active = active
        return user
    }

    /// Seeds the live side: a user to rename, one to update, one deactivated by hand, one undeclared, a
    /// protected owner, and a group with a member to remove.
    private func seed(_ tenant: Tenant) async throws {
        let client = tenant.client
        let bob = try await client.createUser(user("bob@x.io", title: "Intern"))
        _ = try await client.createUser(user("carol.old@x.io", externalId: "E3"))
        _ = try await client.createUser(user("dave@x.io", active: false))
        let mallory = try await client.createUser(user("mallory@x.io"))
        _ = try await client.createUser(user("owner@x.io"))
        var group = SCIMGroup(displayName: "qaseUsers")
        group.members = [SCIMMember(value: mallory.id!), SCIMMember(value: bob.id!)]
        _ = try await client.createGroup(group)
    }

    private let yaml = """
        version: 1
        policy: {unmanaged: deactivate, protect: [owner@x.io]}
        safety: {maxDestructive: 5, maxDestructivePercent: 100}
        users:
          - {userName: alice@x.io, name: {givenName: Alice, familyName: Nguyen}, groups: [qaseUsers]}
          - {userName: bob@x.io, title: Engineer}
          - {userName: carol@x.io, externalId: E3}
          - {userName: dave@x.io}
        groups:
          - {displayName: qaseUsers, members: [bob@x.io]}
          - {displayName: qa-leads, members: [carol@x.io]}
        """

    private func write(_ text: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    private func run(_ arguments: [String], _ tenant: Tenant, folder: URL) async throws -> ProcessOutput {
        try await ProcessRunner.runScimctl(
            arguments + ["--url", tenant.url.absoluteString, "--now", "2026-11-29", folder.path],
            environment: ["SCIM_TOKEN": tenant.token])
    }

    @Test("the plan of a seeded org: exact actions, in order, in JSON; exit 0, and 2 with --detailed-exitcode")
    func exactPlan() async throws {
        let tenant = try await tenant()
        try await seed(tenant)
        let folder = try write(yaml)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await run(["plan", "--format", "json"], tenant, folder: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let actions = try #require(object["actions"] as? [[String: Any]])
        let lines = actions.map { "\($0["action"]!) \($0["type"]!) \($0["key"]!)" }
        #expect(
            lines == [
                "create User alice@x.io", "reactivate User dave@x.io", "create Group qa-leads",
                "update Group qaseUsers",
                "update User bob@x.io", "update User carol@x.io", "deactivate User mallory@x.io",
            ])
        let qase = try #require(actions.first { $0["key"] as? String == "qaseUsers" }?["members"] as? [String: Any])
        #expect(qase["add"] as? [String] == ["alice@x.io"])
        #expect(qase["remove"] as? [String] == ["mallory@x.io"])
        let summary = try #require(object["summary"] as? [String: Any])
        // mallory is deactivated and leaves qaseUsers: one person, counted once.
        #expect(summary["destructive"] as? Int == 1)
        #expect(summary["blocked"] as? Bool == false)
        #expect((object["protected"] as? [[String: Any]])?.first?["key"] as? String == "owner@x.io")
        #expect(!result.stdout.contains(tenant.token) && !result.stderr.contains(tenant.token))

        let detailed = try await run(["plan", "--detailed-exitcode"], tenant, folder: folder)
        #expect(detailed.status == 2)
        #expect(
            detailed.stdout.contains(
                "Plan: 7 actions (2 create, 3 update, 0 adopt, 1 reactivate, 1 deactivate, 0 delete). Destructive: 2 actions, taking access from 1 person or group; cap 4."
            ))
        let actionLines = detailed.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }
        #expect(
            actionLines == [
                "  + User alice@x.io", "      userName:        → \"alice@x.io\"", "      name.givenName:  → \"Alice\"",
                "      name.familyName: → \"Nguyen\"", "  ↺ User dave@x.io", "  + Group qa-leads",
                "      displayName: → \"qa-leads\"", "      members: +carol@x.io", "  ~ Group qaseUsers",
                "      members: +alice@x.io −mallory@x.io", "  ~ User bob@x.io",
                "      title: \"Intern\" → \"Engineer\"",
                "  ~ User carol@x.io", "      userName: \"carol.old@x.io\" → \"carol@x.io\"",
                "  - User mallory@x.io  (not declared (policy unmanaged: deactivate))",
                "  owner@x.io (protect: owner@x.io; would otherwise deactivate (not declared (policy unmanaged: deactivate)))",
            ])
        let markdown = try await run(["plan", "--format", "markdown"], tenant, folder: folder)
        #expect(markdown.status == 0)
        #expect(markdown.stdout.hasPrefix("### scimctl plan — `\(tenant.url.absoluteString)` (generic)"))
        #expect(markdown.stdout.contains("| 2 | 3 | 0 | 1 | 1 | 0 | 1 / 4 |"))
        #expect(markdown.stdout.contains("Symbols: + create  ~ update  = adopt  ↺ reactivate  - deactivate  × delete"))
        #expect(markdown.stdout.contains("- `~` Group **qaseUsers** — remove members: mallory@x.io\n"))
        #expect(
            markdown.stdout.contains(
                "- `-` User **mallory@x.io** — deactivate (not declared (policy unmanaged: deactivate))\n"))
        #expect(markdown.stdout.contains("<details><summary>All changes (7)</summary>"))

        let drift = try await run(["drift"], tenant, folder: folder)
        #expect(drift.status == 2)
        #expect(drift.stdout.contains("Changed out of band"))
        #expect(
            drift.stdout.contains(
                "  - User mallory@x.io  (policy unmanaged: deactivate: apply would deactivate it)"))
    }

    @Test("over the cap the plan is blocked: exit 3, with the digest and how to approve it")
    func blocked() async throws {
        let tenant = try await tenant()
        try await seed(tenant)
        let folder = try write(yaml.replacingOccurrences(of: "maxDestructive: 5", with: "maxDestructive: 0"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await run(["plan"], tenant, folder: folder)
        #expect(result.status == 3)
        #expect(
            result.stdout.contains(
                "BLOCKED: this plan takes access away from 1 (people and groups); the cap is 0, the lower of "
                    + "safety.maxDestructive (0) and safety.maxDestructivePercent"))
        let digest = try #require(
            result.stdout.split(separator: "\n").first { $0.hasPrefix("Destructive digest: ") }?
                .dropFirst("Destructive digest: ".count))
        let approved = try write(
            yaml.replacingOccurrences(of: "maxDestructive: 5", with: "maxDestructive: 0, approve: [\"\(digest)\"]"))
        defer { try? FileManager.default.removeItem(at: approved) }
        let again = try await run(["plan"], tenant, folder: approved)
        #expect(again.status == 0, "\(again.stdout)")
    }

    @Test("drift exits 0 when the provider matches the YAML, and --out saves a plan without the token")
    func inSync() async throws {
        let tenant = try await tenant()
        _ = try await tenant.client.createUser(user("solo@x.io", title: "QA"))
        let folder = try write("version: 1\nusers:\n  - {userName: solo@x.io, title: QA}\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        let drift = try await run(["drift"], tenant, folder: folder)
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout.hasPrefix("In sync"))
        let planFile = folder.appendingPathComponent("plan.json")
        let plan = try await run(["plan", "--detailed-exitcode", "--out", planFile.path], tenant, folder: folder)
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("No changes."))
        let saved = try String(contentsOf: planFile, encoding: .utf8)
        #expect(saved.contains("\"live_versions\""))
        #expect(saved.contains("\"desired_digest\""))
        #expect(!saved.contains(tenant.token))
    }

    @Test("errors: an invalid YAML reads nothing (exit 1); a wrong token is reported without the token")
    func errors() async throws {
        let tenant = try await tenant()
        let invalid = try write("version: 1\nusers:\n  - {userName: a@x.io, actve: true}\n")
        defer { try? FileManager.default.removeItem(at: invalid) }
        let result = try await run(["plan"], tenant, folder: invalid)
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown key 'actve' in user; did you mean 'active'?"))
        #expect(result.stdout.isEmpty)
        let valid = try write("version: 1\nusers: []\n")
        defer { try? FileManager.default.removeItem(at: valid) }
        let wrong = try await ProcessRunner.runScimctl(
            ["plan", "--url", tenant.url.absoluteString, valid.path], environment: ["SCIM_TOKEN": "not-\(tenant.token)"]
        )
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("the token in $SCIM_TOKEN was refused by the provider (HTTP 401 on GET"))
        #expect(!wrong.stderr.contains(tenant.token))
        let missing = try await ProcessRunner.runScimctl(["plan", "--url", tenant.url.absoluteString, valid.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no SCIM token"))
    }
}
