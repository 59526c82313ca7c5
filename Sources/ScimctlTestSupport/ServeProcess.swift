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
        // stderr arrives through a handler (on Foundation's own thread), never by a blocking read here;
        // it is drained for as long as the server runs, so the server never blocks on a full pipe.
        let (lines, sink) = AsyncStream.makeStream(of: String.self)
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                sink.finish()
            } else {
                sink.yield(String(decoding: chunk, as: UTF8.self))
            }
        }
        let exit = ChildExit(process)
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            process.kill()
        }
        defer { watchdog.cancel() }
        var text = ""
        for await chunk in lines {
            text += chunk
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("scimctl serve: ") }),
                let url = line.split(separator: " ").dropFirst(2).first.map(String.init).flatMap(URL.init(string:))
            {
                return ServeProcess(baseURL: url, process: process)
            }
        }
        process.kill()
        _ = await exit.status()
        throw ProcessRunner.RunnerError(message: "scimctl serve did not start within 30 s: \(text)")
    }

    /// Stops the server by its pid.
    public func stop() {
        process.kill()
    }
}
