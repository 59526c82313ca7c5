import Catalog
import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SCIM
import Testing

/// The destructive budget: what counts, the cap, and the blocked message (docs/contract.md, Safety).
@Suite("Destructive budget", .timeLimit(.minutes(10)))
struct BudgetTests {
    @Test(
        "the cap is the lower of maxDestructive and ceil(percent of live managed users)",
        arguments: [
            // (live users, maxDestructive, percent, cap, bound)
            (0, 10, 10.0, 0, "percent"), (1, 10, 10.0, 1, "percent"), (5, 10, 10.0, 1, "percent"),
            (8, 10, 10.0, 1, "percent"), (20, 10, 10.0, 2, "percent"), (30, 10, 10.0, 3, "percent"),
            (100, 10, 10.0, 10, "count"), (101, 10, 10.0, 10, "count"), (8, 10, 30.0, 3, "percent"),
            (8, 2, 100.0, 2, "count"), (3, 10, 0.5, 1, "percent"),
        ])
    func cap(users: Int, maxDestructive: Int, percent: Double, cap: Int, bound: String) {
        let budget = DestructiveBudget.assess(
            [], safety: Safety(maxDestructive: maxDestructive, maxDestructivePercent: percent),
            liveManagedUsers: users, approvals: [])
        #expect(budget.cap == cap)
        #expect(budget.bound.rawValue == bound)
    }

    private func users(_ count: Int) -> [SCIMUser] {
        (1...count).map { liveUser("u\($0)", "user\($0)@x.io") }
    }

    @Test("an offboarded user counts once with all its membership removals: 30 offboardings are 30, not 90")
    func offboardingWithMemberships() throws {
        let live = users(40)
        let declared = live.prefix(10).map { "  - {userName: \($0.userName)}" }.joined(separator: "\n")
        let result = try plan(
            "safety: {maxDestructive: 100, maxDestructivePercent: 100}\nusers:\n\(declared)\ngroups:\n  - {displayName: a}\n  - {displayName: b}\n",
            users: live,
            groups: [
                liveGroup("ga", "a", members: live.map { $0.id! }), liveGroup("gb", "b", members: live.map { $0.id! }),
            ])
        #expect(result.count(.deactivate) == 30)
        #expect(result.actions.filter { $0.type == .group }.map { $0.members?.remove.count } == [40, 40])
        #expect(result.budget.count == 30 + 10)  // the 10 declared users leave both groups too: 1 each
    }

    @Test("an active user removed from several groups counts once; a deleted group once; a nested group once")
    func kinds() throws {
        let result = try plan(
            """
            policy: {unmanagedGroups: delete}
            safety: {maxDestructive: 100, maxDestructivePercent: 100}
            users:
              - {userName: a@x.io}
            groups:
              - {displayName: one}
              - {displayName: two}
              - {displayName: inner}
            """,
            users: [liveUser("1", "a@x.io")],
            groups: [
                liveGroup("g1", "one", members: ["1", "gi"]), liveGroup("g2", "two", members: ["1"]),
                liveGroup("gi", "inner"), liveGroup("gx", "extra"),
            ])
        #expect(summary(result) == ["~ Group one", "~ Group two", "× Group extra"])
        // a@x.io (from one and two), inner (from one), extra (deleted).
        #expect(result.budget.count == 3)
    }

    @Test("an 8-user org at the default limits: one offboarding runs, two are blocked with the whole explanation")
    func smallOrg() throws {
        let live = users(8)
        let keep = { (count: Int) in
            "users:\n" + live.prefix(count).map { "  - {userName: \($0.userName)}" }.joined(separator: "\n") + "\n"
        }
        let one = try plan(keep(7), users: live)
        #expect(one.budget.count == 1 && one.budget.cap == 1 && !one.budget.blocked)
        let two = try plan(keep(6), users: live)
        #expect(two.budget.blocked)
        #expect(
            two.budget.blockedLines == [
                "BLOCKED: this plan takes access away from 2 (people and groups); the cap is 1, the lower of "
                    + "safety.maxDestructive (10) and safety.maxDestructivePercent (10% of 8 live managed users, "
                    + "rounded up: 1); safety.maxDestructivePercent set it.",
                "Destructive digest: \(two.budget.digest)",
                "To go on with exactly this set: add the digest to safety.approve in the YAML (reviewed in the pull request),",
                "or, in an emergency: scimctl apply --allow-destructive=\(two.budget.digest)",
            ])
        #expect(PlanRenderer().text(two).contains(two.budget.blockedLines.joined(separator: "\n")))
        #expect(PlanRenderer().markdown(two).contains("safety.maxDestructivePercent set it"))
    }

    @Test("every destructive step is in the digest: the same people losing different things is another set")
    func digestCoversEverything() throws {
        let live = users(3)
        let groups = [liveGroup("g", "team", members: ["u1", "u2"])]
        let base =
            "safety: {maxDestructivePercent: 100}\nusers:\n  - {userName: user1@x.io}\n  - {userName: user2@x.io}\n  - {userName: user3@x.io}\n"
        let fromTeam = try plan(
            base + "groups:\n  - {displayName: team, members: [user1@x.io]}\n", users: live, groups: groups)
        let fromNothing = try plan(
            base + "groups:\n  - {displayName: team, members: [user1@x.io, user2@x.io]}\n", users: live, groups: groups)
        #expect(fromTeam.budget.count == 1 && fromNothing.budget.count == 0)
        #expect(fromTeam.budget.digest != fromNothing.budget.digest)
    }
}
