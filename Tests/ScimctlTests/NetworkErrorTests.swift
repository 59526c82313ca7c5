import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// Every network failure a user can cause, against a real local server that produces it: one line
/// naming the host or request and the fix, within seconds, exit 1, and the token nowhere in the output.
@Suite("Network errors a person can act on", .timeLimit(.minutes(10)))
struct NetworkErrorTests {
    private let token = "net-canary-\(UUID().uuidString)"

    func org(_ url: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-net-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("version: 1\ntarget:\n  url: \(url)\nusers:\n  - userName: echo@example.com\n".utf8).write(
            to: directory.appendingPathComponent("org.yaml"))
        return directory
    }

    /// Runs `scimctl plan` against `url`; checks exit 1, the message, the canary and how many retries were
    /// announced (what makes a failure fast or slow: a minute of silence was five attempts of ten
    /// seconds). The wall-clock bound only guards against a hang: these machines are too noisy for more.
    private func expectFailure(
        _ url: String, _ message: String, retries: Int? = nil,
        arguments: [String] = [], environment: [String: String] = [:]
    ) async throws {
        let directory = try org(url)
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = ContinuousClock.now
        let result = try await ProcessRunner.runScimctl(
            ["plan"] + arguments, in: directory, environment: ["SCIM_TOKEN": token].merging(environment) { $1 })
        let elapsed = ContinuousClock.now - started
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(elapsed < .seconds(45), "took \(elapsed)")
        #expect(!(result.stdout + result.stderr).contains(token))
        // One line of error (and one per pending retry), never a dump.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("scimctl: error:") }.count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains(".swift") && !result.stderr.contains("Error("), "\(result.stderr)")
        if let retries { #expect(lines.count { $0.contains("retrying") } == retries, "\(result.stderr)") }
    }

    @Test("a closed port: connection refused, one announced retry, in seconds")
    func connectionRefused() async throws {
        let port = try FreePort.pick()
        try await expectFailure(
            "http://127.0.0.1:\(port)/v2",
            "connection refused by 127.0.0.1:\(port); is the URL right and the provider up?", retries: 1)
    }

    @Test("an unknown host: cannot resolve it, no retry")
    func unknownHost() async throws {
        try await expectFailure(
            "https://scim.example.invalid/v2", "cannot resolve the host name scim.example.invalid",
            retries: 0)
    }

    @Test("plain http to a remote host: refused before connecting, use https")
    func plainHTTP() async throws {
        try await expectFailure(
            "https://scim.example.com/v2", "use https://", retries: 0,
            arguments: ["--url", "http://scim.example.com/v2"])
    }

    @Test("a 403 on discovery names the token's variable and its scopes, with the provider's words")
    func forbidden() async throws {
        let provider = try await HostileProvider(mode: "forbidden")
        defer { provider.stop() }
        try await expectFailure(
            "http://127.0.0.1:\(provider.port)/v2",
            "the token in $SCIM_TOKEN lacks permission for GET http://127.0.0.1:\(provider.port)/v2/ServiceProviderConfig "
                + "(HTTP 403): check its scopes or role; the provider says \"the token lacks the scim:read scope\"",
            retries: 0)
    }

    @Test("a 404 on discovery asks whether the path is the SCIM base URL")
    func wrongBase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-net-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServeProcess.start(["--db", folder.appendingPathComponent("db.sqlite").path])
        defer { server.stop() }
        let wrong = try #require(URL(string: "/scim/v2", relativeTo: server.baseURL)?.absoluteString)
        try await expectFailure(wrong, "answered 404: is /scim/v2 the SCIM base URL?", retries: 0)
    }

