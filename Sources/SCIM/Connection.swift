public import Catalog
public import Foundation
public import Logging
import SafeText

/// The HTTP side of a SCIM client, in one place: URLs, headers, authentication, the request budget,
/// retries and the trace. Nothing else in scimctl builds an HTTP request.
public struct SCIMConnection: Sendable {
    public let baseURL: URL
    private let token: BearerToken?
    /// Tokens by OAuth2 client credentials, instead of `token`.
    private let oauth: OAuth2ClientCredentials?
    private let transport: any HTTPTransport
    public let profile: ProviderProfile
    public let retry: RetryPolicy
    public let limiter: RequestLimiter
    let logger: Logger
    private let userAgent: String

    /// The most same-host redirects followed for one read.
    static let maxRedirects = 3

    /// - Throws: `.refused` for a URL that is not https, except plain http to loopback.
    public init(
        baseURL: URL, token: BearerToken?, oauth: OAuth2ClientCredentials? = nil,
        transport: any HTTPTransport,
        profile: ProviderProfile = .generic, retry: RetryPolicy = RetryPolicy(),
        limiter: RequestLimiter = RequestLimiter(), logger: Logger = Logger(label: "scimctl.scim"),
        userAgent: String = ScimctlVersion.userAgent
    ) throws(SCIMError) {
        guard Self.isSecureEnough(baseURL) else {
            throw SCIMError(
                .refused,
                "\(baseURL.absoluteString) is not https; plain http is allowed only to loopback (127.0.0.0/8, ::1, "
                    + "localhost): use https://"
            )
        }
        self.baseURL = baseURL
        self.token = token
        self.oauth = oauth
        self.transport = transport
        self.profile = profile
        self.retry = retry
        self.limiter = limiter
        self.logger = logger
        self.userAgent = userAgent
    }

