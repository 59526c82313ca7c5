import Catalog
import DesiredState
public import Foundation
import Identity
public import Planner
public import SCIM

/// How one action ended.
public enum StepOutcome: String, Sendable, Hashable, Codable {
    case done, failed, skipped
}

/// One line of the ledger (and of the journal): what was attempted and how it ended.
public struct LedgerEntry: Sendable, Hashable, Codable {
    public var time: Date
    public var action: ActionKind
    public var type: ResourceKind
    public var key: String
    public var id: String?
    public var outcome: StepOutcome
    /// The last HTTP status seen, if any.
    public var status: Int?
    /// Requests sent for this action.
    public var attempts: Int
    /// Why it failed or was skipped; for a failure the provider's SCIM error and the request.
    public var detail: String?
    /// The target's name, in a directory of several (`targets:`).
    public var target: String?
}

/// What an apply run did.
public struct ApplyResult: Sendable {
    public var entries: [LedgerEntry]
    public var interrupted: Bool
    /// Why nothing was written: the plan is blocked by the cap, or touches a protected user.
    public var refusal: ApplyRefusal?

    public init(entries: [LedgerEntry], interrupted: Bool, refusal: ApplyRefusal? = nil) {
        self.entries = entries
        self.interrupted = interrupted
        self.refusal = refusal
    }

    public var failed: Int { entries.count { $0.outcome == .failed } }
    public var skipped: Int { entries.count { $0.outcome == .skipped } }
    public var done: Int { entries.count { $0.outcome == .done } }
}

/// Why apply refused to start; nothing was written.
public enum ApplyRefusal: Error, Sendable, Hashable {
    /// The destructive budget blocks the plan.
    case blocked(DestructiveBudget)
    /// The plan would change a user a `protect` pattern names.
    case touchesProtected(String)
}

/// Executes a `Plan` through the provider, in the plan's phases, with bounded concurrency inside each
/// phase. Safety is checked before the first write; a failure stops only what depends on it.
public struct PlanExecutor: Sendable {
    public typealias Client = SCIMReader & SCIMWriter

    public let client: any Client
    public var parallelism: Int
    /// Called with each ledger entry as it is written (journal, progress).
    public var record: @Sendable (LedgerEntry) -> Void
    /// Polled before each action starts: true stops issuing new requests (Ctrl-C).
    public var isInterrupted: @Sendable () -> Bool
    public var now: @Sendable () -> Date

    public init(
        client: any Client, parallelism: Int = 4, record: @escaping @Sendable (LedgerEntry) -> Void = { _ in },
        isInterrupted: @escaping @Sendable () -> Bool = { false }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.parallelism = max(1, parallelism)
        self.record = record
        self.isInterrupted = isInterrupted
        self.now = now
    }

    /// Refuses a plan that may not run: blocked by the destructive budget, or touching a protected user.
    public static func check(_ plan: Plan) throws(ApplyRefusal) {
        if plan.budget.blocked {
            throw .blocked(plan.budget)
        }
        let patterns = plan.protectPatterns.compactMap { try? GlobPattern($0) }
        // A create touches nothing that exists: a protected user declared but not live is created.
        for action in plan.actions where action.action != .create {
            let names =
                [action.key] + action.changes.filter { $0.attribute == .userName }.compactMap { $0.old?.stringValue }
            let touched =
                action.type == .user ? names : (action.members?.remove.filter { $0.type == .user }.map(\.key) ?? [])
            if let name = touched.first(where: { name in patterns.contains { $0.matches(name) } }) {
                throw .touchesProtected(name)
            }
        }
    }