    /// A private CA and a certificate it signs for `names` (DNS names and IPs), in a fresh folder.
    func privateCA(names: String) async throws -> (folder: URL, ca: String, cert: String, key: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-ca-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func openssl(_ arguments: [String]) async throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let exit = ChildExit(process)
            try process.run()
            #expect(await exit.status() == 0, "openssl \(arguments)")
        }
        try await openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=scimctl test CA",
        ])
        try await openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
            "/CN=server",
        ])
        try Data("subjectAltName=\(names)\n".utf8).write(to: folder.appendingPathComponent("san.ext"))
        try await openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "server.pem", "-days", "2", "-extfile", "san.ext",
        ])
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        return (folder, path("ca.pem"), path("server.pem"), path("server.key"))
    }

    @Test("TLS from a private CA: refused with the fix; trusted with --ca-file or SSL_CERT_FILE")
    func privateCertificateAuthority() async throws {
        let ca = try await privateCA(names: "IP:127.0.0.1,DNS:localhost")
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        let provider = try await HostileProvider(mode: "tls", arguments: [ca.cert, ca.key])
        defer { provider.stop() }
        let url = "https://127.0.0.1:\(provider.port)/v2"
        try await expectFailure(
            url,
            "the TLS certificate of 127.0.0.1 is not trusted (or has expired): if the provider uses a private "
                + "CA, pass --ca-file FILE or set SSL_CERT_FILE", retries: 0)
        let directory = try org(url)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (arguments, environment) in [(["--ca-file", ca.ca], [:]), ([], ["SSL_CERT_FILE": ca.ca])] {
            let result = try await ProcessRunner.runScimctl(
                ["plan"] + arguments, in: directory, environment: ["SCIM_TOKEN": token].merging(environment) { $1 })
            #expect(result.status == 0, "\(arguments) \(environment): \(result.stderr)")
            #expect(result.stdout.contains("Plan:"))
        }
        try await expectFailure(
            url, "the CA file /nonexistent/ca.pem cannot be read", arguments: ["--ca-file", "/nonexistent/ca.pem"])
        // target.caFile, relative to the YAML file that declares it, run from another directory.
        try FileManager.default.copyItem(atPath: ca.ca, toPath: directory.appendingPathComponent("private-ca.pem").path)
        let yaml =
            "version: 1\ntarget:\n  url: \(url)\n  caFile: private-ca.pem\npolicy: {unmanaged: ignore}\nusers: []\n"
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("org.yaml"))
        let declared = try await ProcessRunner.runScimctl(
            ["plan", directory.appendingPathComponent("org.yaml").path], in: FileManager.default.temporaryDirectory,
            environment: ["SCIM_TOKEN": token])
        #expect(declared.status == 0, "\(declared.stderr)")
    }

    @Test("TLS for another host name: refused, saying so")
    func wrongHostName() async throws {
        let ca = try await privateCA(names: "DNS:other.example.com")
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        let provider = try await HostileProvider(mode: "tls", arguments: [ca.cert, ca.key])
        defer { provider.stop() }
        try await expectFailure(
            "https://127.0.0.1:\(provider.port)/v2", "is issued for another host name",
            retries: 0, arguments: ["--ca-file", ca.ca])
    }
}

/// HTTPS through a CONNECT proxy that records what passes (Tests/Fixtures/hostile/connect-proxy.py).
@Suite("Proxies", .timeLimit(.minutes(10)))
struct ProxyTests {
    private let token = "proxy-canary-\(UUID().uuidString)"

    private struct Setup {
        let ca: (folder: URL, ca: String, cert: String, key: String)
        let provider: HostileProvider
        let proxy: HostileProvider
        let log: URL
        let directory: URL

        func stop() {
            provider.stop()
            proxy.stop()
            try? FileManager.default.removeItem(at: ca.folder)
            try? FileManager.default.removeItem(at: directory)
        }

        var entries: [[String: Any]] {
            guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        var tunnelled: Data { (try? Data(contentsOf: URL(fileURLWithPath: log.path + ".bytes"))) ?? Data() }

        /// The entries once `done` holds of them (or after 10 s): the proxy records a tunnel when it
        /// closes, which may be just after scimctl exits.
        func entries(until done: ([[String: Any]]) -> Bool) async -> [[String: Any]] {
            let deadline = ContinuousClock.now + .seconds(10)
            while !done(entries), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return entries
        }
    }

