import ArgumentParser
import Commands
import DesiredState
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `scimctl validate`: parse and check the desired state offline, with no network and no token.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check desired-state files offline (no network, no token).",
        discussion: """
            Reports every problem at once, sorted by file, line and column.
            Exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage error.
            """)

    @Argument(help: "Files, or directories searched for *.yaml and *.yml (hidden entries skipped).")
    var paths: [String] = ["."]

    @Option(
        help: """
            text (stderr, compiler style), github (Actions annotations on stdout), json (stdout), or state (the             desired state as JSON on stdout, for policy engines; docs/state-json.md).
            """)
    var format: DiagnosticsFormat = .text

    @Option(help: "The day rules are checked on (YYYY-MM-DD, UTC); default today.")
    var now: String?

    func validate() throws {
        if let now, CalendarDay(now) == nil { throw ValidationError("--now must be a date written YYYY-MM-DD") }
    }

    func run() async throws {
        try await ValidateUseCase(
            paths: paths, format: format, console: TerminalConsole(), now: now.flatMap(CalendarDay.init)
        ).run()
    }
}

/// `scimctl plan`: read the live state, print what would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Read the live state and show what apply would change.",
        discussion: """
            Exit codes: 0 success (no changes, or changes without --detailed-exitcode), 2 changes pending
            (with --detailed-exitcode), 3 blocked by the destructive cap, 1 error, 64 usage error.
            """)

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "text (Terraform-like), json (one document), or markdown (a pull-request comment).")
    var format: PlanFormat = .text

    @Option(help: "Also save the plan, with the digests apply --plan checks, as JSON to this file.")
    var out: String?

    @Flag(help: "Exit 2 when there are changes.")
    var detailedExitcode = false

    func run() async throws {
        try await PlanUseCase(
            session: session(planning, connection), format: format, out: out, detailedExitcode: detailedExitcode
        ).run()
    }
}

/// `scimctl drift`: the plan, as a report of what changed on the provider behind the YAML's back.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Report out-of-band changes (for schedules): exit 0 in sync, 2 drift, 1 error.",
        discussion: "Separates changes to managed objects from unmanaged objects that appeared.")

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "text, json or markdown.")
    var format: PlanFormat = .text

    func run() async throws {
        try await DriftUseCase(session: session(planning, connection), format: format).run()
    }
}

/// `scimctl apply`: execute a plan, within the safety cap, and leave a ledger (and a journal).
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the provider match the YAML (or execute a saved plan).",
        discussion: """
            Without --auto-approve, asks on a terminal and refuses when stdin is not one.
            Exit codes: 0 all done, 1 an action failed / stale plan / error, 3 blocked by the destructive cap.
            """)

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
        let interrupt = Interruption()
        let progress = Progress()
        try await ApplyUseCase(
            session: session(planning, connection), planFile: planFile, allowDestructive: allowDestructive,
            journal: journal, confirm: autoApprove ? nil : Self.confirm, isInterrupted: { interrupt.requested },
            progress: { progress.advance($0, of: $1) }
        ).run()
    }

    /// Asks on the terminal; only `yes` goes on.
    @Sendable static func confirm() throws {
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

/// `scimctl import`: the live state as desired-state YAML, to bootstrap an org that already exists.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write the live users and groups as desired-state YAML (bootstrap an existing org).",
        discussion: """
            The provider is --url (or SCIM_URL); the token is read as for plan. The YAML declares every live \
            user and group with the attributes scimctl manages, so a plan right after reports no changes. It \
            is checked as validate would: exit 1 when it would not load (a live name the format refuses), \
            with the file still written for you to fix. Nothing on the provider is changed.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The provider's quirks profile (a built-in one), written as target.provider.")
    var provider = "generic"

    @Option(help: "The environment variable that holds the token, read now and written as target.tokenEnv.")
    var tokenEnv = "SCIM_TOKEN"

    @Option(help: "Write DIR/org.yaml (never over an existing file) instead of printing the YAML.")
    var out: String?

    @Option(
        help: """
            Merge the live accounts of --target NAME into the people directory DIR (targets:): matched people             gain access.NAME, the others are written to DIR/NAME-imported.yaml.
            """)
    var into: String?

    func validate() throws {
        if into != nil {
            guard connection.targets.count == 1 else {
                throw ValidationError("--into merges one target: name it with --target NAME")
            }
            guard out == nil else { throw ValidationError("--into and --out: choose one") }
        } else if !connection.targets.isEmpty {
            throw ValidationError("--target is for --into DIR (merging a target into a people directory)")
        }
        guard (try? BuiltInProfiles.resolve(provider)) != nil else {
            throw ValidationError("--provider must be one of \(BuiltInProfiles.names.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let session = Session(planning: PlanningSettings(), connection: connection.settings, console: TerminalConsole())
        if let into {
            try await ImportIntoUseCase(
                session: session, target: connection.targets[0], into: into, provider: provider, tokenEnv: tokenEnv
            ).run()
            return
        }
        try await ImportUseCase(session: session, provider: provider, tokenEnv: tokenEnv, out: out).run()
    }
}

/// `scimctl show plan.json`: a saved plan, printed as `plan` would print it, with no network and no
/// token. What it shows is what the file states; `apply --plan` plans again and checks the file.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a plan saved by 'plan --out' as text, Markdown or JSON (offline).",
        discussion: """
            Shows the file as it states itself: apply --plan never trusts it, and plans again from the YAML
            and a fresh read before it writes anything. A file whose destructive digest is not that of its
            own actions (edited by hand) is shown, and reported.
            Exit codes: 0 shown, 1 unreadable or edited file, 64 usage error.
            """)

    @Argument(help: "The plan file (scimctl plan --out FILE).")
    var file: String

    @Option(help: "text, json (the file's document, normalised) or markdown.")
    var format: PlanFormat = .text

    @Option(name: .customLong("target"), help: "Of a plan of several targets, show this one (repeatable).")
    var targets: [String] = []

    func run() throws {
        try ShowUseCase(file: file, format: format, console: TerminalConsole(), targets: targets).run()
    }
}
