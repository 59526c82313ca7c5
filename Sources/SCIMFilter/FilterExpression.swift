import Identity
public import SCIM

/// A parsed SCIM filter (RFC 7644 §3.4.2.2): comparisons, presence, `and`/`or`/`not`, parentheses and
/// value paths such as `emails[type eq "work"]`. A module of its own: the sandbox evaluates filters with
/// it, and the filter fuzz target checks the client's filter builder against it without the sandbox's
/// store.
public indirect enum FilterExpression: Sendable, Equatable {
    case compare(path: FilterPath, op: String, value: JSONValue)
    case present(path: FilterPath)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
    /// `attribute[filter]`: true when some value of the multi-valued attribute matches the filter.
    case valuePath(attribute: FilterPath, filter: FilterExpression)
}

/// A filter's attribute path: an optional schema URN, an attribute and an optional sub-attribute (what
/// a filter names, unlike the planner's `FilterPath`, which is what a plan changes).
public struct FilterPath: Sendable, Equatable {
    public var schema: String?
    public var attribute: String
    public var subAttribute: String?

    /// Parses `name`, `name.sub`, `urn:…:name` and `urn:…:name.sub`.
    public init(_ text: String) {
        var rest = Substring(text)
        if text.lowercased().hasPrefix("urn:"), let colon = text.lastIndex(of: ":") {
            schema = String(text[..<colon])
            rest = text[text.index(after: colon)...]
        }
        let parts = rest.split(separator: ".", maxSplits: 1)
        attribute = parts.first.map(String.init) ?? ""
        subAttribute = parts.count > 1 ? String(parts[1]) : nil
    }
}

/// Why a filter could not be parsed; the sandbox answers 400 invalidFilter with it.
public struct FilterError: Error, Sendable {
    public var message: String
}

/// A recursive-descent parser over the filter grammar: `or` binds loosest, then `and`, then `not`.
/// It reads Unicode scalars, not Characters: a combining mark after a quote or an escape's last hex
/// digit would otherwise merge with it into one Character and the quote or the escape would be lost
/// (found by fuzzing the filter builder against this parser).
public struct FilterParser {
    private let characters: [Unicode.Scalar]
    private var position = 0

