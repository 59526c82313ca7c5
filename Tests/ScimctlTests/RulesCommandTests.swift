import Foundation
import ScimctlTestSupport
import Testing

/// `rules:` as a reviewer meets them: validate and plan on the example org and on a copy that breaks each
/// rule, and the same rules written in Rego (examples/policy) giving the same verdicts with a real engine.
@Suite("Rules", .timeLimit(.minutes(10)))
struct RulesCommandTests {
    private static let day = "2026-12-07"
    private let policy = PackagePaths.examples.appendingPathComponent("policy")

    /// A folder holding `org.yaml`: the example, changed by `edits` (old → new, each present once).
    private func org(_ edits: [(String, String)] = [], appending extra: String = "") throws -> URL {
        let folder = try PackagePaths.exampleFolder()
        let file = folder.appendingPathComponent("org.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        for (old, new) in edits {
            #expect(text.components(separatedBy: old).count == 2, "the example has no single \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        text = text.replacingOccurrences(of: "\ngroups:\n", with: "\n\(extra)groups:\n")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return folder
    }

    /// The copy that breaks each error rule once or more (see `expected`).
    private func broken() throws -> URL {
        try org(
            [
                ("    expires: 2027-03-31\n", "    expires: 2027-12-31\n"),  // contractors-expire
                (
                    "members: [qa-team, stakeholders, ivan.petrov@acme-qa.example]",
                    "members: [qa-team, ivan.petrov@acme-qa.example]"
                ),
                (
                    "      - dana.kowalski@acme-qa.example\n      - kofi.mensah@acme-qa.example\n      - automation                         # nested group\n",
                    ""
                ),
                (
                    "    groups: [qaseUsers, qa-team]\n\n  - userName: bob",
                    "    groups: [qaseUsers]\n\n  - userName: bob"
                ),
                (
                    "    groups: [qaseUsers, qa-team]\n\n  - userName: chen",
                    "    groups: [qaseUsers]\n\n  - userName: chen"
                ),
            ],
            appending: """
                  - userName: mallory@elsewhere.example
                    name: {givenName: Mallory, familyName: Hart}
                    emails: [{value: mallory@gmail.example}]

                """)
    }

    /// (rule, subject) of every violation the built-in rules report, with their lines.
    private func builtIn(_ folder: URL) async throws -> (verdicts: Set<String>, lines: [String: [Int]], status: Int32) {
        let result = try await ProcessRunner.runScimctl(
            ["validate", "--format", "json", "--now", Self.day, "org.yaml"], in: folder)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        var verdicts = Set<String>()
        var lines: [String: [Int]] = [:]
        for diagnostic in report?["diagnostics"] as? [[String: Any]] ?? [] {
            guard let rule = diagnostic["rule"] as? String else { continue }
            verdicts.insert("\(rule) \(diagnostic["subject"] as? String ?? "-")")
            let line = (diagnostic["location"] as? [String: Any])?["line"] as? Int ?? 0
            lines[rule, default: []].append(line)
            #expect((diagnostic["code"] as? String) == "rule/\(rule)")
        }
        return (verdicts, lines, result.status)
    }

    /// (rule, subject) of every violation the Rego policy finds in `validate --format state`.
    private func rego(_ folder: URL) async throws -> Set<String> {
        let state = try await ProcessRunner.runScimctl(
            ["validate", "--format", "state", "--now", Self.day, "org.yaml"], in: folder)
        let file = folder.appendingPathComponent("state.json")
        try Data(state.stdout.utf8).write(to: file)
        let check = try await JSONSchemaCheck.validate([file], against: PackagePaths.stateSchema)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let violations = try await RegoCheck.evaluate(
            [policy.appendingPathComponent("rules.rego")], query: "data.scimctl.rules.violations", input: file)
        return Set(
            (violations as? [[String: Any]] ?? []).map {
                "\($0["rule"] as? String ?? "?") \($0["subject"] as? String ?? "-")"
            })
    }

    @Test("the example org passes its rules; the Rego policy agrees")
    func examplePasses() async throws {
        let folder = try org()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (verdicts, _, status) = try await builtIn(folder)
        #expect(status == 0 && verdicts.isEmpty)
        #expect(try await rego(folder).isEmpty)
    }

    @Test("a copy that breaks each rule: one located diagnostic per violation, plan refuses, Rego agrees")
    func brokenCopy() async throws {
        let folder = try broken()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (verdicts, lines, status) = try await builtIn(folder)
        #expect(status == 1)
        let expected: Set<String> = [
            "contractors-expire ivan.petrov@acme-qa.example",
            "company-domains mallory@elsewhere.example",  // the userName and the email: two diagnostics
            "stakeholders-are-users gustavo.silva@acme-qa.example",
            "stakeholders-are-users hana.sato@acme-qa.example",
            "qa-team-staffed qa-team",
        ]
        #expect(verdicts == expected)
        #expect(lines["contractors-expire"] == [118])  // at the expiry itself
        #expect(lines["company-domains"]?.count == 2)
        #expect(try await rego(folder) == expected)

        let text = try await ProcessRunner.runScimctl(["validate", "--now", Self.day, "org.yaml"], in: folder)
        #expect(text.stderr.contains("[rule/contractors-expire]"))
        #expect(text.stderr.contains("note: rule contractors-expire is declared here"))
        #expect(text.stderr.contains("invalid: 6 errors (rules broken: company-domains, contractors-expire,"))
        let github = try await ProcessRunner.runScimctl(
            ["validate", "--format", "github", "--now", Self.day, "org.yaml"], in: folder)
        #expect(github.stdout.contains("::error file=org.yaml,line=118,"), "\(github.stdout)")
        #expect(github.stdout.contains("title=scimctl%3A rule/contractors-expire"), "\(github.stdout)")
        let plan = try await ProcessRunner.runScimctl(["plan", "--now", Self.day, "org.yaml"], in: folder)
        #expect(plan.status == 1 && plan.stderr.contains("the desired state is invalid; nothing was planned"))
    }

    @Test("rules are checked on the plan's day: an end that was near enough is too far on an earlier day")
    func onThePlansDay() async throws {
        let folder = try org()
        defer { try? FileManager.default.removeItem(at: folder) }
        let later = try await ProcessRunner.runScimctl(["validate", "--now", "2026-12-07", "org.yaml"], in: folder)
        #expect(later.status == 0)
        let earlier = try await ProcessRunner.runScimctl(["validate", "--now", "2026-06-01", "org.yaml"], in: folder)
        #expect(earlier.status == 1 && earlier.stderr.contains("more than 180 days after 2026-06-01"))
    }

    @Test("a warning-severity rule prints, counts and exits 0; the Rego policy warns too")
    func warningRule() async throws {
        var extra = ""
        for index in 0..<18 {
            extra +=
                "  - {userName: seat\(index)@acme-qa.example, name: {givenName: S, familyName: T}, userType: regular}\n"
        }
        let folder = try org(appending: extra)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await ProcessRunner.runScimctl(["validate", "--now", Self.day, "org.yaml"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: 26 users selected; the rule allows at most 25"))
        #expect(result.stderr.contains("(1 warning)"))
        #expect(try await rego(folder) == ["paid-seats -"])
    }

    @Test("the plan policy: deactivations pass, a planned deletion is denied, on one target and on several")
    func planPolicy() async throws {
        let folder = try org()
        defer { try? FileManager.default.removeItem(at: folder) }
        let apply = try await ProcessRunner.runScimctl(
            ["apply", "--auto-approve", "--now", Self.day, "org.yaml"], in: folder)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        func deny(_ now: String) async throws -> [String] {
            let plan = try await ProcessRunner.runScimctl(
                ["plan", "--format", "json", "--now", now, "org.yaml"], in: folder)
            let file = folder.appendingPathComponent("plan-\(now).json")
            try Data(plan.stdout.utf8).write(to: file)
            return try await RegoCheck.evaluate(
                [policy.appendingPathComponent("plan.rego")], query: "data.scimctl.plan.deny", input: file) as? [String]
                ?? []
        }
        #expect(try await deny(Self.day).isEmpty)
        // Gustavo leaves the YAML under `unmanaged: delete`: the plan deletes him, and the policy says no.
        let file = folder.appendingPathComponent("org.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "  unmanaged: deactivate", with: "  unmanaged: delete")
        let start = try #require(text.range(of: "  - userName: gustavo.silva@acme-qa.example"))
        let end = try #require(text.range(of: "  - userName: hana.sato@acme-qa.example"))
        text.removeSubrange(start.lowerBound..<end.lowerBound)
        try text.write(to: file, atomically: true, encoding: .utf8)
        let denied = try await deny(Self.day)
        #expect(denied.count == 1 && denied[0].hasPrefix("gustavo.silva@acme-qa.example would be deleted"), "\(denied)")
        // The same plan as the one entry of a plan of several targets (named): denied the same way.
        let single =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("plan-\(Self.day).json"))) as! [String: Any]
        var entry = single
        var target = entry["target"] as! [String: Any]
        target["name"] = "qase"
        entry["target"] = target
        let several = folder.appendingPathComponent("several.json")
        try JSONSerialization.data(withJSONObject: ["format_version": "1", "targets": [entry], "summary": [:]])
            .write(to: several)
        let deniedInSeveral =
            try await RegoCheck.evaluate(
                [policy.appendingPathComponent("plan.rego")], query: "data.scimctl.plan.deny", input: several)
            as? [String] ?? []
        #expect(deniedInSeveral.count == 1 && deniedInSeveral[0].contains("would be deleted in qase"))
    }
}
