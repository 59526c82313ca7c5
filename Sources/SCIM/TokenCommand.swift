public import Foundation
import SafeText

/// `tokenCommand: [program, arg…]`: a credential helper, run as kubectl runs its exec plugins and git its
/// credential helpers — without a shell, with no input, bounded in time and in output. Its standard
/// output is the token; its standard error is discarded (it may echo the secret); a failure names the
/// program, never its output.
public struct TokenCommand: Sendable {
    public var argv: [String]
    public var timeout: Double
    /// Tokens are a few hundred bytes, JWTs a few kilobytes.
    public var maxOutput: Int
    public var environment: [String: String]

    public init(
        _ argv: [String], timeout: Double = 30, maxOutput: Int = 64 << 10,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.argv = argv
        self.timeout = timeout
        self.maxOutput = maxOutput
        self.environment = environment
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var program: String
        public var reason: String
        public var description: String { "tokenCommand \(Printable.escape(program)) \(reason)" }
    }

    /// The program's first word, as messages name it.
    public var program: String { argv.first ?? "" }

    /// Runs the command off the cooperative pool and returns the token it printed.
    public func token() async throws -> BearerToken {
        let output = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<String, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run() })
            }
        }
        do {
            return try BearerToken.fromCommandOutput(output, program: program)
        } catch {
            throw Failure(program: program, reason: "gave no usable token: \(error.reason)")
        }
    }

    /// The program's path: as given when it holds a '/', else the first match on PATH.
    func executable() throws(Failure) -> URL {
        if program.contains("/") { return URL(fileURLWithPath: program) }
        for folder in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        }
        throw Failure(program: program, reason: "was not found on PATH")
    }

    private func run() throws -> String {
        guard !program.isEmpty else { throw Failure(program: "", reason: "is empty") }
        let process = Process()
        process.executableURL = try executable()
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(program: program, reason: "could not be started")
        }
        let deadline = DispatchTime.now() + timeout
        let timedOut = LockedFlag()
        let watchdog = DispatchWorkItem {
            timedOut.set()
            process.terminate()
        }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: watchdog)
        var bytes: [UInt8] = []
        var overflow = false
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if bytes.count + chunk.count > maxOutput {
                overflow = true
                process.terminate()
                break
            }
            bytes += chunk
        }
        process.waitUntilExit()
        watchdog.cancel()
        if timedOut.value { throw Failure(program: program, reason: "did not finish within \(Int(timeout)) s") }
        if overflow {
            throw Failure(program: program, reason: "printed over \(maxOutput >> 10) KiB; that is not a token")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(program: program, reason: "failed (exit status \(process.terminationStatus))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A flag set from one thread and read from another.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
