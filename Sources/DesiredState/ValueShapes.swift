import Foundation

/// A pragmatic email address check: what providers accept as a userName or an email value. It is
/// stricter than RFC 5321 in refusing quoted local parts and IP-literal domains, which no SaaS takes.
public enum EmailAddress {
    public static func isValid(_ text: String) -> Bool {
        var text = text
        // Byte-level: this runs for every userName of a 100,000-user org.
        return text.withUTF8 { bytes in
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return false }
            return isLocalPart(bytes[..<at]) && isDomain(bytes[(at + 1)...])
        }
    }

    private static func isLocalPart(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 64, bytes.first != dot, bytes.last != dot else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            guard byte >= 0x80 || isAlphanumeric(byte) || localSymbols.contains(byte), !(byte == dot && previous == dot)
            else { return false }
            previous = byte
        }
        return true
    }

    private static func isDomain(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        var labels = 0
        var labelStart = bytes.startIndex
        for index in bytes.startIndex...bytes.endIndex {
            guard index == bytes.endIndex || bytes[index] == dot else {
                let byte = bytes[index]
                guard byte >= 0x80 || isAlphanumeric(byte) || byte == hyphen else { return false }
                continue
            }
            let label = bytes[labelStart..<index]
            guard !label.isEmpty, label.count <= 63, label.first != hyphen, label.last != hyphen else { return false }
            labels += 1
            labelStart = index + 1
        }
        return labels >= 2
    }

    private static let dot = UInt8(ascii: ".")
    private static let hyphen = UInt8(ascii: "-")
    private static let localSymbols = Set("!#$%&'*+-/=?^_`{|}~.".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }
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
                    message: "target.url \(quote(text)) uses plain http, which is refused except to loopback; use https"
                )
        default:
            return Problem(code: .invalidURL, message: "target.url scheme \(quote(scheme)) is not supported; use https")
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
