public import ArgumentParser
import Commands

/// Options shared by every command that talks to a provider.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The SCIM base URL; overrides target.url, which overrides SCIM_URL.")
    var url: String?

    @Option(help: "Read the bearer token from this file instead of the environment.")
    var tokenFile: String?

    @Option(help: "Requests in flight at most.")
    var parallelism: Int = 4

    @Option(help: "Requests started per second at most (e.g. 10).")
    var rateLimit: Double?

    @Option(help: "The most one request may take, in seconds, from sending it to the last byte of the answer.")
    var timeout: Double = 30

    @Option(
        help: "PEM certificates to trust besides the system's (a private CA); else target.caFile, else SSL_CERT_FILE.")
    var caFile: String?

    @Flag(help: "Trace every HTTP request (method, URL, status, time; never headers) on stderr.")
    var verbose = false

    @Option(
        name: .customLong("target"),
        help: "With targets: in the YAML, work on this target only (repeatable; default: every target).")
    var targets: [String] = []

    var settings: ConnectionSettings {
        ConnectionSettings(
            url: url, tokenFile: tokenFile, parallelism: parallelism, rateLimit: rateLimit, timeout: timeout,
            caFile: caFile, verbose: verbose, targets: targets)
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}

/// Options of the commands that compute a plan.
struct PlanningOptions: ParsableArguments {
    @Argument(help: "Files, or directories searched for *.yaml and *.yml.")
    var paths: [String] = ["."]

    @Option(help: "The day to plan for (YYYY-MM-DD, UTC): expiries and deleteAfter are evaluated on it.")
    var now: String?

    var settings: PlanningSettings { PlanningSettings(paths: paths, now: now) }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}

/// The session a planning command runs in, on the terminal.
func session(_ planning: PlanningOptions, _ connection: ConnectionOptions) -> Session {
    Session(planning: planning.settings, connection: connection.settings, console: TerminalConsole())
}

extension PlanFormat: ExpressibleByArgument {}
extension DiagnosticsFormat: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}
