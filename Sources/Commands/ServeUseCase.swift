import Catalog
import DesiredState
import Foundation
import Planner
import SCIM
import Sandbox
public import SandboxServer

/// `scimctl serve`: the embedded sandbox over HTTP, behaving as a profile says, with fault injection.
public struct ServeUseCase: Sendable {
    public var db: String
    public var host: String
    public var port: Int
    /// The bearer token to require, and the file to read it from instead.
    public var token: String?
    public var tokenFile: String?
    /// An OAuth2 client served by `POST /oauth/token`: its id, the variable with its secret, token lifetime.
    public var oauthClientId: String?
    public var oauthClientSecretEnv: String
    public var oauthTokenLifetime: Int
    /// A built-in profile's name or a profile file.
    public var profile: String
    /// Custom extension schemas to declare, as JSON files.
    public var schemas: [String]
    public var faults: FaultOptions
    public var console: any Console

    public init(
        db: String, host: String, port: Int, token: String?, tokenFile: String?, oauthClientId: String?,
        oauthClientSecretEnv: String, oauthTokenLifetime: Int, profile: String, schemas: [String],
        faults: FaultOptions, console: any Console
    ) {
        (self.db, self.host, self.port, self.token, self.tokenFile) = (db, host, port, token, tokenFile)
        (self.oauthClientId, self.oauthClientSecretEnv) = (oauthClientId, oauthClientSecretEnv)
        self.oauthTokenLifetime = oauthTokenLifetime
        (self.profile, self.schemas, self.faults, self.console) = (profile, schemas, faults, console)
    }

    /// Whether a `--profile` value names a file rather than a built-in profile.
    public static func namesFile(_ profile: String) -> Bool {
        profile.contains("/") || profile.hasSuffix(".yaml") || profile.hasSuffix(".yml")
    }

    /// Why `profile` can name no profile (a usage error), or nil.
    public static func problem(profile: String) -> String? {
        guard (try? BuiltInProfiles.resolve(profile)) == nil, !namesFile(profile) else { return nil }
        return
            "--profile \(profile) is no built-in profile (\(BuiltInProfiles.names.joined(separator: ", "))) and no file"
    }

    public func run() async throws {
        var required = token
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CommandFailure.error("cannot read --token-file \(tokenFile)")
            }
            required = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let resolved: ProviderProfile
        if let builtIn = try? BuiltInProfiles.resolve(profile) {
            resolved = builtIn
        } else {
            let file = Plan.TargetInfo(url: "", provider: profile, profileFile: profile)
            resolved = try Session.profile(of: file, console: console)
        }
        let (host, console) = (host, console)
        let provider = try SandboxProvider(path: db, baseURL: "http://\(host):\(port)/v2", profile: resolved)
        for file in schemas {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure.error("cannot read --schema \(file)")
            }
            do {
                let json = try JSONValue.parse(data)
                for item in json.arrayValue ?? [json] { try await provider.declareSchema(item) }
            } catch {
                throw CommandFailure.error("--schema \(file): \(error)")
            }
        }
        var issuer: TokenIssuer?
        if let oauthClientId {
            guard let secret = ProcessInfo.processInfo.environment[oauthClientSecretEnv], !secret.isEmpty else {
                throw CommandFailure.error("--oauth-client-id needs the client's secret in $\(oauthClientSecretEnv)")
            }
            issuer = TokenIssuer(
                clientId: oauthClientId, clientSecret: secret, lifetime: .seconds(max(1, oauthTokenLifetime)))
        }
        let server = SandboxServer(
            provider: provider, host: host, port: port, token: required, faults: faults, issuer: issuer)
        let db = self.db
        try await server.run { port in console.note("scimctl serve: http://\(host):\(port)/v2 (sandbox at \(db))\n") }
        // Stopped by SIGTERM or SIGINT (graceful shutdown): what it answered, and what it injected.
        let counts = server.tally.counts
        console.note(
            "scimctl serve: stopped after \(counts.requests) requests; faults injected: \(counts.faults) "
                + "(\(counts.failed) × 503, \(counts.throttled) × 429, \(counts.dropped) dropped)\n")
    }
}
