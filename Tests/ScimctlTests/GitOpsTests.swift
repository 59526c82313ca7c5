import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// What CI runs besides plan and apply: `show` of a saved plan, the job summary, where the target comes
/// from, `version`, and drift that names what it finds — all through the built binary on the sandbox.
@Suite("GitOps commands", .timeLimit(.minutes(10)))
struct GitOpsTests {
    /// A scratch folder with an org on its own sandbox file.
    private struct Workspace {
        let folder: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-gitops-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        func write(_ yaml: String, to name: String = "org.yaml") throws {
            try yaml.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        func read(_ name: String) throws -> String {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(
                arguments + ["--now", "2026-11-29", "org.yaml"], in: folder, environment: environment)
        }

        func scimctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(arguments, in: folder, environment: environment)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    private static func org(users: [String], policy: String = "deactivate", cap: Int = 10) -> String {
        """
        version: 1
        target: {url: "sandbox:live.sqlite"}
        policy: {unmanaged: \(policy)}
        safety: {maxDestructive: \(cap), maxDestructivePercent: 100}
        users:
        \(users.map { "  - {userName: \($0)@x.io, name: {givenName: G, familyName: F}}" }.joined(separator: "\n"))
        groups:
          - {displayName: eng, members: [\(users.map { "\($0)@x.io" }.joined(separator: ", "))]}

        """
    }

    @Test("show prints a saved plan as plan does, byte for byte in JSON, with no network; refuses an edited one")
    func show() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write(Self.org(users: ["ann", "ben", "cal"]))
        #expect(try await workspace.run(["apply", "--auto-approve"]).status == 0)
        try workspace.write(Self.org(users: ["ann", "ben", "dee"]))
        let plan = try await workspace.run(["plan", "--out", "plan.json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let markdownPlan = try await workspace.run(["plan", "--format", "markdown"])

        // The sandbox file is moved away: show must not read the provider.
        try FileManager.default.moveItem(
            at: workspace.folder.appendingPathComponent("live.sqlite"),
            to: workspace.folder.appendingPathComponent("elsewhere.sqlite"))
        let text = try await workspace.scimctl(["show", "plan.json"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == plan.stdout)
        #expect(text.stdout.contains("- User cal@x.io"))
        let json = try await workspace.scimctl(["show", "--format", "json", "plan.json"])
        #expect(json.stdout == (try workspace.read("plan.json")))
        let markdown = try await workspace.scimctl(["show", "--format", "markdown", "plan.json"])
        #expect(markdown.stdout == markdownPlan.stdout)
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.appendingPathComponent("live.sqlite").path))

        // A destructive action taken out by hand: the digest no longer matches the actions.
        var document = try #require(
            try JSONSerialization.jsonObject(with: Data(try workspace.read("plan.json").utf8)) as? [String: Any])
        let actions = try #require(document["actions"] as? [[String: Any]])
        document["actions"] = actions.filter { $0["action"] as? String != "deactivate" }
        try JSONSerialization.data(withJSONObject: document).write(
            to: workspace.folder.appendingPathComponent("x.json"))
        let edited = try await workspace.scimctl(["show", "x.json"])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("was edited by hand"), "\(edited.stderr)")

        try workspace.write("not json", to: "junk.json")
        let junk = try await workspace.scimctl(["show", "junk.json"])
        #expect(junk.status == 1)
        #expect(junk.stderr.contains("this is not a scimctl plan"))
        #expect(try await workspace.scimctl(["show", "missing.json"]).status == 1)
    }

    @Test("plan, apply and drift append to GITHUB_STEP_SUMMARY; a blocked plan too, still exit 3")
    func stepSummary() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let summary = workspace.folder.appendingPathComponent("summary.md")
        let environment = ["GITHUB_STEP_SUMMARY": summary.path]
        try workspace.write(Self.org(users: ["ann", "ben", "cal"]))
        #expect(try await workspace.run(["plan"], environment: environment).status == 0)
        #expect(try await workspace.run(["apply", "--auto-approve"], environment: environment).status == 0)
        #expect(try await workspace.run(["drift"], environment: environment).status == 0)
        var text = try String(contentsOf: summary, encoding: .utf8)
        #expect(text.hasPrefix("### scimctl plan — `sandbox:live.sqlite` (generic)"))
        #expect(text.contains("### scimctl apply — `sandbox:live.sqlite`"))
        #expect(text.contains("**Apply: 5 done, 0 failed, 0 skipped.**"))
        #expect(text.contains("### scimctl drift"))
        #expect(text.contains("**In sync.**"))

        try workspace.write(Self.org(users: ["ann"], policy: "delete", cap: 1))
        let blocked = try await workspace.run(["plan"], environment: environment)
        #expect(blocked.status == 3)
        text = try String(contentsOf: summary, encoding: .utf8)
        #expect(text.components(separatedBy: "### scimctl plan").count == 3)
        #expect(text.contains("> BLOCKED: this plan takes access away from 2"))