    /// Runs the plan. Never throws: every action ends in the ledger as done, failed or skipped. A plan
    /// that `check` refuses is refused here too, before the first request, whoever calls.
    public func apply(_ plan: Plan) async -> ApplyResult {
        do {
            try Self.check(plan)
        } catch {
            return ApplyResult(entries: [], interrupted: false, refusal: error)
        }
        var removals: [String: PlannedAction] = [:]
        for action in plan.actions where action.action == .deactivate || action.action == .delete {
            if let id = action.id { removals[action.type.rawValue + "/" + id] = action }
        }
        let state = ApplyState(removals: removals, target: plan.target.name)
        for action in plan.actions {
            if let id = action.id { await state.learn(action.type, key: action.key, id: id) }
        }
        // Each step numbered in plan order: the ledger is given back in that order, whatever order
        // concurrent steps finished in (the journal keeps the order of completion, with times).
        var number = 0
        let phases = Self.phases(of: plan).map { phase in
            phase.map { step in
                var step = step
                step.index = number
                number += 1
                return step
            }
        }
        var interrupted = false
        for phase in phases where !phase.isEmpty {
            let listed = await listGroupNames(before: phase, state: state)
            await forEach(phase) { step in
                if isInterrupted() {
                    await finish(step, .skipped, detail: "interrupted before it started", state: state)
                    return
                }
                await run(step, state: state)
            }
            if listed { await settleCreatedGroups(state) }
            if isInterrupted() { interrupted = true }
        }
        await verify(state)
        return ApplyResult(entries: await state.entriesInPlanOrder, interrupted: interrupted)
    }

    /// At most this many objects are re-read one GET each; more are re-read by one listing.
    static let individualReads = 8

    /// The re-read at the end: every write the provider answered without the resource (204) is checked
    /// against what it should have left, batched — one GET per object for a few, a listing for more —
    /// and a change that did not stick turns its action into a failure, as Terraform reports "provider
    /// produced an inconsistent result after apply".
    private func verify(_ state: ApplyState) async {
        let checks = await state.pendingChecks
        guard !checks.isEmpty else { return }
        let userIds = Set(checks.filter { $0.expectation.type == .user }.map(\.expectation.id))
        let groupIds = Set(checks.filter { $0.expectation.type == .group }.map(\.expectation.id))
        let users: Result<[String: SCIMUser], SCIMError>
        let groups: Result<[String: SCIMGroup], SCIMError>
        users = await reread(
            userIds, one: { id throws(SCIMError) in try await client.getUser(id: id) },
            all: { () throws(SCIMError) in try await client.listUsers() }, id: \.id)
        groups = await reread(
            groupIds, one: { id throws(SCIMError) in try await client.getGroup(id: id) },
            all: { () throws(SCIMError) in try await client.listGroups() }, id: \.id)
        let deleteDeactivates = client.capabilities.profile.deleteDeactivates
        for check in checks {
            let expected = check.expectation
            let problem: String? =
                switch expected.type {
                case .user:
                    Self.problem(expected, in: users, noun: "user", check: expected.problem(with:)) {
                        deleteDeactivates && $0.active == false
                    }
                case .group:
                    Self.problem(expected, in: groups, noun: "group", check: expected.problem(with:)) { _ in false }
                }
            guard let problem else { continue }
            if let entry = await state.failAfterCheck(
                check.entry, detail: "checked after apply: " + problem, time: now())
            {
                record(entry)
            }
        }
    }

    /// What is wrong with the re-read object `expected` names, if anything. `deletedAnyway`: a still
    /// listed object counts as deleted (a provider whose DELETE deactivates).
    private static func problem<Resource>(
        _ expected: Expectation, in reread: Result<[String: Resource], SCIMError>, noun: String,
        check: (Resource) -> String?, deletedAnyway: (Resource) -> Bool
    ) -> String? {
        switch reread {
        case .failure(let error): return "written, but the re-read to check it failed: \(error)"
        case .success(let found):
            switch (expected.state, found[expected.id]) {
            case (.deleted, nil): return nil
            case (.deleted, let resource?):
                return deletedAnyway(resource) ? nil : "the provider still has the \(noun) after the DELETE"
            case (.present, nil): return "the provider no longer has the \(noun)"
            case (.present, let resource?): return check(resource)
            }
        }
    }

