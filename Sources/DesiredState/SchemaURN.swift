import Catalog

/// What a custom extension's schema URN and attribute names must look like (RFC 7643 §2.1, §3.3).
public enum SchemaURN {
    public static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"

    /// Why `urn` cannot name a custom extension of a resource whose core schema is `core`; nil if it can.
    static func problem(_ urn: String, core: String) -> String? {
        let lowered = urn.lowercased()
        guard lowered.hasPrefix("urn:"), urn.split(separator: ":").count >= 3,
            !urn.contains(where: { $0.isWhitespace })
        else {
            return "\(quote(urn)) is not a schema URN (urn:…, as the provider's /Schemas lists it)"
        }
        if lowered == core.lowercased() {
            return "the core schema's attributes are written directly on the entry, not under extensions"
        }
        if lowered == ManagedAttribute.Section.enterpriseURN.lowercased() {
            return "the enterprise extension has its own key: write these attributes under enterprise:"
        }
        return nil
    }

    /// RFC 7643 §2.1 ATTRNAME: a letter, then letters, digits, `-` and `_`.
    static func isAttributeName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
    }
}
