public import Foundation
import Synchronization

/// Every secret this process knows of, and the one function all output goes through before it is
/// written: stdout, stderr, the `--verbose` trace, the journal, plan files. A secret is registered the
/// moment it is read (the token, a URL's credentials, a value the YAML holds under a secret-shaped
/// key, a proxy's credentials) and is replaced by `<redacted>` wherever it appears afterwards — also
/// when a provider echoes it back in an error body, an HTML page or a redirect URL.
public enum Secrets {
    /// What replaces a secret in output.
    public static let mask = "<redacted>"

    /// Shorter values are not registered: redacting every "on" or "1" would garble output and protect
    /// nothing (no credential is that short).
    public static let minimumLength = 4

    /// Each secret in every form it may be echoed in, longest first (so a longer form is replaced whole).
    private static let known = Mutex<[[UInt8]]>([])

    /// Registers `secret` and the forms a provider may echo it in: percent-encoded (a redirect URL, upper
    /// and lower hex), JSON-escaped (`/` as `\/`), HTML-escaped and base64.
    public static func register(_ secret: some StringProtocol) {
        let raw = String(secret)
        guard raw.utf8.count >= minimumLength else { return }
        var forms: [String] = [raw]
        forms.append(percentEncoded(raw, upper: true))
        forms.append(percentEncoded(raw, upper: false))
        forms.append(
            raw.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "/", with: "\\/"))
        forms.append(
            raw.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "'", with: "&#39;"))
        forms.append(Data(raw.utf8).base64EncodedString())
        known.withLock { known in
            for form in forms where form.utf8.count >= minimumLength {
                let bytes = Array(form.utf8)
                if !known.contains(bytes) { known.append(bytes) }
            }
            known.sort { $0.count > $1.count }
        }
    }

    /// Whether any secret is registered (tests use it to check a registration happened).
    public static var isEmpty: Bool { known.withLock { $0.isEmpty } }

    /// `text` with every registered secret replaced by `mask`.
    public static func redact(_ text: String) -> String {
        let secrets = known.withLock { $0 }
        guard !secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        guard redact(&bytes, secrets) else { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `bytes` with every registered secret replaced by `mask`.
    public static func redact(_ bytes: [UInt8]) -> [UInt8] {
        let secrets = known.withLock { $0 }
        var bytes = bytes
        _ = redact(&bytes, secrets)
        return bytes
    }

    /// Whether `text` holds a registered secret in any of its forms.
    public static func holdsSecret(_ text: String) -> Bool {
        let secrets = known.withLock { $0 }
        guard !secrets.isEmpty else { return false }
        let bytes = Array(text.utf8)
        return secrets.contains { firstMatch(of: $0, in: bytes, from: 0) != nil }
    }

    /// Replaces in place; returns whether anything was replaced.
    private static func redact(_ bytes: inout [UInt8], _ secrets: [[UInt8]]) -> Bool {
        var replaced = false
        let mask = Array(Self.mask.utf8)
        for secret in secrets {
            var start = 0
            var output: [UInt8]?
            var copied = 0
            while let match = firstMatch(of: secret, in: bytes, from: start) {
                if output == nil { output = [] }
                output!.append(contentsOf: bytes[copied..<match])
                output!.append(contentsOf: mask)
                copied = match + secret.count
                start = copied
            }
            if var output {
                output.append(contentsOf: bytes[copied...])
                bytes = output
                replaced = true
            }
        }
        return replaced
    }

    private static func firstMatch(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    private static func percentEncoded(_ text: String, upper: Bool) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: upper ? "%%%02X" : "%%%02x", byte)
            }
        }
        return encoded
    }
}

/// Credentials written into a URL (`https://user:password@host/…`), found by reading the text, not by
/// parsing it: a URL that no parser accepts may still carry them, and must still not be echoed.
public enum URLCredentials {
    /// The userinfo (`user:password`) of `text`, or nil when it has none.
    public static func userinfo(in text: String) -> Substring? {
        // Byte search for "://": Foundation's range(of:) compares Unicode-aware, far slower on long text.
        let utf8 = text.utf8
        guard utf8.contains(UInt8(ascii: "@")) else { return nil }
        var schemeEnd: String.Index?
        var index = utf8.startIndex
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: ":") {
                let rest = utf8[utf8.index(after: index)...]
                if rest.starts(with: "//".utf8) {
                    schemeEnd = utf8.index(index, offsetBy: 3)
                    break
                }
            }
            index = utf8.index(after: index)
        }
        guard let schemeEnd else { return nil }
        let rest = text[schemeEnd...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        return authority[..<at]
    }

    /// Registers the userinfo of `text` (whole, and the password alone) as secrets; returns whether it
    /// had any.
    @discardableResult
    public static func registerSecrets(in text: String) -> Bool {
        guard let userinfo = userinfo(in: text) else { return false }
        Secrets.register(userinfo)
        if let colon = userinfo.firstIndex(of: ":") {
            Secrets.register(userinfo[userinfo.index(after: colon)...])
            // Percent-decoded too: `p%40ss` is sent as `p@ss`.
            if let decoded = String(userinfo[userinfo.index(after: colon)...]).removingPercentEncoding {
                Secrets.register(decoded)
            }
        }
        return true
    }

    /// `text` with its userinfo replaced by `<redacted>`, for messages about the URL.
    public static func stripped(_ text: String) -> String {
        guard let userinfo = userinfo(in: text) else { return text }
        return text.replacingCharacters(in: userinfo.startIndex..<userinfo.endIndex, with: Secrets.mask)
    }
}
