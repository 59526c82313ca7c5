import Foundation
public import SCIM

/// Sits in front of a real server and misbehaves on a seeded schedule: 429 with Retry-After, 503, and
/// connections dropped after the server processed the request (the response is lost). Discovery
/// requests pass untouched.
public final class FaultInjectingTransport: HTTPTransport, @unchecked Sendable {
    // `@unchecked Sendable`: `generator` and `counts` are only touched while `lock` is held.
    private let lock = NSLock()
    private var generator: SeededGenerator
    private var counts: [String: Int] = [:]
    private let inner: any HTTPTransport
    private let throttleRate: Double
    private let failRate: Double
    private let dropRate: Double

    public init(
        _ inner: any HTTPTransport, seed: UInt64, throttleRate: Double = 0.1, failRate: Double = 0.1,
        dropRate: Double = 0.1
    ) {
        self.inner = inner
        generator = SeededGenerator(seed: seed)
        self.throttleRate = throttleRate
        self.failRate = failRate
        self.dropRate = dropRate
    }

    /// How many of each fault were injected: "429", "503", "drop".
    public var injected: [String: Int] { lock.withLock { counts } }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let path = request.url.path
        if path.hasSuffix("/ServiceProviderConfig") || path.hasSuffix("/ResourceTypes") {
            return try await inner.send(request)
        }
        let roll = lock.withLock { Double(generator.next() % 10_000) / 10_000 }
        func count(_ fault: String) { lock.withLock { counts[fault, default: 0] += 1 } }
        if roll < throttleRate {
            count("429")
            return HTTPResponse(status: 429, headers: ["Retry-After": "0"], body: Data(#"{"status":"429"}"#.utf8))
        }
        if roll < throttleRate + failRate {
            count("503")
            return HTTPResponse(status: 503, body: Data(#"{"status":"503","detail":"injected"}"#.utf8))
        }
        let response = try await inner.send(request)
        if roll < throttleRate + failRate + dropRate {
            count("drop")
            throw TransportError("connection dropped after the request was processed (injected)")
        }
        return response
    }
}
