import Applier
import Catalog
import Commands
import Foundation
import PlanFile
import Planner
import SCIM
import ScimctlTestSupport
import Testing

/// A people directory of two targets, through the use cases, each target its own in-memory provider.
@Suite("Use cases: many targets", .timeLimit(.minutes(10)))
struct ManyTargetsTests {
    private static let targets = """
        targets:
          qase: {url: "https://qase.example/scim", provider: generic, tokenEnv: QASE_TOKEN}
          aws:
            url: https://aws.example/scim
            provider: generic
            tokenEnv: AWS_TOKEN
            safety: {maxDestructive: 1, maxDestructivePercent: 100}
        policy: {unmanaged: deactivate}
        safety: {maxDestructive: 10, maxDestructivePercent: 100}

        """

    /// The directory: ada and bob in both, carol and dan in qase and aws, erin in qase alone.
    private static func people(offboard: Set<String> = [], awsFor: Set<String>? = nil) -> String {
        var text = targets + "users:\n"
        for name in ["ada", "bob", "carol", "dan", "erin"] {
            let aws = awsFor.map { $0.contains(name) } ?? (name != "erin")
            text += "  - userName: \(name)@x.io\n"
            if offboard.contains(name) { text += "    active: false\n" }
            text +=
                "    access: {qase: {groups: [qa]}\(aws ? ", aws: {userName: \(name).aws@x.io, title: Engineer}" : "")}\n"
        }
        return text + "groups:\n  - {displayName: qa, target: qase}\n"
    }

    private struct Providers {
        let qase = FakeProvider()
        let aws = FakeProvider()
        let reached = Reached()

        func connector(_ info: Plan.TargetInfo) -> FakeProvider {
            reached.append(info.name ?? "")
            return info.url.contains("qase") ? qase : aws
        }

        func activeUsers(_ provider: FakeProvider) async -> [String] {
            await provider.store.users.values.filter { $0.active != false }.map(\.userName).sorted()
        }
    }

    private func session(
        _ workspace: Workspace, _ providers: Providers, console: RecordingConsole = RecordingConsole(),
        targets: [String] = []
    ) -> Session {
        Session(
            planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
            connection: ConnectionSettings(targets: targets), console: console,
            environment: ["QASE_TOKEN": "q", "AWS_TOKEN": "a"],
            connector: { info, _ in providers.connector(info) })
    }

    private func plan(
        _ workspace: Workspace, _ providers: Providers, targets: [String] = [], format: PlanFormat = .text,
        out: String? = nil
    ) async -> (code: Int32, console: RecordingConsole) {
        let console = RecordingConsole()
        let code = await exitCode {
            try await PlanUseCase(
                session: session(workspace, providers, console: console, targets: targets), format: format, out: out,
                detailedExitcode: true
            ).run()
        }
        return (code, console)
    }

    private func apply(
        _ workspace: Workspace, _ providers: Providers, targets: [String] = [], allow: String? = nil,
        journal: String? = nil
    ) async -> (code: Int32, console: RecordingConsole) {
        let console = RecordingConsole()
        let code = await exitCode {
            try await ApplyUseCase(
                session: session(workspace, providers, console: console, targets: targets), allowDestructive: allow,
                journal: journal
            ).run()
        }
        return (code, console)
    }

