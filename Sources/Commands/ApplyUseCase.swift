public import Applier
import Foundation
import PlanFile
public import Planner
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

    /// Runs apply; returns its result (nil when there was nothing to do).
    @discardableResult
    public func run() async throws -> ApplyResult? {
        let console = session.console
        let (plan, client) = try await loadPlan()
        try console.report(PlanRenderer(colour: console.reportColour).text(plan))
        do {
            try PlanExecutor.check(plan)
        } catch {
            console.stepSummary(
                PlanRenderer().markdown(plan) + "\n**Apply refused: \(error.description); nothing was changed.**\n")
            let outcome: CommandFailure.Status = if case .blocked = error { .blocked } else { .failed }
            throw CommandFailure.refused("\(error.description); nothing was changed", outcome)
        }
        guard plan.hasChanges else { return nil }
        try confirm?()
        let journal = try journal.map { path in
            guard let journal = Journal(path: path, warn: { console.warn($0) }) else {
                throw CommandFailure.error("cannot open the journal \(path)")
            }
            return journal
        }
        let total = PlanExecutor.stepCount(of: plan)
        let progress = self.progress
        let applier = PlanExecutor(
            client: client, parallelism: session.connection.parallelism,
            record: { entry in
                journal?.append(entry)
                progress(entry, total)
            },
            isInterrupted: isInterrupted)
        let result = await applier.apply(plan)
        journal?.close()
        let ledger = LedgerReport.text(result)
        try console.report(ledger)
        console.stepSummary(LedgerReport.markdown(result, plan: plan, ledger: ledger))
        if result.failed > 0 || result.skipped > 0 || result.interrupted { throw CommandFailure.ended(.failed) }
        return result
    }

    /// The plan to execute, always made now from the YAML and a fresh read. With `--plan`, in this
    /// order: the file must be a plan; it must be made from the same YAML (checked before anything is
    /// read); and planning again must give its actions. Nothing else is taken from the file
    /// (docs/contract.md, Saved plans).
    func loadPlan() async throws -> (Plan, any PlanExecutor.Client) {
        let approvals = allowDestructive.map { [$0] } ?? []
        guard let planFile else {
            let (plan, _, client) = try await session.plan(extraApprovals: approvals)
            return (plan, client)
        }
        let saved: SavedPlan
        do {
            saved = try SavedPlan.decode(try Data(contentsOf: URL(fileURLWithPath: planFile)))
        } catch let refusal as SavedPlanRefusal {
            try session.fail("\(planFile): \(refusal); nothing was changed")
        } catch {
            try session.fail("cannot read the plan \(planFile): \(error.localizedDescription)")
        }
        let (desired, digest) = try await session.loadDesired()
        guard digest == saved.desiredDigest else {
            try session.fail("\(planFile): \(SavedPlanRefusal.yamlChanged); nothing was read or changed")
        }
        let (plan, _, client) = try await session.plan(desired, digest: digest, extraApprovals: approvals)
        do {
            try saved.check(plan)
        } catch {
            try session.fail("\(planFile): \(error); nothing was changed")
        }
        return (plan, client)
    }
}
