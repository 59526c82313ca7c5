import Applier
import Commands
import DesiredState
import Foundation
import Identity
import PlanFile
import Planner
import PropertyBased
import SCIM
import Sandbox
import Synchronization
import Testing

/// Generated orgs × generated live states, on the in-process sandbox: the promises of a reconciler,
/// checked as properties rather than examples. Each case checks every property; the count is
/// `SCIMCTL_PROPERTY_CASES` (500 by default). A failure prints its seed (`.fixedSeed(…)` replays it)
/// and the case shrunk to a small YAML and live state.
@Suite("Convergence properties", .timeLimit(.minutes(10)))
struct ConvergenceProperties {
    static var cases: Int {
        ProcessInfo.processInfo.environment["SCIMCTL_PROPERTY_CASES"].flatMap(Int.init) ?? 500
    }

    static let worlds = zip(
        zip(Gen.int(in: 0...7), Gen.int(in: 0...2), Gen.int(in: 0...5), Gen.int(in: 0...15), Gen.int(in: 0...15))
            .map { World.Declared(user: $0.0, title: $0.1, state: $0.2, rename: $0.3, groups: $0.4) }
            .array(of: 0...6),
        zip(Gen.int(in: 0...9), Gen.int(in: 0...2), Gen.bool(0.8), Gen.int(in: 0...31))
            .map { World.Live(user: $0.0, title: $0.1, active: $0.2, groups: $0.3) }
            .array(of: 0...7),
        zip(Gen.int(in: 0...15), Gen.int(in: 0...7), Gen.int(in: 0...31)),
        // A low cap (0…3) in a quarter of the cases, else one no plan here reaches.
        zip(Gen.int(in: 0...2), Gen.int(in: 0...1), Gen.int(in: 0...2), Gen.int(in: 0...15).map { $0 < 4 ? $0 : 50 }),
        Gen.bool(0.7)
    ).map { declared, live, groups, policy, approve in
        World(
            declared: declared, live: live, declaredGroups: groups.0, nesting: groups.1, liveGroups: groups.2,
            unmanaged: policy.0, unmanagedGroups: policy.1, protect: policy.2, maxDestructive: policy.3,
            approve: approve)
    }

    @Test(
        "apply converges; protected and ignored objects stay byte-identical; the budget counts who lost access; a blocked plan writes nothing; the JSON plan round-trips"
    )
    func reconcilerProperties() async {
        let tally = Tally()
        await propertyCheck(count: Self.cases, input: Self.worlds) { world in
            tally.add(try await Self.check(world))
        }
        // Not vacuous: most cases apply something, and each outcome occurs.
        let counts = tally.counts
        print("convergence properties: \(counts) over \(Self.cases) cases")
        #expect(counts[.applied, default: 0] + counts[.approved, default: 0] >= Self.cases / 2, "\(counts)")
        #expect(counts[.approved, default: 0] > 0 && counts[.blocked, default: 0] > 0, "\(counts)")
        #expect(counts[.refused, default: 0] > 0, "\(counts)")
    }

    enum Outcome: String, Sendable { case applied, approved, blocked, refused, unchanged }

    final class Tally: Sendable {
        private let state = Mutex<[Outcome: Int]>([:])
        func add(_ outcome: Outcome) { state.withLock { $0[outcome, default: 0] += 1 } }
        var counts: [Outcome: Int] { state.withLock { $0 } }
    }

    static func plan(_ world: World, _ client: SCIMClient, approving approvals: [String] = []) async throws -> Plan {
        let live = try await LiveSnapshot.read(from: client, includeGroups: true)
        return try Diff(
            desired: try world.desired(), live: live, today: World.today,
            target: .init(url: "sandbox:property", provider: "generic"),
            desiredDigest: "sha256:" + String(repeating: "0", count: 64), extraApprovals: approvals
        ).plan()
    }

