import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// stdout that cannot be written: scimctl says so on stderr and exits 1, never crashes.
@Suite("Broken stdout", .timeLimit(.minutes(10)))
struct BrokenOutputTests {
    /// Runs `scimctl arguments` with stdout connected to `stdout`; returns the status and stderr.
    private func run(_ arguments: [String], stdout: FileHandle, closeFirst: Pipe? = nil) async throws -> (Int32, String)
    {
        let process = Process()
        process.executableURL = try ProcessRunner.scimctl
        process.arguments = arguments
        process.currentDirectoryURL = PackagePaths.examples
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        // The pipe has no reader left when scimctl starts: every write to it fails with EPIPE.
        if let closeFirst { try closeFirst.fileHandleForReading.close() }
        let exit = ChildExit(process)
        try process.run()
        let errors = await OffPool.run { stderr.fileHandleForReading.readDataToEndOfFile() }
        return (await exit.status(), String(decoding: errors, as: UTF8.self))
    }

    @Test("a full disk (/dev/full) ends the run with exit 1 and one line on stderr")
    func full() async throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let (status, stderr) = try await run(["validate", "--format", "json"], stdout: full)
        #expect(status == 1)
        #expect(stderr.contains("cannot write to standard output: No space left on device"), "\(stderr)")
    }

    @Test("a closed pipe (scimctl … | head, head gone) ends the run with exit 1, not a crash or SIGPIPE")
    func closedPipe() async throws {
        let pipe = Pipe()
        let (status, stderr) = try await run(
            ["validate", "--format", "json"], stdout: pipe.fileHandleForWriting, closeFirst: pipe)
        #expect(status == 1)
        #expect(stderr.contains("cannot write to standard output"), "\(stderr)")
    }
}