    static let operators: Set<String> = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]

    init(_ text: String) {
        characters = Array(text.unicodeScalars)
    }

    public static func parse(_ text: String) throws(FilterError) -> FilterExpression {
        var parser = FilterParser(text)
        let expression = try parser.parseOr()
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw FilterError(message: "unexpected text at character \(parser.position + 1) of the filter")
        }
        return expression
    }

    private mutating func parseOr() throws(FilterError) -> FilterExpression {
        var left = try parseAnd()
        while consumeKeyword("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(FilterError) -> FilterExpression {
        var left = try parseUnary()
        while consumeKeyword("and") { left = .and(left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary() throws(FilterError) -> FilterExpression {
        if consumeKeyword("not") {
            skipSpaces()
            guard peek() == "(" else { throw FilterError(message: "'not' must be followed by '('") }
            return .not(try parseUnary())
        }
        skipSpaces()
        if peek() == "(" {
            position += 1
            let inner = try parseOr()
            try expect(")")
            return inner
        }
        return try parseAttributeExpression()
    }

    private mutating func parseAttributeExpression() throws(FilterError) -> FilterExpression {
        skipSpaces()
        let name = readWhile { !$0.properties.isWhitespace && $0 != "[" && $0 != "(" && $0 != ")" && $0 != "]" }
        guard !name.isEmpty else {
            throw FilterError(message: "an attribute name was expected at character \(position + 1)")
        }
        if peek() == "[" {
            position += 1
            let inner = try parseOr()
            try expect("]")
            return .valuePath(attribute: FilterPath(name), filter: inner)
        }
        skipSpaces()
        let op = readWhile { $0.properties.isAlphabetic }.lowercased()
        if op == "pr" { return .present(path: FilterPath(name)) }
        guard Self.operators.contains(op) else { throw FilterError(message: "'\(op)' is not a filter operator") }
        skipSpaces()
        return .compare(path: FilterPath(name), op: op, value: try parseValue())
    }

    private mutating func parseValue() throws(FilterError) -> JSONValue {
        if peek() == "\"" {
            position += 1
            var value = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == "\"" { return .string(value) }
                if character == "\\", position < characters.count {
                    let escaped = characters[position]
                    position += 1
                    switch escaped {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    case "b": value.append("\u{8}")
                    case "f": value.append("\u{C}")
                    case "u":
                        var hex = ""
                        hex.unicodeScalars.append(
                            contentsOf: characters[position..<min(position + 4, characters.count)])
                        position += 4
                        guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                            throw FilterError(message: "a bad \\u escape in the filter")
                        }
                        value.unicodeScalars.append(scalar)
                    default: value.unicodeScalars.append(escaped)
                    }
                } else {
                    value.unicodeScalars.append(character)
                }
            }
            throw FilterError(message: "an unterminated string in the filter")
        }
        let word = readWhile { !$0.properties.isWhitespace && $0 != ")" && $0 != "]" }
        switch word.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default:
            guard let number = Double(word) else { throw FilterError(message: "'\(word)' is not a filter value") }
            return .number(number)
        }
    }

    // MARK: Characters

    private func peek() -> Unicode.Scalar? {
        position < characters.count ? characters[position] : nil
    }

    private mutating func skipSpaces() {
        while let character = peek(), character.properties.isWhitespace { position += 1 }
    }

    private mutating func readWhile(_ keep: (Unicode.Scalar) -> Bool) -> String {
        var text = ""
        while let character = peek(), keep(character) {
            text.unicodeScalars.append(character)
            position += 1
        }
        return text
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(FilterError) {
        skipSpaces()
        guard peek() == character else {
            throw FilterError(message: "'\(character)' expected at character \(position + 1)")
        }
        position += 1
    }

    /// Consumes `keyword` (any case) when it stands as a whole word next.
    private mutating func consumeKeyword(_ keyword: String) -> Bool {
        let start = position
        skipSpaces()
        let end = position + keyword.unicodeScalars.count
        var word = ""
        if end <= characters.count { word.unicodeScalars.append(contentsOf: characters[position..<end]) }
        guard end <= characters.count, word.lowercased() == keyword,
            end == characters.count || characters[end].properties.isWhitespace || characters[end] == "("
        else {
            position = start
            return false
        }
        position = end
        return true
    }
}

/// Evaluates filters against resources as JSON, with each attribute's case rule.
public enum FilterEvaluator {
    /// Attributes compared exactly (RFC 7643 caseExact=true), by dotted path; every other string
    /// ignores case (userName, displayName, emails.value, …).
    static let caseExact: Set<String> = [
        "id", "externalid", "members.value", "members.$ref", "groups.value", "groups.$ref", "manager.value",
        "manager.$ref",
    ]

    /// - Parameter parent: the multi-valued attribute a value-path filter runs inside (`members` in
    ///   `members[value eq "…"]`), so that its sub-attributes get their own case rules.
    public static func matches(
        _ expression: FilterExpression, _ resource: [String: JSONValue], parent: String? = nil
    ) -> Bool {
        switch expression {
        case .and(let left, let right):
            return matches(left, resource, parent: parent) && matches(right, resource, parent: parent)
        case .or(let left, let right):
            return matches(left, resource, parent: parent) || matches(right, resource, parent: parent)
        case .not(let inner): return !matches(inner, resource, parent: parent)
        case .present(let path):
            return values(of: path, in: resource).contains { $0 != .null && $0 != .string("") && $0 != .array([]) }
        case .compare(let path, let op, let value):
            var name = ([parent, path.attribute] + [path.subAttribute]).compactMap { $0 }.joined(separator: ".")
            if path.subAttribute == nil, parent == nil, resource[attribute: path.attribute]?.arrayValue != nil {
                name += ".value"
            }
            let exact = caseExact.contains(name.lowercased())
            return values(of: path, in: resource).contains { compare($0, op, value, caseExact: exact) }
        case .valuePath(let attribute, let filter):
            let items = scope(attribute, resource)?[attribute: attribute.attribute]?.arrayValue ?? []
            return items.contains { item in
                item.objectValue.map { matches(filter, $0, parent: attribute.attribute) } ?? false
            }
        }
    }

    /// The object an attribute lives in: the resource, or the extension object its schema names.
    static func scope(_ path: FilterPath, _ resource: [String: JSONValue]) -> [String: JSONValue]? {
        guard let schema = path.schema, schema.lowercased() != SCIMSchema.user.lowercased(),
            schema.lowercased() != SCIMSchema.group.lowercased()
        else { return resource }
        return resource[attribute: schema]?.objectValue
    }

    /// Every value at `path`: multi-valued attributes contribute each element (or its sub-attribute).
    public static func values(of path: FilterPath, in resource: [String: JSONValue]) -> [JSONValue] {
        guard let value = scope(path, resource)?[attribute: path.attribute] else { return [] }
        let elements = value.arrayValue ?? [value]
        guard let sub = path.subAttribute else {
            // A multi-valued attribute compared without a sub-attribute compares its values.
            return elements.map { $0.objectValue?[attribute: "value"] ?? $0 }
        }
        return elements.compactMap { $0.objectValue?[attribute: sub] }
    }

    static func compare(_ actual: JSONValue, _ op: String, _ expected: JSONValue, caseExact: Bool) -> Bool {
        switch (actual, expected) {
        case (.string(let left), .string(let right)):
            let (a, b) = caseExact ? (left, right) : (left.caseFolded, right.caseFolded)
            switch op {
            case "eq": return a == b
            case "ne": return a != b
            case "co": return a.contains(b)
            case "sw": return a.hasPrefix(b)
            case "ew": return a.hasSuffix(b)
            case "gt": return a > b
            case "ge": return a >= b
            case "lt": return a < b
            case "le": return a <= b
            default: return false
            }
        case (.number(let a), .number(let b)):
            switch op {
            case "eq": return a == b
            case "ne": return a != b
            case "gt": return a > b
            case "ge": return a >= b
            case "lt": return a < b
            case "le": return a <= b
            default: return false
            }
        case (.bool(let a), .bool(let b)):
            return op == "eq" ? a == b : op == "ne" ? a != b : false
        default:
            return op == "ne"
        }
    }
}

extension FilterExpression {
    /// The operators a filter uses (`[]` for a value path), for providers that support only some.
    public var operators: Set<String> {
        switch self {
        case .compare(_, let op, _): [op.lowercased()]
        case .present: ["pr"]
        case .and(let left, let right): left.operators.union(right.operators).union(["and"])
        case .or(let left, let right): left.operators.union(right.operators).union(["or"])
        case .not(let inner): inner.operators.union(["not"])
        case .valuePath(_, let filter): filter.operators.union(["[]"])
        }
    }
}
