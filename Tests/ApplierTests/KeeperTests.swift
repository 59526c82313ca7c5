import Applier
import DesiredState
import Foundation
import Identity
import Planner
import SCIM
import ScimctlTestSupport
import Testing

/// Which duplicate group stays is one rule (`DuplicateKeeper`): the planner, finding two live groups
/// with one name, and an apply that finds a twin of the group it has just created keep the same one.
@Suite("One keeper for duplicate groups", .timeLimit(.minutes(10)))
struct KeeperTests {
    private let yaml = """
        safety: {maxDestructive: 5, maxDestructivePercent: 100}
        users:
          - {userName: a@x.io}
        groups:
          - {displayName: straße, members: [a@x.io]}
        """

    private func plan(_ provider: FakeProvider) async throws -> Plan {
        try await makePlan(yaml, on: provider)
    }

    /// A provider holding user a@x.io, and (when `twin`) a group another apply made: newer than the
    /// groups this fake creates, but holding a member.
    private func provider(twin: Bool) async -> FakeProvider {
        let provider = FakeProvider()
        var user = SCIMUser(userName: "a@x.io")
        user.id = "1"
        user.active = true
        await provider.store.seed(user)
        await provider.store.stampCreated("2026-11-01T00:00:00Z")
        if twin {
            var group = SCIMGroup(displayName: "STRASSE", members: [SCIMMember(value: "1")])
            group.id = "twin"
            group.meta = SCIMMeta(json: .object(["created": .string("2026-11-02T00:00:00Z")]))
            await provider.store.seed(group)
        }
        return provider
    }

    @Test("a racing apply keeps the group the planner keeps: more members first, then age, then id")
    func sameKeeper() async throws {
        // The plan is made before the other apply's group exists: it creates the group.
        let racing = await provider(twin: false)
        let first = try await plan(racing)
        #expect(first.actions.map { "\($0.action) \($0.type.rawValue) \($0.key)" } == ["create Group straße"])
        // Then the other apply's group appears (one member, made later), and this provider's look-up
        // before the create lags, so apply creates its own and then finds the twin.
        var twin = SCIMGroup(displayName: "STRASSE", members: [SCIMMember(value: "1")])
        twin.id = "twin"
        twin.meta = SCIMMeta(json: .object(["created": .string("2026-11-02T00:00:00Z")]))
        await racing.store.seed(twin)
        await racing.store.lagLookup(of: "straße")
        let result = await PlanExecutor(client: racing).apply(first)
        #expect(result.failed == 0, "\(result.entries)")
        let created = try #require(await racing.store.calls.first { $0.hasPrefix("createGroup") })
        #expect(created == "createGroup straße")
        let left = try await racing.listGroups()
        let applyKept = try #require(left.count == 1 ? left.first?.id : nil, "\(left)")

        // The planner, shown both groups as they stood, keeps the same one and deletes the other.
        let both = await provider(twin: true)
        var own = SCIMGroup(displayName: "straße")
        own.id = "101"
        own.meta = SCIMMeta(json: .object(["created": .string("2026-11-01T00:00:00Z")]))
        await both.store.seed(own)
        let planned = try await plan(both)
        let deleted = planned.actions.filter { $0.action == .delete && $0.type == .group }
        #expect(deleted.map(\.id) == ["101"])
        guard case .duplicateGroup(_, _, let keeper)? = deleted.first?.reason else {
            Issue.record("no duplicate reason: \(planned.actions)")
            return
        }
        #expect(keeper.id == applyKept)
        #expect(applyKept == "twin")
        // The group name differs only by case folding beyond ASCII: one group, no create, no rename.
        let after = try await plan(racing)
        #expect(after.actions.isEmpty, "\(after.actions)")
    }
}

/// Requests a provider pays for when many groups are created: one listing before the phase and one
/// after it, not a look-up before and after each create; the same safety against a racing apply.
@Suite("Group creates: listings, not look-ups", .timeLimit(.minutes(10)))
struct GroupListingTests {
    private func yaml(groups: Int) -> String {
        "users:\n  - {userName: a@x.io}\ngroups:\n"
            + (0..<groups).map { "  - {displayName: team-\($0), members: [a@x.io]}\n" }.joined()
    }

    private func provider() async -> FakeProvider {
        let provider = FakeProvider()
        var user = SCIMUser(userName: "a@x.io")
        user.id = "1"
        user.active = true
        await provider.store.seed(user)
        await provider.store.stampCreated("2026-11-01T00:00:00Z")
        return provider
    }

    /// Another apply's group named `name`, made just before this apply creates its own and newer than
    /// it: holding a member (so the keeper) or not (this apply's own, being older, is the keeper).
    private func race(_ name: String, member: Bool = true, on provider: FakeProvider) async {
        var twin = SCIMGroup(displayName: name, members: member ? [SCIMMember(value: "1")] : [])
        twin.id = "twin"
        twin.meta = SCIMMeta(json: .object(["created": .string("2026-11-02T00:00:00Z")]))
        await provider.store.race(twin)
    }

