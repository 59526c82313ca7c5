import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SCIM
public import Sandbox
import Synchronization

/// Faults `scimctl serve` injects, on a seeded schedule so a failing test can be replayed.
public struct FaultOptions: Sendable {
    /// Share of requests answered 503 without being processed.
    public var failRate: Double
    /// Share of requests answered 429 with `Retry-After: 1` without being processed.
    public var throttleRate: Double
    /// Share of requests processed and then answered by closing the connection: the client never
    /// learns the outcome (the lost response a create must survive without duplicating).
    public var dropRate: Double
    /// Delay added to every request.
    public var latency: Duration
    public var seed: UInt64

    public init(
        failRate: Double = 0, throttleRate: Double = 0, dropRate: Double = 0, latency: Duration = .zero,
        seed: UInt64 = 1
    ) {
        self.failRate = failRate
        self.throttleRate = throttleRate
        self.dropRate = dropRate
        self.latency = latency
        self.seed = seed
    }
}

/// An OAuth2 token endpoint for the sandbox (`POST /oauth/token`, client credentials, RFC 6749 §4.4), so
/// that scimctl's OAuth2 client is tested end to end over HTTP. Tokens are random, kept in memory, and
/// accepted until they expire.
public final class TokenIssuer: Sendable {
    public let clientId: String
    private let clientSecret: String
    public let lifetime: Duration
    private let issued = Mutex<[String: ContinuousClock.Instant]>([:])

    public init(clientId: String, clientSecret: String, lifetime: Duration) {
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.lifetime = lifetime
    }

    /// Whether `authorization` carries a token this issuer gave and that has not expired.
    func accepts(_ authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let token = String(authorization.dropFirst(7))
        return issued.withLock { $0[token].map { ContinuousClock.now < $0 } ?? false }
    }

    /// Answers a token request: client_secret_basic or client_secret_post, grant client_credentials.
    func respond(authorization: String?, body: String) -> SCIM.HTTPResponse {
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        var id = form["client_id"]
        var secret = form["client_secret"]
        if let authorization, authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({
                String(decoding: $0, as: UTF8.self)
            }),
            let colon = decoded.firstIndex(of: ":")
        {
            id = String(decoded[..<colon]).removingPercentEncoding
            secret = String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        func error(_ status: Int, _ code: String, _ description: String) -> SCIM.HTTPResponse {
            SCIM.HTTPResponse(
                status: status, headers: ["Content-Type": "application/json"],
                body: JSONValue.object(["error": .string(code), "error_description": .string(description)]).serialized()
            )
        }
        guard form["grant_type"] == "client_credentials" else {
            return error(400, "unsupported_grant_type", "only client_credentials is supported")
        }
        guard id == clientId, secret == clientSecret else {
            return error(401, "invalid_client", "unknown client or wrong secret")
        }
        let token = UUID().uuidString + UUID().uuidString
        issued.withLock { $0[token] = ContinuousClock.now + lifetime }
        let seconds = Int(lifetime.components.seconds)
        return SCIM.HTTPResponse(
            status: 200, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: JSONValue.object([
                "access_token": .string(token), "token_type": .string("Bearer"), "expires_in": .number(Double(seconds)),
            ]).serialized())
    }
}

/// Serves a `SandboxProvider` over HTTP (`scimctl serve`), optionally behind a bearer token (static, or
/// issued by its OAuth2 token endpoint) and with injected faults.
public struct SandboxServer: Sendable {
    public let provider: SandboxProvider
    public var host: String
    public var port: Int
    public var token: String?
    public var faults: FaultOptions
    public var issuer: TokenIssuer?
    /// What the server answered so far, injected faults counted apart.
    public let tally = FaultTally()

    public init(
        provider: SandboxProvider, host: String, port: Int, token: String?, faults: FaultOptions,
        issuer: TokenIssuer? = nil
    ) {
        self.provider = provider
        self.host = host
        self.port = port
        self.token = token
        self.faults = faults
        self.issuer = issuer
    }

