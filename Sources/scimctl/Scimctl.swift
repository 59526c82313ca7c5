import ArgumentParser
import Commands
import Logging

/// The scimctl command line: SCIM users and groups managed as code.
@main
struct Scimctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scimctl",
        abstract: "Manage the users and groups of a SCIM 2.0 provider as code.",
        discussion: "Declare users and groups in YAML: 'validate' checks the files offline, 'plan' shows what "
            + "would change, 'apply' makes it so within the destructive cap, 'drift' reports changes made by "
            + "hand, 'import' writes an existing org as YAML, 'serve' runs the embedded sandbox provider over "
            + "HTTP. Each command's --help gives its exit codes.",
        version: BuildInfo.current.line,
        subcommands: [
            Validate.self, PlanCommand.self, ApplyCommand.self, DriftCommand.self, ImportCommand.self,
            ShowCommand.self, ReportCommand.self, ServeCommand.self, VersionCommand.self,
        ]
    )

    /// Logging is set up once, here: diagnostics, progress and the --verbose trace go to stderr, so
    /// stdout carries only the report.
    static func main() async {
        Terminal.ignoreBrokenPipes()
        LoggingSystem.bootstrap { TerminalLogHandler(label: $0) }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            if let message = failure.message { Terminal.standardError(message + "\n") }
            exit(withError: ExitCode(failure.exitCode))
        } catch {
            exit(withError: error)
        }
    }
}
