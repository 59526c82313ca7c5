import Foundation

/// A pragmatic email address check: what providers accept as a userName or an email value. It is
/// stricter than RFC 5321 in refusing quoted local parts and IP-literal domains, which no SaaS takes.
public enum EmailAddress {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let (local, domain) = (parts[0], parts[1])
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains(".."),
            local.unicodeScalars.allSatisfy({ $0.value >= 0x80 || localCharacters.contains($0) })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.utf8.count <= 253 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.unicodeScalars.allSatisfy({ $0.value >= 0x80 || $0 == "-" || alphanumerics.contains($0) })
            else { return false }
        }
        return true
    }

    private static let alphanumerics = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    private static let localCharacters = alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~."))
}

/// Checks `target.url`: `https://…`, `http://` to loopback only, or `sandbox:PATH`.
enum TargetURL {
    struct Problem {
        var code: DiagnosticCode
        var message: String
    }

    static func problem(_ text: String) -> Problem? {
        if text.hasPrefix("sandbox:") {
            return text.count > "sandbox:".count
                ? nil : Problem(code: .invalidURL, message: "target.url 'sandbox:' needs a path: sandbox:PATH")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return Problem(
                code: .invalidURL, message: "target.url must be https://HOST/PATH or sandbox:PATH")
        }
        if components.user != nil || components.password != nil {
            // The URL is not echoed: it holds a credential.
            return Problem(
                code: .secretInYAML,
                message: "target.url carries credentials; put the token in the environment variable named by "
                    + "target.tokenEnv (default SCIM_TOKEN) instead")
        }
        switch scheme {
        case "https":
            return nil
        case "http":
            return isLoopback(host)
                ? nil
                : Problem(
                    code: .invalidURL,
                    message: "target.url '\(text)' uses plain http, which is refused except to loopback; use https")
        default:
            return Problem(code: .invalidURL, message: "target.url scheme '\(scheme)' is not supported; use https")
        }
    }

    /// localhost, 127.0.0.0/8 and ::1.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