    /// The objects with these ids as the provider holds them now (absent: gone).
    private func reread<Resource: Sendable>(
        _ ids: Set<String>, one: @escaping @Sendable (String) async throws(SCIMError) -> Resource,
        all: () async throws(SCIMError) -> [Resource], id: KeyPath<Resource, String?>
    ) async -> Result<[String: Resource], SCIMError> {
        guard !ids.isEmpty else { return .success([:]) }
        do {
            var found: [String: Resource] = [:]
            if ids.count > Self.individualReads {
                for resource in try await all() {
                    if let key = resource[keyPath: id], ids.contains(key) { found[key] = resource }
                }
                return .success(found)
            }
            let results = await withTaskGroup(of: (String, Result<Resource?, SCIMError>).self) { group in
                for key in ids {
                    group.addTask {
                        do throws(SCIMError) {
                            return (key, .success(try await one(key)))
                        } catch {
                            return (key, error.kind == .notFound ? .success(nil) : .failure(error))
                        }
                    }
                }
                var results: [(String, Result<Resource?, SCIMError>)] = []
                for await result in group { results.append(result) }
                return results
            }
            for (key, result) in results {
                if let resource = try result.get() { found[key] = resource }
            }
            return .success(found)
        } catch {
            return .failure(error)
        }
    }

    /// The steps of a plan, grouped by `ExecutionPhase` in its order; within the updates phase, the member
    /// adds of created groups and the managers of created users come before the other updates. Steps
    /// keep plan order within a phase.
    static func phases(of plan: Plan) -> [[Step]] {
        let steps = plan.actions.flatMap(Step.steps(of:)).enumerated().sorted { lhs, rhs in
            (lhs.element.phase, lhs.element.rank, lhs.offset) < (rhs.element.phase, rhs.element.rank, rhs.offset)
        }.map(\.element)
        return ExecutionPhase.allCases.map { phase in steps.filter { $0.phase == phase } }
    }

    /// How many ledger entries a run of `plan` writes.
    public static func stepCount(of plan: Plan) -> Int {
        phases(of: plan).reduce(0) { $0 + $1.count }
    }

    /// Runs `body` for each step, at most `parallelism` at once.
    private func forEach(_ steps: [Step], _ body: @escaping @Sendable (Step) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(parallelism, steps.count) {
                let step = steps[next]
                group.addTask { await body(step) }
                next += 1
            }
            while await group.next() != nil {
                if next < steps.count {
                    let step = steps[next]
                    group.addTask { await body(step) }
                    next += 1
                }
            }
        }
    }

    private func finish(
        _ step: Step, _ outcome: StepOutcome, status: Int? = nil, attempts: Int = 0, detail: String? = nil,
        pending: [Expectation] = [], state: ApplyState
    ) async {
        let id = await state.id(step.action.type, step.action.key) ?? step.action.id
        let part: String? =
            switch step.part {
            case .main: nil
            case .membersAdd: "members added"
            case .membersRemove: "members removed"
            case .manager: "manager set"
            }
        let entry = LedgerEntry(
            time: now(), action: step.action.action, type: step.action.type, key: step.action.key, id: id,
            outcome: outcome, status: status, attempts: attempts,
            detail: [part, detail].compactMap { $0 }.joined(separator: ": ").nilIfEmpty, target: state.target)
        await state.append(entry, step: step.index, checks: pending)
        record(entry)
    }

    private func run(_ step: Step, state: ApplyState) async {
        let action = step.action
        // An action whose object could not be created has nothing to act on.
        if step.part != .main || action.action != .create, action.id == nil,
            await state.id(action.type, action.key) == nil
        {
            await finish(step, .skipped, detail: "its \(action.type.rawValue) was not created", state: state)
            return
        }
        var counter = Counter()
        let tally = RequestTally()
        await RequestTally.$current.withValue(tally) {
            await execute(step, state: state, counter: &counter, tally: tally)
        }
    }

    private func execute(_ step: Step, state: ApplyState, counter: inout Counter, tally: RequestTally) async {
        let action = step.action
        // What was really sent (retries included) where requests go through a SCIM connection.
        func attempts(_ extra: Int = 0) -> Int { max(tally.requests, counter.requests + extra) }
        do {
            switch (step.part, action.type, action.action) {
            case (.main, .user, .create): try await createUser(action, state: state, counter: &counter)
            case (.main, .group, .create): try await createGroup(action, state: state, counter: &counter)
            case (.main, .user, .delete):
                try await delete(action, counter: &counter) { id throws(SCIMError) in
                    try await client.deleteUser(id: id)
                }
            case (.main, .group, .delete):
                try await delete(action, counter: &counter) { id throws(SCIMError) in
                    try await client.deleteGroup(id: id)
                }
            case (.main, .user, _): try await updateUser(action, state: state, counter: &counter)
            case (.main, .group, _): try await updateGroup(action, state: state, counter: &counter)
            case (.membersAdd, _, _): try await addMembers(action, state: state, counter: &counter)
            case (.manager, _, _): try await setManager(action, state: state, counter: &counter)
            case (.membersRemove, _, _): try await removeMembers(action, state: state, counter: &counter)
            }
            await finish(
                step, .done, status: tally.status ?? counter.status, attempts: attempts(), detail: counter.note,
                pending: counter.pending, state: state)
        } catch let skip as Skip {
            await finish(step, .skipped, attempts: attempts(), detail: skip.reason, state: state)
        } catch let error as SCIMError {
            await finish(
                step, .failed, status: error.status, attempts: attempts(max(0, error.attempts - 1)),
                detail: error.description, state: state)
        } catch {
            await finish(
                step, .failed, status: tally.status ?? counter.status, attempts: attempts(), detail: "\(error)",
                state: state)
        }
    }
}

