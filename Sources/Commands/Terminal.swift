public import Foundation
public import Logging
import SafeText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where output goes: stdout carries only the report a script reads; diagnostics and progress go to
/// stderr. Every byte scimctl prints passes `Printable.gate` and `Secrets.redact` here, so no output path
/// can show a secret or drive the terminal.
public enum Terminal {
    public static func standardError(_ text: String) {
        // Nothing can be reported about a failing stderr; the exit code still tells.
        _ = write(text, to: STDERR_FILENO, colour: stderrWantsColour)
    }

    /// Writes the report. A stdout that is closed or full (`scimctl plan | head`, a full disk) ends the
    /// run with exit 1 and one line on stderr, rather than a crash or a half-written report taken as whole.
    public static func standardOutput(_ text: String) throws {
        if let failure = write(text, to: STDOUT_FILENO, colour: stdoutWantsColour) {
            throw CommandFailure.error("cannot write to standard output: \(failure)")
        }
    }

    /// Output made safe: secrets replaced, control characters escaped (keeping our own colour codes).
    static func safe(_ text: String, colour: Bool) -> String {
        Printable.gate(Secrets.redact(text), colour: colour)
    }

    /// Writes all of `text`; returns the reason when the descriptor refuses it.
    private static func write(_ text: String, to descriptor: Int32, colour: Bool) -> String? {
        let bytes = Array(safe(text, colour: colour).utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }

    /// Appends Markdown to the GitHub Actions job summary when `GITHUB_STEP_SUMMARY` names a file (the
    /// runner sets it), through the same gate as every other output. A summary that cannot be written is
    /// a warning: the report on stdout and the exit code are what the step is judged by.
    public static func appendStepSummary(
        _ markdown: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            standardError(
                "scimctl: warning: cannot write the job summary to GITHUB_STEP_SUMMARY: \(String(cString: strerror(errno)))\n"
            )
            return
        }
        defer { close(descriptor) }
        if let failure = write(markdown + "\n", to: descriptor, colour: false) {
            standardError("scimctl: warning: cannot write the job summary to GITHUB_STEP_SUMMARY: \(failure)\n")
        }
    }

    /// Once, at start: a closed pipe makes write(2) fail with EPIPE instead of killing the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Colour on stdout only on a terminal, and never when NO_COLOR is set.
    public static let stdoutWantsColour =
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    public static let stderrWantsColour =
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
}

/// swift-log's output, through `Terminal` (and so through redaction) instead of straight to stderr.
public struct TerminalLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Terminal.standardError("scimctl: \(event.level): \(Printable.escape(event.message.description))\n")
    }
}
