public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

/// Sends one HTTP request. The client's only way out: tests drive scripted transports, production
/// drives `URLSessionTransport`. It must not follow redirects: the client decides whether a redirect
/// may carry the token.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}

/// The production transport, on URLSession (libcurl on Linux): TLS verified, timeouts set, redirects
/// handed back to the client unfollowed.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// - Parameter timeout: the most one request may take, in seconds.
    public init(timeout: TimeInterval = 60) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw TransportError("the response is not HTTP")
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return HTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError((error as NSError).localizedDescription)
        }
    }
}

/// Refuses every redirect, so the response comes back as the 3xx it is.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
