import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// schema/plan.schema.json and schema/drift.schema.json describe what scimctl writes: every plan and
/// drift report of a run through every kind of change validates, and the schemas refuse what is not one.
@Suite("JSON plan and drift schemas", .timeLimit(.minutes(10)))
struct PlanSchemaTests {
    @Test(
        "plans and drift reports of every kind of change validate: creates, renames, deactivations, deletes, blocked, approved, protected"
    )
    func everyPlanValidates() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-plan-schema-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var plans: [URL] = [PackagePaths.fixtures.appendingPathComponent("golden/plan.json")]
        var drifts: [URL] = []
        func org(_ users: String, policy: String = "delete", cap: Int = 2, extra: String = "") -> String {
            """
            version: 1
            target: {url: "sandbox:live.sqlite", provider: qase}
            policy: {unmanaged: \(policy), unmanagedGroups: delete, protect: ["root@x.io"]}
            safety: {maxDestructive: \(cap), maxDestructivePercent: 100\(extra)}
            users:
            \(users)
            groups:
              - {displayName: eng, externalId: G1, members: [ann@x.io]}

            """
        }
        func user(_ name: String, _ more: String = "") -> String {
            "  - {userName: \(name)@x.io, name: {givenName: \(name.capitalized), familyName: X}\(more)}"
        }
        func record(_ yaml: String, apply: Bool = true) async throws {
            try yaml.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
            let index = plans.count
            let out = folder.appendingPathComponent("out-\(index).json")
            for (command, extra) in [("plan", ["--out", out.path]), ("drift", [])] {
                let result = try await ProcessRunner.runScimctl(
                    [command, "--format", "json", "--now", "2026-11-29"] + extra + ["org.yaml"], in: folder)
                #expect([0, 2, 3].contains(result.status), "\(command): \(result.stderr)")
                let file = folder.appendingPathComponent("\(command)-\(index).json")
                try Data(result.stdout.utf8).write(to: file)
                if command == "plan" { plans += [file, out] } else { drifts.append(file) }
            }
            if apply {
                let applied = try await ProcessRunner.runScimctl(
                    ["apply", "--auto-approve", "--now", "2026-11-29", "org.yaml"], in: folder)
                #expect([0, 3].contains(applied.status), "\(applied.stdout)\(applied.stderr)")
            }
        }
        // From empty: creates, a group with a member, a protected user declared by nobody later.
        try await record(
            org([user("ann"), user("ben"), user("cal"), user("dee"), user("root")].joined(separator: "\n")))
        // No changes.
        try await record(
            org([user("ann"), user("ben"), user("cal"), user("dee"), user("root")].joined(separator: "\n")))
        // A rename, an update, a deactivation, an expiry, a deletion by policy, root protected.
        try await record(
            org(
                [
                    user("ann", ", title: Lead"), user("bob", ", previously: [ben@x.io]"),
                    user("cal", ", active: false"),
                    user("eve", ", expires: 2026-01-01"),
                ].joined(separator: "\n")))
        // Over the cap: blocked (nothing applied), then the same set approved by its digest.
        let overCap = org([user("ann")].joined(separator: "\n"), cap: 1)
        try await record(overCap, apply: false)
        let blocked = try JSONSerialization.jsonObject(with: Data(contentsOf: plans[plans.count - 2])) as? [String: Any]
        let summary = try #require(blocked?["summary"] as? [String: Any])
        #expect(summary["blocked"] as? Bool == true)
        let digest = try #require(summary["digest"] as? String)
        try await record(org([user("ann")].joined(separator: "\n"), cap: 1, extra: ", approve: [\"\(digest)\"]"))
        // Undeclared users under ignore.
        try await record(org([user("ann")].joined(separator: "\n"), policy: "ignore"), apply: false)
        // show --format json of a saved plan.
        let shown = folder.appendingPathComponent("shown.json")
        let show = try await ProcessRunner.runScimctl(["show", "--format", "json", plans[plans.count - 1].path])
        try Data(show.stdout.utf8).write(to: shown)
        plans.append(shown)

        let planCheck = try await JSONSchemaCheck.validate(plans, against: PackagePaths.planSchema)
        #expect(planCheck.status == 0, "\(planCheck.stdout)\(planCheck.stderr)")
        let driftCheck = try await JSONSchemaCheck.validate(drifts, against: PackagePaths.driftSchema)
        #expect(driftCheck.status == 0, "\(driftCheck.stdout)\(driftCheck.stderr)")
        // The run covered every kind of action.
        let kinds = try plans.flatMap { file -> [String] in
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
            return (object?["actions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        }
        #expect(Set(kinds).isSuperset(of: ["create", "update", "deactivate", "delete"]), "\(Set(kinds))")
    }

    @Test(
        "the schemas refuse what is not a plan: an unknown action, a missing summary, a short digest, a wrong policy word"
    )
    func schemasRefuse() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-plan-schema-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let golden =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: PackagePaths.fixtures.appendingPathComponent("golden/plan.json")))
            as! [String: Any]
        var broken: [[String: Any]] = []
        var unknownAction = golden
        var actions = golden["actions"] as! [[String: Any]]
        actions[0]["action"] = "destroy"
        unknownAction["actions"] = actions
        broken.append(unknownAction)
        var noSummary = golden
        noSummary.removeValue(forKey: "summary")
        broken.append(noSummary)
        var shortDigest = golden
        var summary = golden["summary"] as! [String: Any]
        summary["digest"] = "sha256:abc"
        shortDigest["summary"] = summary
        broken.append(shortDigest)
        var files: [URL] = []
        for (index, document) in broken.enumerated() {
            let file = folder.appendingPathComponent("broken-\(index).json")
            try JSONSerialization.data(withJSONObject: document).write(to: file)
            files.append(file)
        }
        let result = try await JSONSchemaCheck.validate(files, against: PackagePaths.planSchema)
        #expect(result.status == 1)
        for file in files { #expect(result.stdout.contains(file.path), "\(result.stdout)") }

        let drift: [String: Any] = [
            "format_version": "1", "drift": false, "target": ["url": "sandbox:x", "provider": "generic"],
            "day": "2026-11-29", "changed": [] as [Any],
            "unmanaged": [["type": "User", "key": "a@x.io", "policy": "left alone", "action": NSNull()]],
        ]
        let driftFile = folder.appendingPathComponent("drift.json")
        try JSONSerialization.data(withJSONObject: drift).write(to: driftFile)
        let driftResult = try await JSONSchemaCheck.validate([driftFile], against: PackagePaths.driftSchema)
        #expect(driftResult.status == 1)
        #expect(driftResult.stdout.contains("'left alone' is not one of"), "\(driftResult.stdout)")
    }
}
