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

    /// How long a child may run before it is killed and the test fails: far beyond what any takes
    /// on a loaded 2-core machine, so that a hang fails with a message instead of holding CI.
    public static let defaultTimeout: Duration = .seconds(300)

    /// Runs `scimctl` with `arguments`, from `directory`, with the environment given (plus PATH).
    public static func runScimctl(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        timeout: Duration = defaultTimeout
    ) async throws -> ProcessOutput {
        try await run(try scimctl, arguments, in: directory, environment: environment, timeout: timeout)
    }

    /// Runs a program to completion, collecting both output streams, with stdin closed; killed, and an
    /// error, past `timeout`. Nothing here blocks the cooperative pool (see `OffPool`).
    public static func run(
        _ program: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        timeout: Duration = defaultTimeout
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
        let exit = ChildExit(process)
        try process.run()
        let watchdog = Task { () -> Bool in
            do { try await Task.sleep(for: timeout) } catch { return false }
            guard process.isRunning else { return false }
            process.kill()
            return true
        }
        // Both pipes read at once, each on a thread of its own, so that neither fills and blocks the child.
        async let out = OffPool.run { stdout.fileHandleForReading.readDataToEndOfFile() }
        async let err = OffPool.run { stderr.fileHandleForReading.readDataToEndOfFile() }
        let (outData, errData) = await (out, err)
        let status = await exit.status()
        watchdog.cancel()
        let timedOut = await watchdog.value
        let output = ProcessOutput(
            status: status, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
        if timedOut {
            throw RunnerError(
                message: "\(program.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within "
                    + "\(timeout); killed. stderr: \(output.stderr.suffix(2_000))")
        }
        return output
    }
}
