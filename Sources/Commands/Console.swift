import Foundation
import SafeText

/// Where a command's output goes: the report (stdout: only what a script reads), notes and warnings
/// (stderr), and the CI job summary. The command line's console is the terminal (`TerminalConsole`);
/// tests pass one that records.
public protocol Console: Sendable {
    /// Writes the report; throws when it cannot be written whole (a closed pipe, a full disk).
    func report(_ text: String) throws
    /// Writes a note, diagnostics or progress.
    func note(_ text: String)
    /// Appends Markdown to the CI job summary, where there is one.
    func stepSummary(_ markdown: String)
    /// Whether the report and the notes may be coloured.
    var reportColour: Bool { get }
    var noteColour: Bool { get }
}

extension Console {
    /// `scimctl: warning: TEXT`.
    public func warn(_ text: String) {
        note("scimctl: warning: \(text)\n")
    }
}

/// The terminal: stdout, stderr and `GITHUB_STEP_SUMMARY`, every byte through `Terminal`'s gate.
public struct TerminalConsole: Console {
    public init() {}

    public func report(_ text: String) throws { try Terminal.standardOutput(text) }
    public func note(_ text: String) { Terminal.standardError(text) }
    public func stepSummary(_ markdown: String) { Terminal.appendStepSummary(markdown) }
    public var reportColour: Bool { Terminal.stdoutWantsColour }
    public var noteColour: Bool { Terminal.stderrWantsColour }
}
