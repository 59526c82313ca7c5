public import Foundation

/// When and how long to wait before sending a request again.
public struct RetryPolicy: Sendable {
    /// Sends at most this many times in all.
    public var maxAttempts: Int
    /// The first backoff; each next one doubles, up to `maxDelay`, with full jitter.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A `Retry-After` longer than this fails the request instead of stalling the run.
    public var maxRetryAfter: Duration
    /// Waits; tests pass one that records and returns at once.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random fraction in 0..<1, for jitter; tests pass a fixed one.
    public var random: @Sendable () -> Double
    /// The current time, for `Retry-After` given as an HTTP date.
    public var now: @Sendable () -> Date

    /// How many times a request is sent at most by default; a create sent again after a look-up that
    /// found nothing gets as many.
    public static let defaultAttempts = 5

    /// How many times a look-up that decides whether to send a create again is tried when it fails on
    /// a transient error (each try already retried as the policy allows).
    public static let decidingLookUpTries = 3

    public init(
        maxAttempts: Int = defaultAttempts, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(8),
        maxRetryAfter: Duration = .seconds(120),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.sleep = sleep
        self.random = random
        self.now = now
    }

    /// How many times in all a request may be sent when it got no response for this reason: a name
    /// that does not resolve and a TLS failure never heal within a run (fail at once); a refused
    /// connection or a timeout get one more try; a dropped connection gets the full count.
    public func maxAttempts(after failure: TransportError.Kind) -> Int {
        switch failure {
        case .unresolvable, .tls, .proxy: 1
        case .connectionRefused, .timeout: min(2, maxAttempts)
        case .other: maxAttempts
        }
    }

    /// Full-jitter exponential backoff before attempt `attempt + 1` (attempt counts from 1).
    public func backoff(after attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 20)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        return ceiling * random()
    }

    /// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
    public func retryAfter(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        guard let date = Self.httpDate(trimmed) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now()))
        return .milliseconds(Int((seconds * 1000).rounded(.up)))
    }

    /// Parses the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 form.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

/// The global request budget of a run: at most `parallelism` requests in flight, and optionally at most
/// `ratePerSecond` started per second, across every task that shares it.
public actor RequestLimiter {
    public let parallelism: Int
    public let ratePerSecond: Double?
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var nextStart: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    public init(parallelism: Int = 4, ratePerSecond: Double? = nil) {
        self.parallelism = max(1, parallelism)
        self.ratePerSecond = ratePerSecond.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Waits for a slot (and for the rate limit), then holds it until `release()`.
    public func acquire() async {
        if inFlight < parallelism {
            inFlight += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        if let ratePerSecond {
            let interval = Duration.nanoseconds(Int64(1_000_000_000 / ratePerSecond))
            let now = clock.now
            let start = max(now, nextStart ?? now)
            nextStart = start + interval
            if start > now { try? await clock.sleep(until: start) }
        }
    }

    /// Frees a slot, handing it straight to the next waiter if there is one.
    public func release() {
        if waiting.isEmpty {
            inFlight -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
