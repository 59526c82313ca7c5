import Applier
import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SCIM
import ScimctlTestSupport
import Testing

/// Wording is presentation: a plan file written with other words for every reason (as a later scimctl
/// may reword them) is still the plan a fresh read gives, and applies; a change to a reason's data is
/// not.
@Suite("Reasons are data, words are the renderer's", .timeLimit(.minutes(10)))
struct WordingTests {
    /// A wording no release uses: every reason, and what a protected user would have had, differs from
    /// the standard words.
    static let testWording = Wording { reason in "TEST-ONLY WORDING #\(String(describing: reason).count)" }

    /// Live state and YAML that give every kind of reason: active false, expired, deleteAfter passed,
    /// undeclared user (deactivate) and group (delete), a duplicate group, and a protected user.
    private func provider() async -> FakeProvider {
        let provider = FakeProvider()
        for (id, name) in [("1", "off@x.io"), ("2", "temp@x.io"), ("3", "leaver@x.io"), ("4", "stray@x.io")]
            + (6...9).map({ ("\($0)", "p\($0)@x.io") })
        {
            var user = SCIMUser(userName: name)
            user.id = id
            user.active = true
            await provider.store.seed(user)
        }
        var owner = SCIMUser(userName: "owner@x.io")
        owner.id = "5"
        await provider.store.seed(owner)
        for (id, name, members) in [("g1", "qa", ["1"]), ("g2", "QA", []), ("g3", "old", [])] {
            var group = SCIMGroup(displayName: name, members: members.map { SCIMMember(value: $0) })
            group.id = id
            await provider.store.seed(group)
        }
        return provider
    }

    private let yaml = """
        policy: {unmanaged: deactivate, unmanagedGroups: delete, protect: [owner@x.io]}
        safety: {maxDestructive: 20, maxDestructivePercent: 100}
        users:
          - {userName: off@x.io, active: false}
          - {userName: temp@x.io, expires: 2026-01-01}
          - {userName: leaver@x.io, active: false, deleteAfter: 2026-02-01}
          - {userName: p6@x.io}
          - {userName: p7@x.io}
          - {userName: p8@x.io}
          - {userName: p9@x.io}
        groups:
          - {displayName: qa}
        """

    private func plan(_ provider: FakeProvider) async throws -> Plan {
        try await makePlan(yaml, on: provider)
    }

    @Test("a plan saved with other words for every reason still applies; a changed reason does not")
    func rewordedPlanApplies() async throws {
        let provider = await provider()
        let before = try await plan(provider)
        // Every kind of reason is in this plan.
        let reasons = before.actions.compactMap(\.reason) + before.protected.compactMap(\.wouldHaveReason)
        #expect(reasons.contains(.declaredInactive))
        #expect(reasons.contains(.expired(on: CalendarDay("2026-01-01")!)))
        #expect(reasons.contains(.deleteAfterPassed(CalendarDay("2026-02-01")!)))
        #expect(reasons.contains(.undeclaredUser(.deactivate)))
        #expect(reasons.contains(.undeclaredGroup))
        #expect(reasons.contains { if case .duplicateGroup = $0 { true } else { false } })
        #expect(!before.budget.blocked)

        // The file holds the test's words, none of the standard ones.
        let file = before.jsonData(wording: Self.testWording)
        let json = try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])
        let words =
            (json["actions"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            + (json["protected"] as? [[String: Any]] ?? []).compactMap { $0["wouldHave"] as? String }
        #expect(words.count == reasons.count)
        let standard = Set(reasons.map(Wording.standard.reason))
        #expect(words.allSatisfy { $0.contains("TEST-ONLY WORDING") && !standard.contains($0) })

        // Planned again now (standard words), the saved plan is the same plan: it applies.
        let saved = try SavedPlan.decode(file)
        let fresh = try await plan(provider)
        try saved.check(fresh)
        let result = await PlanExecutor(client: provider).apply(fresh)
        #expect(result.failed == 0 && result.skipped == 0 && result.refusal == nil, "\(result.entries)")
        #expect(try await plan(provider).actions.isEmpty)

        // The reason's data is compared: a saved plan whose reason says another day is stale.
        let edited = String(decoding: file, as: UTF8.self).replacingOccurrences(of: "2026-01-01", with: "2026-01-02")
        #expect(edited != String(decoding: file, as: UTF8.self))
        let tampered = try SavedPlan.decode(Data(edited.utf8))
        #expect(throws: SavedPlanRefusal.self) { try tampered.check(before) }
    }
}
