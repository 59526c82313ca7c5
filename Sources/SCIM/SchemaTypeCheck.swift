/// Why a JSON value does not fit a schema attribute (RFC 7643 §2.3 types, §7 plurality): data, worded
/// by each side. The one checker: the planner checks declared extension values with it before anything
/// is sent, and the sandbox checks the bodies it receives with it, so the two never disagree.
public indirect enum SchemaTypeProblem: Sendable, Hashable {
    /// A list where the attribute holds one value.
    case notMultiValued
    /// One value where the attribute holds a list.
    case multiValued
    /// A value of another type: `expected` as the schema names it (lowercased), `found` as RFC 7643
    /// would name the value's (string, boolean, integer, decimal, complex, a list, null).
    case wrongType(expected: String, found: String)
    /// A complex value's sub-attribute the schema does not define.
    case unknownSubAttribute(String, known: [String])
    /// A problem of one sub-attribute of a complex value.
    case inSubAttribute(String, SchemaTypeProblem)
}

extension SchemaAttribute {
    /// Why `value` does not fit this attribute; nil when it does.
    public func problem(with value: JSONValue) -> SchemaTypeProblem? {
        if case .array(let items) = value {
            guard multiValued else { return .notMultiValued }
            return items.lazy.compactMap(singleProblem).first
        }
        return multiValued ? .multiValued : singleProblem(value)
    }

    private func singleProblem(_ value: JSONValue) -> SchemaTypeProblem? {
        let type = type?.lowercased() ?? "string"
        switch (type, value) {
        case ("string", .string), ("reference", .string), ("binary", .string), ("boolean", .bool),
            ("decimal", .number):
            return nil
        case ("integer", .number(let number)) where number == number.rounded():
            return nil
        case ("datetime", .string(let text)) where Self.isDateTime(text):
            return nil
        case ("complex", .object(let fields)):
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                guard let sub = subAttributes.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                    return .unknownSubAttribute(name, known: subAttributes.map(\.name))
                }
                if let problem = sub.singleProblem(field) { return .inSubAttribute(sub.name, problem) }
            }
            return nil
        default:
            return .wrongType(expected: type, found: Self.typeName(value))
        }
    }

    /// RFC 7643 §2.3.5: an xsd:dateTime, `2027-03-31T00:00:00Z` (a date, `T`, a time).
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        return digits.allSatisfy { (0x30...0x39).contains(bytes[$0]) } && bytes[4] == UInt8(ascii: "-")
            && bytes[7] == UInt8(ascii: "-") && bytes[13] == UInt8(ascii: ":") && bytes[16] == UInt8(ascii: ":")
    }

    /// The RFC 7643 name of a value's type.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .string: "string"
        case .bool: "boolean"
        case .number(let number): number == number.rounded() ? "integer" : "decimal"
        case .object: "complex"
        case .array: "a list"
        case .null: "null"
        }
    }
}
