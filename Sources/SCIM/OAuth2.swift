public import Foundation
import SafeText

/// A bearer token obtained by OAuth 2.0 client credentials (RFC 6749 §4.4): fetched from the token
/// endpoint when first needed, kept in memory for its lifetime (never written anywhere), fetched again
/// shortly before it expires, or once when the provider answers 401. The client secret goes only to the
/// token endpoint; the access token only to the SCIM provider; both are registered as secrets.
public actor OAuth2ClientCredentials {
    public let tokenURL: URL
    private let clientId: String
    private let clientSecret: String
    private let scope: String?
    /// Where the id and secret came from, for messages ("$QASE_CLIENT_ID").
    private let origin: String
    private let transport: any HTTPTransport
    private var current: (token: BearerToken, refreshAt: ContinuousClock.Instant)?
    /// How many tokens were fetched (tests read it).
    public private(set) var fetches = 0

    /// A token is fetched again this long before it expires (30 s, or a tenth of a short lifetime), so
    /// no request carries one that lapses on the way.
    static func margin(lifetime: Duration) -> Duration { min(.seconds(30), lifetime / 10) }

    /// - Throws: a token URL that is not https (plain http only to loopback) or carries credentials.
    public init(
        tokenURL: URL, clientId: String, clientSecret: String, scope: String?, origin: String,
        transport: any HTTPTransport
    ) throws(SCIMError) {
        guard SCIMConnection.isSecureEnough(tokenURL) else {
            throw SCIMError(
                .refused,
                "the OAuth2 token URL \(tokenURL.absoluteString) is not https: the client secret would "
                    + "cross the network in clear text; use https://")
        }
        guard URLCredentials.userinfo(in: tokenURL.absoluteString) == nil else {
            throw SCIMError(.refused, "the OAuth2 token URL carries credentials; give them in the environment")
        }
        Secrets.register(clientSecret)
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.scope = scope
        self.origin = origin
        self.transport = transport
    }

    /// A token valid for at least the margin, fetched if need be.
    public func token() async throws(SCIMError) -> BearerToken {
        if let current, ContinuousClock.now < current.refreshAt { return current.token }
        return try await fetch()
    }

    /// Forgets `token` after the provider refused it (revoked early): the next `token()` fetches anew.
    public func refused(_ token: BearerToken) {
        if current?.token.secret == token.secret { current = nil }
    }

    private func fetch() async throws(SCIMError) -> BearerToken {
        fetches += 1
        var form = "grant_type=client_credentials"
        if let scope, !scope.isEmpty { form += "&scope=" + SCIMConnection.encode(scope) }
        // client_secret_basic (RFC 6749 §2.3.1): each part form-encoded, then base64.
        let basic = Data("\(SCIMConnection.encode(clientId)):\(SCIMConnection.encode(clientSecret))".utf8)
            .base64EncodedString()
        Secrets.register(basic)
        let request = HTTPRequest(
            method: "POST", url: tokenURL,
            headers: [
                "Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            ],
            body: Data(form.utf8))
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw SCIMError(
                .transport, "the OAuth2 token endpoint did not answer: \(error.message)", method: "POST",
                url: tokenURL.absoluteString)
        }
        let json = try? JSONValue.parse(response.body)
        guard (200..<300).contains(response.status) else {
            // RFC 6749 §5.2: {"error": "invalid_client", "error_description": "…"}
            let code = json?.objectValue?["error"]?.stringValue.map { Printable.escape($0.prefix(60)) }
            let description = json?.objectValue?["error_description"]?.stringValue.map {
                Printable.escape(Secrets.redact(String($0.prefix(200))))
            }
            let reason = [code, description].compactMap { $0 }.joined(separator: ": ")
            throw SCIMError(
                response.status == 401 || code == "invalid_client" ? .unauthorized : .clientError,
                "the OAuth2 token endpoint refused the client credentials from \(origin)"
                    + (reason.isEmpty ? "" : " (\(reason))"),
                method: "POST", url: tokenURL.absoluteString, status: response.status)
        }
        guard let object = json?.objectValue, let access = object["access_token"]?.stringValue,
            let token = BearerToken(access)
        else {
            throw SCIMError(
                .invalidResponse, "the OAuth2 token endpoint's answer has no access_token", method: "POST",
                url: tokenURL.absoluteString, status: response.status)
        }
        if let type = object["token_type"]?.stringValue, type.lowercased() != "bearer" {
            throw SCIMError(
                .unsupported,
                "the OAuth2 token endpoint issued a \(Printable.escape(type.prefix(30))) token, not a "
                    + "bearer token", method: "POST", url: tokenURL.absoluteString)
        }
        // No expires_in: assume an hour, and rely on the one refetch after a 401.
        let lifetime = Duration.seconds(max(object["expires_in"]?.intValue ?? 3600, 0))
        current = (token, ContinuousClock.now + lifetime - Self.margin(lifetime: lifetime))
        return token
    }
}