    @discardableResult
    static func check(_ world: World) async throws -> Outcome {
        let sandbox = try await world.seed()
        defer { sandbox.remove() }
        let client = try await sandbox.client()
        let before = try await State.read(client)
        var plan: Plan
        do {
            plan = try await Self.plan(world, client)
        } catch let error as PlanningError {
            // Refused to plan (two live accounts answer to one declared user): a person must decide.
            #expect(error.description.contains("both match") || error.description.contains("but also"), "\(error)")
            return .refused
        }

        // The JSON plan reads back to the same document.
        let json = plan.jsonData()
        #expect(try Plan.decodeFile(json).jsonData() == json, "\(world)")

        var result = await PlanExecutor(client: client).apply(plan)
        var after = try await State.read(client)
        var outcome = Outcome.applied
        if plan.budget.blocked {
            #expect(result.refusal != nil, "\(world)")
            #expect(after == before, "a blocked plan wrote: \(world)")
            guard world.approve else { return .blocked }
            // Approved by its digest (as safety.approve or --allow-destructive would): exactly this set.
            let digest = plan.budget.digest
            plan = try await Self.plan(world, client, approving: [digest])
            #expect(!plan.budget.blocked && plan.budget.approved && plan.budget.digest == digest, "\(world)")
            result = await PlanExecutor(client: client).apply(plan)
            after = try await State.read(client)
            outcome = .approved
        }
        #expect(result.refusal == nil && result.failed == 0 && result.skipped == 0, "\(result.entries)\(world)")

        // Converged: planning again finds nothing to do.
        let again = try await Self.plan(world, client)
        #expect(again.actions.isEmpty, "\(again.actions.map { "\($0.action) \($0.type) \($0.key)" })\(world)")

        // Protected users are untouched, byte for byte (their group memberships are the groups' own).
        if let pattern = world.protectPattern {
            let glob = try GlobPattern(pattern)
            for (id, user) in before.users where glob.matches(user.userName) {
                #expect(after.users[id] == user, "protected \(user.userName) changed: \(world)")
            }
        }
        // Nothing undeclared changes under `ignore`.
        let desired = try world.desired()
        let declaredNames = Set(
            desired.users.flatMap { [$0.userName.value] + $0.previously.map(\.value) }.map(\.caseFolded))
        if world.unmanaged == 0 {
            for (id, user) in before.users where !declaredNames.contains(user.userName.caseFolded) {
                #expect(after.users[id] == user, "undeclared \(user.userName) changed under ignore: \(world)")
            }
        }
        if world.unmanagedGroups == 0 {
            let declaredGroups = Set(desired.groups.map { $0.displayName.value.caseFolded })
            for (id, group) in before.groups where !declaredGroups.contains(group.displayName.caseFolded) {
                let kept = group.members.filter { after.users[$0] != nil || after.groups[$0] != nil }
                #expect(
                    after.groups[id]?.displayName == group.displayName && after.groups[id]?.members == kept,
                    "undeclared group \(group.displayName) changed under ignore: \(world)")
            }
        }
        // The budget counts exactly the people and groups who lost something.
        let lost = State.losers(before: before, after: after)
        #expect(plan.budget.count == lost.count, "budget \(plan.budget.count), lost \(lost.sorted()): \(world)")
        return plan.actions.isEmpty ? .unchanged : outcome
    }
}

/// Users and groups by id, compared as the provider holds them (a user's derived `groups` aside).
struct State: Equatable {
    struct User: Equatable {
        var userName: String
        var active: Bool
        var json: String
    }

    struct Group: Equatable {
        var displayName: String
        var members: Set<String>
    }

    var users: [String: User]
    var groups: [String: Group]

    static func read(_ client: SCIMClient) async throws -> State {
        var users: [String: User] = [:]
        for var user in try await client.listUsers() {
            user.extra.removeValue(forKey: "groups")
            users[user.id ?? "?"] = User(
                userName: user.userName, active: user.active ?? true,
                json: String(decoding: user.json.serialized(), as: UTF8.self) + (user.meta?.version ?? ""))
        }
        var groups: [String: Group] = [:]
        for group in try await client.listGroups() {
            groups[group.id ?? "?"] = Group(
                displayName: group.displayName, members: Set(group.members?.map(\.value) ?? []))
        }
        return State(users: users, groups: groups)
    }

    /// Who lost something (docs/contract.md, Safety): a user deleted, or deactivated, or (still there) out of a
    /// group that still exists; a group deleted, or (still there) out of a group that still exists. A
    /// deleted group counts once, not once per member.
    static func losers(before: State, after: State) -> Set<String> {
        var lost = Set<String>()
        func memberships(_ state: State, of id: String) -> Set<String> {
            Set(state.groups.filter { $0.value.members.contains(id) && after.groups[$0.key] != nil }.map(\.key))
        }
        for (id, user) in before.users {
            guard let now = after.users[id] else {
                lost.insert(id)
                continue
            }
            if user.active && !now.active { lost.insert(id) }
            if !memberships(before, of: id).subtracting(memberships(after, of: id)).isEmpty { lost.insert(id) }
        }
        for id in before.groups.keys {
            if after.groups[id] == nil || !memberships(before, of: id).subtracting(memberships(after, of: id)).isEmpty {
                lost.insert(id)
            }
        }
        return lost
    }
}