    @Test(
        "the group reads of a phase of creates, by count", arguments: [(1, 0, 2), (8, 0, 16), (9, 2, 0), (500, 2, 0)])
    func reads(groups: Int, listings: Int, lookUps: Int) async throws {
        let provider = await provider()
        let plan = try await makePlan(yaml(groups: groups), on: provider)
        #expect(plan.actions.count { $0.action == .create && $0.type == .group } == groups)
        let result = await PlanExecutor(client: provider, parallelism: 8).apply(plan)
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries.filter { $0.outcome != .done })")
        let reads = await provider.store.groupReads
        #expect(reads["names", default: 0] == listings, "\(reads)")
        #expect(reads["look-up", default: 0] == lookUps, "\(reads)")
        #expect(try await provider.listGroups().count == groups)
        #expect(try await makePlan(yaml(groups: groups), on: provider).actions.isEmpty)
    }

    @Test("a group another apply creates in the same phase: one stays, the one the planner would keep")
    func racingTwin() async throws {
        let provider = await provider()
        let plan = try await makePlan(yaml(groups: 12), on: provider)
        // The other apply's team-3 appears after this apply's listing.
        await race("TEAM-3", on: provider)
        let result = await PlanExecutor(client: provider).apply(plan)
        #expect(result.failed == 0, "\(result.entries.filter { $0.outcome != .done })")
        let reads = await provider.store.groupReads
        #expect(reads["names"] == 2 && reads["look-up"] == 1, "\(reads)")  // the twin's name read once
        let teams = try await provider.listGroups().filter { $0.displayName.caseFolded == "team-3" }
        #expect(teams.map(\.id) == ["twin"])
        let entry = try #require(result.entries.first { $0.key == "team-3" && $0.action == .create })
        #expect(entry.id == "twin" && entry.detail?.contains("another run") == true, "\(entry)")
        // Its member was added to the group that stayed; nothing is left to do.
        #expect(try await makePlan(yaml(groups: 12), on: provider).actions.isEmpty)
    }

    @Test("the listing after the phase failing: each created group is settled by its name, as for a few")
    func afterListingFails() async throws {
        let provider = await provider()
        let plan = try await makePlan(yaml(groups: 10), on: provider)
        await race("team-7", on: provider)
        // The listing before the phase is served; the one after it fails.
        await provider.store.fail("listGroupNames", after: 1, with: SCIMError(.unavailable, "busy", status: 503))
        let result = await PlanExecutor(client: provider).apply(plan)
        #expect(result.failed == 0, "\(result.entries.filter { $0.outcome != .done })")
        let teams = try await provider.listGroups().filter { $0.displayName.caseFolded == "team-7" }
        #expect(teams.map(\.id) == ["twin"])
        #expect(await provider.store.groupReads["look-up"] == 10, "every created group read by name")
    }

    @Test(
        "a create whose response is lost while another apply made the same group: one stays, in this apply",
        arguments: [2, 12], [true, false])
    func lostResponseWithTwin(groups: Int, twinKept: Bool) async throws {
        let provider = await provider()
        let plan = try await makePlan(yaml(groups: groups), on: provider)
        await race("team-1", member: twinKept, on: provider)
        await provider.store.loseResponse("createGroup team-1")
        let result = await PlanExecutor(client: provider).apply(plan)
        #expect(result.failed == 0, "\(result.entries.filter { $0.outcome != .done })")
        let teams = try await provider.listGroups().filter { $0.displayName.caseFolded == "team-1" }
        let entry = try #require(result.entries.first { $0.key == "team-1" && $0.action == .create })
        // The keeper, whichever run made it; the ledger names the group that stayed.
        #expect(teams.count == 1 && (teams.first?.id == "twin") == twinKept, "\(teams)")
        #expect(entry.id == teams.first?.id)
        #expect(entry.detail?.contains("was lost); removed 1 twin another run made") == true, "\(entry.detail ?? "")")
        // No twin is left for the next plan to delete: the next plan has nothing to do.
        #expect(try await makePlan(yaml(groups: groups), on: provider).actions.isEmpty)
    }

    @Test("a twin this apply would delete, already deleted by the run that lost its response: settled alike")
    func twinDeletedElsewhere() async throws {
        let provider = await provider()
        // One create, so this run's group is the fake's first id (101), whatever the parallelism.
        let plan = try await makePlan(yaml(groups: 1), on: provider)
        // The other run's group is the keeper; this run's own (101) is deleted by that run first.
        await race("team-0", on: provider)
        await provider.store.deleteElsewhere("101")
        let result = await PlanExecutor(client: provider).apply(plan)
        #expect(result.failed == 0, "\(result.entries.filter { $0.outcome != .done })")
        #expect(await provider.store.calls.contains("deleteGroup 101"))
        let teams = try await provider.listGroups().filter { $0.displayName.caseFolded == "team-0" }
        #expect(teams.map(\.id) == ["twin"])
        #expect(try await makePlan(yaml(groups: 1), on: provider).actions.isEmpty)
    }
}