/// One unit of work: an action, or the member-add or member-remove part of a group update.
struct Step: Sendable {
    enum Part: Sendable {
        case main, membersAdd, membersRemove, manager
    }

    var action: PlannedAction
    var part: Part
    /// Its place in the whole plan's steps, for the ledger's order.
    var index = 0

    /// The steps one action takes: its own, and those that must wait for other objects to exist (a
    /// created group's members, a created user's manager) or run late (member removals).
    static func steps(of action: PlannedAction) -> [Step] {
        var steps = [Step(action: action, part: .main)]
        if action.type == .group, action.action == .create, action.members?.add.isEmpty == false {
            steps.append(Step(action: action, part: .membersAdd))
        }
        if action.action == .create, action.changes.contains(where: { $0.attribute == .manager }) {
            steps.append(Step(action: action, part: .manager))
        }
        if action.members?.remove.isEmpty == false { steps.append(Step(action: action, part: .membersRemove)) }
        return steps
    }

    var phase: ExecutionPhase {
        switch part {
        case .main: action.phase
        case .membersAdd, .manager: .updates
        case .membersRemove: .removeMembers
        }
    }

    /// Within the updates phase: created groups' members, then created users' managers, then the rest.
    var rank: Int {
        switch part {
        case .membersAdd: 0
        case .manager: 1
        case .main, .membersRemove: 2
        }
    }
}

/// A dependency that failed: the step is skipped, with the reason.
struct Skip: Error {
    var reason: String
}

/// Requests sent for one action, and what to note in the ledger.
struct Counter {
    var requests = 0
    var status: Int?
    var note: String?
    /// What the provider answered 204 to: checked by the re-read at the end.
    var pending: [Expectation] = []

    mutating func sent(_ status: Int) {
        requests += 1
        self.status = status
    }
}

/// A form of request that a provider may not implement, and that has an equivalent.
enum RequestForm: Hashable {
    /// PATCH of a user's attributes (the equivalent: GET + PUT of the whole user).
    case userPatch
    /// PATCH of a group's displayName or externalId (the equivalent: GET + PUT of the group).
    case groupPatch
    /// Member removal by filter path (the equivalent: by value list).
    case memberRemovalByFilterPath
    /// PATCH of a group's members (the equivalent: GET + PUT of the group with its members).
    case membershipPatch
}

