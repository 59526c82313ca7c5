public import Foundation
import SCIM

#if canImport(Glibc)
    import Glibc
#endif

/// django-scim2 (PyPI), a second SCIM server implementation, from the small Django project in
/// Tests/Fixtures/peers/django-scim2: its own sqlite file, a free loopback port, a bearer token; stopped
/// by its pid. Base URL `http://127.0.0.1:PORT/scim/v2` (its /ResourceTypes gives absolute paths).
public final class DjangoSCIMServer: Sendable {
    public let baseURL: URL
    public let token: String
    private let process: Process
    private let folder: URL

    private init(baseURL: URL, token: String, process: Process, folder: URL) {
        self.baseURL = baseURL
        self.token = token
        self.process = process
        self.folder = folder
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Migrates a fresh database and starts the server; fails (never skips) when it cannot.
    public static func start() async throws -> DjangoSCIMServer {
        let python = PackagePaths.root.appendingPathComponent(".venv-peers/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw StartError(description: "no \(python.path): run scripts/setup-peers (scripts/test does)")
        }
        let project = PackagePaths.fixtures.appendingPathComponent("peers/django-scim2")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("django-scim2-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let token = "django-\(UUID().uuidString)"
        let port = try FreePort.pick()
        let environment = ProcessInfo.processInfo.environment.merging([
            "SCIM_PEER_DB": folder.appendingPathComponent("db.sqlite").path, "SCIM_PEER_TOKEN": token,
            "SCIM_PEER_NETLOC": "127.0.0.1:\(port)", "PYTHONDONTWRITEBYTECODE": "1",
        ]) { $1 }
        let log = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        func launch(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = python
            process.arguments = [project.appendingPathComponent("manage.py").path] + arguments
            process.currentDirectoryURL = project
            process.environment = environment
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }
        let migrate = try launch(["migrate", "--no-input"])
        while migrate.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        guard migrate.terminationStatus == 0 else {
            throw StartError(
                description: "django-scim2 migrate failed: \(try String(contentsOf: log, encoding: .utf8))")
        }
        let process = try launch(["runserver", "127.0.0.1:\(port)", "--noreload"])
        let server = DjangoSCIMServer(
            baseURL: URL(string: "http://127.0.0.1:\(port)/scim/v2")!, token: token, process: process, folder: folder)
        let probe = HTTPRequest(
            method: "GET", url: server.baseURL.appendingPathComponent("ServiceProviderConfig"),
            headers: ["Authorization": "Bearer \(token)"])
        let transport = URLSessionTransport(timeout: 2)
        for _ in 0..<150 {
            guard process.isRunning else { break }
            if let response = try? await transport.send(probe), response.status == 200 { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        server.stop()
        throw StartError(description: "django-scim2 did not start: \(text.suffix(2_000))")
    }

    /// Stops the server by its pid and removes its database.
    public func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: folder)
    }
}
