import Applier
import ArgumentParser
import Foundation
import Planner
import SCIM
import SafeText
import Synchronization

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
        Terminal.standardOutput(renderer.text(plan))
        do {
            try Applier.check(plan)
        } catch {
            Terminal.standardError("scimctl: \(error.description); nothing was changed\n")
            Terminal.appendStepSummary(
                PlanRenderer().markdown(plan) + "\n**Apply refused: \(error.description); nothing was changed.**\n")
            throw ExitCode(error.exitCode)
        }
        guard plan.hasChanges else { return }
        try confirm()
        let journalFile = try journal.map(openJournal)
        let interrupt = Interruption()
        let progress = Progress(total: Applier.stepCount(of: plan))
        let applier = Applier(
            client: client, parallelism: connection.parallelism,
            record: { entry in
                if let journalFile { Self.write(entry, to: journalFile) }
                progress.advance(entry)
            },
            isInterrupted: { interrupt.requested })
        let result = await applier.apply(plan)
        try? journalFile?.close()
        let ledger = ledger(result)
        Terminal.standardOutput(ledger)
        Terminal.appendStepSummary(stepSummary(result, plan: plan, ledger: ledger))
        if result.failed > 0 || result.skipped > 0 || result.interrupted { throw ExitCode(1) }
    }

    /// The plan to execute, always made now from the YAML and a fresh read. With `--plan`, the saved
    /// plan must be made from the same YAML (checked before anything is read) and equal the fresh one;
    /// nothing else is taken from the file (design.md, Saved plans).
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
            Terminal.standardError(
                "scimctl: refusing to apply without --auto-approve: stdin is not a terminal; nothing was changed\n")
            throw ExitCode(1)
        }
        Terminal.standardError("Apply these changes? Only 'yes' is accepted: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            Terminal.standardError("Cancelled; nothing was changed.\n")
            throw ExitCode(1)
        }
    }

    private func openJournal(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            Terminal.standardError("scimctl: error: cannot open the journal \(path)\n")
            throw ExitCode(1)
        }
        handle.seekToEndOfFile()
        return handle
    }

    private static func write(_ entry: LedgerEntry, to file: FileHandle) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let encoded = try? encoder.encode(entry) else { return }
        // Through the same redaction as the terminal: an entry's detail may quote a provider's answer.
        var line = Secrets.redact(Array(encoded))
        line.append(UInt8(ascii: "\n"))
        do {
            try file.write(contentsOf: line)
        } catch {
            Terminal.standardError("scimctl: warning: cannot write to the journal: \(error.localizedDescription)\n")
        }
    }

    private func ledger(_ result: ApplyResult) -> String {
        var output = "\n"
        for entry in result.entries {
            let mark =
                switch entry.outcome {
                case .done: "done   "
                case .failed: "FAILED "
                case .skipped: "skipped"
                }
            output += "\(mark) \(entry.action.symbol) \(entry.type.rawValue) \(Printable.escape(entry.key))"
            if let detail = entry.detail { output += ": \(Printable.escape(detail))" }
            output += "\n"
        }
        output += "\nApply: \(result.done) done, \(result.failed) failed, \(result.skipped) skipped."
        if result.interrupted { output += " Interrupted: run apply again to finish." }
        return output + "\n"
    }
}

extension ApplyCommand {
    /// The job summary of an apply: the outcome, what failed or was skipped, and the whole ledger folded.
    func stepSummary(_ result: ApplyResult, plan: Plan, ledger: String) -> String {
        var text = "### scimctl apply — `\(plan.target.url.replacingOccurrences(of: "`", with: "'"))`\n\n"
        text += "**Apply: \(result.done) done, \(result.failed) failed, \(result.skipped) skipped.**"
        if result.interrupted { text += " Interrupted: run apply again to finish." }
        text += "\n\n"
        let problems = result.entries.filter { $0.outcome != .done }
        for entry in problems.prefix(200) {
            text +=
                "- \(entry.outcome == .failed ? "FAILED" : "skipped") `\(entry.action.symbol)` \(entry.type.rawValue) "
            text += "**\(PlanRenderer.markdownEscape(entry.key))**"
            if let detail = entry.detail {
                text += ": \(PlanRenderer.markdownEscape(detail))"
            }
            text += "\n"
        }
        if problems.count > 200 { text += "- … and \(problems.count - 200) more\n" }
        let body = String(ledger.prefix(60_000))
        let fence = String(repeating: "`", count: max(3, PlanRenderer.longestBacktickRun(body) + 1))
        text += "\n<details><summary>Ledger (\(result.entries.count) actions)</summary>\n\n"
        text += fence + "text\n" + body + (body.count < ledger.count ? "\n… (cut)\n" : "") + fence + "\n\n</details>\n"
        return text
    }
}

/// Ctrl-C: stop issuing new requests, let the ones in flight finish, print the ledger.
///
/// `@unchecked Sendable`: `flag` is atomic, and `source` is set once in `init` and only kept alive.
final class Interruption: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT)
        source.setEventHandler { [weak self] in
            self?.flag.store(true, ordering: .relaxed)
            Terminal.standardError("\nInterrupted: finishing the requests in flight, starting no more.\n")
        }
        source.resume()
    }

    var requested: Bool { flag.load(ordering: .relaxed) }
}

/// Progress on stderr: a line that updates in place on a terminal, a line every few seconds otherwise.
final class Progress: Sendable {
    private let state = Mutex<(done: Int, last: ContinuousClock.Instant)>((0, .now))
    private let total: Int
    private let live = isatty(STDERR_FILENO) == 1

    init(total: Int) {
        self.total = total
    }

    func advance(_ entry: LedgerEntry) {
        let line: String? = state.withLock { state in
            state.done += 1
            let now = ContinuousClock.now
            if live { return "\r\(state.done)/\(total) actions" + (state.done == total ? "\n" : "") }
            guard now - state.last >= .seconds(3) || state.done == total else { return nil }
            state.last = now
            return "\(state.done)/\(total) actions applied\n"
        }
        if let line { Terminal.standardError(line) }
    }
}
