import Applier
import ArgumentParser
import Foundation
import Planner
import SCIM

#if canImport(Glibc)
    import Glibc
#endif

/// `scimctl apply`: execute a plan, within the safety cap, and leave a ledger (and a journal).
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the provider match the YAML (or execute a saved plan).",
        discussion: """
            Without --auto-approve, asks on a terminal and refuses when stdin is not one.
            Exit codes: 0 all done, 1 an action failed / stale plan / error, 3 blocked by the destructive cap.
            """
    )

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(
        name: .customLong("plan"),
        help:
            "Apply this saved plan (scimctl plan --out) only if planning again from the YAML and a fresh read gives the same actions."
    )
    var planFile: String?

    @Flag(help: "Apply without asking.")
    var autoApprove = false

    @Option(help: "Let exactly this destructive set (its digest) exceed the cap, for emergencies.")
    var allowDestructive: String?

    @Option(help: "Append one JSON line per action to this file (an audit trail, with no secrets).")
    var journal: String?

    func run() async throws {
        let session = Session(planning: planning, connection: connection)
        let (plan, client) = try await loadPlan(session)
        let renderer = PlanRenderer(colour: Terminal.stdoutWantsColour)
        try Terminal.standardOutput(renderer.text(plan))
        do {
            try Applier.check(plan)
        } catch {
            Terminal.appendStepSummary(
                PlanRenderer().markdown(plan) + "\n**Apply refused: \(error.description); nothing was changed.**\n")
            let outcome: CommandFailure.Outcome = if case .blocked = error { .blocked } else { .failed }
            throw CommandFailure.refused("\(error.description); nothing was changed", outcome)
        }
        guard plan.hasChanges else { return }
        try confirm()
        let journal = try journal.map { path in
            guard let journal = Journal(path: path, warn: { Terminal.standardError("scimctl: warning: \($0)\n") })
            else { throw CommandFailure.error("cannot open the journal \(path)") }
            return journal
        }
        let interrupt = Interruption()
        let progress = Progress(total: Applier.stepCount(of: plan))
        let applier = Applier(
            client: client, parallelism: connection.parallelism,
            record: { entry in
                journal?.append(entry)
                progress.advance(entry)
            },
            isInterrupted: { interrupt.requested })
        let result = await applier.apply(plan)
        journal?.close()
        let ledger = LedgerReport.text(result)
        try Terminal.standardOutput(ledger)
        Terminal.appendStepSummary(LedgerReport.markdown(result, plan: plan, ledger: ledger))
        if result.failed > 0 || result.skipped > 0 || result.interrupted { throw CommandFailure.ended(.failed) }
    }

    /// The plan to execute, always made now from the YAML and a fresh read. With `--plan`, the saved
    /// plan must be made from the same YAML (checked before anything is read) and equal the fresh one;
    /// nothing else is taken from the file (docs/contract.md, Saved plans).
    private func loadPlan(_ session: Session) async throws -> (Plan, SCIMClient) {
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
        let (desired, digest) = try session.loadDesired()
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

    private func confirm() throws {
        guard !autoApprove else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure.refused(
                "refusing to apply without --auto-approve: stdin is not a terminal; nothing was changed", .failed)
        }
        Terminal.standardError("Apply these changes? Only 'yes' is accepted: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            Terminal.standardError("Cancelled; nothing was changed.\n")
            throw CommandFailure.ended(.failed)
        }
    }
}
