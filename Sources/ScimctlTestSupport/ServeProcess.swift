public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `scimctl serve` started by a test on a free port (`--port 0`), stopped by its pid.
public final class ServeProcess: Sendable {
    public let baseURL: URL
    private let process: Process

    private init(baseURL: URL, process: Process) {
        self.baseURL = baseURL
        self.process = process
    }

    /// Starts the server with `arguments` (after `serve --port 0`) and waits for its ready line.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = try ProcessRunner.scimctl
        process.arguments = ["serve", "--port", "0"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read stderr until the ready line names the port.
        let reader = errors.fileHandleForReading
        let deadline = ContinuousClock.now + .seconds(30)
        var text = ""
        while ContinuousClock.now < deadline, process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("scimctl serve: ") }),
                let url = line.split(separator: " ").dropFirst(2).first.map(String.init).flatMap(URL.init(string:))
            {
                // Keep draining stderr so the server never blocks on a full pipe.
                reader.readabilityHandler = { handle in _ = handle.availableData }
                return ServeProcess(baseURL: url, process: process)
            }
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        throw ProcessRunner.RunnerError(message: "scimctl serve did not start: \(text)")
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
