import Catalog
import Foundation
import Logging
import SCIM
import ScimctlTestSupport
import Testing

let secret = "s3cr3t-token-value-4f9a"
let base = URL(string: "https://scim.example.com/v2")!

/// Records the waits a retry policy asks for, without waiting.
final class SleepRecorder: @unchecked Sendable {
    // `@unchecked Sendable`: `recorded` is only touched while `lock` is held.
    private let lock = NSLock()
    private var recorded: [Duration] = []
    var sleeps: [Duration] { lock.withLock { recorded } }

    func policy(maxAttempts: Int = 5, now: Date = Date()) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, sleep: { duration in self.lock.withLock { self.recorded.append(duration) } },
            random: { 0.5 }, now: { now })
    }
}

/// A log handler that keeps every message, to prove what the trace shows (and never shows).
final class CapturedLog: LogHandler, @unchecked Sendable {
    // `@unchecked Sendable`: `lines` is only touched while `lock` is held; the rest is value state
    // owned by the logger that copies this handler.
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { lines.append("\(event.message)") }
    }
}

/// A discovery answer: a provider that supports what the arguments say.
func serviceProviderConfig(maxResults: Int = 1000, patch: Bool = true, etag: Bool = true, cursor: Bool = false)
    -> String
{
    let pagination = cursor ? #", "pagination": {"cursor": true, "index": false}"# : ""
    return """
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
         "patch": {"supported": \(patch)}, "bulk": {"supported": false},
         "filter": {"supported": true, "maxResults": \(maxResults)}, "etag": {"supported": \(etag)},
         "sort": {"supported": false}\(pagination)}
        """
}

let resourceTypesBoth = """
    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 2, "Resources": [
      {"name": "User", "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
       "schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}]},
      {"name": "Group", "endpoint": "/Groups", "schema": "urn:ietf:params:scim:schemas:core:2.0:Group"}]}
    """

func userJSON(_ index: Int) -> String {
    #"{"id": "u\#(index)", "userName": "user\#(index)@example.com", "active": true}"#
}

func listJSON(total: Int?, start: Int, _ items: [String], cursor: String? = nil, key: String = "Resources") -> String {
    var fields = [#""schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]"#]
    if let total { fields.append(#""totalResults": \#(total)"#) }
    fields.append(#""startIndex": \#(start)"#)
    if let cursor { fields.append(#""nextCursor": "\#(cursor)""#) }
    fields.append(#""\#(key)": [\#(items.joined(separator: ","))]"#)
    return "{" + fields.joined(separator: ", ") + "}"
}

/// A client over a scripted provider: discovery is answered from the arguments, everything else by
/// `handler`.
func scriptedClient(
    profile: ProviderProfile = .generic, config: String = serviceProviderConfig(),
    resourceTypes: String? = resourceTypesBoth, retry: RetryPolicy = SleepRecorder().policy(),
    parallelism: Int = 4, delay: Duration = .zero, rendezvous: ScriptedTransport.Rendezvous? = nil,
    logger: Logger = Logger(label: "test"),
    _ handler: @escaping @Sendable (HTTPRequest) throws(TransportError) -> HTTPResponse
) async throws -> (SCIMClient, ScriptedTransport) {
    try await scriptedClient(
        profile: profile, config: config, resourceTypes: resourceTypes, retry: retry, parallelism: parallelism,
        delay: delay, rendezvous: rendezvous, logger: logger
    ) { request, _ throws(TransportError) in try handler(request) }
}

/// The same, with the handler told the index of each request after discovery (0 for the first).
func scriptedClient(
    profile: ProviderProfile = .generic, config: String = serviceProviderConfig(),
    resourceTypes: String? = resourceTypesBoth, retry: RetryPolicy = SleepRecorder().policy(),
    parallelism: Int = 4, delay: Duration = .zero, rendezvous: ScriptedTransport.Rendezvous? = nil,
    logger: Logger = Logger(label: "test"),
    _ handler: @escaping @Sendable (HTTPRequest, Int) throws(TransportError) -> HTTPResponse
) async throws -> (SCIMClient, ScriptedTransport) {
    let transport = ScriptedTransport(delay: delay, rendezvous: rendezvous) { request, index throws(TransportError) in
        if request.url.path.hasSuffix("/ServiceProviderConfig") { return .json(200, config) }
        if request.url.path.hasSuffix("/ResourceTypes") {
            return resourceTypes.map { .json(200, $0) } ?? .json(404, #"{"status": "404"}"#)
        }
        return try handler(request, index - 2)
    }
    let connection = try SCIMConnection(
        baseURL: base, token: BearerToken(secret), transport: transport, profile: profile, retry: retry,
        limiter: RequestLimiter(parallelism: parallelism), logger: logger)
    return (try await SCIMClient.connect(connection), transport)
}

/// Requests other than discovery.
func work(_ transport: ScriptedTransport) -> [HTTPRequest] {
    transport.requests.filter {
        !$0.url.path.hasSuffix("/ServiceProviderConfig") && !$0.url.path.hasSuffix("/ResourceTypes")
    }
}
