public import Catalog
public import DesiredState
public import Foundation
import Logging
public import Planner
public import SCIM
import SCIMTransport
import SafeText
import Sandbox

/// How to reach the provider, as the command line or a caller sets it.
public struct ConnectionSettings: Sendable {
    /// `--url`: overrides target.url, which overrides SCIM_URL.
    public var url: String?
    public var tokenFile: String?
    public var parallelism: Int
    public var rateLimit: Double?
    public var timeout: Double
    public var caFile: String?
    public var verbose: Bool
    /// `--target`: the targets of `targets:` to work on; empty for all.
    public var targets: [String]

    public init(
        url: String? = nil, tokenFile: String? = nil, parallelism: Int = 4, rateLimit: Double? = nil,
        timeout: Double = 30, caFile: String? = nil, verbose: Bool = false, targets: [String] = []
    ) {
        self.targets = targets
        self.url = url
        self.tokenFile = tokenFile
        self.parallelism = parallelism
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.caFile = caFile
        self.verbose = verbose
    }

    /// Why these settings cannot be used; nil when they can (the command line reports it as a usage error).
    public var problem: String? {
        if !(1...64).contains(parallelism) { return "--parallelism must be from 1 to 64" }
        if !(timeout > 0 && timeout <= 3600) { return "--timeout must be above 0 and at most 3600" }
        if let rateLimit, rateLimit <= 0 { return "--rate-limit must be above 0" }
        return nil
    }
}

/// Which files to plan from, and for which day.
public struct PlanningSettings: Sendable {
    public var paths: [String]
    /// `--now`: the day to plan for (YYYY-MM-DD, UTC); nil for today.
    public var now: String?

    public init(paths: [String] = ["."], now: String? = nil) {
        self.paths = paths
        self.now = now
    }

    public var problem: String? {
        if let now, CalendarDay(now) == nil { return "--now must be a date written YYYY-MM-DD" }
        return nil
    }

    public var today: CalendarDay {
        if let now, let day = CalendarDay(now) { return day }
        return .today
    }
}

/// Loading the YAML, connecting to the provider and computing the plan: the steps `plan`, `drift` and
/// `apply` share.
public struct Session: Sendable {
    public let planning: PlanningSettings
    public let connection: ConnectionSettings
    public let console: any Console
    public let environment: [String: String]
    /// Reaches the provider a target names, in place of HTTP or the sandbox (tests pass an in-memory
    /// provider); nil: as the URL says. Every rule before it — which URL, credentials, the profile — holds.
    public let connector: (@Sendable (Plan.TargetInfo, ProviderProfile) async throws -> any Provider)?

    /// What a session reads from and writes to.
    public typealias Provider = SCIMReader & SCIMWriter

    public init(
        planning: PlanningSettings, connection: ConnectionSettings, console: any Console,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        connector: (@Sendable (Plan.TargetInfo, ProviderProfile) async throws -> any Provider)? = nil
    ) {
        self.planning = planning
        self.connection = connection
        self.console = console
        self.environment = environment
        self.connector = connector
    }

    /// Loads and validates the desired state; on errors prints them and throws.
    public func loadDesired() async throws -> (DeclaredOrg, digest: String) {
        let loaded = await DesiredStateLoader.loadOffPool(paths: planning.paths, today: planning.today)
        if !loaded.diagnostics.isEmpty {
            var formatter = DiagnosticFormatter(sources: loaded.sources, colour: console.noteColour)
            console.note(formatter.text(loaded.diagnostics))
        }
        guard let state = loaded.state else {
            throw CommandFailure.refused("the desired state is invalid; nothing was planned or changed", .failed)
        }
        return (state, ContentDigest.desiredState(loaded.sources))
    }

    /// The targets to work on: every scope of the directory, or those `--target` names. `--url` and
    /// `--token-file` name one target, so they need exactly one.
    public func select(_ desired: DeclaredOrg) throws -> [TargetScope] {
        let wanted = connection.targets
        if desired.targets.isEmpty {
            if let first = wanted.first {
                try fail(
                    "--target \(Printable.escape(first)): this directory declares one target (target:), not "
                        + "several (targets:); drop --target")
            }
            return desired.scopes
        }
        var chosen: [TargetScope] = []
        for name in wanted {
            guard let scope = desired.scopes.first(where: { $0.name?.lowercased() == name.lowercased() }) else {
                try fail(
                    "--target \(Printable.escape(name)) is not a declared target; the targets are "
                        + desired.scopes.compactMap(\.name).joined(separator: ", "))
            }
            if !chosen.contains(where: { $0.name == scope.name }) { chosen.append(scope) }
        }
        if chosen.isEmpty { chosen = desired.scopes }
        if chosen.count > 1 {
            if connection.url != nil { try fail("--url names one target; choose it with --target NAME") }
            if connection.tokenFile != nil {
                try fail("--token-file holds one target's token; choose it with --target NAME")
            }
        }
        return chosen
    }

