public import Foundation
import SafeText

/// Any JSON value. Resources keep the attributes scimctl does not model as `JSONValue`, so that a PUT
/// sends back what the provider holds instead of clearing it.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON bytes.
    public static func parse(_ data: Data) throws -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch {
            throw SCIMDecodingError(message: "invalid JSON: \(error.description)")
        }
    }

    /// Serialises compactly with sorted keys, so equal values give equal bytes (content hashes rely on
    /// it). Written by hand: it runs for every live object a plan reads.
    public func serialized() -> Data {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return Data(bytes)
    }

    private func write(into bytes: inout [UInt8]) {
        switch self {
        case .null: bytes += "null".utf8
        case .bool(let value): bytes += (value ? "true" : "false").utf8
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 {
                bytes += String(Int64(value)).utf8
            } else {
                bytes += (value.isFinite ? String(value) : "null").utf8
            }
        case .string(let value): JSONString.append(value, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                object[key]!.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// A boolean, also from the strings "true"/"false" some providers send.
    public var boolValue: Bool? {
        switch self {
        case .bool(let value): value
        case .string(let text) where text.lowercased() == "true": true
        case .string(let text) where text.lowercased() == "false": false
        default: nil
        }
    }

    /// A whole number, also from a numeric string (RFC 7644 sends error `status` as a string).
    public var intValue: Int? {
        switch self {
        case .number(let value) where value == value.rounded() && abs(value) < 1e15: Int(value)
        case .string(let text): Int(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// SCIM attribute names are case-insensitive (RFC 7643 §2.1): an exact match first, then any case.
    public subscript(attribute name: String) -> JSONValue? {
        if let value = self[name] { return value }
        // A miss is the common case (most attributes are absent): compared byte by byte, allocating nothing.
        return first { Self.equalIgnoringCase($0.key, name) }?.value
    }

    /// Whether `key` is `name` in any case.
    static func matches(_ key: String, _ names: Set<String>) -> Bool {
        names.contains(key) || names.contains(key.lowercased())
    }

    /// Whether `key` is the attribute name `name` in another case, without building anything. Attribute
    /// names are ASCII (RFC 7643 §2.1 ATTRNAME), so a key of another length, or with a byte beyond
    /// ASCII, is another name.
    static func equalIgnoringCase(_ key: String, _ name: String) -> Bool {
        let (left, right) = (key.utf8, name.utf8)
        guard left.count == right.count else { return false }
        return left.elementsEqual(right) { a, b in
            if a == b { return true }
            let lower = a | 0x20
            return a < 0x80 && lower == b | 0x20 && lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
        }
    }
}
