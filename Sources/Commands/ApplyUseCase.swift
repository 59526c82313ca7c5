public import Applier
import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SCIM

/// `scimctl apply`: a plan made now — from the YAML and a fresh read, or checked against a saved plan
/// — executed within the destructive cap, with a ledger and, if asked, a journal.
public struct ApplyUseCase: Sendable {
    public var session: Session
    /// `--plan FILE`: apply only if planning again gives this saved plan's actions.
    public var planFile: String?
    /// `--allow-destructive DIGEST`.
    public var allowDestructive: String?
    /// `--journal FILE`.
    public var journal: String?
    /// Asks whether to go on; nil applies without asking (`--auto-approve`). It throws to refuse.
    public var confirm: (@Sendable () throws -> Void)?
    /// Polled before each action starts: true stops issuing new requests (Ctrl-C).
    public var isInterrupted: @Sendable () -> Bool
    /// Called with each ledger entry as it is written (progress).
    public var progress: @Sendable (LedgerEntry, _ total: Int) -> Void

    public init(
        session: Session, planFile: String? = nil, allowDestructive: String? = nil, journal: String? = nil,
        confirm: (@Sendable () throws -> Void)? = nil, isInterrupted: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (LedgerEntry, Int) -> Void = { _, _ in }
    ) {
        self.session = session
        self.planFile = planFile
        self.allowDestructive = allowDestructive
        self.journal = journal
        self.confirm = confirm
        self.isInterrupted = isInterrupted
        self.progress = progress
    }

    /// Runs apply; returns the results of the targets it applied (empty when there was nothing to do).
    /// A target that its cap blocks, or that would touch a protected user, is not applied; the others are
    /// (docs/contract.md, "Many targets"), and the run then ends with the refusal's exit code.
    @discardableResult
    public func run() async throws -> [ApplyResult] {
        let console = session.console
        let planned = try await loadPlans()
        let plans = planned.map(\.plan)
        try console.report(PlanRenderer(colour: console.reportColour).text(plans))
        var refusals: [(name: String?, error: ApplyRefusal)] = []
        var runnable: [Session.TargetPlan] = []
        for target in planned {
            do {
                try PlanExecutor.check(target.plan)
                runnable.append(target)
            } catch {
                refusals.append((target.name, error))
            }
        }
        let refusal = Self.refusal(refusals)
        if runnable.isEmpty, let refusal {
            console.stepSummary(
                PlanRenderer().markdown(plans) + "\n**Apply refused: \(refusal.message); nothing was changed.**\n")
            throw CommandFailure.refused("\(refusal.message); nothing was changed", refusal.status)
        }
        runnable.removeAll { !$0.plan.hasChanges }
        guard !runnable.isEmpty else { return [] }
        try confirm?()
        let journal = try journal.map { path in
            guard let journal = Journal(path: path, warn: { console.warn($0) }) else {
                throw CommandFailure.error("cannot open the journal \(path)")
            }
            return journal
        }
        let total = runnable.reduce(0) { $0 + PlanExecutor.stepCount(of: $1.plan) }
        let progress = self.progress
        let parallelism = session.connection.parallelism
        let isInterrupted = self.isInterrupted
        // Each target at its own parallelism, all at once: the run takes about as long as the slowest.
        let results = await withTaskGroup(of: (Int, ApplyResult).self) { group in
            for (index, target) in runnable.enumerated() {
                group.addTask {
                    let executor = PlanExecutor(
                        client: target.client, parallelism: parallelism,
                        record: { entry in
                            journal?.append(entry)
                            progress(entry, total)
                        },
                        isInterrupted: isInterrupted)
                    return (index, await executor.apply(target.plan))
                }
            }
            var results: [(Int, ApplyResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        journal?.close()
        let ledgers = results.map { LedgerReport.text($0) }
        try console.report(ledgers.joined())
        console.stepSummary(
            zip(results, zip(runnable, ledgers)).map { result, pair in
                LedgerReport.markdown(result, plan: pair.0.plan, ledger: pair.1)
            }.joined(separator: "\n"))
        if results.contains(where: { $0.failed > 0 || $0.skipped > 0 || $0.interrupted }) {
            throw CommandFailure.ended(.failed)
        }
        if let refusal {
            throw CommandFailure.refused("\(refusal.message); nothing was changed there", refusal.status)
        }
        return results
    }

    /// The refusals of the targets not applied, as one message and exit code: blocked (3) unless a
    /// target was refused for another reason (1).
    static func refusal(_ refusals: [(name: String?, error: ApplyRefusal)]) -> (
        message: String, status: CommandFailure.Status
    )? {
        guard !refusals.isEmpty else { return nil }
        let message = refusals.map { name, error in
            (name.map { "target \($0): " } ?? "") + error.description
        }.joined(separator: "\n")
        let blocked = refusals.allSatisfy { if case .blocked = $0.error { true } else { false } }
        return (message, blocked ? .blocked : .failed)
    }

    /// The plans to execute, always made now from the YAML and a fresh read. With `--plan`, in this
    /// order: the file must be a plan; it must be made from the same YAML (checked before anything is
    /// read); and planning again must give its actions, target by target. Nothing else is taken from
    /// the file (docs/contract.md, Saved plans).
    func loadPlans() async throws -> [Session.TargetPlan] {
        let approvals = allowDestructive.map { [$0] } ?? []
        guard let planFile else {
            return try await session.plans(extraApprovals: approvals)
        }
        let saved: [SavedPlan]
        do {
            saved = try SavedPlan.decodeAll(try Data(contentsOf: URL(fileURLWithPath: planFile)))
        } catch let refusal as SavedPlanRefusal {
            try session.fail("\(planFile): \(refusal); nothing was changed")
        } catch {
            try session.fail("cannot read the plan \(planFile): \(error.localizedDescription)")
        }
        let (desired, digest) = try await session.loadDesired()
        guard saved.allSatisfy({ digest == $0.desiredDigest }) else {
            try session.fail("\(planFile): \(SavedPlanRefusal.yamlChanged); nothing was read or changed")
        }
        // The targets the file holds, unless --target narrows them further.
        var scopes = try session.select(desired)
        if session.connection.targets.isEmpty {
            let named = Set(saved.compactMap(\.target.name))
            if !named.isEmpty { scopes = scopes.filter { $0.name.map(named.contains) ?? false } }
        }
        let fresh = try await session.plans(scopes, digest: digest, extraApprovals: approvals)
        let savedNames = saved.map { $0.target.name ?? "" }.sorted()
        let freshNames = fresh.map { $0.name ?? "" }.sorted()
        guard savedNames == freshNames else {
            try session.fail(
                "\(planFile): the plan holds the targets \(savedNames.joined(separator: ", ")), but this run plans "
                    + "\(freshNames.joined(separator: ", ")); nothing was changed")
        }
        for target in fresh {
            let file = saved.first { $0.target.name == target.name }!
            do {
                try file.check(target.plan)
            } catch {
                let prefix = target.name.map { "target \($0): " } ?? ""
                try session.fail("\(planFile): \(prefix)\(error); nothing was changed")
            }
        }
        return fresh
    }
}
