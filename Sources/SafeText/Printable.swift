/// Text from the YAML or from a provider, made safe to show: control characters (an ESC that would
/// drive the terminal, a newline that would start a forged line), line and paragraph separators and
/// bidirectional controls are written as visible escapes (`\u{1B}`), so output shows what the input
/// holds and nothing else.
public enum Printable {
    /// `text` with every character that is not safe to show escaped. Newlines are escaped too: a value
    /// is shown on one line.
    public static func escape(_ text: some StringProtocol) -> String {
        let text = String(text)
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F }) else { return text }
        return escaping(text, where: isUnsafe)
    }

    /// The last gate before a terminal or a file: like `escape`, but keeps the line structure the
    /// caller built (`\n`, `\t`, and `\r` for a progress line) and, when `colour` is on, the ESC that
    /// starts the caller's own colour codes.
    public static func gate(_ text: String, colour: Bool) -> String {
        guard text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 >= 0x7F }) else {
            return text
        }
        return escaping(text) { scalar in
            switch scalar.value {
            case 0x0A, 0x09, 0x0D: false
            case 0x1B: !colour
            default: isUnsafe(scalar)
            }
        }
    }

    /// `text` with each scalar that `blocked` picks written as `\u{HEX}`.
    private static func escaping(_ text: String, where blocked: (Unicode.Scalar) -> Bool) -> String {
        guard text.unicodeScalars.contains(where: blocked) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if blocked(scalar) {
                escaped += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// C0 and C1 controls and DEL, line/paragraph separators (U+2028, U+2029; U+0085 is C1), and the
    /// bidirectional controls that can reorder what a reader sees ("Trojan Source").
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x2028, 0x2029: true
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Invisible characters that make two names look the same: zero-width spaces and joiners, word
    /// joiner, BOM, soft hyphen, bidi controls, and other format characters (Unicode category Cf).
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if isUnsafe(scalar) { return true }
        switch scalar.value {
        case 0x00AD, 0x180E, 0x200B...0x200D, 0x2060...0x2064, 0xFEFF: return true
        default: return scalar.properties.generalCategory == .format
        }
    }
}