    /// Connects to the target: URL from --url, else target.url, else SCIM_URL (README, "Use in CI");
    /// token from --token-file, target.tokenCommand or the environment; the provider profile from
    /// target.provider. `name`: the target's name in a directory of several.
    func connect(_ desired: DeclaredOrg, name: String? = nil) async throws -> (any Provider, Plan.TargetInfo) {
        let info = try targetInfo(desired, name: name)
        return (
            try await connect(
                info, declaredCAFile: desired.target?.caFile?.value, auth: desired.target?.auth,
                tokenCommand: desired.target?.tokenCommand?.value),
            info
        )
    }

    /// Where a desired state's plan goes, as a plan records it.
    private func targetInfo(_ desired: DeclaredOrg, name: String? = nil, quiet: Bool = false) throws
        -> Plan.TargetInfo
    {
        let target = try resolveTarget(desired, name: name, quiet: quiet)
        let profile = desired.target?.providerProfile ?? .generic
        return Plan.TargetInfo(
            url: target.url, provider: profile.name, tokenEnv: desired.target?.tokenEnv?.value, source: target.source,
            profileFile: profile.source == ProviderProfile.generic.source ? nil : profile.source, name: name)
    }

    /// The target URL and where it came from: `--url`, else `target.url`, else `SCIM_URL`. A `SCIM_URL`
    /// that another source overrides, and that names another URL, is warned of: an environment variable
    /// never silently redirects a run, nor is silently ignored.
    public func resolveTarget(
        _ desired: DeclaredOrg, name: String? = nil,
        whenMissing: String = "no target: set target.url in the YAML, or pass --url (or set SCIM_URL)",
        quiet: Bool = false
    ) throws -> (url: String, source: String) {
        let declared = desired.target?.url
        if let name {
            // A target of several: its own URL (or --url when it is the one chosen); never SCIM_URL, which
            // names one provider for the whole job.
            let chosen: (url: String, source: String)
            if let flag = connection.url {
                chosen = (flag, "--url")
            } else if let declared {
                chosen = (declared.value, "targets.\(name).url at \(declared.location)")
            } else {
                try fail(
                    "target \(name) has no url: set targets.\(name).url, or choose it with --target and pass --url")
            }
            if URLCredentials.registerSecrets(in: chosen.url) {
                try fail(
                    "\(chosen.source) carries credentials (user:password@); remove them and give the token through "
                        + "targets.\(name).tokenEnv or tokenCommand")
            }
            // Not used here, but a secret set where every process of the job reads it all the same.
            if let variable = environment["SCIM_URL"], URLCredentials.registerSecrets(in: variable) {
                try fail(
                    "SCIM_URL carries credentials (user:password@); remove them and give each target's token "
                        + "through its tokenEnv or tokenCommand")
            }
            return chosen
        }
        let variable = environment["SCIM_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let chosen: (url: String, source: String)
        if let flag = connection.url {
            chosen = (flag, "--url")
        } else if let declared {
            chosen = (declared.value, "target.url at \(declared.location)")
        } else if let variable {
            chosen = (variable, "SCIM_URL")
        } else {
            try fail(whenMissing)
        }
        // Credentials in a URL would be sent, logged and echoed with it; the token has its own channel.
        if URLCredentials.registerSecrets(in: chosen.url) {
            try fail(
                "\(chosen.source) carries credentials (user:password@); remove them and give the token through "
                    + "--token-file or the environment variable named by target.tokenEnv (default SCIM_TOKEN)")
        }
        // A SCIM_URL with credentials is refused even where another source wins: it is a secret set
        // where every process of the job reads it.
        if let variable, URLCredentials.registerSecrets(in: variable) {
            try fail(
                "SCIM_URL carries credentials (user:password@); remove them and give the token through "
                    + "--token-file or the environment variable named by target.tokenEnv (default SCIM_TOKEN)")
        }
        if !quiet, let variable, chosen.source != "SCIM_URL", variable != chosen.url {
            console.warn(
                "SCIM_URL (\(Printable.escape(variable))) is ignored: \(chosen.source) takes "
                    + "precedence (--url, then target.url, then SCIM_URL)")
        }
        return chosen
    }

    /// Connects to a target described by a plan.
    public func connect(
        _ info: Plan.TargetInfo, declaredCAFile: String? = nil, auth: OAuth2Settings? = nil,
        tokenCommand: [String]? = nil
    ) async throws -> any Provider {
        if let connector {
            try refuseCredentials(in: info)
            return try await connector(info, try Self.profile(of: info, console: console))
        }
        return try await connectClient(info, declaredCAFile: declaredCAFile, auth: auth, tokenCommand: tokenCommand)
    }

    private func refuseCredentials(in info: Plan.TargetInfo) throws {
        if URLCredentials.registerSecrets(in: info.url) {
            try fail(
                "the provider URL carries credentials (user:password@); remove them and give the token through "
                    + "--token-file or the environment")
        }
    }

    /// The SCIM client for a target, over HTTP or to the sandbox.
    private func connectClient(
        _ info: Plan.TargetInfo, declaredCAFile: String? = nil, auth: OAuth2Settings? = nil,
        tokenCommand: [String]? = nil
    ) async throws -> SCIMClient {
        try refuseCredentials(in: info)
        let profile = try Self.profile(of: info, console: console)
        var logger = Logger(label: "scimctl")
        logger.logLevel = connection.verbose ? .debug : .notice
        let url: URL
        var token: BearerToken?
        var oauth: OAuth2ClientCredentials?
        let transport: any HTTPTransport
        if info.url.hasPrefix("sandbox:") {
            // The embedded provider, in this process: no socket, no token.
            let path = String(info.url.dropFirst("sandbox:".count))
            do {
                // The sandbox behaves as the profile says, to rehearse against.
                let provider = try SandboxProvider(path: path, profile: profile)
                (url, token, transport) = (URL(string: provider.baseURL)!, nil, SandboxTransport(provider))
            } catch {
                try fail("cannot open the sandbox at \(path): \(error)")
            }
        } else {
            guard let parsed = URL(string: info.url) else { try fail("\(info.url) is not a URL") }
            if auth == nil {
                do {
                    if connection.tokenFile == nil, let tokenCommand {
                        token = try await TokenCommand(
                            tokenCommand, timeout: connection.timeout, environment: environment
                        ).token()
                    } else {
                        token = try BearerToken.resolve(
                            tokenFile: connection.tokenFile, tokenEnv: info.tokenEnv, fallback: info.name == nil,
                            environment: environment)
                    }
                } catch {
                    try fail("\(error)")
                }
                if let token { warnIfExpiring(token) }
            }
            // Trust anchors besides the system's: --ca-file, else target.caFile, else SSL_CERT_FILE (as curl
            // and OpenSSL read it).
            let caFile =
                connection.caFile ?? declaredCAFile ?? environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            do {
                let proxy = try ProxySettings.forTarget(parsed)
                (url, transport) = (
                    parsed, try AsyncHTTPClientTransport(timeout: connection.timeout, caFile: caFile, proxy: proxy)
                )
            } catch {
                try fail(error.message)
            }
            if let auth { oauth = try clientCredentials(auth, caFile: caFile) }
        }
        do {
            let scim = try SCIMConnection(
                baseURL: url, token: token, oauth: oauth, transport: transport,
                profile: profile,
                limiter: RequestLimiter(
                    parallelism: connection.parallelism,
                    ratePerSecond: connection.rateLimit ?? profile.requestsPerSecond),
                logger: logger)
            return try await SCIMClient.connect(scim)
        } catch {
            try fail(Self.explain(connecting: error, token: token, base: url))
        }
    }

    /// A token that is a JWT and expires within 14 days is named (its variable or file, never its value)
    /// with the day, so it is rotated before a scheduled run fails.
    private func warnIfExpiring(_ token: BearerToken) {
        guard let expiry = token.jwtExpiry else { return }
        let days = Int((expiry.timeIntervalSinceNow / 86_400).rounded(.down))
        guard days < 14 else { return }
        let source = token.source.map(\.description) ?? "the token"
        let day = ISO8601DateFormatter.string(from: expiry, timeZone: .gmt, formatOptions: [.withFullDate])
        console.warn(
            days < 0
                ? "\(source) is a token that expired on \(day)"
                : "\(source) is a token that expires on \(day), in \(days) day\(days == 1 ? "" : "s"): rotate it")
    }

    /// The profile a target names: a built-in one, or the file it was read from (a saved plan names
    /// the file, which is read again). An unknown name is an error, never a silent `generic`.
    public static func profile(of info: Plan.TargetInfo, console: any Console) throws -> ProviderProfile {
        if let file = info.profileFile {
            let (profile, diagnostics, bytes) = ProfileDecoder.load(path: file)
            guard let profile else {
                var sources = SourceFiles()
                sources.add(bytes, for: file)
                var formatter = DiagnosticFormatter(sources: sources, colour: console.noteColour)
                console.note(formatter.text(diagnostics))
                throw CommandFailure.error("the provider profile \(file) does not load")
            }
            return profile
        }
        do {
            return try BuiltInProfiles.resolve(info.provider)
        } catch {
            throw CommandFailure.error(Printable.escape(error.description))
        }
    }

    /// The OAuth2 client of `target.auth`: the id and secret from the variables it names, the token
    /// endpoint reached through its own proxy setting.
    private func clientCredentials(_ auth: OAuth2Settings, caFile: String?) throws -> OAuth2ClientCredentials {
        let idName = auth.clientIdEnv.value
        let secretName = auth.clientSecretEnv.value
        guard let clientId = environment[idName].flatMap({ $0.isEmpty ? nil : $0 }) else {
            try fail("no OAuth2 client id: $\(idName) (target.auth.clientIdEnv) is not set")
        }
        guard let secret = environment[secretName].flatMap({ $0.isEmpty ? nil : $0 }) else {
            try fail("no OAuth2 client secret: $\(secretName) (target.auth.clientSecretEnv) is not set")
        }
        guard let tokenURL = URL(string: auth.tokenURL.value) else { try fail("target.auth.tokenUrl is not a URL") }
        do {
            let transport = try AsyncHTTPClientTransport(
                timeout: connection.timeout, caFile: caFile, proxy: try ProxySettings.forTarget(tokenURL))
            return try OAuth2ClientCredentials(
                tokenURL: tokenURL, clientId: clientId, clientSecret: secret, scope: auth.scope,
                origin: "$\(idName) and $\(secretName)", transport: transport)
        } catch let error as TransportError {
            try fail(error.message)
        } catch {
            try fail("\(error)")
        }
    }

    /// The plan of one target, with what it was made from and the connection to apply it through.
    public struct TargetPlan: Sendable {
        /// The target's name in a directory of several; nil for the one target of `target:`.
        public var name: String?
        public var plan: Plan
        public var desired: DeclaredOrg
        public var client: any Provider
        /// What was read.
        public var snapshot: LiveSnapshot
    }

    /// Reads the live state of every target chosen (`--target`, default all) and computes their plans.
    public func plans(extraApprovals: [String] = []) async throws -> [TargetPlan] {
        // While the YAML loads, connect to the target the head of its files names and start listing
        // the users; used only if the loaded state names the same target (nothing is written either way).
        let early = await speculate()
        let scopes: [TargetScope]
        let digest: String
        do {
            let (desired, loadedDigest) = try await loadDesired()
            (scopes, digest) = (try select(desired), loadedDigest)
        } catch {
            early?.cancel()
            throw error
        }
        if let early, scopes.count == 1, scopes[0].name == nil, try early.matches(scopes[0].org, session: self) {
            // The same target: its connection (or its failure, reported once) stands.
            let reader = try early.connection.get()
            return [
                try await plan(
                    scopes[0].org, digest: digest, extraApprovals: extraApprovals, through: (reader, early.info))
            ]
        }
        early?.cancel()
        return try await plans(scopes, digest: digest, extraApprovals: extraApprovals)
    }

    /// The plans of `scopes`, read at once: each target at its own parallelism and rate limit, so the
    /// whole takes about as long as the slowest. One that cannot be planned stops the run, naming it:
    /// nothing is applied from a partial read of the directory.
    public func plans(_ scopes: [TargetScope], digest: String, extraApprovals: [String]) async throws
        -> [TargetPlan]
    {
        if scopes.count == 1 {
            return [
                try await plan(scopes[0].org, digest: digest, extraApprovals: extraApprovals, name: scopes[0].name)
            ]
        }
        return try await withThrowingTaskGroup(of: (Int, TargetPlan).self) { group in
            for (index, scope) in scopes.enumerated() {
                group.addTask {
                    (index, try await plan(scope.org, digest: digest, extraApprovals: extraApprovals, name: scope.name))
                }
            }
            var plans: [(Int, TargetPlan)] = []
            for try await planned in group { plans.append(planned) }
            return plans.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// A connection made from the target of the files' head, its user listing under way — or why it
    /// could not be made.
    struct EarlyStart {
        var connection: Result<PrefetchingReader, any Error>
        var info: Plan.TargetInfo
        var caFile: String?
        var auth: OAuth2Settings?

        /// Whether the loaded state names this target. Resolving it again also gives the warnings a
        /// full resolution gives (an overridden SCIM_URL), and its failures.
        func matches(_ desired: DeclaredOrg, session: Session) throws -> Bool {
            let info = try session.targetInfo(desired)
            return info == self.info && desired.target?.caFile?.value == caFile && desired.target?.auth == auth
        }

        func cancel() { (try? connection.get())?.cancel() }
    }

    /// The early start, or nil when the head of the files names no clean target.
    private func speculate() async -> EarlyStart? {
        guard connector == nil, let probed = TargetProbe.read(paths: planning.paths), let target = probed.target,
            let info = try? targetInfo(probed, quiet: true)
        else { return nil }
        let connection: Result<PrefetchingReader, any Error>
        do {
            let client = try await connectClient(info, declaredCAFile: target.caFile?.value, auth: target.auth)
            connection = .success(PrefetchingReader(client: client))
        } catch {
            connection = .failure(error)
        }
        return EarlyStart(connection: connection, info: info, caFile: target.caFile?.value, auth: target.auth)
    }

    /// Reads the live state of one target (`desired`: its one-target org) and computes its plan.
    public func plan(
        _ desired: DeclaredOrg, digest: String, extraApprovals: [String],
        through early: (reader: PrefetchingReader, info: Plan.TargetInfo)? = nil, name: String? = nil
    ) async throws -> TargetPlan {
        do {
            let (client, info): (any Provider, Plan.TargetInfo)
            let reader: any SCIMReader
            if let early {
                (client, info, reader) = (early.reader.client, early.info, early.reader)
            } else {
                (client, info) = try await connect(desired, name: name)
                reader = client
            }
            let outcome: PlanRun.Planned
            do {
                outcome = try await PlanRun.plan(
                    desired, digest: digest, reader: reader, target: info, today: planning.today,
                    extraApprovals: extraApprovals)
            } catch {
                try fail(error.description)
            }
            let prefix = name.map { "target \($0): " } ?? ""
            for warning in outcome.warnings { console.warn(prefix + warning) }
            ProcessLifetime.keep(outcome.snapshot)
            ProcessLifetime.keep(desired)
            return TargetPlan(
                name: name, plan: outcome.plan, desired: desired, client: client, snapshot: outcome.snapshot)
        } catch CommandFailure.error(let message) where name != nil {
            // Every error of a target of several names it.
            throw CommandFailure.error("target \(name!): \(message)")
        }
    }

    /// A failed connection in one line a person can act on: what happened, to which request, and the fix.
    public static func explain(connecting error: SCIMError, token: BearerToken?, base: URL) -> String {
        let request = error.method.flatMap { method in error.url.map { "\(method) \($0)" } } ?? base.absoluteString
        if error.message.hasPrefix("the OAuth2") { return "cannot get a token: \(error)" }
        let source = token?.source.map { "the token in \($0)" } ?? "the token"
        // The provider's own words, when it gave any (already escaped and redacted).
        let says = error.detail.map { "; the provider says \"\($0)\"" } ?? ""
        switch (error.kind, error.status) {
        case (.unauthorized, 401):
            return
                "\(source) was refused by the provider (HTTP 401 on \(request)): it is wrong, expired or revoked\(says)"
        case (.unauthorized, _):
            return
                "\(source) lacks permission for \(request) (HTTP \(error.status ?? 403)): check its scopes or role\(says)"
        case (.notFound, _):
            return "\(request) answered 404: is \(base.path.isEmpty ? "/" : base.path) the SCIM base URL? "
                + "(a SCIM provider serves /ServiceProviderConfig under it)\(says)"
        case (.transport, _):
            return "cannot reach the provider: \(error.message) (\(request))"
        default:
            return "cannot use the provider: \(error)"
        }
    }

    /// Stops the command: the command line prints the message and exits 1.
    public func fail(_ message: String) throws -> Never {
        throw CommandFailure.error(message)
    }
}
