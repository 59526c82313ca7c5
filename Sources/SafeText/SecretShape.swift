/// Whether text holds a value with a secret's shape, wherever it sits (not only under a secret-named
/// key): a JWT, `Bearer …`, a known vendor token prefix, or a long run of hex or base64 characters. What
/// shows a line of a user's file (an excerpt, a note, a hint) withholds a line that does, so a token
/// pasted in the wrong place is not echoed by a side door.
public enum SecretShape {
    /// Vendor prefixes of tokens (GitHub, GitLab, Slack, OpenAI-style, Stripe, npm, SendGrid, AWS keys,
    /// Atlassian, 1Password service accounts).
    static let prefixes = [
        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxs-",
        "sk-", "sk_live_", "sk_test_", "rk_live_", "npm_", "SG.", "AKIA", "ASIA", "ATATT", "ops_",
    ]

    /// The shortest run taken for a random secret: 32 characters (128 bits of hex).
    static let longRun = 32

    public static func appears(in text: String) -> Bool {
        var words: [Substring] = []
        var previous: Substring = ""
        for word in text.split(whereSeparator: { " \t\"',:;=[]{}()<>|`@".contains($0) }) {
            if previous.lowercased() == "bearer", word.count >= 8 { return true }
            // A digest (`sha256:…`, as safety.approve holds) is a hash of public data, not a secret.
            if previous.lowercased() != "sha256" { words.append(word) }
            previous = word
        }
        return words.contains(where: isSecretShaped)
    }

    static func isSecretShaped(_ word: Substring) -> Bool {
        let bytes = Array(word.utf8)
        // A JWT: three base64url parts, the first a JSON object ("eyJ" is `{"` encoded).
        if word.hasPrefix("eyJ"), word.split(separator: ".", omittingEmptySubsequences: false).count == 3,
            bytes.count >= 24
        {
            return true
        }
        for prefix in prefixes where word.hasPrefix(prefix) && bytes.count >= prefix.utf8.count + 12 {
            let rest = bytes.dropFirst(prefix.utf8.count)
            if rest.allSatisfy(isTokenByte) { return true }
        }
        guard bytes.count >= longRun else { return false }
        // A long run of token characters with both letters and digits (a hex digest, base64): not a word,
        // an address or a path.
        guard bytes.allSatisfy(isTokenByte) else { return false }
        let digits = bytes.count { $0 >= 0x30 && $0 <= 0x39 }
        let letters = bytes.count { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        return digits >= 4 && letters >= 4
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: ".")
    }
}
