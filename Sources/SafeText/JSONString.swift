/// JSON string literals (RFC 8259 §7), written one way for every JSON scimctl writes: plan files,
/// filters, the wire, the access report, generated schemas and the YAML exporter's double-quoted scalars.
public enum JSONString {
    /// `value` between double quotes: `"` and `\` escaped, `\n` `\r` `\t`, other control characters and
    /// any scalar `alsoEscaping` picks as `\uXXXX` (UTF-16, so beyond the BMP as a surrogate pair).
    public static func literal(_ value: String, alsoEscaping: ((Unicode.Scalar) -> Bool)? = nil) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        append(value, to: &bytes, alsoEscaping: alsoEscaping)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` as a literal (see `literal`) to `bytes`. A value with nothing to escape, the usual
    /// case, is copied in one run.
    public static func append(
        _ value: String, to bytes: inout [UInt8], alsoEscaping: ((Unicode.Scalar) -> Bool)? = nil
    ) {
        bytes.append(UInt8(ascii: "\""))
        let plain = alsoEscaping == nil && !value.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
        if plain {
            bytes += value.utf8
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": bytes += #"\""#.utf8
                case "\\": bytes += #"\\"#.utf8
                case "\n": bytes += #"\n"#.utf8
                case "\r": bytes += #"\r"#.utf8
                case "\t": bytes += #"\t"#.utf8
                case _ where scalar.value < 0x20 || alsoEscaping?(scalar) == true:
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        bytes += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
                    }
                default: bytes += String(scalar).utf8
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
