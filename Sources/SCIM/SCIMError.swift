import Catalog
import Foundation
import SafeText

/// Every failure of the SCIM layer, classified so callers can act on it, and carrying what a person
/// needs to act on it: the request (method and URL, never a credential) and the provider's SCIM error.
public struct SCIMError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// 409, or a 400 "not unique" from a provider that says so (Qase): the object already exists.
        case conflict
        /// 404.
        case notFound
        /// 412: the resource changed since it was read (If-Match).
        case preconditionFailed
        /// 429 that retries did not outlast.
        case rateLimited
        /// 5xx that retries did not outlast.
        case unavailable
        /// 401 or 403: the token is wrong, expired, or lacks the scope.
        case unauthorized
        /// Any other 4xx: the request was refused as it was.
        case clientError
        /// No HTTP response: DNS, TLS, connection, timeout.
        case transport
        /// The response is not the SCIM expected.
        case invalidResponse
        /// A listing did not add up (a total that disagrees, a page that repeats, a short read).
        case inconsistentRead
        /// Refused before sending: plain http to a remote host, a redirect to another host.
        case refused
        /// The provider lacks what the request needs (no Groups, no PATCH), or answered 501 Not
        /// Implemented to this form of the request (another form may work: see `isNotImplemented`).
        case unsupported
    }

    public var kind: Kind
    public var message: String
    public var method: String?
    public var url: String?
    public var status: Int?
    public var scimType: String?
    public var detail: String?
    /// How many times the request was sent.
    public var attempts: Int

    public init(
        _ kind: Kind, _ message: String, method: String? = nil, url: String? = nil, status: Int? = nil,
        scimType: String? = nil, detail: String? = nil, attempts: Int = 0
    ) {
        self.kind = kind
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.scimType = scimType
        self.detail = detail
        self.attempts = attempts
    }

    /// The provider answered 501 Not Implemented: it changed nothing, and the same change in another
    /// form (PUT for PATCH, a value list for a filter path) may work.
    public var isNotImplemented: Bool { status == 501 }

    /// `METHOD URL: message (HTTP status, scimType: detail)`.
    public var description: String {
        var text = ""
        if let method, let url { text += "\(method) \(url): " }
        text += message
        var parts: [String] = []
        if let status { parts.append("HTTP \(status)") }
        if let scimType { parts.append("scimType \(scimType)") }
        if let detail, !detail.isEmpty { parts.append("\"\(Printable.escape(detail))\"") }
        if attempts > 1 { parts.append("after \(attempts) attempts") }
        if !parts.isEmpty { text += " (\(parts.joined(separator: ", ")))" }
        return text
    }

    /// Classifies an HTTP error response.
    static func from(
        _ response: HTTPResponse, method: String, url: String, profile: ProviderProfile, attempts: Int
    ) -> SCIMError {
        let body = SCIMErrorBody(data: response.body)
        // Redacted before it is cut: a token split by the cut would otherwise leave its first half.
        let detail = Printable.escape(
            String(
                Secrets.redact(body?.detail ?? String(decoding: response.body.prefix(4096), as: UTF8.self)).prefix(300))
        )
        let kind: Kind
        let message: String
        switch response.status {
        case 409:
            (kind, message) = (.conflict, "the object already exists")
        case 400 where profile.conflictAs400NotUnique && detail.lowercased().contains("not unique"):
            (kind, message) = (.conflict, "the object already exists")
        case 400 where body?.scimType == "uniqueness":
            (kind, message) = (.conflict, "the object already exists")
        case 404:
            (kind, message) = (.notFound, "not found")
        case 412:
            (kind, message) = (.preconditionFailed, "the object changed since it was read")
        case 429:
            (kind, message) = (.rateLimited, "rate limited by the provider")
        case 401:
            (kind, message) = (.unauthorized, "the provider refused the token (wrong, expired or revoked)")
        case 403:
            (kind, message) = (.unauthorized, "the token lacks permission for this request (check its scopes or role)")
        case 501:
            (kind, message) = (.unsupported, "the provider does not implement this request")
        case 500...599:
            (kind, message) = (.unavailable, "the provider failed")
        default:
            (kind, message) = (.clientError, "the provider refused the request")
        }
        return SCIMError(
            kind, message, method: method, url: url, status: response.status, scimType: body?.scimType,
            detail: detail.isEmpty ? nil : detail, attempts: attempts)
    }
}
