import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// A plan file is a claim, not an authority: every field edited by hand is refused or has no effect, and
/// nothing is written either way (docs/contract.md, Saved plans). Against `scimctl serve` over HTTP.
@Suite("Saved plans edited by hand", .timeLimit(.minutes(10)))
struct SavedPlanTamperTests {
    private static let users = (0..<8).map { "u\($0)@x.io" }

    private func org(keep: Int, title: String = "T") -> String {
        var yaml = "version: 1\npolicy: {unmanaged: delete, protect: [u0@x.io]}\nusers:\n"
        for name in Self.users.prefix(keep) { yaml += "  - {userName: \(name), title: \(title)}\n" }
        return yaml
            + "groups:\n  - {displayName: team, members: [\(Self.users.prefix(keep).joined(separator: ", "))]}\n"
    }

    private func run(_ arguments: [String], _ tenant: Tenant) async throws -> ProcessOutput {
        try await ProcessRunner.runScimctl(
            arguments + ["--url", tenant.url.absoluteString, "--now", "2026-11-29", tenant.folder.path],
            environment: ["SCIM_TOKEN": tenant.token])
    }

    private func write(_ yaml: String, _ tenant: Tenant) throws {
        try yaml.write(to: tenant.folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
    }

    /// One edit of the plan file, and what apply must then do: the exit status and a part of its message.
    struct Edit: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int32
        var says: String
        var change: @Sendable (inout [String: Any]) -> Void

        var testDescription: String { name }
    }

    static let blockedEdits: [Edit] = [
        Edit(name: "summary says not blocked and approved", status: 3, says: "BLOCKED") {
            $0[summary: "blocked"] = false
            $0[summary: "approved"] = true
        },
        Edit(name: "summary raises the cap", status: 3, says: "BLOCKED") { $0[summary: "cap"] = 100 },
        Edit(name: "summary counts nothing destructive", status: 3, says: "BLOCKED") {
            $0[summary: "destructive"] = 0
        },
        Edit(name: "summary states another digest", status: 1, says: "edited by hand") {
            $0[summary: "digest"] = "sha256:" + String(repeating: "0", count: 64)
        },
        Edit(name: "protect patterns emptied", status: 3, says: "BLOCKED") { $0["protect"] = [String]() },
        Edit(name: "live versions emptied", status: 3, says: "BLOCKED") { $0["live_versions"] = [String: String]() },
        Edit(name: "another day", status: 3, says: "BLOCKED") { $0["day"] = "2030-01-01" },
        Edit(name: "a deletion removed from the actions", status: 1, says: "the plan is stale") {
            var actions = $0["actions"] as! [[String: Any]]
            actions.removeAll { $0["key"] as? String == "u7@x.io" }
            $0["actions"] = actions
        },
        Edit(name: "a protected user's deletion added", status: 1, says: "the plan is stale") {
            var actions = $0["actions"] as! [[String: Any]]
            var extra = actions.first { $0["action"] as? String == "delete" }!
            extra["key"] = "u0@x.io"
            actions.append(extra)
            $0["actions"] = actions
        },
        Edit(name: "an action's key changed", status: 1, says: "the plan is stale") {
            var actions = $0["actions"] as! [[String: Any]]
            let index = actions.firstIndex { $0["action"] as? String == "delete" }!
            actions[index]["key"] = "u1@x.io"
            $0["actions"] = actions
        },
        Edit(name: "the desired-state digest", status: 1, says: "the YAML changed since this plan was made") {
            $0["desired_digest"] = "sha256:" + String(repeating: "1", count: 64)
        },
        Edit(name: "the target", status: 1, says: "but this run targets") {
            var target = $0["target"] as! [String: Any]
            target["url"] = "https://elsewhere.example.com/scim/v2"
            $0["target"] = target
        },
        Edit(name: "the format version", status: 1, says: "plan format 9 is not supported") {
            $0["format_version"] = "9"
        },
        Edit(name: "not a plan at all", status: 1, says: "is not a scimctl plan") { $0 = ["hello": "world"] },
    ]

    @Test(
        "a blocked plan edited field by field is refused or unchanged in effect; nothing is written",
        arguments: blockedEdits)
    func blockedPlan(edit: Edit) async throws {
        let tenant = try await Tenant(.sandbox)
        defer { tenant.close() }
        try write(org(keep: 8), tenant)
        #expect(try await run(["apply", "--auto-approve"], tenant).status == 0)
        // Five users leave: over the cap of min(10, ceil(10% of 7 managed)) = 1.
        try write(org(keep: 3), tenant)
        let planFile = tenant.folder.appendingPathComponent("plan.json")
        let planned = try await run(["plan", "--out", planFile.path], tenant)
        #expect(planned.status == 3, "\(planned.stdout)\(planned.stderr)")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: planFile)) as? [String: Any])
        edit.change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: planFile)
        let before = try await tenant.fingerprint()

        let applied = try await run(["apply", "--plan", planFile.path, "--auto-approve"], tenant)
        #expect(applied.status == edit.status, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stderr.contains(edit.says) || applied.stdout.contains(edit.says), "\(applied.stderr)")
        #expect(try await tenant.fingerprint() == before)
    }

    @Test(
        "an unblocked plan: edits that add destruction are refused; the YAML edited after the plan is refused; the plan as saved applies"
    )
    func unblockedPlan() async throws {
        let tenant = try await Tenant(.sandbox)
        defer { tenant.close() }
        try write(org(keep: 8), tenant)
        #expect(try await run(["apply", "--auto-approve"], tenant).status == 0)
        try write(org(keep: 8, title: "Changed"), tenant)
        let planFile = tenant.folder.appendingPathComponent("plan.json")
        #expect(try await run(["plan", "--out", planFile.path], tenant).status == 0)
        let original = try Data(contentsOf: planFile)
        let before = try await tenant.fingerprint()

        // A deletion slipped in, with a summary that looks harmless.
        var object = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        var actions = try #require(object["actions"] as? [[String: Any]])
        var deletion = actions[0]
        deletion["action"] = "delete"
        deletion["changes"] = [[String: Any]]()
        actions.append(deletion)
        object["actions"] = actions
        try JSONSerialization.data(withJSONObject: object).write(to: planFile)
        let sneaky = try await run(["apply", "--plan", planFile.path, "--auto-approve"], tenant)
        #expect(sneaky.status == 1)
        #expect(sneaky.stderr.contains("the plan is stale"), "\(sneaky.stderr)")
        #expect(try await tenant.fingerprint() == before)

        // The YAML changed after the plan was made: refused before anything is read.
        try original.write(to: planFile)
        try write(org(keep: 8, title: "Other"), tenant)
        let changed = try await run(["apply", "--plan", planFile.path, "--auto-approve"], tenant)
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("the YAML changed since this plan was made"), "\(changed.stderr)")
        #expect(try await tenant.fingerprint() == before)

        // The plan as saved, with the YAML it was made from, applies and converges.
        try write(org(keep: 8, title: "Changed"), tenant)
        let applied = try await run(["apply", "--plan", planFile.path, "--auto-approve"], tenant)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try await run(["plan", "--detailed-exitcode"], tenant).status == 0)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A field of the plan's `summary`.
    subscript(summary field: String) -> Any? {
        get { (self["summary"] as? [String: Any])?[field] }
        set {
            var summary = self["summary"] as? [String: Any] ?? [:]
            summary[field] = newValue
            self["summary"] = summary
        }
    }
}