    private func setUp(credentials: String? = nil) async throws -> Setup {
        let network = NetworkErrorTests()
        let ca = try await network.privateCA(names: "IP:127.0.0.1,DNS:localhost")
        let provider = try await HostileProvider(mode: "tls", arguments: [ca.cert, ca.key])
        let log = ca.folder.appendingPathComponent("proxy.log")
        let proxy = try await HostileProvider(
            script: "connect-proxy.py", arguments: [log.path] + (credentials.map { [$0] } ?? []))
        let directory = try network.org("https://127.0.0.1:\(provider.port)/v2")
        return Setup(ca: ca, provider: provider, proxy: proxy, log: log, directory: directory)
    }

    private func plan(_ setup: Setup, _ environment: [String: String], verbose: Bool = false) async throws
        -> ProcessOutput
    {
        try await ProcessRunner.runScimctl(
            ["plan", "--ca-file", setup.ca.ca] + (verbose ? ["--verbose"] : []), in: setup.directory,
            environment: ["SCIM_TOKEN": token].merging(environment) { $1 })
    }

    @Test("HTTPS_PROXY: the requests tunnel through the proxy by CONNECT, and the token never crosses it in clear")
    func throughProxy() async throws {
        let setup = try await setUp()
        defer { setup.stop() }
        for variable in ["HTTPS_PROXY", "https_proxy"] {
            let result = try await plan(setup, [variable: "http://127.0.0.1:\(setup.proxy.port)"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let entries = await setup.entries { $0.count >= 2 }
        #expect(entries.count >= 2)
        #expect(entries.allSatisfy { $0["method"] as? String == "CONNECT" })
        #expect(entries.allSatisfy { $0["target"] as? String == "127.0.0.1:\(setup.provider.port)" })
        #expect(entries.allSatisfy { ($0["down"] as? Int ?? 0) > 0 })
        let tunnelled = setup.tunnelled
        #expect(tunnelled.count > 1_000)
        #expect(tunnelled.range(of: Data(token.utf8)) == nil)
    }

    @Test(
        "NO_PROXY: a listed host (by IP, with its port, or *) connects directly",
        arguments: ["127.0.0.1", "*", "example.com, 127.0.0.1", ".example.org,127.0.0.1:\u{0}"])
    func bypass(noProxy: String) async throws {
        let setup = try await setUp()
        defer { setup.stop() }
        // The last form names the port too: the provider's port stands in for the placeholder.
        let listed = noProxy.replacingOccurrences(of: "\u{0}", with: String(setup.provider.port))
        let result = try await plan(
            setup, ["HTTPS_PROXY": "http://127.0.0.1:\(setup.proxy.port)", "NO_PROXY": listed])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(setup.entries.isEmpty)
    }

    @Test(
        "proxy credentials are sent to the proxy and never printed, also with --verbose; wrong ones are one clear line")
    func credentials() async throws {
        let password = "pw-\(UUID().uuidString)"
        let setup = try await setUp(credentials: "alice:\(password)")
        defer { setup.stop() }
        let good = try await plan(
            setup, ["HTTPS_PROXY": "http://alice:\(password)@127.0.0.1:\(setup.proxy.port)"], verbose: true)
        #expect(good.status == 0, "\(good.stderr)")
        let recorded = await setup.entries { $0.contains { $0["authorized"] as? Bool == true } }
        #expect(recorded.contains { $0["authorized"] as? Bool == true })
        let wrong = try await plan(
            setup, ["HTTPS_PROXY": "http://alice:not-\(password)@127.0.0.1:\(setup.proxy.port)"], verbose: true)
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr.contains(
                "the proxy 127.0.0.1:\(setup.proxy.port) (from HTTPS_PROXY) asks for credentials (HTTP 407)"),
            "\(wrong.stderr)")
        for result in [good, wrong] {
            #expect(!(result.stdout + result.stderr).contains(password))
            #expect(!(result.stdout + result.stderr).contains(token))
        }
    }
}
