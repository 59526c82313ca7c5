public import Foundation
public import SCIM

/// A transport for unit tests: answers each request from a handler and records every request, so a
/// test can script a provider's quirks byte for byte and then check exactly what was sent.
public final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    // `@unchecked Sendable`: `requests` and `inFlight` are only touched while `lock` is held; the handler
    // is immutable after init.
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private var inFlight = 0
    private var maxInFlight = 0
    private let delay: Duration
    private let handler: @Sendable (HTTPRequest, Int) throws(TransportError) -> HTTPResponse
    private let rendezvous: Rendezvous?
    private var arrived = 0
    private var met = false

    /// Requests `matches` accepts are held until `count` of them have arrived (or 10 s pass): a test
    /// proves that requests run at the same time by their meeting, not by timing, which a loaded
    /// machine does not keep.
    public struct Rendezvous: Sendable {
        public var count: Int
        public var matches: @Sendable (HTTPRequest) -> Bool

        public init(count: Int, matches: @escaping @Sendable (HTTPRequest) -> Bool) {
            self.count = count
            self.matches = matches
        }
    }

    /// - Parameter handler: called with each request and its 0-based index among all requests.
    public init(
        delay: Duration = .zero, rendezvous: Rendezvous? = nil,
        _ handler: @escaping @Sendable (HTTPRequest, Int) throws(TransportError) -> HTTPResponse
    ) {
        self.delay = delay
        self.rendezvous = rendezvous
        self.handler = handler
    }

    /// Whether the rendezvous's requests were all in flight together.
    public var rendezvousMet: Bool { lock.withLock { met } }

    public var requests: [HTTPRequest] { lock.withLock { recorded } }
    /// The most requests that were ever in flight at once.
    public var peakConcurrency: Int { lock.withLock { maxInFlight } }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let index = lock.withLock {
            recorded.append(request)
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
            return recorded.count - 1
        }
        defer { lock.withLock { inFlight -= 1 } }
        if let rendezvous, rendezvous.matches(request) {
            lock.withLock { arrived += 1 }
            let deadline = ContinuousClock.now + .seconds(10)
            while lock.withLock({ arrived < rendezvous.count }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(1))
            }
            lock.withLock { met = met || arrived >= rendezvous.count }
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return try handler(request, index)
    }
}

/// Wraps a transport and records what went through it (for counting requests to a real server).
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    // `@unchecked Sendable`: `recorded` is only touched while `lock` is held.
    private let lock = NSLock()
    private var recorded: [(method: String, url: URL, status: Int?)] = []
    private var answers: [(method: String, url: URL, body: Data)] = []
    private let inner: any HTTPTransport

    public init(_ inner: any HTTPTransport) {
        self.inner = inner
    }

    public var requests: [(method: String, url: URL, status: Int?)] { lock.withLock { recorded } }
    /// The body of each answer, with its request.
    public var bodies: [(method: String, url: URL, body: Data)] { lock.withLock { answers } }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        do {
            let response = try await inner.send(request)
            lock.withLock {
                recorded.append((request.method, request.url, response.status))
                answers.append((request.method, request.url, response.body))
            }
            return response
        } catch {
            lock.withLock { recorded.append((request.method, request.url, nil)) }
            throw error
        }
    }
}

extension HTTPResponse {
    /// A JSON response from a literal, for scripted providers.
    public static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> HTTPResponse {
        var all = ["Content-Type": "application/scim+json"]
        all.merge(headers) { $1 }
        return HTTPResponse(status: status, headers: all, body: Data(text.utf8))
    }
}

extension HTTPRequest {
    /// The value of a query parameter, decoded.
    public func query(_ name: String) -> String? {
        URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
    }

    /// The body as JSON text.
    public var bodyText: String { body.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
