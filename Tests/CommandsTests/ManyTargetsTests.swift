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

/// `import --target NAME --into DIR`, through the use case against an in-memory provider.
@Suite("Use cases: import into a people directory", .timeLimit(.minutes(10)))
struct ImportIntoTests {
    private static let directory = """
        targets:
          qase: {url: "https://qase.example/scim", provider: generic, tokenEnv: QASE_TOKEN}
          aws: {url: "https://aws.example/scim", provider: generic, tokenEnv: AWS_TOKEN}
        policy: {unmanaged: deactivate}
        users:
          - userName: ada@x.io
            externalId: E1
            title: QA Lead
            access: {qase: {}}
          - {userName: bob@x.io, title: Engineer, access: {qase: {}}}
          - userName: carol@x.io
            emails: [{value: carol@x.io, primary: true}]
            access:
              qase: {groups: [qa]}
          - {userName: dan@x.io, access: {qase: {}}}
          - {userName: erin@x.io, access: {qase: {}}}
        groups:
          - {displayName: qa, target: qase}

        """

    private func user(
        _ id: String, _ name: String, externalId: String? = nil, title: String? = nil, emails: [String] = []
    )
        -> SCIMUser
    {
        var user = SCIMUser(userName: name)
        user.id = id
        user.active = true
        user.externalId = externalId
        if let title { user.attributes[path: "title"] = title }
        if !emails.isEmpty { user.emails = emails.map { SCIMMultiValue(value: $0) } }
        return user
    }

    @Test("matched people gain access with what differs there, the rest are new people; the plan after is empty")
    func merge() async throws {
        let workspace = try Workspace(Self.directory)
        defer { workspace.remove() }
        let aws = FakeProvider()
        for account in [
            user("a1", "ada.n", externalId: "E1", title: "Admin"),  // by externalId, other userName and title
            user("a2", "BOB@x.io", title: "Engineer"),  // by userName, ignoring case
            user("a3", "carol.w", emails: ["carol@x.io"]),  // by email
            user("a4", "zed@x.io", title: "Auditor"),  // nobody: a new person
            user("a5", "team.shared", emails: ["dan@x.io", "erin@x.io"]),  // two people: not guessed
        ] {
            await aws.store.seed(account)
        }
        var admins = SCIMGroup(displayName: "admins")
        admins.id = "g1"
        admins.members = [SCIMMember(value: "a1"), SCIMMember(value: "a4")]
        await aws.store.seed(admins)
        let qase = FakeProvider()
        let console = RecordingConsole()
        let session = Session(
            planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
            connection: ConnectionSettings(targets: ["aws"]), console: console,
            environment: ["QASE_TOKEN": "q", "AWS_TOKEN": "a"],
            connector: { info, _ in info.url.contains("aws") ? aws : qase })
        let outcome = try await ImportIntoUseCase(
            session: session, target: "aws", into: workspace.folder.path, provider: "generic", tokenEnv: "AWS_TOKEN"
        ).run()
        #expect(outcome.matched == 3 && outcome.added == 1 && outcome.groups == 1, "\(console.notes)")
        #expect(outcome.undecided.count == 1 && outcome.undecided[0].contains("matches 2 people by email"))
        #expect(console.notes.contains("3 matched (access.aws added), 1 added as new people"))
        let org = try String(contentsOfFile: workspace.file, encoding: .utf8)
        #expect(org.contains("aws: {title: Admin, userName: ada.n}"), "\(org)")
        #expect(org.contains("access: {aws: {}, qase: {}}") || org.contains("{userName: bob@x.io, access: {aws: {}"))
        let imported = try String(
            contentsOf: workspace.folder.appendingPathComponent("aws-imported.yaml"), encoding: .utf8)
        #expect(imported.contains("- userName: zed@x.io") && imported.contains("access: {aws: {}}"))
        #expect(imported.contains("target: aws") && imported.contains("- ada@x.io"), "\(imported)")

        // The plan of aws right after: nothing to do but the one undecided account (unmanaged).
        let planned = RecordingConsole()
        try await PlanUseCase(
            session: Session(
                planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
                connection: ConnectionSettings(targets: ["aws"]), console: planned,
                environment: ["AWS_TOKEN": "a"], connector: { _, _ in aws }),
            format: .json, out: nil, detailedExitcode: false
        ).run()
        let document = try JSONSerialization.jsonObject(with: Data(planned.report.utf8)) as? [String: Any]
        let plan = try #require((document?["targets"] as? [[String: Any]])?.first)
        let actions = try #require(plan["actions"] as? [[String: Any]])
        #expect(actions.count == 1, "\(planned.report)")
        #expect(
            actions.first?["key"] as? String == "team.shared" && actions.first?["action"] as? String == "deactivate")
    }

    @Test("a target the directory does not declare yet is declared from --url; a one-target org is refused")
    func declareTarget() async throws {
        let workspace = try Workspace(
            """
            targets:
              qase: {url: "https://qase.example/scim", provider: generic, tokenEnv: QASE_TOKEN}
            users:
              - {userName: ada@x.io, access: {qase: {}}}

            """)
        defer { workspace.remove() }
        let aws = FakeProvider()
        // AWS requires a displayName and both name parts, which the person does not declare: taken from
        // the account, so the merged directory loads.
        var ada = user("a1", "ada@x.io")
        ada.attributes[path: "displayName"] = "Ada L"
        ada.attributes[path: "name.givenName"] = "Ada"
        ada.attributes[path: "name.familyName"] = "Lovelace"
        await aws.store.seed(ada)
        let console = RecordingConsole()
        let session = Session(
            planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
            connection: ConnectionSettings(url: "https://aws.example/scim", targets: ["aws"]),
            console: console, environment: ["AWS_TOKEN": "a"], connector: { _, _ in aws })
        let outcome = try await ImportIntoUseCase(
            session: session, target: "aws", into: workspace.folder.path, provider: "aws", tokenEnv: "AWS_TOKEN"
        ).run(); print("NOTES", console.notes)
        #expect(outcome.matched == 1, "\(console.notes)")
        let org = try String(contentsOfFile: workspace.file, encoding: .utf8)
        #expect(
            org.contains("  aws: {url: \"https://aws.example/scim\", provider: aws, tokenEnv: AWS_TOKEN}\n  qase:"),
            "\(org)")
        #expect(org.contains("aws: {displayName: Ada L, name: {familyName: Lovelace, givenName: Ada}}"), "\(org)")

        try workspace.write("target: {url: \"https://qase.example/scim\"}\nusers: []\n")
        let refused = await exitCode {
            try await ImportIntoUseCase(
                session: session, target: "aws", into: workspace.folder.path, provider: "aws", tokenEnv: "AWS_TOKEN"
            ).run()
        }
        #expect(refused == 1)
    }
}
