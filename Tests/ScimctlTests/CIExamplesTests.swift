import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// examples/ci cannot rot: the workflows and the GitLab pipeline pass their linters, and every scimctl
/// command line in them runs, in order, against the example org on the sandbox.
@Suite("CI examples", .timeLimit(.minutes(10)))
struct CIExamplesTests {
    static let ci = PackagePaths.examples.appendingPathComponent("ci")
    static let workflows = [
        "identity-plan.yml", "identity-apply.yml", "identity-drift.yml", "identity-access-review.yml",
    ].map {
        ci.appendingPathComponent(".github/workflows/\($0)")
    }
    static let action = ci.appendingPathComponent(".github/actions/setup-scimctl/action.yml")
    static let gitlab = ci.appendingPathComponent(".gitlab-ci.yml")

    /// The scimctl command lines of a CI file, in order: `run:` lines and script lines that start with
    /// `scimctl`, with any YAML list marker or `run:` key taken off.
    static func commandLines(_ file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line in
            var text = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["- ", "run: "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
            return text.hasPrefix("scimctl ") ? text : nil
        }
    }

    private static func tool(_ name: String) -> URL {
        PackagePaths.peersPython.deletingLastPathComponent().appendingPathComponent(name)
    }

    @Test("every scimctl line of the GitHub workflows and the GitLab pipeline runs against the example org")
    func commandLinesRun() async throws {
        for (system, files) in [("github", Self.workflows + [Self.action]), ("gitlab", [Self.gitlab])] {
            let lines = try files.flatMap(Self.commandLines)
            let subcommands = Set(lines.map { $0.split(separator: " ")[1] })
            #expect(
                subcommands.isSuperset(of: ["validate", "plan", "apply", "drift", "report", "version"]),
                "\(system): \(lines)")

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-ci-\(UUID())")
            let org = folder.appendingPathComponent("org")
            try FileManager.default.createDirectory(at: org, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.copyItem(
                at: PackagePaths.examples.appendingPathComponent("org.yaml"), to: org.appendingPathComponent("org.yaml")
            )
            let summary = folder.appendingPathComponent("summary.md")
            var environment = [
                "PATH": try ProcessRunner.scimctl.deletingLastPathComponent().path + ":/usr/bin:/bin",
                "QASE_SCIM_TOKEN": "unused-by-the-sandbox",
            ]
            if system == "github" { environment["GITHUB_STEP_SUMMARY"] = summary.path }
            for line in lines {
                // As the CI shells run it: errexit and pipefail, with the line's own `|| status=$?`.
                let script = "set -eo pipefail; status=0; \(line); exit \"$status\""
                let result = try await ProcessRunner.run(
                    URL(fileURLWithPath: "/bin/bash"), ["-c", script], in: folder, environment: environment)
                #expect(result.status == 0, "\(system): \(line)\n\(result.stdout)\(result.stderr)")
            }
            let plan = try String(contentsOf: folder.appendingPathComponent("plan.md"), encoding: .utf8)
            #expect(plan.hasPrefix("### scimctl plan — `sandbox:.scimctl/sandbox.sqlite` (qase)"))
            #expect(plan.contains("Symbols: + create"))
            let shown = try await ProcessRunner.runScimctl(["show", "plan.json"], in: folder)
            #expect(shown.status == 0 && shown.stdout.contains("+ User alice.nguyen@acme-qa.example"))
            let journal = try String(contentsOf: folder.appendingPathComponent("audit.jsonl"), encoding: .utf8)
            #expect(journal.split(separator: "\n").count == 26)
            let drift = try String(contentsOf: folder.appendingPathComponent("drift.md"), encoding: .utf8)
            #expect(drift.contains("**In sync.**"))
            let review = try String(contentsOf: folder.appendingPathComponent("access-review.md"), encoding: .utf8)
            #expect(review.contains("### Accounts nobody declared"), "\(review)")
            for artifact in ["access-review.html", "access-review.csv"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(artifact).path))
            }
            if system == "github" {
                let written = try String(contentsOf: summary, encoding: .utf8)
                for heading in ["### scimctl plan", "### scimctl apply", "### scimctl drift"] {
                    #expect(written.contains(heading), "\(written)")
                }
            }
        }
    }

    @Test("the workflows and the pipeline validate against their schemas, and zizmor finds nothing")
    func lint() async throws {
        let checker = Self.tool("check-jsonschema")
        for (schema, files) in [
            ("vendor.github-workflows", Self.workflows), ("vendor.github-actions", [Self.action]),
            ("vendor.gitlab-ci", [Self.gitlab]),
        ] {
            let result = try await ProcessRunner.run(checker, ["--builtin-schema", schema] + files.map(\.path))
            #expect(result.status == 0, "\(schema): \(result.stdout)\(result.stderr)")
        }
        let zizmor = try await ProcessRunner.run(
            Self.tool("zizmor"),
            ["--offline", "--config", Self.ci.appendingPathComponent(".github/zizmor.yml").path, Self.ci.path])
        #expect(zizmor.status == 0, "\(zizmor.stdout)\(zizmor.stderr)")
    }

    @Test("the linters fail on what they must: a template injection, a job with no runner, an unknown `when`")
    func lintersBite() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-ci-lint-\(UUID())")
        let workflows = folder.appendingPathComponent(".github/workflows")
        try FileManager.default.createDirectory(at: workflows, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var injected = try String(contentsOf: Self.workflows[0], encoding: .utf8)
        injected = injected.replacingOccurrences(
            of: "        run: scimctl validate --format github org/",
            with: "        run: echo \"${{ github.event.pull_request.title }}\"")
        try injected.write(to: workflows.appendingPathComponent("injected.yml"), atomically: true, encoding: .utf8)
        let zizmor = try await ProcessRunner.run(
            Self.tool("zizmor"),
            ["--offline", "--config", Self.ci.appendingPathComponent(".github/zizmor.yml").path, folder.path])
        #expect(zizmor.status != 0)
        #expect((zizmor.stdout + zizmor.stderr).contains("template-injection"))

        let noRunner = try String(contentsOf: Self.workflows[1], encoding: .utf8).replacingOccurrences(
            of: "    runs-on: ubuntu-latest\n", with: "")
        let noRunnerFile = workflows.appendingPathComponent("no-runner.yml")
        try noRunner.write(to: noRunnerFile, atomically: true, encoding: .utf8)
        let schema = try await ProcessRunner.run(
            Self.tool("check-jsonschema"), ["--builtin-schema", "vendor.github-workflows", noRunnerFile.path])
        #expect(schema.status != 0)

        let gitlab = try String(contentsOf: Self.gitlab, encoding: .utf8).replacingOccurrences(
            of: "    when: always\n    paths: [audit.jsonl]", with: "    when: sometimes\n    paths: [audit.jsonl]")
        #expect(gitlab.contains("when: sometimes"))
        let gitlabFile = folder.appendingPathComponent("gitlab-ci.yml")
        try gitlab.write(to: gitlabFile, atomically: true, encoding: .utf8)
        let gitlabSchema = try await ProcessRunner.run(
            Self.tool("check-jsonschema"), ["--builtin-schema", "vendor.gitlab-ci", gitlabFile.path])
        #expect(gitlabSchema.status != 0)
    }
}
