public import Catalog
public import Foundation
public import SCIM

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The tests' own HTTP client, on URLSession (libcurl on Linux) — independent of production's
/// AsyncHTTPClientTransport, and kept out of the scimctl binary (a static build would need libcurl):
/// TLS verified, timeouts set, redirects handed back to the client unfollowed.
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

extension SCIMConnection {
    /// A connection over `URLSessionTransport`, for tests that talk to a real server.
    public init(baseURL: URL, token: BearerToken?, profile: ProviderProfile = .generic) throws(SCIMError) {
        try self.init(baseURL: baseURL, token: token, transport: URLSessionTransport(), profile: profile)
    }
}
