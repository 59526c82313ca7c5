import DesiredState
public import Foundation
public import Planner
public import SCIM

/// How one action ended.
public enum Outcome: String, Sendable, Hashable, Codable {
    case done, failed, skipped
}

/// One line of the ledger (and of the journal): what was attempted and how it ended.
public struct LedgerEntry: Sendable, Hashable, Codable {
    public var time: Date
    public var action: ActionKind
    public var type: ResourceKind
    public var key: String
    public var id: String?
    public var outcome: Outcome
    /// The last HTTP status seen, if any.
    public var status: Int?
    /// Requests sent for this action.
    public var attempts: Int
    /// Why it failed or was skipped; for a failure the provider's SCIM error and the request.
    public var detail: String?
}

/// What an apply run did.
public struct ApplyResult: Sendable {
    public var entries: [LedgerEntry]
    public var interrupted: Bool

    public var failed: Int { entries.count { $0.outcome == .failed } }
    public var skipped: Int { entries.count { $0.outcome == .skipped } }
    public var done: Int { entries.count { $0.outcome == .done } }
}

/// Why apply refused to start; nothing was written.
public struct ApplyRefusal: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32

    public init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// Executes a `Plan` through the provider, in the plan's phases, with bounded concurrency inside each
/// phase. Safety is checked before the first write; a failure stops only what depends on it.
public struct Applier: Sendable {
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
            throw ApplyRefusal(
                "the plan is blocked: \(plan.budget.count) destructive changes exceed the cap of \(plan.budget.cap); "
                    + "approve digest \(plan.budget.digest) in safety.approve, or pass --allow-destructive=\(plan.budget.digest)",
                exitCode: 3)
        }
        let patterns = plan.protectPatterns.compactMap { try? GlobPattern($0) }
        // A create touches nothing that exists: a protected user declared but not live is created.
        for action in plan.actions where action.action != .create {
            let names =
                [action.key] + action.changes.filter { $0.attribute == "userName" }.compactMap { $0.old?.stringValue }
            let touched =
                action.type == .user ? names : (action.members?.remove.filter { $0.type == .user }.map(\.key) ?? [])
            if let name = touched.first(where: { name in patterns.contains { $0.matches(name) } }) {
                throw ApplyRefusal("the plan touches the protected user '\(name)'; protected users are never changed")
            }
        }
    }

    /// Runs the plan. Never throws: every action ends in the ledger as done, failed or skipped.
    public func apply(_ plan: Plan) async -> ApplyResult {
        let state = ApplyState()
        for action in plan.actions {
            if let id = action.id { await state.learn(action.type, key: action.key, id: id) }
        }
        let phases = Self.phases(of: plan)
        var interrupted = false
        for phase in phases where !phase.isEmpty {
            await forEach(phase) { step in
                if isInterrupted() {
                    await finish(step, .skipped, detail: "interrupted before it started", state: state)
                    return
                }
                await run(step, state: state)
            }
            if isInterrupted() { interrupted = true }
        }
        return ApplyResult(entries: await state.entries, interrupted: interrupted)
    }

    /// The steps of a plan, in phases (design.md): create/reactivate users → create groups → member adds,
    /// managers and updates → member removals → deactivations → user deletions → group deletions. Steps
    /// within a phase are independent of each other.
    static func phases(of plan: Plan) -> [[Step]] {
        let actions = plan.actions
        func steps(_ part: Step.Part, _ include: (PlannedAction) -> Bool) -> [Step] {
            actions.filter(include).map { Step(action: $0, part: part) }
        }
        return [
            steps(.main) { $0.type == .user && ($0.action == .create || $0.action == .reactivate) },
            steps(.main) { $0.type == .group && $0.action == .create },
            steps(.membersAdd) { $0.type == .group && $0.action == .create && $0.members?.add.isEmpty == false }
                + steps(.manager) {
                    $0.action == .create && $0.changes.contains { $0.attribute == "enterprise.manager" }
                }
                + steps(.main) { $0.action == .update || $0.action == .adopt },
            steps(.membersRemove) { $0.members?.remove.isEmpty == false },
            steps(.main) { $0.action == .deactivate },
            steps(.main) { $0.action == .delete && $0.type == .user },
            steps(.main) { $0.action == .delete && $0.type == .group },
        ]
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
        _ step: Step, _ outcome: Outcome, status: Int? = nil, attempts: Int = 0, detail: String? = nil,
        state: ApplyState
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
            detail: [part, detail].compactMap { $0 }.joined(separator: ": ").nilIfEmpty)
        await state.append(entry, for: step)
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
                step, .done, status: counter.status, attempts: counter.requests, detail: counter.note, state: state)
        } catch let skip as Skip {
            await finish(step, .skipped, attempts: counter.requests, detail: skip.reason, state: state)
        } catch let error as SCIMError {
            await finish(
                step, .failed, status: error.status, attempts: counter.requests + max(0, error.attempts - 1),
                detail: error.description, state: state)
        } catch {
            await finish(step, .failed, attempts: counter.requests, detail: "\(error)", state: state)
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

    mutating func sent(_ status: Int) {
        requests += 1
        self.status = status
    }
}

/// What apply has learnt so far: the ids of objects (created ones included) and the ledger.
actor ApplyState {
    private var ids: [String: String] = [:]
    private(set) var entries: [LedgerEntry] = []
    private var failedKeys: Set<String> = []

    private func slot(_ type: ResourceKind, _ key: String) -> String { "\(type.rawValue)/\(key.caseFolded)" }

    func learn(_ type: ResourceKind, key: String, id: String) {
        ids[slot(type, key)] = id
    }

    func id(_ type: ResourceKind, _ key: String) -> String? {
        ids[slot(type, key)]
    }

    func append(_ entry: LedgerEntry, for step: Step) {
        entries.append(entry)
        if entry.outcome != .done { failedKeys.insert(slot(step.action.type, step.action.key)) }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
