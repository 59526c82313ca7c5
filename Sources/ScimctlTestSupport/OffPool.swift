public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Blocking work kept off Swift's cooperative thread pool. On a 2-core machine the pool has two
/// threads: a test that blocks one reading a pipe (or waiting for a child) halves the whole suite,
/// and two such tests stall it. Each blocking call here runs on a thread of its own.
public enum OffPool {
    /// Runs `body` on a new thread and returns its result to the awaiting task.
    public static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = "scimctl-tests-blocking-io"
            thread.start()
        }
    }
}

/// The end of a child process, awaited without blocking: Foundation reports it through
/// `terminationHandler`, which must be set before `run()`.
public final class ChildExit: Sendable {
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    public init(_ process: Process) {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        let continuation = self.continuation
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
    }

    /// The exit status, once the process has ended.
    public func status() async -> Int32 {
        for await status in stream { return status }
        return -1
    }
}

extension Process {
    /// Stops a child by its pid (SIGKILL). Not waited for here: Foundation reaps it.
    public func kill() {
        guard isRunning else { return }
        _ = Glibc.kill(processIdentifier, SIGKILL)
    }
}
