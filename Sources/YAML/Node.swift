/// A position in a YAML text: 1-based line and column (the column counts characters, not bytes).
public struct Mark: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// How a scalar was written. Only plain scalars are resolved to null, booleans and numbers;
/// a quoted `"true"` is the string `true`.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar's text as written, with its style and explicit tag (if any).
public struct Scalar: Sendable, Hashable {
    public var value: String
    public var style: ScalarStyle
    /// The explicit tag (`!!str` resolves to `tag:yaml.org,2002:str`), or nil when implicit.
    public var tag: String?

    public init(_ value: String, style: ScalarStyle = .plain, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }
}

/// One key/value pair of a mapping, in document order.
public struct Pair: Sendable {
    public var key: Node
    public var value: Node

    public init(key: Node, value: Node) {
        self.key = key
        self.value = value
    }
}

/// A YAML node with the position where it starts. Aliases are already resolved: an alias is a copy of
/// the anchored node (arrays are shared copy-on-write, so a copy costs nothing).
public struct Node: Sendable {
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    public var content: Content
    public var mark: Mark

    public init(_ content: Content, mark: Mark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }
}

extension Scalar {
    /// The YAML 1.2 core-schema reading of a plain, untagged scalar.
    public enum Resolved: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
    }

    private static let coreTag = "tag:yaml.org,2002:"

    /// Resolves the scalar by the YAML 1.2 core schema. Quoted and block scalars, and `!!str`, are strings.
    public var resolved: Resolved {
        if let tag, tag != Self.coreTag + "null", tag != Self.coreTag + "bool",
            tag != Self.coreTag + "int", tag != Self.coreTag + "float"
        {
            return .string(value)
        }
        guard style == .plain || tag != nil else { return .string(value) }
        // Most plain scalars are words: only these first characters can start a null, bool or number.
        guard let first = value.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
            UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "f"), UInt8(ascii: "F"):
            break
        default:
            return .string(value)
        }
        switch value {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let int = Self.integer(value) { return .int(int) }
        if let double = Self.float(value) { return .float(double) }
        return .string(value)
    }

    /// Plain words that YAML 1.1 (and so many tools and people) read as booleans but YAML 1.2 does not.
    public var isYAML11Boolean: Bool {
        guard style == .plain, tag == nil else { return false }
        switch value.lowercased() {
        case "y", "n", "yes", "no", "on", "off": return true
        default: return false
        }
    }

    private static func integer(_ text: String) -> Int? {
        var utf8 = Substring(text).utf8
        guard let first = utf8.first else { return nil }
        var sign = 1
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            utf8 = utf8.dropFirst()
        }
        if utf8.starts(with: "0x".utf8) {
            return Int(Substring(utf8.dropFirst(2)), radix: 16).map { $0 * sign }
        }
        if utf8.starts(with: "0o".utf8) {
            return Int(Substring(utf8.dropFirst(2)), radix: 8).map { $0 * sign }
        }
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(Substring(utf8)).map { $0 * sign }
    }

    private static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // Core schema: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }),
            text.utf8.allSatisfy({ byte in
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                    || byte | 0x20 == UInt8(ascii: "e")
            })
        else { return nil }
        return Double(text)
    }
}
