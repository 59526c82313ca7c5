/// How a command ends when it does not end well: thrown up to `Scimctl.main`, which prints its message
/// once and exits with its code. The one place a failure becomes an exit code (docs/contract.md,
/// Commands and exit codes); nothing else prints `scimctl: error:` or exits.
public enum CommandFailure: Error, CustomStringConvertible {
    /// `scimctl: error: MESSAGE`, exit 1.
    case error(String)
    /// `scimctl: MESSAGE` (a refusal, not a fault), then `outcome`'s exit code.
    case refused(String, Status)
    /// What went wrong is already on screen (diagnostics, a ledger, a report): `outcome`'s exit code.
    case ended(Status)

    /// The exit codes other than 0 and usage's 64.
    public enum Status: Int32, Sendable {
        /// An error, an invalid desired state, a failed action, a refusal.
        case failed = 1
        /// `plan --detailed-exitcode` with changes, or `drift` with drift.
        case changes = 2
        /// Blocked by the destructive cap.
        case blocked = 3
    }

    public var exitCode: Int32 {
        switch self {
        case .error: Status.failed.rawValue
        case .refused(_, let outcome), .ended(let outcome): outcome.rawValue
        }
    }

    /// The line printed to stderr, if any.
    public var message: String? {
        switch self {
        case .error(let message): "scimctl: error: \(message)"
        case .refused(let message, _): "scimctl: \(message)"
        case .ended: nil
        }
    }

    public var description: String { message ?? "exit \(exitCode)" }
}
