import Foundation
import Synchronization

/// Every secret this process knows of, and the one function all output goes through before it is
/// written: stdout, stderr, the `--verbose` trace, the journal, plan files. A secret is registered the
/// moment it is read (the token, a URL's credentials, a value the YAML holds under a secret-shaped
/// key, a proxy's credentials) and is replaced by `<redacted>` wherever it appears afterwards — also
/// when a provider echoes it back in an error body, an HTML page or a redirect URL, in whatever
/// escaping that echo uses.
public enum Secrets {
    /// What replaces a secret in output.
    public static let mask = "<redacted>"

    /// Shorter values are not registered: redacting every "on" or "1" would garble output and protect
    /// nothing (no credential is that short).
    public static let minimumLength = 4

    private struct Known {
        /// Secrets as bytes, matched with each byte written as itself or escaped (see `match`).
        var secrets: [[UInt8]] = []
        /// Other forms matched exactly: base64 (a provider echoing a Basic header).
        var exact: [[UInt8]] = []
    }

    private static let known = Mutex(Known())

    /// Registers `secret`. It is then found written plainly, percent-encoded (any set of characters
    /// encoded, either hex case: every encoder chooses differently), JSON-escaped (`\/`, `\"`,
    /// `\u0041`), HTML-escaped (`&amp;`, `&#47;`), any mix of these, and in base64.
    public static func register(_ secret: some StringProtocol) {
        let raw = Array(String(secret).utf8)
        guard raw.count >= minimumLength else { return }
        let base64 = Array(Data(raw).base64EncodedString().utf8)
        known.withLock { known in
            guard !known.secrets.contains(raw) else { return }
            known.secrets.append(raw)
            known.exact.append(base64)
            // Longest first, so a secret that contains another is replaced whole.
            known.secrets.sort { $0.count > $1.count }
        }
    }

    /// `text` with every registered secret replaced by `mask`.
    public static func redact(_ text: String) -> String {
        let known = known.withLock { $0 }
        guard !known.secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        guard redact(&bytes, known) else { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `bytes` with every registered secret replaced by `mask`.
    public static func redact(_ bytes: [UInt8]) -> [UInt8] {
        let known = known.withLock { $0 }
        var bytes = bytes
        _ = redact(&bytes, known)
        return bytes
    }

    /// Whether `text` holds a registered secret in any of its forms.
    public static func holdsSecret(_ text: String) -> Bool {
        let known = known.withLock { $0 }
        guard !known.secrets.isEmpty else { return false }
        var bytes = Array(text.utf8)
        return redact(&bytes, known)
    }

    /// Replaces in place; returns whether anything was replaced.
    private static func redact(_ bytes: inout [UInt8], _ known: Known) -> Bool {
        var replaced = false
        for secret in known.secrets { replaced = replace(secret, in: &bytes, exactly: false) || replaced }
        for form in known.exact { replaced = replace(form, in: &bytes, exactly: true) || replaced }
        return replaced
    }

    private static func replace(_ secret: [UInt8], in bytes: inout [UInt8], exactly: Bool) -> Bool {
        var matches: [Range<Int>] = []
        bytes.withUnsafeBytes { text in
            var index = 0
            while index < text.count {
                if let end = exactly ? exactMatch(secret, in: text, at: index) : match(secret, in: text, at: index) {
                    matches.append(index..<end)
                    index = end
                } else {
                    index += 1
                }
            }
        }
        guard !matches.isEmpty else { return false }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var copied = 0
        for range in matches {
            output.append(contentsOf: bytes[copied..<range.lowerBound])
            output.append(contentsOf: mask.utf8)
            copied = range.upperBound
        }
        output.append(contentsOf: bytes[copied...])
        bytes = output
        return true
    }

    private static func exactMatch(_ secret: [UInt8], in text: UnsafeRawBufferPointer, at index: Int) -> Int? {
        guard text[index] == secret[0], text.count - index >= secret.count else { return nil }
        for offset in 1..<secret.count where text[index + offset] != secret[offset] { return nil }
        return index + secret.count
    }

    /// The end of `secret` written from `index` with each byte plain or escaped, or nil.
    private static func match(_ secret: [UInt8], in text: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let first = text[index]
        // Most bytes start nothing: a plain first byte, or the start of an escape.
        guard
            first == secret[0] || first == UInt8(ascii: "%") || first == UInt8(ascii: "\\")
                || first == UInt8(ascii: "&")
        else { return nil }
        var position = index
        for expected in secret {
            guard position < text.count, let (byte, length) = unit(in: text, at: position), byte == expected else {
                return nil
            }
            position += length
        }
        return position
    }

    /// The byte written at `position` and how many bytes write it: plain, `%XX`, a JSON escape or an
    /// HTML entity.
    private static func unit(in text: UnsafeRawBufferPointer, at position: Int) -> (UInt8, Int)? {
        let byte = text[position]
        let rest = text.count - position
        switch byte {
        case UInt8(ascii: "%") where rest >= 3:
            if let high = hex(text[position + 1]), let low = hex(text[position + 2]) { return (high << 4 | low, 3) }
        case UInt8(ascii: "\\") where rest >= 2:
            switch text[position + 1] {
            case UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "\\"): return (text[position + 1], 2)
            case UInt8(ascii: "u") where rest >= 6:
                guard let a = hex(text[position + 2]), let b = hex(text[position + 3]), let c = hex(text[position + 4]),
                    let d = hex(text[position + 5]), a == 0, b == 0, c < 8
                else { return (byte, 1) }
                return (c << 4 | d, 6)
            default: break
            }
        case UInt8(ascii: "&"):
            for (entity, value) in entities where rest >= entity.count {
                if zip(entity, UnsafeRawBufferPointer(rebasing: text[position..<(position + entity.count)]))
                    .allSatisfy({ $0 == $1 })
                {
                    return (value, entity.count)
                }
            }
            // &#NN; and &#xHH;
            if rest >= 4, text[position + 1] == UInt8(ascii: "#") {
                var cursor = position + 2
                let isHex = text[cursor] | 0x20 == UInt8(ascii: "x")
                if isHex { cursor += 1 }
                var value = 0
                var digits = 0
                while cursor < text.count, digits < 4 {
                    let character = text[cursor]
                    if isHex, let digit = hex(character) {
                        value = value * 16 + Int(digit)
                    } else if !isHex, character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") {
                        value = value * 10 + Int(character - UInt8(ascii: "0"))
                    } else {
                        break
                    }
                    digits += 1
                    cursor += 1
                }
                if digits > 0, cursor < text.count, text[cursor] == UInt8(ascii: ";"), value < 0x80 {
                    return (UInt8(value), cursor + 1 - position)
                }
            }
        default: break
        }
        return (byte, 1)
    }

    private static let entities: [([UInt8], UInt8)] = [
        (Array("&amp;".utf8), UInt8(ascii: "&")), (Array("&lt;".utf8), UInt8(ascii: "<")),
        (Array("&gt;".utf8), UInt8(ascii: ">")), (Array("&quot;".utf8), UInt8(ascii: "\"")),
        (Array("&apos;".utf8), UInt8(ascii: "'")),
    ]

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
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
