/// String literals in JSON's escaping, for text built outside `JSONValue.serialized()`: SCIM filters,
/// and YAML double-quoted scalars (YAML 1.2 reads every JSON string literal as the same string).
public enum JSONString {
    /// `value` between double quotes: `"` and `\` escaped, `\n` `\r` `\t`, other control characters and
    /// any scalar `alsoEscaping` picks as `\uXXXX` (UTF-16, so beyond the BMP as a surrogate pair).
    public static func literal(_ value: String, alsoEscaping: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20 || alsoEscaping(scalar):
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
