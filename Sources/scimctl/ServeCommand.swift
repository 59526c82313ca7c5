import ArgumentParser
import Commands
import SandboxServer

/// `scimctl serve`: the embedded sandbox over HTTP, for other tools, tests and benchmarks.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the embedded SCIM sandbox over HTTP (base URL http://HOST:PORT/v2).",
        discussion: """
            Fault injection (--fail-rate, --throttle-rate, --drop-rate, --latency) is seeded, so a run can be \
            replayed. --profile makes the sandbox behave as a provider profile says: a built-in one by name \
            (aws: no members on groups, cursor paging only, 100 per page, eq/and filters; qase: a duplicate \
            userName is 400 "not unique", name parts required) or a profile file, the same one target.profile \
            names. --schema declares a custom extension schema (an RFC 7643 §7 Schema resource in JSON, its id \
            ending in :User or :Group): served at /Schemas, listed on the resource type, enforced on writes, \
            and kept in the database.
            """
    )

    @Option(help: "The SQLite file the sandbox keeps its state in.")
    var db: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed when ready).")
    var port = 8080

    @Option(help: "Require this bearer token (prefer --token-file: the command line is visible to others).")
    var token: String?

    @Option(help: "Read the required bearer token from this file.")
    var tokenFile: String?

    @Option(help: "Serve an OAuth2 token endpoint (POST /oauth/token, client credentials) for this client id.")
    var oauthClientId: String?

    @Option(help: "The environment variable that holds that client's secret.")
    var oauthClientSecretEnv = "SCIM_OAUTH_CLIENT_SECRET"

    @Option(help: "Seconds an issued token lives.")
    var oauthTokenLifetime = 3600

    @Option(help: "Share of requests answered 503, unprocessed (0–1).")
    var failRate: Double = 0

    @Option(help: "Share of requests answered 429 with Retry-After, unprocessed (0–1).")
    var throttleRate: Double = 0

    @Option(help: "Share of requests processed, then answered by closing the connection (0–1).")
    var dropRate: Double = 0

    @Option(help: "Behave as this provider profile: a built-in name (generic, qase, aws, …) or a profile file.")
    var profile = "generic"

    @Option(help: "Declare a custom extension schema from this JSON file (repeatable).")
    var schema: [String] = []

    @Option(help: "Milliseconds added to every request.")
    var latency: Int = 0

    @Option(help: "Seed of the fault schedule.")
    var seed: UInt64 = 1

    func validate() throws {
        for (name, rate) in [("--fail-rate", failRate), ("--throttle-rate", throttleRate), ("--drop-rate", dropRate)]
        where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be between 0 and 1")
        }
        guard failRate + throttleRate <= 1 else {
            throw ValidationError("--fail-rate and --throttle-rate add up to more than 1")
        }
        guard latency >= 0 else { throw ValidationError("--latency must not be negative") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        if let problem = ServeUseCase.problem(profile: profile) { throw ValidationError(problem) }
    }

    func run() async throws {
        try await ServeUseCase(
            db: db, host: host, port: port, token: token, tokenFile: tokenFile, oauthClientId: oauthClientId,
            oauthClientSecretEnv: oauthClientSecretEnv, oauthTokenLifetime: oauthTokenLifetime, profile: profile,
            schemas: schema,
            faults: FaultOptions(
                failRate: failRate, throttleRate: throttleRate, dropRate: dropRate, latency: .milliseconds(latency),
                seed: seed),
            console: TerminalConsole()
        ).run()
    }
}
