import ArgumentParser
import DesiredState

/// `scimctl validate`: parse and check the desired state offline, with no network and no token.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check desired-state files offline (no network, no token).",
        discussion: """
            Reports every problem at once, sorted by file, line and column.
            Exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage error.
            """
    )

    @Argument(help: "Files, or directories searched for *.yaml and *.yml (hidden entries skipped).")
    var paths: [String] = ["."]

    @Option(help: "text (stderr, compiler style), github (Actions annotations on stdout) or json (stdout).")
    var format: DiagnosticsFormat = .text

    func run() async throws {
        let loaded = DesiredStateLoader().load(paths: paths)
        var formatter = DiagnosticFormatter(sources: loaded.sources, colour: Terminal.stderrWantsColour)
        switch format {
        case .text:
            Terminal.standardError(formatter.text(loaded.diagnostics))
        case .github:
            try Terminal.standardOutput(formatter.github(loaded.diagnostics))
        case .json:
            try Terminal.standardOutput(formatter.json(loaded.diagnostics))
        }
        if format != .json { Terminal.standardError(summary(loaded) + "\n") }
        if loaded.state == nil { throw CommandFailure.ended(.failed) }
    }

    private func summary(_ loaded: LoadedState) -> String {
        let errors = loaded.diagnostics.count { $0.severity == .error }
        let warnings = loaded.diagnostics.count { $0.severity == .warning }
        let found = warnings > 0 ? " (\(plural(warnings, "warning")))" : ""
        guard let state = loaded.state else {
            return "invalid: \(plural(errors, "error"))\(warnings > 0 ? ", \(plural(warnings, "warning"))" : "")"
        }
        var summary =
            "valid: \(plural(state.users.count, "user")) and \(plural(state.groups.count, "group")) "
            + "in \(plural(state.files.count, "file"))\(found)"
        // What offline cannot know: say so, rather than let "valid" promise it.
        let extensions =
            state.users.reduce(0) { $0 + $1.extensions.count } + state.groups.reduce(0) { $0 + $1.extensions.count }
        if extensions > 0 {
            summary +=
                "\nnote: \(plural(extensions, "custom extension attribute")) checked for shape only; plan checks them "
                + "against the provider's /Schemas (type, plurality, mutability, required)"
        }
        return summary
    }

    private func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// How `validate` reports.
enum DiagnosticsFormat: String, CaseIterable, ExpressibleByArgument {
    case text, github, json
}
