public import DesiredState
public import SCIM

/// Custom extension values as SCIM JSON, and how a declared value is compared with a live one.
public enum ExtensionJSON {
    public static func json(_ value: ExtensionValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .integer(let number): .number(Double(number))
        case .decimal(let number): .number(number)
        case .list(let items): .array(items.map(json))
        case .object(let fields): .object(fields.mapValues(json))
        }
    }

    /// The live value of an extension attribute, if the provider holds one: the schema URN and the
    /// attribute name ignoring case (RFC 7643 §2.1).
    public static func held(_ attribute: ExtensionAttribute, in extra: [String: JSONValue]?) -> JSONValue? {
        AttributePath.extensionAttribute(schema: attribute.schema, name: attribute.name).held(in: extra)
    }

    /// Whether the provider holds what was declared: a multi-valued attribute as a set (providers
    /// reorder), a complex value by the sub-attributes declared (the provider may add its own, such as
    /// `display`), sub-attribute names ignoring case.
    public static func same(_ wanted: JSONValue, _ current: JSONValue?) -> Bool {
        guard let current else { return false }
        switch (wanted, current) {
        case (.array(let left), .array(let right)):
            guard left.count == right.count else { return false }
            var unmatched = right
            for item in left {
                guard let index = unmatched.firstIndex(where: { same(item, $0) }) else { return false }
                unmatched.remove(at: index)
            }
            return true
        case (.object(let left), .object(let right)):
            return left.allSatisfy { key, value in
                let match = right.first { $0.key.lowercased() == key.lowercased() }?.value
                return same(value, match)
            }
        default:
            return wanted == current
        }
    }
}
