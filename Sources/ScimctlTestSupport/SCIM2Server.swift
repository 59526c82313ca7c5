public import Foundation
import SCIM
public import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// scim2-server (the reference SCIM server from PyPI, in `.venv-peers`), started on a free loopback port
/// for a suite's tests and stopped by its pid afterwards. Each test takes its own tenant
/// (`--dynamic-tenants`), so tests share the process but never data.
public final class SCIM2Server: Sendable {
    public let port: Int
    public let token: String
    private let process: Process
    /// Where the server's request log goes; removed when the server stops.
    private let log: URL

    /// The server of the suite running now (see the `scim2Server` trait).
    @TaskLocal public static var current: SCIM2Server?

    private init(port: Int, token: String, process: Process, log: URL) {
        self.port = port
        self.token = token
        self.process = process
        self.log = log
    }

    /// A fresh tenant's base URL: its own empty store.
    public func newTenant() -> URL {
        URL(string: "http://127.0.0.1:\(port)/t\(UUID().uuidString.lowercased().prefix(12))/v2")!
    }

    /// Starts the server and waits until it answers. Fails (never skips) when it cannot start.
    public static func start() async throws -> SCIM2Server {
        let executable = PackagePaths.root.appendingPathComponent(".venv-peers/bin/scim2-server")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw StartError("no \(executable.path): run scripts/setup-peers (scripts/test does)")
        }
        let token = "test-\(UUID().uuidString)"
        var lastError = ""
        for _ in 0..<5 {
            let port = try FreePort.pick()
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "--hostname", "127.0.0.1", "--port", String(port), "--bearer-token", token, "--dynamic-tenants",
            ]
            // The server logs every request: to a file, never a pipe that nobody drains (it would block).
            let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("scim2-server-\(UUID()).log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            let log = try FileHandle(forWritingTo: logURL)
            defer { try? log.close() }
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let server = SCIM2Server(port: port, token: token, process: process, log: logURL)
            if try await server.waitUntilReady() { return server }
            server.stop()
            lastError = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        }
        throw StartError("scim2-server did not start: \(lastError)")
    }

    private func waitUntilReady() async throws -> Bool {
        let url = URL(string: "http://127.0.0.1:\(port)/ready/v2/ServiceProviderConfig")!
        let request = HTTPRequest(method: "GET", url: url, headers: ["Authorization": "Bearer \(token)"])
        let transport = URLSessionTransport(timeout: 2)
        for _ in 0..<100 {
            guard process.isRunning else { return false }
            if let response = try? await transport.send(request), response.status == 200 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Stops the server by its pid.
    public func stop() {
        defer { try? FileManager.default.removeItem(at: log) }
        process.kill()
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Starts scim2-server around a suite (or test) and stops it afterwards; the tests read
/// `SCIM2Server.current`.
public struct SCIM2ServerTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await SCIM2Server.start()
        defer { server.stop() }
        try await SCIM2Server.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == SCIM2ServerTrait {
    /// Runs the suite with a scim2-server of its own on a free loopback port.
    public static var scim2Server: SCIM2ServerTrait { SCIM2ServerTrait() }
}
