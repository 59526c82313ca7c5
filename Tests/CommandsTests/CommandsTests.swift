import Applier
import Commands
import DesiredState
import Foundation
import Planner
import SCIM
import ScimctlTestSupport
import Synchronization
import Testing

/// What a command printed: the report, the notes, the job summary.
final class RecordingConsole: Console {
    private let lines = Mutex<(report: String, notes: String, summary: String)>(("", "", ""))

    func report(_ text: String) throws { lines.withLock { $0.report += text } }
    func note(_ text: String) { lines.withLock { $0.notes += text } }
    func stepSummary(_ markdown: String) { lines.withLock { $0.summary += markdown } }
    var reportColour: Bool { false }
    var noteColour: Bool { false }

    var report: String { lines.withLock { $0.report } }
    var notes: String { lines.withLock { $0.notes } }
}

/// The URLs a session's connector was asked for.
final class Reached: Sendable {
    private let urls = Mutex<[String]>([])
    func append(_ url: String) { urls.withLock { $0.append(url) } }
    var all: [String] { urls.withLock { $0 } }
}

/// A folder holding `org.yaml`, removed by `remove()`.
struct Workspace {
    let folder: URL

    init(_ yaml: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-commands-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try write(yaml)
    }

    var file: String { folder.appendingPathComponent("org.yaml").path }

    func write(_ yaml: String) throws {
        try ("version: 1\n" + yaml).write(toFile: file, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// The exit code a use case's failure maps to (0 when it did not fail).
func exitCode(_ body: () async throws -> Void) async -> Int32 {
    do {
        try await body()
        return 0
    } catch let failure as CommandFailure {
        return failure.exitCode
    } catch {
        return -1
    }
}

/// The product's rules, unit-tested through the use cases against an in-memory provider: no binary.
@Suite("Use cases", .timeLimit(.minutes(10)))
struct CommandsTests {
    private let org = """
        target: {url: "https://scim.example/v2", provider: generic, tokenEnv: TEST_TOKEN}
        policy: {unmanaged: deactivate}
        safety: {maxDestructive: 1, maxDestructivePercent: 100}
        users:
          - {userName: alice@x.io, title: QA}
          - {userName: bob@x.io}
        """

    /// A session on `workspace` against `provider`; the connector records the target it was asked for.
    private func session(
        _ workspace: Workspace, _ provider: FakeProvider, console: RecordingConsole = RecordingConsole(),
        url: String? = nil, environment: [String: String] = ["TEST_TOKEN": "t"],
        reached: Reached = Reached()
    ) -> Session {
        Session(
            planning: PlanningSettings(paths: [workspace.folder.path], now: "2026-12-01"),
            connection: ConnectionSettings(url: url), console: console, environment: environment,
            connector: { info, _ in
                reached.append(info.url)
                return provider
            })
    }

    private func seed(_ provider: FakeProvider, _ names: [String]) async {
        for (index, name) in names.enumerated() {
            var user = SCIMUser(userName: name)
            user.id = "u\(index)"
            user.active = true
            await provider.store.seed(user)
        }
    }

    @Test("the target: --url, then target.url, then SCIM_URL; an overridden SCIM_URL is warned of")
    func precedence() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        let provider = FakeProvider()
        for (flag, expected) in [
            (nil, "https://scim.example/v2"), ("https://flag.example/v2", "https://flag.example/v2"),
        ] {
            let console = RecordingConsole()
            let reached = Reached()
            let session = session(
                workspace, provider, console: console, url: flag,
                environment: ["TEST_TOKEN": "t", "SCIM_URL": "https://env.example/v2"], reached: reached)
            _ = try await session.plans()
            #expect(reached.all == [expected])
            #expect(console.notes.contains("SCIM_URL (https://env.example/v2) is ignored"))
        }
        // With no target in the YAML and no flag, SCIM_URL is used, silently.
        try workspace.write("users: []\n")
        let console = RecordingConsole()
        let reached = Reached()
        _ = try await session(
            workspace, provider, console: console, environment: ["SCIM_URL": "https://env.example/v2"],
            reached: reached
        ).plans()
        #expect(reached.all == ["https://env.example/v2"])
        #expect(!console.notes.contains("warning"))
        // And with none of them, an error that names all three.
        let none = await exitCode { _ = try await session(workspace, provider, environment: [:]).plans() }
        #expect(none == 1)
    }

    @Test("credentials in a URL are refused wherever they come from, and never printed")
    func credentialsInURL() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        for (flag, environment) in [
            ("https://ada:hunter2@scim.example/v2", ["TEST_TOKEN": "t"]),
            (nil, ["TEST_TOKEN": "t", "SCIM_URL": "https://ada:hunter2@env.example/v2"]),
        ] {
            let reached = Reached()
            do {
                _ = try await session(
                    workspace, FakeProvider(), url: flag, environment: environment, reached: reached
                ).plans()
                Issue.record("planned through a URL with credentials")
            } catch let failure as CommandFailure {
                #expect(failure.message?.contains("carries credentials") == true)
                #expect(failure.message?.contains("hunter2") == false)
            }
            #expect(reached.all.isEmpty)
        }
    }

    @Test("an unknown profile in a saved target is an error that lists the built-in ones")
    func unknownProfile() throws {
        let info = Plan.TargetInfo(url: "https://x.example/v2", provider: "qasee")
        let error = #expect(throws: CommandFailure.self) { try Session.profile(of: info, console: RecordingConsole()) }
        #expect(error?.message?.contains("did you mean 'qase'?") == true)
        #expect(error?.message?.contains(BuiltInProfiles.names.joined(separator: ", ")) == true)
    }

    @Test("plan's exit codes: 0, 2 with --detailed-exitcode, 3 when blocked; the report goes to the console")
    func planExitCodes() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        let provider = FakeProvider()
        await seed(provider, ["alice@x.io"])
        let console = RecordingConsole()
        let run = { (detailed: Bool) in
            try await PlanUseCase(
                session: session(workspace, provider, console: console), format: .text, out: nil,
                detailedExitcode: detailed
            ).run()
        }
        #expect(await exitCode { try await run(false) } == 0)
        #expect(await exitCode { try await run(true) } == 2)
        #expect(console.report.contains("+ User bob@x.io"))
        // Two undeclared users to deactivate against a cap of 1: blocked, whatever the flag.
        await seed(provider, ["alice@x.io", "bob@x.io", "carol@x.io", "dave@x.io"])
        #expect(await exitCode { try await run(false) } == 3)
        #expect(console.report.contains("BLOCKED"))
    }