        // A summary that cannot be written is a warning; the exit code is the plan's.
        let unwritable = try await workspace.run(["plan"], environment: ["GITHUB_STEP_SUMMARY": workspace.folder.path])
        #expect(unwritable.status == 3)
        #expect(unwritable.stderr.contains("warning: cannot write the job summary"))
    }

    @Test("the target: --url, then target.url, then SCIM_URL; the header says which, an ignored SCIM_URL is warned of")
    func targetPrecedence() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write(Self.org(users: ["ann"]))
        let declared = try await workspace.run(["plan"], environment: ["SCIM_URL": "sandbox:other.sqlite"])
        #expect(declared.status == 0, "\(declared.stderr)")
        #expect(
            declared.stdout.hasPrefix(
                "scimctl plan for sandbox:live.sqlite (provider generic, from target.url at org.yaml:2:"))
        #expect(
            declared.stderr.contains(
                "warning: SCIM_URL (sandbox:other.sqlite) is ignored: target.url at org.yaml:2:"))
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.appendingPathComponent("other.sqlite").path))

        let flag = try await workspace.run(["plan", "--url", "sandbox:flag.sqlite"])
        #expect(flag.stdout.hasPrefix("scimctl plan for sandbox:flag.sqlite (provider generic, from --url)"))
        #expect(!flag.stderr.contains("warning"))

        try workspace.write(
            Self.org(users: ["ann"]).replacingOccurrences(of: "target: {url: \"sandbox:live.sqlite\"}\n", with: ""))
        let variable = try await workspace.run(["plan"], environment: ["SCIM_URL": "sandbox:env.sqlite"])
        #expect(variable.stdout.hasPrefix("scimctl plan for sandbox:env.sqlite (provider generic, from SCIM_URL)"))
        #expect(!variable.stderr.contains("warning"))
        let none = try await workspace.run(["plan"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no target: set target.url in the YAML, or pass --url (or set SCIM_URL)"))
    }

    @Test("drift names each undeclared object with the YAML's policy word; offboarded inactive users are in sync")
    func driftNames() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write(Self.org(users: ["ann", "ben", "cal"]))
        #expect(try await workspace.run(["apply", "--auto-approve"]).status == 0)
        // ben is offboarded and, once inactive, removed from the YAML.
        try workspace.write(
            Self.org(users: ["ann", "cal"]).replacingOccurrences(
                of: "users:\n", with: "users:\n  - {userName: ben@x.io, active: false}\n"))
        #expect(try await workspace.run(["apply", "--auto-approve"]).status == 0)
        try workspace.write(Self.org(users: ["ann", "cal"]))
        let quiet = try await workspace.run(["drift"])
        #expect(quiet.status == 0, "\(quiet.stdout)")
        #expect(quiet.stdout.hasPrefix("In sync"))
        #expect(!quiet.stdout.contains("ben@x.io"))

        // Under `ignore`, every undeclared user is named, with the policy as the YAML spells it.
        try workspace.write(Self.org(users: ["ann"], policy: "ignore"))
        let listed = try await workspace.run(["drift"])
        #expect(listed.status == 2)  // cal is still in eng, which declares only ann
        #expect(listed.stdout.contains("  ~ Group eng\n      members: −cal@x.io"))
        #expect(listed.stdout.contains("Not declared in the YAML (2):"))
        #expect(listed.stdout.contains("User ben@x.io  (policy unmanaged: ignore: left as it is)"))
        #expect(listed.stdout.contains("User cal@x.io  (policy unmanaged: ignore: left as it is)"))
        let markdown = try await workspace.run(["drift", "--format", "markdown"])
        #expect(markdown.stdout.contains("- User **cal@x.io** — policy unmanaged: ignore: left as it is"))
        let json = try await workspace.run(["drift", "--format", "json"])
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let unmanaged = try #require(report["unmanaged"] as? [[String: Any]])
        #expect(unmanaged.count == 2)
        #expect(unmanaged.allSatisfy { $0["policy"] as? String == "ignore" && $0["action"] is NSNull })

        // Under `delete`, the same users are named with what apply would do.
        try workspace.write(Self.org(users: ["ann"], policy: "delete"))
        let deleting = try await workspace.run(["drift"])
        #expect(deleting.status == 2)
        #expect(deleting.stdout.contains("  × User cal@x.io  (policy unmanaged: delete: apply would delete it)"))
    }

    @Test("version: the number, and for a development build says so; --json and --version agree")
    func version() async throws {
        let text = try await ProcessRunner.runScimctl(["version"])
        #expect(text.status == 0)
        #expect(
            text.stdout.wholeMatch(
                of: /scimctl \d+\.\d+\.\d+ \((development build|[0-9a-f]{12}(-dirty)?, built \S+)\)\n/) != nil,
            "\(text.stdout)")
        let flag = try await ProcessRunner.runScimctl(["--version"])
        #expect(flag.stdout == text.stdout)
        let json = try await ProcessRunner.runScimctl(["version", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String])
        #expect(text.stdout.hasPrefix("scimctl \(object["version"] ?? "?") "))
        #expect(Set(object.keys) == ["version", "commit", "buildDate"])
    }

    @Test("a stamped copy of the binary says its commit and date exactly; a second stamp is refused")
    func stamped() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-stamp-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("scimctl")
        try FileManager.default.copyItem(at: try ProcessRunner.scimctl, to: copy)
        let script = PackagePaths.root.appendingPathComponent("scripts/stamp-binary")
        let commit = "0123456789abcdef0123456789abcdef01234567-dirty"
        let date = "2026-12-07T10:00:00Z"
        let stamp = try await ProcessRunner.run(script, [copy.path, commit, date])
        #expect(stamp.status == 0, "\(stamp.stderr)")
        let text = try await ProcessRunner.run(copy, ["version"])
        #expect(text.stdout.hasSuffix(" (0123456789ab, built \(date))\n"), "\(text.stdout)")
        let json = try await ProcessRunner.run(copy, ["version", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String])
        #expect(object["commit"] == commit && object["buildDate"] == date, "\(object)")
        let again = try await ProcessRunner.run(script, [copy.path, "x", "y"])
        #expect(again.status == 1 && again.stderr.contains("already stamped"))
    }
}
