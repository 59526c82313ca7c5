public import Foundation

/// What a finished child process left behind.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs programs for end-to-end tests: the built `scimctl`, and helper scripts.
public enum ProcessRunner {
    /// The built `scimctl`: `SCIMCTL_BIN`, else the binary beside the test bundle in the build folder.
    public static var scimctl: URL {
        get throws {
            if let path = ProcessInfo.processInfo.environment["SCIMCTL_BIN"], !path.isEmpty {
                return URL(fileURLWithPath: path)
            }
            var candidates: [URL] = []
            for bundle in Bundle.allBundles {
                candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("scimctl"))
            }
            if let first = CommandLine.arguments.first {
                var url = URL(fileURLWithPath: first).resolvingSymlinksInPath()
                for _ in 0..<4 {
                    url.deleteLastPathComponent()
                    candidates.append(url.appendingPathComponent("scimctl"))
                }
            }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
            else {
                throw RunnerError(
                    message: "cannot find the built scimctl (looked in \(candidates.map(\.path))); set SCIMCTL_BIN")
            }
            return found
        }
    }

    public struct RunnerError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Runs `scimctl` with `arguments`, from `directory`, with the environment given (plus PATH).
    public static func runScimctl(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) async throws -> ProcessOutput {
        try await run(try scimctl, arguments, in: directory, environment: environment)
    }

    /// Runs a program to completion, collecting both output streams, with stdin closed.
    public static func run(
        _ program: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) async throws -> ProcessOutput {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so that neither fills and blocks the child.
        async let out = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value
        async let err = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }.value
        let (outData, errData) = await (out, err)
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