    @Test("apply --plan checks in order: a plan file, the same YAML (before any read), the same actions")
    func savedPlanOrder() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        let provider = FakeProvider()
        await seed(provider, ["alice@x.io"])
        let planFile = workspace.folder.appendingPathComponent("plan.json").path
        try await PlanUseCase(
            session: session(workspace, provider), format: .json, out: planFile, detailedExitcode: false
        ).run()

        // Not a plan: refused before the YAML is read or the provider reached.
        let junk = workspace.folder.appendingPathComponent("junk.json").path
        try "{}".write(toFile: junk, atomically: true, encoding: .utf8)
        let reached = Reached()
        let notAPlan = await exitCode {
            try await ApplyUseCase(session: session(workspace, provider, reached: reached), planFile: junk).run()
        }
        #expect(notAPlan == 1 && reached.all.isEmpty)

        // The YAML changed: refused before the provider is reached.
        let original = try String(contentsOfFile: workspace.file, encoding: .utf8)
        try (original + "  - {userName: carol@x.io}\n").write(toFile: workspace.file, atomically: true, encoding: .utf8)
        let changed = await exitCode {
            try await ApplyUseCase(session: session(workspace, provider, reached: reached), planFile: planFile).run()
        }
        #expect(changed == 1 && reached.all.isEmpty)
        try original.write(toFile: workspace.file, atomically: true, encoding: .utf8)

        // The provider changed since: stale, nothing written.
        await provider.store.seed(
            {
                var user = SCIMUser(userName: "bob@x.io")
                user.id = "b"
                return user
            }())
        let before = await provider.store.calls.count
        let stale = await exitCode {
            try await ApplyUseCase(session: session(workspace, provider), planFile: planFile).run()
        }
        #expect(stale == 1)
        #expect(await provider.store.calls.count == before)
        _ = await provider.store.removeUser("b")

