/// Builds SCIM filter expressions (RFC 7644 §3.4.2.2) with string literals quoted and escaped, so a
/// value can never change the meaning of the filter.
public enum SCIMFilter {
    /// `attribute eq "value"`.
    public static func equals(_ attribute: String, _ value: String) -> String {
        "\(attribute) eq \(quote(value))"
    }

    /// A JSON string literal: `"` and `\` escaped, and control characters as `\uXXXX`.
    public static func quote(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
