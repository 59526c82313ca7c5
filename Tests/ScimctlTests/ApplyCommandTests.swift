import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// `scimctl apply`, run as the built binary against scim2-server and against the sandbox: the whole
/// loop, convergence after every kind of edit, and the refusals that must leave the provider untouched.
@Suite("scimctl apply end to end", .scim2Server, .timeLimit(.minutes(10)))
struct ApplyCommandTests {
    private func write(_ yaml: String, in tenant: Tenant) throws {
        try yaml.write(to: tenant.folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
    }

    private func run(_ command: String, _ extra: [String] = [], in tenant: Tenant) async throws -> ProcessOutput {
        try await ProcessRunner.runScimctl(
            [command, "--url", tenant.url.absoluteString, "--now", "2026-11-29"] + extra + [tenant.folder.path],
            environment: ["SCIM_TOKEN": tenant.token])
    }

    /// Everything the provider holds, comparable before and after a refused run.
    private func dump(_ tenant: Tenant) async throws -> String {
        let users = try await tenant.client.listUsers().map { String(decoding: $0.json.serialized(), as: UTF8.self) }
        var groups: [String] = []
        for var group in try await tenant.client.listGroups() {
            group.members = group.members?.sorted { $0.value < $1.value }
            groups.append(String(decoding: group.json.serialized(), as: UTF8.self))
        }
        return (users.sorted() + groups.sorted()).joined(separator: "\n")
    }

    private func org(users: Int, groups: Int, policy: String = "deactivate", edit: (Int) -> String = { _ in "" })
        -> String
    {
        var yaml =
            "version: 1\npolicy: {unmanaged: \(policy), unmanagedGroups: delete}\nsafety: {maxDestructive: 50, maxDestructivePercent: 50}\nusers:\n"
        for index in 0..<users {
            yaml +=
                "  - {userName: user\(index)@x.io, externalId: E\(index), name: {givenName: G\(index), familyName: F}"
            let extra = edit(index)
            yaml += extra.hasPrefix(", title:") ? extra : ", title: Engineer"
            yaml += ", groups: [team\(index % groups)]\(extra.hasPrefix(", title:") ? "" : extra)}\n"
        }
        yaml += "groups:\n" + (0..<groups).map { "  - {displayName: team\($0), externalId: T\($0)}\n" }.joined()
        return yaml
    }

    @Test(
        "the whole loop on 200 users in 10 groups: apply from empty, plan shows nothing, drift is 0",
        arguments: Provider.allCases)
    func wholeLoop(provider: Provider) async throws {
        let tenant = try await Tenant(provider)
        defer { tenant.close() }
        try write(org(users: 200, groups: 10), in: tenant)
        let validate = try await ProcessRunner.runScimctl(["validate", tenant.folder.path])
        #expect(validate.status == 0)
        let journal = tenant.folder.appendingPathComponent("journal.jsonl")
        let apply = try await run("apply", ["--auto-approve", "--journal", journal.path], in: tenant)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply: 220 done, 0 failed, 0 skipped."))
        #expect(try await tenant.client.listUsers().count == 200)
        let plan = try await run("plan", ["--detailed-exitcode"], in: tenant)
        #expect(plan.status == 0, "\(plan.stdout)")
        #expect(plan.stdout.contains("No changes."))
        let drift = try await run("drift", in: tenant)
        #expect(drift.status == 0)
        let lines = try String(contentsOf: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 220)
        #expect(lines.allSatisfy { $0.contains(#""outcome":"done""#) && $0.contains(#""time":"#) })
        #expect(!(try String(contentsOf: journal, encoding: .utf8)).contains(tenant.token))
        #expect(!apply.stdout.contains(tenant.token) && !apply.stderr.contains(tenant.token))
    }

    @Test(
        "every kind of edit converges: create, rename via previously, update, move, deactivate, delete, group rename and delete",
        arguments: Provider.allCases)
    func converges(provider: Provider) async throws {
        let tenant = try await Tenant(provider)
        defer { tenant.close() }
        try write(org(users: 30, groups: 3), in: tenant)
        #expect(try await run("apply", ["--auto-approve"], in: tenant).status == 0)
        let before = try await tenant.client.listUsers()
        var yaml = org(users: 30, groups: 3, policy: "delete") { index in
            switch index {
            case 1: ", title: Lead"  // update
            case 2: ", active: false"  // deactivate
            default: ""
            }
        }
        yaml = yaml.replacingOccurrences(
            of: "userName: user3@x.io, externalId: E3", with: "userName: renamed3@x.io, previously: [user3@x.io]")
        yaml = yaml.replacingOccurrences(
            of:
                "userName: user4@x.io, externalId: E4, name: {givenName: G4, familyName: F}, title: Engineer, groups: [team1]",
            with:
                "userName: user4@x.io, externalId: E4, name: {givenName: G4, familyName: F}, title: Engineer, groups: [team0]"
        )
        yaml = yaml.replacingOccurrences(
            of:
                "  - {userName: user5@x.io, externalId: E5, name: {givenName: G5, familyName: F}, title: Engineer, groups: [team2]}\n",
            with: "")
        yaml = yaml.replacingOccurrences(
            of: "{displayName: team0, externalId: T0}", with: "{displayName: team-zero, externalId: T0}")
        yaml = yaml.replacingOccurrences(of: "groups: [team0]", with: "groups: [team-zero]")
        yaml = yaml.replacingOccurrences(of: "  - {displayName: team2, externalId: T2}\n", with: "")
        yaml = yaml.replacingOccurrences(of: "groups: [team2]", with: "groups: [team1]")
        yaml += "  - {displayName: brand-new}\n"
        yaml = yaml.replacingOccurrences(
            of: "users:\n", with: "users:\n  - {userName: newcomer@x.io, groups: [brand-new]}\n")
        try write(yaml, in: tenant)
        let apply = try await run("apply", ["--auto-approve"], in: tenant)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let again = try await run("plan", ["--detailed-exitcode"], in: tenant)
        #expect(again.status == 0, "\(again.stdout)")
        let after = try await tenant.client.listUsers()
        let renamedId = before.first { $0.userName == "user3@x.io" }?.id
        #expect(after.first { $0.userName == "renamed3@x.io" }?.id == renamedId)  // same object: no delete + create
        #expect(after.first { $0.userName == "user1@x.io" }?.attributes[path: "title"] == "Lead")
        #expect(after.first { $0.userName == "user2@x.io" }?.active == false)
        #expect(!after.contains { $0.userName == "user5@x.io" })
        #expect(after.contains { $0.userName == "newcomer@x.io" })
        let groups = try await tenant.client.listGroups()
        #expect(Set(groups.map(\.displayName)) == ["team-zero", "team1", "brand-new"])
    }

    @Test(
        "refusals change nothing: blocked (exit 3), stale saved plan (exit 1), no terminal without --auto-approve (exit 1)",
        arguments: Provider.allCases)
    func refusals(provider: Provider) async throws {
        let tenant = try await Tenant(provider)
        defer { tenant.close() }
        try write(org(users: 20, groups: 2), in: tenant)
        #expect(try await run("apply", ["--auto-approve"], in: tenant).status == 0)
        let start = try await dump(tenant)

        try write("version: 1\npolicy: {unmanaged: delete}\nsafety: {maxDestructive: 5}\nusers: []\n", in: tenant)
        let blocked = try await run("apply", ["--auto-approve"], in: tenant)
        #expect(blocked.status == 3, "\(blocked.stdout)\(blocked.stderr)")
        #expect(blocked.stderr.contains("nothing was changed"))
        #expect(try await dump(tenant) == start)

        try write(org(users: 20, groups: 2) { $0 == 0 ? ", title: Changed" : "" }, in: tenant)
        let noTerminal = try await run("apply", in: tenant)
        #expect(noTerminal.status == 1)
        #expect(noTerminal.stderr.contains("stdin is not a terminal"))
        #expect(try await dump(tenant) == start)

        let saved = tenant.folder.appendingPathComponent("plan.json")
        #expect(try await run("plan", ["--out", saved.path], in: tenant).status == 0)
        // The user the plan changes is changed by hand: planning again gives another action.
        var someone = try #require(try await tenant.client.listUsers().first { $0.userName == "user0@x.io" })
        someone.attributes[path: "title"] = "changed by hand"
        _ = try await tenant.client.replaceUser(id: someone.id!, with: someone, version: nil)
        let changedByHand = try await dump(tenant)
        let stale = try await run("apply", ["--plan", saved.path, "--auto-approve"], in: tenant)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("the plan is stale"), "\(stale.stderr)")
        #expect(stale.stderr.contains("User 'user0@x.io' (planned differently)"))
        #expect(try await dump(tenant) == changedByHand)

        // A fresh saved plan applies.
        #expect(try await run("plan", ["--out", saved.path], in: tenant).status == 0)
        let fresh = try await run("apply", ["--plan", saved.path, "--auto-approve"], in: tenant)
        #expect(fresh.status == 0, "\(fresh.stdout)\(fresh.stderr)")
    }
}