    @Test("from empty: one apply creates each person where they have access; then no changes; offboarding is one plan")
    func lifecycle() async throws {
        let workspace = try Workspace(Self.people())
        defer { workspace.remove() }
        let providers = Providers()
        let journal = workspace.folder.appendingPathComponent("journal.jsonl").path
        let first = await apply(workspace, providers, journal: journal)
        #expect(first.code == 0, "\(first.console.report)\(first.console.notes)")
        #expect(
            await providers.activeUsers(providers.qase) == [
                "ada@x.io", "bob@x.io", "carol@x.io", "dan@x.io", "erin@x.io",
            ])
        #expect(
            await providers.activeUsers(providers.aws) == [
                "ada.aws@x.io", "bob.aws@x.io", "carol.aws@x.io", "dan.aws@x.io",
            ])
        #expect(await providers.aws.store.users.values.allSatisfy { $0.attributes[path: "title"] == "Engineer" })
        #expect(await providers.qase.store.groups.values.map(\.displayName) == ["qa"])
        // Sections per target with their own summaries, then the total; the ledger and journal name targets.
        #expect(first.console.report.contains("scimctl plan for target qase at https://qase.example/scim"))
        #expect(first.console.report.contains("scimctl plan for target aws at https://aws.example/scim"))
        #expect(first.console.report.contains("Total for 2 targets: 10 actions (10 create,"))
        #expect(first.console.report.contains("done    aws: + User ada.aws@x.io"))
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        // Ten actions; the group's members go in a step of their own.
        #expect(lines.count == 11)
        #expect(lines.filter { $0.contains("\"target\":\"aws\"") }.count == 4)
        #expect(lines.filter { $0.contains("\"target\":\"qase\"") }.count == 7)

        let again = await plan(workspace, providers)
        #expect(again.code == 0 && again.console.report.contains("Total for 2 targets: no changes."))

        // active: false on one person: one plan deactivates them in both targets.
        try workspace.write(Self.people(offboard: ["bob"]))
        let offboard = await plan(workspace, providers)
        #expect(offboard.code == 2)
        #expect(offboard.console.report.contains("- User bob@x.io"))
        #expect(offboard.console.report.contains("- User bob.aws@x.io"))
        #expect(await apply(workspace, providers).code == 0)
        #expect(await providers.activeUsers(providers.qase) == ["ada@x.io", "carol@x.io", "dan@x.io", "erin@x.io"])
        #expect(await providers.activeUsers(providers.aws) == ["ada.aws@x.io", "carol.aws@x.io", "dan.aws@x.io"])

        // Removing one person's aws access changes aws alone.
        try workspace.write(Self.people(offboard: ["bob"], awsFor: ["ada", "bob", "carol"]))
        let qaseCalls = await providers.qase.store.calls.filter { !$0.hasPrefix("list") && !$0.hasPrefix("find") }.count
        #expect(await apply(workspace, providers).code == 0)
        #expect(await providers.activeUsers(providers.aws) == ["ada.aws@x.io", "carol.aws@x.io"])
        #expect(
            await providers.qase.store.calls.filter { !$0.hasPrefix("list") && !$0.hasPrefix("find") }.count
                == qaseCalls)
    }

    @Test("--target plans and applies one target alone; an unknown one is refused naming the known")
    func oneTargetOfTwo() async throws {
        let workspace = try Workspace(Self.people())
        defer { workspace.remove() }
        let providers = Providers()
        #expect(await apply(workspace, providers, targets: ["qase"]).code == 0)
        #expect(await providers.activeUsers(providers.qase).count == 5)
        #expect(await providers.aws.store.calls.isEmpty)
        #expect(providers.reached.all == ["qase"])
        let planned = await plan(workspace, providers, targets: ["QASE"])
        #expect(planned.code == 0 && planned.console.report.contains("No changes"))
        let unknown = await plan(workspace, providers, targets: ["slack"])
        #expect(unknown.code == 1)
    }

    @Test(
        "a target over its cap is blocked (exit 3, nothing written there) while the other applies; its digest approves it"
    )
    func blockedTarget() async throws {
        let workspace = try Workspace(Self.people())
        defer { workspace.remove() }
        let providers = Providers()
        #expect(await apply(workspace, providers).code == 0)
        // Three offboardings: qase's cap is 10, aws's is 1.
        try workspace.write(Self.people(offboard: ["ada", "bob", "carol"]))
        let blocked = await apply(workspace, providers)
        #expect(blocked.code == 3)
        #expect(blocked.console.report.contains("BLOCKED"))
        #expect(await providers.activeUsers(providers.aws).count == 4)
        #expect(await providers.activeUsers(providers.qase) == ["dan@x.io", "erin@x.io"])
        let planned = await plan(workspace, providers, format: .json)
        #expect(planned.code == 3)
        let document = try JSONSerialization.jsonObject(with: Data(planned.console.report.utf8)) as? [String: Any]
        let entries = try #require(document?["targets"] as? [[String: Any]])
        #expect(entries.map { ($0["target"] as? [String: Any])?["name"] as? String } == ["qase", "aws"])
        #expect((document?["summary"] as? [String: Any])?["blocked"] as? [String] == ["aws"])
        let digest = try #require((entries[1]["summary"] as? [String: Any])?["digest"] as? String)
        let approved = await apply(workspace, providers, allow: digest)
        #expect(approved.code == 0, "\(approved.console.report)")
        #expect(await providers.activeUsers(providers.aws) == ["dan.aws@x.io"])
    }

    @Test("a saved plan of two targets applies only as planned, target by target; show prints one of them")
    func savedPlan() async throws {
        let workspace = try Workspace(Self.people())
        defer { workspace.remove() }
        let providers = Providers()
        let file = workspace.folder.appendingPathComponent("plan.json").path
        #expect(await plan(workspace, providers, out: file).code == 2)
        // aws changed behind the plan's back: stale, and nothing written anywhere.
        await providers.aws.store.seed(
            {
                var user = SCIMUser(userName: "ada.aws@x.io")
                user.id = "x"
                return user
            }())
        let stale = await exitCode {
            try await ApplyUseCase(session: session(workspace, providers), planFile: file).run()
        }
        #expect(stale == 1)
        #expect(await providers.qase.store.users.isEmpty)
        _ = await providers.aws.store.removeUser("x")
        let results = try await ApplyUseCase(session: session(workspace, providers), planFile: file).run()
        #expect(results.map(\.done) == [7, 4])
        let shown = RecordingConsole()
        try ShowUseCase(file: file, format: .text, console: shown, targets: ["aws"]).run()
        #expect(shown.report.contains("target aws at") && !shown.report.contains("target qase at"))
    }

    @Test("a target's error names the target; a target's token never falls back to SCIM_TOKEN")
    func errorsNameTheTarget() async throws {
        let workspace = try Workspace(Self.people())
        defer { workspace.remove() }
        // No connector: the real client, which must find each target's own token.
        let session = Session(
            planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
            connection: ConnectionSettings(targets: ["aws"]), console: RecordingConsole(),
            environment: ["SCIM_TOKEN": "the-shared-one"])
        do {
            _ = try await session.plans()
            Issue.record("planned without aws's token")
        } catch let failure as CommandFailure {
            #expect(failure.message?.contains("target aws:") == true)
            #expect(failure.message?.contains("$AWS_TOKEN") == true)
            #expect(failure.message?.contains("SCIM_TOKEN") == false)
        }
    }
}
