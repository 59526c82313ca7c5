import Foundation
import ScimctlTestSupport
import Testing

/// A people directory of several targets, run as the built binary against real providers: the
/// examples/company directory on two embedded sandboxes, and `scimctl serve` over HTTP for tokens.
@Suite("scimctl with many targets", .timeLimit(.minutes(10)))
struct ManyTargetsCommandTests {
    /// A fresh copy of examples/company.
    private func company() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-company-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("company")
        try FileManager.default.copyItem(at: PackagePaths.companyExample, to: copy)
        return folder
    }

    @Test("examples/company: validate, a saved plan of both targets applied, then no changes; JSON matches the schemas")
    func example() async throws {
        let folder = try company()
        defer { try? FileManager.default.removeItem(at: folder) }
        let validate = try await ProcessRunner.runScimctl(["validate", "company"], in: folder)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("valid: 5 people and 3 groups in 3 files, in 2 targets"), "\(validate.stderr)")
        #expect(validate.stderr.contains("qase: 5 users, 1 group; aws: 3 users, 2 groups"), "\(validate.stderr)")

        let plan = try await ProcessRunner.runScimctl(
            ["plan", "--format", "json", "--out", "plan.json", "--detailed-exitcode", "company"], in: folder)
        #expect(plan.status == 2, "\(plan.stderr)")
        let apply = try await ProcessRunner.runScimctl(
            ["apply", "--auto-approve", "--plan", "plan.json", "company"], in: folder)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply to qase: 9 done, 0 failed, 0 skipped."))
        #expect(apply.stdout.contains("Apply to aws: 8 done, 0 failed, 0 skipped."))

        let again = try await ProcessRunner.runScimctl(["plan", "--detailed-exitcode", "company"], in: folder)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("Total for 2 targets: no changes."))
        let drift = try await ProcessRunner.runScimctl(["drift", "--format", "json", "company"], in: folder)
        #expect(drift.status == 0, "\(drift.stderr)")
        try Data(drift.stdout.utf8).write(to: folder.appendingPathComponent("drift.json"))
        let markdown = try await ProcessRunner.runScimctl(["plan", "--format", "markdown", "company"], in: folder)
        #expect(markdown.stdout.hasPrefix("## scimctl plan — 2 targets"))

        // Offboarding one person: one plan, a deactivation in each target they have an account in.
        let people = folder.appendingPathComponent("company/people.yaml")
        let text = try String(contentsOf: people, encoding: .utf8)
        try text.replacingOccurrences(of: "    externalId: E1002\n", with: "    externalId: E1002\n    active: false\n")
            .write(to: people, atomically: true, encoding: .utf8)
        let offboard = try await ProcessRunner.runScimctl(
            ["plan", "--format", "json", "--detailed-exitcode", "company"], in: folder)
        #expect(offboard.status == 2)
        try Data(offboard.stdout.utf8).write(to: folder.appendingPathComponent("offboard.json"))
        let document = try JSONSerialization.jsonObject(with: Data(offboard.stdout.utf8)) as? [String: Any]
        let entries = try #require(document?["targets"] as? [[String: Any]])
        let deactivated = entries.map { entry in
            (entry["actions"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "deactivate" }
                .compactMap { $0["key"] as? String }
        }
        #expect(deactivated == [["bilal.khan@acme-qa.example"], ["bilal.khan"]])
        // --target narrows every command; show of a saved plan of several prints one.
        let one = try await ProcessRunner.runScimctl(
            ["plan", "--target", "aws", "--out", "aws.json", "company"], in: folder)
        #expect(one.stdout.contains("target aws at") && !one.stdout.contains("target qase at"))
        let unknown = try await ProcessRunner.runScimctl(["plan", "--target", "slack", "company"], in: folder)
        #expect(unknown.status == 1 && unknown.stderr.contains("the targets are qase, aws"))

        let plans = ["plan.json", "offboard.json", "aws.json"].map { folder.appendingPathComponent($0) }
        let planCheck = try await JSONSchemaCheck.validate(plans, against: PackagePaths.planSchema)
        #expect(planCheck.status == 0, "\(planCheck.stdout)\(planCheck.stderr)")
        let driftCheck = try await JSONSchemaCheck.validate(
            [folder.appendingPathComponent("drift.json")], against: PackagePaths.driftSchema)
        #expect(driftCheck.status == 0, "\(driftCheck.stdout)\(driftCheck.stderr)")
    }

    @Test("import --target aws --into: the aws accounts merged into a directory that declares the qase side")
    func importInto() async throws {
        let folder = try company()
        defer { try? FileManager.default.removeItem(at: folder) }
        let apply = try await ProcessRunner.runScimctl(["apply", "--auto-approve", "company"], in: folder)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        // The directory forgets every aws account: a plan would now deactivate them all.
        let people = folder.appendingPathComponent("company/people.yaml")
        let text = try String(contentsOf: people, encoding: .utf8)
        try text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("      aws: ") }
            .joined(separator: "\n").write(to: people, atomically: true, encoding: .utf8)
        let before = try await ProcessRunner.runScimctl(["plan", "--target", "aws", "company"], in: folder)
        #expect(before.stdout.contains("- User alice.nguyen"), "\(before.stdout)\(before.stderr)")

        let merged = try await ProcessRunner.runScimctl(
            ["import", "--target", "aws", "--into", "company"], in: folder)
        #expect(merged.status == 0, "\(merged.stdout)\(merged.stderr)")
        // Alice and Bilal by externalId; Dana's account names nobody the directory can prove: a new person.
        #expect(merged.stderr.contains("2 matched (access.aws added), 1 added as new people"), "\(merged.stderr)")
        // Dana's account, now a person of her own, is a contractor with no end date: the rules say so.
        #expect(merged.stderr.contains("'dana.ruiz' has no end date"), "\(merged.stderr)")
        #expect(merged.stderr.contains("the merged directory breaks its rules"))
        let imported = folder.appendingPathComponent("company/aws-imported.yaml")
        let text2 = try String(contentsOf: imported, encoding: .utf8)
        try text2.replacingOccurrences(
            of: "  - userName: dana.ruiz\n", with: "  - userName: dana.ruiz\n    expires: 2027-03-31\n"
        )
        .write(to: imported, atomically: true, encoding: .utf8)
        let after = try await ProcessRunner.runScimctl(
            ["plan", "--detailed-exitcode", "--target", "aws", "company"], in: folder)
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.contains("No changes"))
        let again = try await ProcessRunner.runScimctl(
            ["import", "--target", "aws", "--into", "company"], in: folder)
        #expect(again.status == 1 && again.stderr.contains("aws-imported.yaml exists"), "\(again.stderr)")
    }

    @Test("tokenCommand: its output is the token, never shown; a failing one names the target and the program")
    func tokenCommand() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-token-command-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = "tc-\(UUID().uuidString)"
        let tokenFile = folder.appendingPathComponent("token")
        try token.write(to: tokenFile, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(
            ["--db", folder.appendingPathComponent("served.sqlite").path, "--token-file", tokenFile.path])
        defer { server.stop() }
        func write(_ command: String) throws {
            try """
            version: 1
            targets:
              served: {url: "\(server.baseURL.absoluteString)", tokenCommand: \(command)}
              local: {url: "sandbox:local.sqlite"}
            users:
              - {userName: ada@x.io, access: {served: {}, local: {}}}

            """.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        }
        try write("[cat, \"\(tokenFile.path)\"]")
        let applied = try await ProcessRunner.runScimctl(
            ["apply", "--auto-approve", "--verbose", "org.yaml"], in: folder, environment: ["SCIM_TOKEN": "wrong"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(!(applied.stdout + applied.stderr).contains(token))
        #expect(applied.stdout.contains("Apply to served: 1 done"))

        try write("[\"false\", \"\(token)\"]")
        let failed = try await ProcessRunner.runScimctl(["plan", "org.yaml"], in: folder)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("target served: tokenCommand false failed (exit status 1)"), "\(failed.stderr)")
        #expect(!failed.stderr.contains(token))

        try write("[scimctl-no-such-helper]")
        let missing = try await ProcessRunner.runScimctl(["plan", "org.yaml"], in: folder)
        #expect(
            missing.stderr.contains("tokenCommand scimctl-no-such-helper was not found on PATH"), "\(missing.stderr)")
    }
}
