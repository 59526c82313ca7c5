import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// The README's main job, through the built binary: the example org planned and applied on the
/// embedded sandbox, then in sync; state persists between runs.
@Suite("The example org on the sandbox", .timeLimit(.minutes(10)))
struct SandboxLoopTests {
    @Test("validate, plan, apply, plan again (no changes), drift (in sync), then an offboarding converges")
    func exampleLoop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-sandbox-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let example = try String(contentsOf: PackagePaths.examples.appendingPathComponent("org.yaml"), encoding: .utf8)
        #expect(example.contains("url: sandbox:.scimctl/sandbox.sqlite"))
        let org = folder.appendingPathComponent("org.yaml")
        try example.write(to: org, atomically: true, encoding: .utf8)
        func scimctl(_ arguments: String...) async throws -> ProcessOutput {
            // From the folder, as the README runs it: the sandbox path is relative to it.
            try await ProcessRunner.runScimctl(arguments + ["--now", "2026-11-29", "org.yaml"], in: folder)
        }

        let plan = try await scimctl("plan", "--detailed-exitcode")
        #expect(plan.status == 2, "\(plan.stderr)")
        #expect(
            plan.stdout.contains(
                "Plan: 15 actions (15 create, 0 update, 0 adopt, 0 reactivate, 0 deactivate, 0 delete). Nothing destructive"
            ))
        let apply = try await scimctl("apply", "--auto-approve")
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply: 26 done, 0 failed, 0 skipped."))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".scimctl/sandbox.sqlite").path))
        #expect(try await scimctl("plan", "--detailed-exitcode").status == 0)
        #expect(try await scimctl("drift").status == 0)

        // Offboard Bob: he is deactivated (and leaves no group he was declared in by the YAML).
        let edited = example.replacingOccurrences(
            of: "    name: {givenName: Bob, familyName: Martin}\n",
            with: "    name: {givenName: Bob, familyName: Martin}\n    active: false\n")
        try edited.write(to: org, atomically: true, encoding: .utf8)
        let drift = try await scimctl("drift")
        #expect(drift.status == 2)
        let offboard = try await scimctl("apply", "--auto-approve")
        #expect(offboard.status == 0, "\(offboard.stdout)\(offboard.stderr)")
        #expect(offboard.stdout.contains("- User bob.martin@acme-qa.example  (active: false)"))
        #expect(try await scimctl("plan", "--detailed-exitcode").status == 0)
    }
}