/// What apply has learnt so far: the ids of objects (created ones included) and the ledger.
actor ApplyState {
    private var ids: [String: String] = [:]
    private(set) var entries: [LedgerEntry] = []
    /// Writes to check by the re-read, with the ledger entry each belongs to.
    private(set) var pendingChecks: [(entry: Int, expectation: Expectation)] = []
    /// What the plan deactivates or deletes, by "Type/id": never adopted.
    private let removals: [String: PlannedAction]

    /// Request forms the provider answered 501 Not Implemented to in this run: from then on the
    /// equivalent form is sent first (RFC 7644 makes PUT mandatory and PATCH optional).
    private var notImplemented: Set<RequestForm> = []

    /// The target's name, in a directory of several: every ledger entry names it.
    let target: String?

    init(removals: [String: PlannedAction], target: String? = nil) {
        self.removals = removals
        self.target = target
    }

    func isNotImplemented(_ form: RequestForm) -> Bool { notImplemented.contains(form) }
    func learnNotImplemented(_ form: RequestForm) { notImplemented.insert(form) }

    func removal(_ type: ResourceKind, _ id: String) -> PlannedAction? {
        removals[type.rawValue + "/" + id]
    }

    private func slot(_ type: ResourceKind, _ key: String) -> String { "\(type.rawValue)/\(key.caseFolded)" }

    func learn(_ type: ResourceKind, key: String, id: String) {
        ids[slot(type, key)] = id
    }

    func id(_ type: ResourceKind, _ key: String) -> String? {
        ids[slot(type, key)]
    }

    /// The step number of each entry, by entry index.
    private var steps: [Int] = []

    /// The ledger in the plan's order of steps.
    var entriesInPlanOrder: [LedgerEntry] {
        zip(steps, entries).sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Groups by folded name, as one listing before a phase of group creates showed them (nil: each
    /// create looks its name up).
    private var listedGroups: [String: [SCIMGroup]]?
    /// Groups this phase created while `listedGroups` stood, their twins settled after the phase.
    private var createdGroups: [(key: String, group: SCIMGroup)] = []

    func useListedGroups(_ groups: [SCIMGroup]) {
        listedGroups = Dictionary(grouping: groups, by: \.displayName.caseFolded)
    }

    /// The listed groups named `name`; nil when there is no listing to consult.
    func listedGroups(named name: String) -> [SCIMGroup]? {
        listedGroups.map { $0[name.caseFolded] ?? [] }
    }

    /// Whether twins are settled after the phase (a listing stands) rather than after each create.
    var settlesTwinsAfterPhase: Bool { listedGroups != nil }

    func created(_ group: SCIMGroup, key: String) { createdGroups.append((key, group)) }

    /// The groups created in the phase, and the phase's listing dropped.
    func endGroupPhase() -> [(key: String, group: SCIMGroup)] {
        defer {
            createdGroups = []
            listedGroups = nil
        }
        return createdGroups
    }

    /// The create entry of group `key`, changed after the phase: the id that stays and why, or a failure.
    /// The new entry, for the journal.
    func settled(group key: String, id: String?, note: String?, failure: String?, time: Date) -> LedgerEntry? {
        guard
            let index = entries.firstIndex(where: {
                $0.type == .group && $0.action == .create && $0.key.caseFolded == key.caseFolded
            })
        else { return nil }
        if let id { entries[index].id = id }
        if let failure {
            entries[index].outcome = .failed
            entries[index].detail = failure
        } else if let note {
            entries[index].detail = note
        }
        entries[index].time = time
        return entries[index]
    }

    func append(_ entry: LedgerEntry, step: Int, checks: [Expectation]) {
        entries.append(entry)
        steps.append(step)
        for expectation in checks { pendingChecks.append((entries.count - 1, expectation)) }
    }

    /// Turns a done entry into a failure found by the re-read; the new entry, for the journal, or nil
    /// when the entry had already failed.
    func failAfterCheck(_ index: Int, detail: String, time: Date) -> LedgerEntry? {
        guard entries[index].outcome == .done else { return nil }
        entries[index].outcome = .failed
        entries[index].detail = [entries[index].detail, detail].compactMap { $0 }.joined(separator: "; ")
        entries[index].time = time
        return entries[index]
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
