import ArgumentParser
import Commands

/// `scimctl report`: the access review — who has access to what, what ends soon, what nobody declared.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the access review: per person and target, groups, licence, status; what ends soon.",
        discussion: """
            Offline by default (the YAML alone, no token). With --live (a read-only token is enough) it \
            reads each target and adds the accounts nobody declared, drift per person and the accounts' \
            created/lastModified times. HTML is one self-contained page; CSV is RFC 4180, a row per person \
            and target. Nothing on a provider is changed. Exit codes: 0 written, 1 error, 64 usage error.
            """)

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "html (one self-contained page), csv, markdown or json.")
    var format: ReportFormat = .html

    @Option(help: "Write the report to FILE instead of stdout.")
    var out: String?

    @Option(help: "List access that ends within this many days.")
    var within: Int = 30

    @Flag(help: "Also read each target (read-only): undeclared accounts, drift, account times.")
    var live = false

    func validate() throws {
        guard (0...3650).contains(within) else { throw ValidationError("--within must be from 0 to 3650 days") }
    }

    func run() async throws {
        try await ReportUseCase(
            session: session(planning, connection), format: format, out: out, within: within, live: live
        ).run()
    }
}
