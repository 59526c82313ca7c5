import Synchronization

/// Counts the HTTP requests a piece of work really sent, retries and redirects included, and the last
/// status seen: apply binds one to each action (a task local), so that the journal records the true
/// attempts of every action, failed ones too.
public final class RequestTally: Sendable {
    private let state = Mutex<(requests: Int, status: Int?)>((0, nil))

    /// The tally of the work running in this task, if any.
    @TaskLocal public static var current: RequestTally?

    public init() {}

    /// Requests sent so far.
    public var requests: Int { state.withLock { $0.requests } }
    /// The last HTTP status received; nil before any (or after a request that got no response).
    public var status: Int? { state.withLock { $0.status } }

    func sent(status: Int?) {
        state.withLock { state in
            state.requests += 1
            state.status = status
        }
    }
}
