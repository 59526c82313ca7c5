import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// OAuth2 client credentials end to end over HTTP: `scimctl serve` issues tokens at /oauth/token and
/// accepts only those; scimctl fetches one, keeps it in memory, refreshes it before it lapses.
@Suite("OAuth2 client credentials", .timeLimit(.minutes(10)))
struct OAuth2Tests {
    private let secret = "client-secret-\(UUID().uuidString)"

    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-oauth-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func org(_ folder: URL, server: ServeProcess, users: Int) throws {
        let tokenURL = try #require(URL(string: "/oauth/token", relativeTo: server.baseURL)?.absoluteString)
        var yaml = """
            version: 1
            target:
              url: \(server.baseURL.absoluteString)
              auth:
                type: oauth2
                tokenUrl: \(tokenURL)
                clientIdEnv: SCIM_CLIENT_ID
                clientSecretEnv: SCIM_CLIENT_SECRET
                scope: scim
            users:

            """
        for index in 0..<users { yaml += "  - userName: user\(index)@example.com\n" }
        try Data(yaml.utf8).write(to: folder.appendingPathComponent("org.yaml"))
    }

    private func run(_ arguments: [String], in folder: URL, secret: String) async throws -> ProcessOutput {
        try await ProcessRunner.runScimctl(
            arguments, in: folder, environment: ["SCIM_CLIENT_ID": "scimctl-ci", "SCIM_CLIENT_SECRET": secret])
    }

    @Test("apply and plan with tokens from the token endpoint; short-lived tokens are refreshed mid-run")
    func endToEnd() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two-second tokens and 150 ms per request: one apply outlives several tokens.
        let server = try await ServeProcess.start(
            [
                "--db", folder.appendingPathComponent("db.sqlite").path, "--oauth-client-id", "scimctl-ci",
                "--oauth-token-lifetime", "2", "--latency", "150",
            ], environment: ["SCIM_OAUTH_CLIENT_SECRET": secret])
        defer { server.stop() }
        try org(folder, server: server, users: 40)
        let apply = try await run(["apply", "--auto-approve", "--parallelism", "2"], in: folder, secret: secret)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply: 40 done, 0 failed"))
        let plan = try await run(["plan", "--detailed-exitcode"], in: folder, secret: secret)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("No changes"))
        for output in [apply, plan] { #expect(!(output.stdout + output.stderr).contains(secret)) }
        // Without a token from the endpoint, the provider refuses: the tokens were what let it in.
        let direct = try await ProcessRunner.runScimctl(
            ["plan", "--url", server.baseURL.absoluteString, folder.appendingPathComponent("org.yaml").path],
            environment: ["SCIM_TOKEN": "made-up-token"])
        #expect(direct.status == 1)
    }

    @Test("a wrong client secret is one line naming the variables, never the secret; a missing one too")
    func refused() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start(
            ["--db", folder.appendingPathComponent("db.sqlite").path, "--oauth-client-id", "scimctl-ci"],
            environment: ["SCIM_OAUTH_CLIENT_SECRET": secret])
        defer { server.stop() }
        try org(folder, server: server, users: 1)
        let wrongSecret = "not-\(secret)"
        let wrong = try await run(["plan", "--verbose"], in: folder, secret: wrongSecret)
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr.contains(
                "cannot get a token: POST \(server.baseURL.deletingLastPathComponent().absoluteString)oauth/token: the "
                    + "OAuth2 token endpoint refused the client credentials from $SCIM_CLIENT_ID and $SCIM_CLIENT_SECRET "
                    + "(invalid_client: unknown client or wrong secret)"), "\(wrong.stderr)")
        #expect(!(wrong.stdout + wrong.stderr).contains(wrongSecret))
        let missing = try await ProcessRunner.runScimctl(
            ["plan"], in: folder, environment: ["SCIM_CLIENT_ID": "scimctl-ci"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains(
                "no OAuth2 client secret: $SCIM_CLIENT_SECRET (target.auth.clientSecretEnv) is not set"))
    }
}
