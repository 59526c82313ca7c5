import Catalog
import Foundation
import SCIM
import SCIMTransport
import ScimctlTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A provider that misbehaves on the wire, over real HTTP on loopback (Tests/Fixtures/hostile): a body
/// trickled byte by byte, a request never answered, a listing that never ends, bytes that are not UTF-8.
/// Each fails with a clear error within its bound, instead of hanging or reading forever.
@Suite("Hostile provider on the wire", .timeLimit(.minutes(10)))
struct HostileWireTests {
    private func org(port: Int) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-wire-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let yaml = """
            version: 1
            target:
              url: http://127.0.0.1:\(port)/v2
            users:
              - userName: echo@example.com

            """
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("org.yaml"))
        return directory
    }

    @Test(
        "a trickled body and a request never answered fail at the deadline, saying why and that a retry is pending",
        arguments: ["trickle", "silent"])
    func deadline(mode: String) async throws {
        let provider = try await HostileProvider(mode: mode)
        defer { provider.stop() }
        let directory = try org(port: provider.port)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ProcessRunner.runScimctl(
            ["plan", "--timeout", "2"], in: directory, environment: ["SCIM_TOKEN": "t-\(UUID())"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no complete response within 2 s"), "\(result.stderr)")
        // A timeout gets one more try, announced, then fails: 2 attempts, not 5.
        #expect(result.stderr.components(separatedBy: "retrying GET /v2/Users").count - 1 == 1, "\(result.stderr)")
        #expect(result.stderr.contains("after 2 attempts"))
        #expect(result.stderr.contains("attempt 2 of at most 2)"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a listing that never ends is stopped by its byte budget, long before the page limit")
    func endlessListing() async throws {
        let provider = try await HostileProvider(mode: "endless")
        defer { provider.stop() }
        let connection = try SCIMConnection(
            baseURL: URL(string: "http://127.0.0.1:\(provider.port)/v2")!, token: BearerToken("t-\(UUID())"),
            transport: try AsyncHTTPClientTransport(timeout: 10))
        var client = try await SCIMClient.connect(connection)
        client.maxListingBytes = 2 << 20
        let error = await #expect(throws: SCIMError.self) { try await client.listUsers() }
        #expect(error?.kind == .inconsistentRead)
        #expect(error?.message.contains("more than 2 MiB") == true, "\(String(describing: error))")
    }

    @Test("a listing with bytes that are not UTF-8 fails the read; nothing is planned")
    func invalidUTF8() async throws {
        let provider = try await HostileProvider(mode: "bad-utf8")
        defer { provider.stop() }
        let directory = try org(port: provider.port)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ProcessRunner.runScimctl(
            ["plan"], in: directory, environment: ["SCIM_TOKEN": "t-\(UUID())"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("UTF-8"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}

/// Tests/Fixtures/hostile/hostile-provider.py in one mode, on a free loopback port; stopped by its pid.
final class HostileProvider: Sendable {
    let process: Process
    let port: Int

    private struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the hostile provider did not start" }
    }

    convenience init(mode: String, arguments: [String] = []) async throws {
        try await self.init(script: "hostile-provider.py", arguments: [mode] + arguments)
    }

    /// Any script of Tests/Fixtures/hostile that prints its port first (the CONNECT proxy too).
    init(script: String, arguments: [String]) async throws {
        let process = Process()
        process.executableURL = PackagePaths.root.appendingPathComponent(".venv-peers/bin/python")
        process.arguments = [PackagePaths.fixtures.appendingPathComponent("hostile/\(script)").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line is the port it listens on (read on a thread of its own, never the pool's).
        let reader = output.fileHandleForReading
        let line = await OffPool.run { () -> String in
            var line = Data()
            while let byte = try? reader.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line.append(byte)
            }
            return String(decoding: line, as: UTF8.self)
        }
        guard let port = Int(line) else {
            process.kill()
            throw StartFailure()
        }
        self.process = process
        self.port = port
    }

    func stop() {
        process.kill()
    }
}
