import Catalog
import Foundation
import ScimctlTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The canary-token test: every command and format against a provider that echoes the token back in
/// every way it can (attribute values, SCIM error details, HTML pages, redirect URLs, headers), with
/// every byte written (stdout, stderr, the journal, the saved plan, the imported YAML) searched for it.
@Suite("Canary token", .timeLimit(.minutes(10)))
struct CanaryTokenTests {
    /// The token, with characters that JSON, URLs and HTML each escape differently.
    private let token = "canary/Tok+en=\(UUID().uuidString)"

    /// Every form the token could be written in.
    private var forms: [String] {
        [
            token, token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
            token.replacingOccurrences(of: "/", with: "\\/"), Data(token.utf8).base64EncodedString(),
            String(token.suffix(36)),
        ]
    }

    @Test(
        "no command or format shows the token, whatever the provider echoes",
        arguments: [
            "listing-echo", "error-json", "error-html", "redirect-other", "redirect-same", "not-json", "discovery-echo",
        ])
    func canary(mode: String) async throws {
        let provider = try await HostileProvider(mode: mode)
        defer { provider.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-canary-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = """
            version: 1
            target:
              url: http://127.0.0.1:\(provider.port)/v2
            policy:
              unmanaged: deactivate
            safety:
              maxDestructive: 10
            users:
              - userName: echo@example.com
                displayName: Echo
                name: {givenName: Echo, familyName: Echo}
              - userName: new@example.com
                name: {givenName: New, familyName: Person}

            """
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("org.yaml"))
        let environment = ["SCIM_TOKEN": token, "NO_COLOR": "1"]
        let runs: [[String]] = [
            ["plan", "--format", "text"], ["plan", "--format", "json"], ["plan", "--format", "markdown"],
            ["plan", "--verbose", "--out", "plan.json"], ["drift", "--format", "text"], ["drift", "--format", "json"],
            ["drift", "--format", "markdown"], ["apply", "--auto-approve", "--journal", "journal.jsonl", "--verbose"],
            ["import", "--url", "http://127.0.0.1:\(provider.port)/v2", "--out", "imported"],
        ]
        var everything = ""
        for arguments in runs {
            let result = try await ProcessRunner.runScimctl(arguments, in: directory, environment: environment)
            everything += result.stdout + result.stderr
            for form in forms {
                #expect(!result.stdout.contains(form), "\(mode) \(arguments): stdout holds the token")
                #expect(!result.stderr.contains(form), "\(mode) \(arguments): stderr holds the token")
            }
        }
        for file in ["plan.json", "journal.jsonl", "imported/org.yaml"] {
            let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path)
            // With a listing that reads, every file is written, and must be searched.
            if mode == "listing-echo" { #expect(data != nil, "\(file) was not written") }
            guard let data else { continue }
            let text = String(decoding: data, as: UTF8.self)
            everything += text
            for form in forms { #expect(!text.contains(form), "\(mode): \(file) holds the token") }
        }
        // Not vacuous: the echo reached scimctl and was replaced (the other origin is refused unfollowed).
        if mode == "redirect-other" {
            #expect(everything.contains("https://evil.example.net"))
        } else {
            #expect(everything.contains("<redacted>"), "\(mode): \(everything.prefix(2_000))")
        }
    }

    @Test("a YAML with secrets in every position: no command or format shows one")
    func yamlSecrets() async throws {
        let canary = "yaml-canary-\(UUID().uuidString)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-canary-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = """
            version: 1
            target: {url: "https://svc:\(canary)-url@scim.example.com/v2", token: \(canary)-flow, provider: nope}
            policy:
              unmanaged: ignore
              x-extra: {deep: [{clientSecret: \(canary)-deep}]}
            users:
              - userName: a@example.com
                password: \(canary)-user
                name: {givenName: A, apiKey: \(canary)-name}
                emails: [{value: not-an-email, credential: \(canary)-email}]
              - userName: a@example.com
                title: [{token: "\(canary)-wrongtype"}]
            groups:
              - displayName: g
                members: [{secret: \(canary)-member}]

            """
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("org.yaml"))
        let runs: [[String]] = [
            ["validate"], ["validate", "--format", "github"], ["validate", "--format", "json"], ["plan"],
            ["plan", "--format", "json"], ["plan", "--format", "markdown", "--out", "plan.json"], ["drift"],
            ["apply", "--auto-approve", "--journal", "journal.jsonl"],
        ]
        var secretsReported = 0
        for arguments in runs {
            let result = try await ProcessRunner.runScimctl(
                arguments, in: directory, environment: ["SCIM_TOKEN": token, "NO_COLOR": "1"])
            #expect(result.status == 1, "\(arguments)")
            #expect(!(result.stdout + result.stderr).contains(canary), "\(arguments): \(result.stdout + result.stderr)")
            secretsReported += (result.stdout + result.stderr).components(separatedBy: "secret-in-yaml").count - 1
        }
        // Every secret is found (8 of them), by every command; nothing reached a file.
        #expect(secretsReported >= 8 * runs.count)
        for file in ["plan.json", "journal.jsonl"] {
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path))
        }
    }

    @Test("credentials in --url or SCIM_URL are refused and never echoed, also with --verbose")
    func urlCredentials() async throws {
        let password = "pw-\(UUID().uuidString)"
        let examples = try PackagePaths.exampleFolder()
        defer { try? FileManager.default.removeItem(at: examples) }
        let byFlag = try await ProcessRunner.runScimctl(
            ["plan", "--verbose", "--url", "https://admin:\(password)@scim.example.com/v2"], in: examples,
            environment: ["SCIM_TOKEN": token])
        let byVariable = try await ProcessRunner.runScimctl(
            ["drift", "--verbose"], in: examples,
            environment: ["SCIM_TOKEN": token, "SCIM_URL": "https://admin:\(password)@scim.example.com/v2"])
        for result in [byFlag, byVariable] {
            #expect(result.status == 1)
            #expect(result.stderr.contains("carries credentials"))
            #expect(!(result.stdout + result.stderr).contains(password))
        }
    }
}