    /// https, or plain http to loopback only: the rule for every URL a credential is sent to.
    static func isSecureEnough(_ url: URL) -> Bool {
        let scheme = url.scheme?.lowercased()
        return scheme == "https" || (scheme == "http" && isLoopback(url.host ?? ""))
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `base + path ? query`, every query value percent-encoded (filters hold quotes, spaces, `&`, `+`).
    public func url(_ path: String, query: [(String, String)] = []) -> URL {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path.hasPrefix("/") ? path : "/" + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        // Every character outside the unreserved set is percent-encoded above, so this cannot fail.
        return URL(string: text)!
    }

    /// The path, relative to the base URL, of an endpoint as `/ResourceTypes` states it. RFC 7643 §6
    /// says relative (`Users`), but providers write all of: `Users`, `/Users`, the absolute path under
    /// the base (`/scim/v2/Users`), and a full URL. Each is accepted when it stays on the base URL's
    /// origin and under its path; another origin is refused (the token would follow the requests).
    public func endpoint(_ declared: String) throws(SCIMError) -> String {
        let trimmed = declared.trimmingCharacters(in: .whitespaces)
        var basePath = baseURL.path
        while basePath.hasSuffix("/") { basePath.removeLast() }
        var path: String
        if trimmed.contains("://") {
            guard let url = URL(string: trimmed), let host = url.host else {
                throw SCIMError(.invalidResponse, "the endpoint \(Printable.escape(trimmed.prefix(200))) is not a URL")
            }
            let sameOrigin =
                url.scheme?.lowercased() == baseURL.scheme?.lowercased()
                && host.lowercased() == baseURL.host?.lowercased() && url.port == baseURL.port
            guard sameOrigin else {
                throw SCIMError(
                    .refused,
                    "/ResourceTypes gives the endpoint \(Printable.escape(URLCredentials.stripped(trimmed).prefix(200))), "
                        + "on another origin than \(baseURL.absoluteString); the token is never sent there")
            }
            path = url.path
            guard path == basePath || path.hasPrefix(basePath + "/") else {
                throw SCIMError(
                    .refused,
                    "/ResourceTypes gives the endpoint \(Printable.escape(trimmed.prefix(200))), outside the base URL "
                        + "\(baseURL.absoluteString); set the base URL to the provider's SCIM root")
            }
            path = String(path.dropFirst(basePath.count))
        } else if !basePath.isEmpty, trimmed == basePath || trimmed.hasPrefix(basePath + "/") {
            // The absolute path under the base: `/scim/v2/Users` with base `https://host/scim/v2`.
            path = String(trimmed.dropFirst(basePath.count))
        } else {
            // Relative to the base: `Users` or `/Users`.
            path = trimmed
        }
        while path.hasPrefix("//") { path.removeFirst() }
        if !path.hasPrefix("/") { path = "/" + path }
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard path.count > 1, !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }),
            !path.contains("?"), !path.contains("#")
        else {
            throw SCIMError(
                .invalidResponse, "the endpoint \(Printable.escape(trimmed.prefix(200))) is not a resource path")
        }
        return path
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// Sends a request, retrying as the policy allows: 429 always (the provider did nothing), 5xx and
    /// transport failures only when `retryable` (a create is never blindly repeated).
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        ifMatch: String? = nil, retryable: Bool
    ) async throws(SCIMError) -> HTTPResponse {
        var url = self.url(path, query: query)
        var redirects = 0
        var attempt = 0
        var refetched = false
        while true {
            attempt += 1
            let bearer = try await oauth?.token() ?? token
            let request = makeRequest(method, url, body: body, ifMatch: ifMatch, token: bearer)
            await limiter.acquire()
            let started = ContinuousClock.now
            let outcome: Result<HTTPResponse, TransportError>
            do {
                outcome = .success(try await transport.send(request))
            } catch {
                outcome = .failure(error)
            }
            await limiter.release()
            let elapsed = ContinuousClock.now - started
            let milliseconds = Int(elapsed / .milliseconds(1))
            RequestTally.current?.sent(status: try? outcome.get().status)
            switch outcome {
            case .failure(let error):
                logger.debug("\(method) \(url.absoluteString) → no response: \(error.message) (\(milliseconds) ms)")
                let most = retry.maxAttempts(after: error.kind)
                guard retryable, attempt < most else {
                    throw SCIMError(
                        .transport, "no response: \(error.message)", method: method, url: url.absoluteString,
                        attempts: attempt)
                }
                try await pause(
                    retry.backoff(after: attempt), method: method, url: url, attempt: attempt, of: most,
                    reason: error.message)
            case .success(let response):
                logger.debug("\(method) \(url.absoluteString) → \(response.status) (\(milliseconds) ms)")
                switch response.status {
                case 200..<300:
                    return response
                case 401 where oauth != nil && !refetched:
                    // A token revoked before its time: fetch one more, once; the provider did nothing.
                    refetched = true
                    if let bearer { await oauth?.refused(bearer) }
                    attempt -= 1
                case 301, 302, 303, 307, 308:
                    url = try redirectTarget(response, from: url, method: method, redirects: redirects)
                    redirects += 1
                    attempt -= 1
                case 429 where attempt < retry.maxAttempts:
                    var wait = retry.backoff(after: attempt)
                    if let header = response.header("Retry-After"), let asked = retry.retryAfter(header) {
                        guard asked <= retry.maxRetryAfter else {
                            var error = SCIMError.from(
                                response, method: method, url: url.absoluteString, profile: profile, attempts: attempt)
                            error.message =
                                "rate limited; the provider asks to wait \(asked), longer than \(retry.maxRetryAfter)"
                            throw error
                        }
                        wait = asked
                    }
                    try await pause(
                        wait, method: method, url: url, attempt: attempt, of: retry.maxAttempts, reason: "HTTP 429")
                case 500..<600
                where retryable && attempt < retry.maxAttempts && response.status != 501
                    && response.status != 505:
                    // 501 Not Implemented and 505 are answers, not faults: sending again cannot change them.
                    try await pause(
                        retry.backoff(after: attempt), method: method, url: url, attempt: attempt,
                        of: retry.maxAttempts, reason: "HTTP \(response.status)")
                default:
                    throw SCIMError.from(
                        response, method: method, url: url.absoluteString, profile: profile, attempts: attempt)
                }
            }
        }
    }

    private func makeRequest(_ method: String, _ url: URL, body: JSONValue?, ifMatch: String?, token: BearerToken?)
        -> HTTPRequest
    {
        var headers = [
            "Accept": "application/scim+json, application/json",
            "User-Agent": userAgent,
        ]
        // The token goes only to the configured origin: redirects elsewhere are refused before this.
        if let token { headers["Authorization"] = "Bearer \(token.secret)" }
        if let ifMatch { headers["If-Match"] = ifMatch }
        var data: Data?
        if let body {
            headers["Content-Type"] = "application/scim+json"
            data = body.serialized()
        }
        return HTTPRequest(method: method, url: url, headers: headers, body: data)
    }

    /// Follows a redirect only for reads, only to the same scheme, host and port, and only a few times:
    /// anywhere else the token would go with it.
    private func redirectTarget(_ response: HTTPResponse, from url: URL, method: String, redirects: Int)
        throws(SCIMError) -> URL
    {
        guard let location = response.header("Location"),
            let target = URL(string: location, relativeTo: url)?.absoluteURL
        else {
            throw SCIMError(
                .invalidResponse, "a redirect without a Location", method: method, url: url.absoluteString,
                status: response.status)
        }
        let sameOrigin =
            target.scheme?.lowercased() == url.scheme?.lowercased()
            && target.host?.lowercased() == url.host?.lowercased()
            && target.port == url.port
        guard sameOrigin else {
            let origin = "\(target.scheme ?? "?")://\(target.host ?? "?")\(target.port.map { ":\($0)" } ?? "")"
            throw SCIMError(
                .refused,
                "the provider redirected to \(origin); the token is never sent to another host or scheme. "
                    + "Set target.url to the address the provider serves",
                method: method, url: url.absoluteString, status: response.status)
        }
        guard method == "GET", redirects < Self.maxRedirects else {
            throw SCIMError(
                .refused, "the provider redirected a \(method); set target.url to the address it serves",
                method: method, url: url.absoluteString, status: response.status)
        }
        return target
    }

    /// Waits before the next attempt, saying so on stderr: a person watching sees why nothing happens.
    private func pause(
        _ duration: Duration, method: String, url: URL, attempt: Int, of most: Int, reason: String
    ) async throws(SCIMError) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        logger.notice(
            "retrying \(method) \(url.path) in \(String(format: "%.1f", seconds)) s (\(reason); attempt \(attempt + 1) of at most \(most))"
        )
        do {
            try await retry.sleep(duration)
        } catch {
            throw SCIMError(.transport, "cancelled", method: method, url: url.absoluteString, attempts: attempt)
        }
    }
}
