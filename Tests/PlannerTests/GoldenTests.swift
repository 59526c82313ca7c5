import Catalog
import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SCIM
import ScimctlTestSupport
import Testing

/// The renderings of one plan that shows every kind of action, compared byte for byte with files in
/// Tests/Fixtures/golden. Regenerate them with SCIMCTL_RECORD_GOLDEN=1 and review the diff.
@Suite("Golden renderings", .timeLimit(.minutes(10)))
struct GoldenTests {
    static let record = ProcessInfo.processInfo.environment["SCIMCTL_RECORD_GOLDEN"] == "1"

    private func scenario() throws -> Plan {
        var manager = liveUser("u3", "carol@x.io", given: "Carol", family: "Ruiz")
        manager.attributes[path: "enterprise.department"] = "QA"
        return try plan(
            """
            policy: {unmanaged: deactivate, protect: [owner@x.io]}
            safety: {maxDestructive: 1, maxDestructivePercent: 100}
            users:
              - userName: alice@x.io
                name: {givenName: Alice, familyName: Nguyen}
                title: QA Lead
                groups: [qaseUsers]
              - {userName: bob.new@x.io, previously: [bob@x.io], title: Engineer}
              - {userName: carol@x.io, externalId: E3, enterprise: {department: QA, manager: alice@x.io}}
              - {userName: dave@x.io, active: false}
              - {userName: erin@x.io}
            groups:
              - {displayName: qaseUsers, members: [bob.new@x.io]}
            """,
            users: [
                liveUser("u2", "bob@x.io", title: "Intern"), manager, liveUser("u4", "dave@x.io"),
                liveUser("u5", "erin@x.io", active: false), liveUser("u6", "mallory@x.io"),
                liveUser("u7", "owner@x.io"),
            ],
            groups: [liveGroup("g1", "qaseUsers", members: ["u6", "u2"])])
    }

    private func check(_ name: String, _ actual: String) throws {
        let file = PackagePaths.fixtures.appendingPathComponent("golden/\(name)")
        if Self.record {
            try actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; run with SCIMCTL_RECORD_GOLDEN=1 to regenerate, then review")
    }

    @Test("text") func text() throws {
        try check("plan.txt", PlanRenderer().text(try scenario()))
    }

    @Test("JSON") func json() throws {
        try check("plan.json", String(decoding: try scenario().jsonData(), as: UTF8.self) + "\n")
    }

    @Test("Markdown") func markdown() throws {
        try check("plan.md", PlanRenderer().markdown(try scenario()))
    }

    @Test("drift") func drift() throws {
        let plan = try scenario()
        try check("drift.txt", DriftReport(plan: plan).text())
    }

    @Test("the JSON keeps the stable core of docs/json-plan.md")
    func stableCore() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: try scenario().jsonData()) as? [String: Any])
        #expect(object["format_version"] as? String == "1")
        let target = try #require(object["target"] as? [String: Any])
        #expect(Set(target.keys).isSuperset(of: ["url", "provider"]))
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(
            Set(summary.keys).isSuperset(of: [
                "create", "update", "deactivate", "reactivate", "delete", "destructive", "cap", "blocked", "digest",
            ]))
        let actions = try #require(object["actions"] as? [[String: Any]])
        for action in actions {
            #expect(
                ["create", "update", "deactivate", "reactivate", "delete", "adopt"].contains(
                    action["action"] as? String))
            #expect(["User", "Group"].contains(action["type"] as? String))
            #expect(action["key"] is String)
        }
        let group = try #require(actions.first { $0["type"] as? String == "Group" })
        let members = try #require(group["members"] as? [String: Any])
        #expect(members["add"] is [String] && members["remove"] is [String])
    }

    @Test("Markdown stays within one GitHub comment however large the plan, and says what it cut")
    func markdownLimit() throws {
        let users = (1...6000).map { "  - {userName: user\($0)@x.io, title: \"A title long enough to make lines\"}" }
        let large = try plan(
            "policy: {unmanaged: delete}\nsafety: {maxDestructivePercent: 100}\nusers:\n"
                + users.joined(separator: "\n") + "\n",
            users: (1...3000).map { liveUser("z\($0)", "zombie\($0)@x.io") })
        let markdown = PlanRenderer().markdown(large)
        #expect(markdown.count <= PlanRenderer.markdownLimit)
        #expect(markdown.contains("more actions not shown"))
        #expect(markdown.contains("more destructive actions"))
        #expect(markdown.contains("| 6000 | 0 | 0 | 0 | 0 | 3000 |"))
    }
}
