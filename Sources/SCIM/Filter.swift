import SafeText

/// Builds SCIM filter expressions (RFC 7644 §3.4.2.2) with string literals quoted and escaped, so a
/// value can never change the meaning of the filter.
public enum SCIMFilter {
    /// `attribute eq "value"`.
    public static func equals(_ attribute: String, _ value: String) -> String {
        "\(attribute) eq \(quote(value))"
    }

    /// A JSON string literal: `"` and `\` escaped, and control characters as `\uXXXX`.
    public static func quote(_ value: String) -> String {
        JSONString.literal(value)
    }
}