    /// Runs until the process is stopped.
    public func run(onReady: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router(context: ConnectionContext.self)
        let dice = FaultDice(seed: faults.seed)
        let handler: @Sendable (Request, ConnectionContext) async throws -> Response = { request, context in
            try await respond(to: request, channel: context.channel, dice: dice)
        }
        for method in [HTTPTypes.HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method, use: handler)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "scimctl-sandbox"),
            onServerRunning: { [provider, host] channel in
                let port = channel.localAddress?.port ?? 0
                provider.rebase("http://\(host):\(port)/v2")
                onReady(port)
            })
        try await app.runService()
    }

    private func respond(to request: Request, channel: any Channel, dice: FaultDice) async throws -> Response {
        if faults.latency > .zero { try await Task.sleep(for: faults.latency) }
        let authorization = request.headers[.authorization]
        if let issuer, request.uri.path == "/oauth/token" {
            guard request.method == .post else {
                return make(SandboxProvider.errorResponse(405, detail: "the token endpoint takes POST"))
            }
            let body = try await request.body.collect(upTo: 64 << 10)
            return make(issuer.respond(authorization: authorization, body: String(buffer: body)))
        }
        if token != nil || issuer != nil {
            let valid =
                (token.map { authorization == "Bearer \($0)" } ?? false) || (issuer?.accepts(authorization) ?? false)
            guard valid else {
                return make(SandboxProvider.errorResponse(401, detail: "a valid bearer token is required"))
            }
        }
        let stream = FaultDice.stream(method: request.method.rawValue, path: request.uri.path, query: request.uri.query)
        let roll = dice.roll(stream)
        tally.count(\.requests)
        if roll < faults.throttleRate {
            tally.count(\.throttled)
            var response = SandboxProvider.errorResponse(429, detail: "throttled (injected)")
            response.headers["Retry-After"] = "1"
            return make(response)
        }
        if roll < faults.throttleRate + faults.failRate {
            tally.count(\.failed)
            return make(SandboxProvider.errorResponse(503, detail: "unavailable (injected)"))
        }
        // The drop is decided before processing (so the schedule does not depend on timing), carried out after.
        let drop = dice.roll(stream) < faults.dropRate
        let body = try await request.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.rawName] = field.value }
        let url = URL(string: "http://\(host):\(port)\(request.uri.description)")!
        let scimRequest = SCIM.HTTPRequest(
            method: request.method.rawValue, url: url, headers: headers,
            body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil)
        let response = await provider.handle(scimRequest)
        if drop {
            tally.count(\.dropped)
            // Processed, but the answer never leaves: the connection closes before the response is written.
            try? await channel.close()
            throw CancellationError()
        }
        return make(response)
    }

    private func make(_ response: SCIM.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(
            status: .init(code: response.status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}

/// The request context, keeping the connection's channel so that a dropped response can close it.
struct ConnectionContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Requests answered and faults injected, for `serve`'s last line (the soak reports them).
public final class FaultTally: Sendable {
    public struct Counts: Sendable, Hashable {
        public var requests = 0
        public var failed = 0
        public var throttled = 0
        public var dropped = 0

        public var faults: Int { failed + throttled + dropped }
    }

    private let state = Mutex(Counts())

    func count(_ field: WritableKeyPath<Counts, Int>) {
        state.withLock { $0[keyPath: field] += 1 }
    }

    public var counts: Counts { state.withLock { $0 } }
}

/// Seeded schedules of dice rolls in 0..<1, one per stream of requests — a method and a collection
/// (`PATCH /v2/Groups`), with the query for reads — so that requests racing on other streams (a plan
/// reads users and groups at once) never shift a stream's faults: a run with one request in flight at a
/// time replays exactly, whatever the ids the sandbox drew.
final class FaultDice: Sendable {
    private let seed: UInt64
    private let generators = Mutex<[String: SeededGenerator]>([:])

    init(seed: UInt64) {
        self.seed = seed
    }

    /// `GET /v2/Users?startIndex=1&count=100`, `PATCH /v2/Groups`: the path cut after the collection.
    static func stream(method: String, path: String, query: String?) -> String {
        let collection = path.split(separator: "/", omittingEmptySubsequences: true).prefix(2).joined(separator: "/")
        let reads = method == "GET" ? query.map { "?" + $0 } ?? "" : ""
        return "\(method) /\(collection)\(reads)"
    }

    func roll(_ stream: String) -> Double {
        generators.withLock { generators in
            var generator = generators[stream] ?? SeededGenerator(seed: seed ^ Self.fnv1a(stream))
            let value = Double(generator.next() % 1_000_000) / 1_000_000
            generators[stream] = generator
            return value
        }
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
