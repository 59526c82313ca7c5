public import Applier
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C: stop issuing new requests, let the ones in flight finish, print the ledger.
///
/// `@unchecked Sendable`: `flag` is atomic, and `source` is set once in `init` and only kept alive.
public final class Interruption: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private let source: any DispatchSourceSignal

    public init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT)
        source.setEventHandler { [weak self] in
            self?.flag.store(true, ordering: .relaxed)
            Terminal.standardError("\nInterrupted: finishing the requests in flight, starting no more.\n")
        }
        source.resume()
    }

    public var requested: Bool { flag.load(ordering: .relaxed) }
}

/// Progress on stderr: a line that updates in place on a terminal, a line every few seconds otherwise.
public final class Progress: Sendable {
    private let state = Mutex<(done: Int, last: ContinuousClock.Instant)>((0, .now))
    private let live = isatty(STDERR_FILENO) == 1

    public init() {}

    /// One more of `total` steps done.
    public func advance(_ entry: LedgerEntry, of total: Int) {
        let line: String? = state.withLock { state in
            state.done += 1
            let now = ContinuousClock.now
            if live { return "\r\(state.done)/\(total) actions" + (state.done == total ? "\n" : "") }
            guard now - state.last >= .seconds(3) || state.done == total else { return nil }
            state.last = now
            return "\(state.done)/\(total) actions applied\n"
        }
        if let line { Terminal.standardError(line) }
    }
}
