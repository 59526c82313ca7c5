public import Foundation

/// An HTTP request as the client builds it: every header is explicit.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A header's value, the name matched ignoring case.
    public func header(_ name: String) -> String? {
        let folded = name.lowercased()
        return headers.first { $0.key.lowercased() == folded }?.value
    }
}

/// An HTTP response. Header names are matched case-insensitively through `header(_:)`.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let folded = name.lowercased()
        return headers.first { $0.key.lowercased() == folded }?.value
    }
}

/// Why a request got no HTTP response at all.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What failed, which decides whether sending again can help.
    public enum Kind: Sendable, Hashable {
        /// The host name does not resolve: no retry heals that within a run.
        case unresolvable
        /// The TLS handshake failed (untrusted, expired, wrong host): no retry heals that either.
        case tls
        /// The proxy refused the credentials or the tunnel: a setting to change, not a fault to outlast.
        case proxy
        /// Nothing listens at the address (a provider restarting may be back in a moment).
        case connectionRefused
        /// No complete answer within the request's deadline.
        case timeout
        /// The connection closed, or anything else.
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ message: String, kind: Kind = .other) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }
}

/// Sends one HTTP request. The client's only way out: production drives `AsyncHTTPClientTransport`
/// (module SCIMTransport), tests drive scripted ones and `URLSessionTransport` (ScimctlTestSupport). It must not follow redirects: the client decides whether a redirect
/// may carry the token.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