        // As planned: applied, and the next plan has nothing to do.
        let result = try await ApplyUseCase(session: session(workspace, provider), planFile: planFile).run()
        #expect(result.first?.done == 2)
        let console = RecordingConsole()
        try await PlanUseCase(
            session: session(workspace, provider, console: console), format: .text, out: nil, detailedExitcode: true
        ).run()
        #expect(console.report.contains("No changes"))
    }

    @Test("apply refuses a blocked plan with exit 3 and writes nothing; a refused confirmation writes nothing")
    func applyRefusals() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        let provider = FakeProvider()
        await seed(provider, ["alice@x.io", "bob@x.io", "carol@x.io", "dave@x.io"])
        let blocked = await exitCode { try await ApplyUseCase(session: session(workspace, provider)).run() }
        #expect(blocked == 3)
        #expect(await provider.store.calls.isEmpty)
        try workspace.write("safety: {maxDestructive: 5, maxDestructivePercent: 100}\nusers: []\n")
        let declined = await exitCode {
            try await ApplyUseCase(
                session: session(workspace, provider), confirm: { throw CommandFailure.ended(.failed) }
            ).run()
        }
        #expect(declined == 1)
        #expect(await provider.store.calls.isEmpty)
    }

    @Test("drift exits 2 on drift and names the policy that decided each undeclared user")
    func drift() async throws {
        let workspace = try Workspace(org)
        defer { workspace.remove() }
        let provider = FakeProvider()
        await seed(provider, ["alice@x.io", "bob@x.io", "mallory@x.io"])
        let console = RecordingConsole()
        let code = await exitCode {
            try await DriftUseCase(session: session(workspace, provider, console: console), format: .text).run()
        }
        #expect(code == 2)
        #expect(console.report.contains("mallory@x.io  (policy unmanaged: deactivate: apply would deactivate it)"))
    }

    @Test("a failed connection is one line with the request and the fix, never the token")
    func advice() {
        let base = URL(string: "https://scim.example/v2")!
        func explain(_ kind: SCIMError.Kind, _ status: Int?) -> String {
            Session.explain(
                connecting: SCIMError(kind, "refused", method: "GET", url: "/v2/ServiceProviderConfig", status: status),
                token: nil, base: base)
        }
        #expect(
            explain(.unauthorized, 401).contains(
                "was refused by the provider (HTTP 401 on GET /v2/ServiceProviderConfig)"))
        #expect(explain(.unauthorized, 403).contains("lacks permission"))
        #expect(explain(.notFound, 404).contains("is /v2 the SCIM base URL?"))
        #expect(explain(.transport, nil).hasPrefix("cannot reach the provider"))
    }

    @Test("import writes what it read, checked as validate would; a plan right after has nothing to do")
    func importThenPlan() async throws {
        let workspace = try Workspace("users: []\n")
        defer { workspace.remove() }
        try FileManager.default.removeItem(atPath: workspace.file)
        let provider = FakeProvider()
        await seed(provider, ["alice@x.io", "bob@x.io"])
        let session = session(
            workspace, provider, url: "https://scim.example/v2", environment: ["SCIM_TOKEN": "t"])
        try await ImportUseCase(
            session: session, provider: "generic", tokenEnv: "SCIM_TOKEN", out: workspace.folder.path
        )
        .run()
        let yaml = try String(contentsOfFile: workspace.file, encoding: .utf8)
        #expect(yaml.contains("userName: alice@x.io") && yaml.contains("userName: bob@x.io"))
        // Never over a file.
        #expect(
            await exitCode {
                try await ImportUseCase(
                    session: session, provider: "generic", tokenEnv: "SCIM_TOKEN", out: workspace.folder.path
                ).run()
            } == 1)
        let console = RecordingConsole()
        try await PlanUseCase(
            session: self.session(workspace, provider, console: console, environment: ["SCIM_TOKEN": "t"]),
            format: .text, out: nil, detailedExitcode: true
        ).run()
        #expect(console.report.contains("No changes"))
    }

    @Test("validate: exit 1 with located diagnostics for an invalid file, 0 with a summary for a valid one")
    func validate() async throws {
        let workspace = try Workspace("users:\n  - {userName: alice@x.io, active: yes}\n")
        defer { workspace.remove() }
        let console = RecordingConsole()
        let invalid = await exitCode {
            try await ValidateUseCase(paths: [workspace.file], format: .text, console: console).run()
        }
        #expect(invalid == 1)
        #expect(console.notes.contains("org.yaml:3:"))
        try workspace.write("users:\n  - {userName: alice@x.io}\n")
        let valid = RecordingConsole()
        try await ValidateUseCase(paths: [workspace.file], format: .text, console: valid).run()
        #expect(valid.notes.contains("valid: 1 user and 0 groups in 1 file"))
    }
}
