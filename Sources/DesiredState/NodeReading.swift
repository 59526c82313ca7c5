import YAML

/// The entries of one YAML mapping, checked against the keys its kind accepts.
struct Fields {
    let keys: MappingKeys
    private let pairs: [Pair]
    /// For each key slot, the index of its pair in `pairs`, or -1. Inline, so reading a mapping
    /// allocates nothing (a 100,000-user file has 200,000 mappings).
    private var indexes = SIMD32<Int8>(repeating: -1)
    /// Where the mapping starts.
    let location: SourceLocation

    init(keys: MappingKeys, pairs: [Pair], location: SourceLocation) {
        precondition(keys.keys.count <= SIMD32<Int8>.scalarCount && pairs.count < Int(Int8.max))
        self.keys = keys
        self.pairs = pairs
        self.location = location
    }

    /// The value of `key`, or nil when the mapping does not have it.
    subscript(key: String) -> Node? {
        guard let slot = keys.slot(of: key) else {
            preconditionFailure("'\(key)' is read but not listed in MappingKeys.\(keys.name)")
        }
        let index = Int(indexes[slot])
        return index < 0 ? nil : pairs[index].value
    }

    /// Records that pair `index` holds the key of `slot`; returns the pair that held it before, if any.
    fileprivate mutating func set(slot: Int, toPair index: Int) -> Pair? {
        let earlier = Int(indexes[slot])
        indexes[slot] = Int8(index)
        return earlier < 0 ? nil : pairs[earlier]
    }
}

/// Reads typed values out of YAML nodes of one file, recording a located diagnostic for every value
/// that is not what the format expects, and carrying on so that one run reports every problem.
struct NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark.line, column: node.mark.column)
    }

    mutating func report(
        _ code: DiagnosticCode, _ message: String, at node: Node, severity: Severity = .error,
        notes: [Diagnostic.Note] = [], redactsSource: Bool = false
    ) {
        diagnostics.append(
            Diagnostic(
                code, message, at: location(node), severity: severity, notes: notes, redactsSource: redactsSource))
    }

    // MARK: Mappings

    /// Checks a mapping's keys: unknown keys (with a near match), duplicates, and secrets.
    mutating func fields(_ node: Node, as keys: MappingKeys, what: String? = nil) -> Fields? {
        guard let pairs = node.mapping else {
            report(.wrongType, "\(what ?? keys.name) must be a mapping, found \(describe(node))", at: node)
            return nil
        }
        var fields = Fields(keys: keys, pairs: pairs, location: location(node))
        for (index, pair) in pairs.enumerated() {
            guard let scalar = pair.key.scalar, case .string(let key) = scalar.resolved else {
                report(.wrongType, "a key in \(keys.name) must be a name, found \(describe(pair.key))", at: pair.key)
                continue
            }
            if let slot = keys.slot(of: key) {
                if let earlier = fields.set(slot: slot, toPair: index) {
                    report(
                        .duplicateKey, "'\(key)' is given twice in this \(keys.name)", at: pair.key,
                        notes: [.init("first given here", at: location(earlier.key))])
                }
            } else if let secret = SecretKey(key) {
                report(.secretInYAML, secret.message, at: pair.key, redactsSource: true)
            } else if key == "<<" {
                report(.unknownKey, "YAML merge keys ('<<') are not supported; write the keys out", at: pair.key)
            } else if let near = nearestKey(to: key, in: keys.keys) {
                report(.unknownKey, "unknown key '\(key)' \(keys.place); did you mean '\(near)'?", at: pair.key)
            } else {
                report(
                    .unknownKey,
                    "unknown key '\(key)' \(keys.place); expected one of: \(keys.keys.joined(separator: ", "))",
                    at: pair.key)
            }
        }
        return fields
    }

    // MARK: Scalars

    /// A string value. Numbers and booleans are refused rather than converted, so `employeeNumber: 0012`
    /// cannot silently become 12.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            report(.wrongType, "\(what) must be a string, found \(describe(node))", at: node)
            return nil
        }
        switch scalar.resolved {
        case .string(let value):
            return value
        case .int, .float, .bool:
            report(
                .wrongType, "\(what) must be a string, found \(describe(node)); quote it: \"\(scalar.value)\"", at: node
            )
        case .null:
            report(.wrongType, "\(what) must be a string, found null", at: node)
        }
        return nil
    }

    /// A non-empty string without surrounding white space, for names and keys.
    mutating func name(_ node: Node, _ what: String) -> Located<String>? {
        guard let value = string(node, what) else { return nil }
        if value.isEmpty {
            report(.invalidValue, "\(what) is empty", at: node)
            return nil
        }
        if Self.hasOuterWhitespace(value) {
            report(.invalidValue, "\(what) '\(value)' has white space at its start or end", at: node)
            return nil
        }
        return Located(value, at: location(node))
    }

    /// A string attribute that may be omitted (nil node) or cleared (`null`).
    mutating func declaredString(_ node: Node?, _ what: String) -> Declared<String> {
        guard let node else { return .omitted }
        if isNull(node) { return .cleared(at: location(node)) }
        return string(node, what).map { .set($0, at: location(node)) } ?? .omitted
    }

    /// `true` or `false`, exactly: `yes`, `on`, `True` and friends are refused as ambiguous.
    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let scalar = node.scalar else {
            report(.wrongType, "\(what) must be true or false, found \(describe(node))", at: node)
            return nil
        }
        if scalar.style == .plain, scalar.tag == nil {
            if scalar.value == "true" { return true }
            if scalar.value == "false" { return false }
            if scalar.isYAML11Boolean || scalar.resolved == .bool(true) || scalar.resolved == .bool(false) {
                report(
                    .notABoolean,
                    "\(what) must be true or false, not '\(scalar.value)' (YAML tools disagree on what it means)",
                    at: node)
                return nil
            }
        }
        if case .bool(let value) = scalar.resolved { return value }  // an explicit !!bool tag
        report(.wrongType, "\(what) must be true or false, found \(describe(node))", at: node)
        return nil
    }

    mutating func integer(_ node: Node, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, case .int(let value) = scalar.resolved else {
            report(.wrongType, "\(what) must be a whole number, found \(describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            report(
                .outOfRange, "\(what) must be from \(range.lowerBound) to \(range.upperBound), not \(value)", at: node)
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, _ what: String, in range: ClosedRange<Double>) -> Double? {
        let value: Double
        switch node.scalar?.resolved {
        case .int(let int): value = Double(int)
        case .float(let double): value = double
        default:
            report(.wrongType, "\(what) must be a number, found \(describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            report(
                .outOfRange, "\(what) must be from \(range.lowerBound.formatted) to \(range.upperBound.formatted)",
                at: node)
            return nil
        }
        return value
    }

    mutating func day(_ node: Node, _ what: String) -> Located<CalendarDay>? {
        guard let text = string(node, what) else { return nil }
        guard let day = CalendarDay(text) else {
            report(.invalidDate, "\(what) must be a date written YYYY-MM-DD, found '\(text)'", at: node)
            return nil
        }
        return Located(day, at: location(node))
    }

    /// One of an enumeration's raw values, with a "did you mean" for a near miss.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ node: Node, _ what: String) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(node, what) else { return nil }
        if let value = Choice(rawValue: text) { return value }
        let options = Choice.allCases.map(\.rawValue)
        let hint = nearestKey(to: text, in: options).map { "; did you mean '\($0)'?" } ?? ""
        report(
            .invalidValue,
            "'\(text)' is not a valid \(what)\(hint) (expected one of: \(options.joined(separator: ", ")))", at: node)
        return nil
    }

    // MARK: Sequences

    /// A list; `null` reads as empty. A single value where a list belongs is refused.
    mutating func list(_ node: Node, _ what: String) -> [Node] {
        if isNull(node) { return [] }
        guard let items = node.sequence else {
            report(.wrongType, "\(what) must be a list, found \(describe(node))", at: node)
            return []
        }
        return items
    }

    mutating func names(_ node: Node, _ what: String) -> [Located<String>] {
        list(node, what).compactMap { name($0, "an entry of \(what)") }
    }

    // MARK: Helpers

    /// Whether `value` starts or ends with white space; bytes first, Characters only for non-ASCII ends.
    private static func hasOuterWhitespace(_ value: String) -> Bool {
        guard let first = value.utf8.first, let last = value.utf8.last else { return false }
        if first < 0x80 && last < 0x80 {
            return first == 0x20 || (0x09...0x0D).contains(first) || last == 0x20 || (0x09...0x0D).contains(last)
        }
        return value.first!.isWhitespace || value.last!.isWhitespace
    }

    func isNull(_ node: Node) -> Bool {
        node.scalar?.resolved == .null
    }

    func describe(_ node: Node) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return "null"
            case .bool(let value): return "the boolean \(value)"
            case .int, .float: return "the number \(scalar.value)"
            case .string(let value): return "the string \"\(value.count > 40 ? value.prefix(40) + "…" : value)\""
            }
        }
    }
}

/// A key that would hold a secret. scimctl never reads secrets from YAML: the files live in git.
struct SecretKey {
    let message: String

    init?(_ key: String) {
        let folded = key.lowercased()
        if folded.contains("token") {
            message =
                "'\(key)': a token never goes in YAML (the files live in git); put it in the environment variable "
                + "named by target.tokenEnv (default SCIM_TOKEN), or pass --token-file"
        } else if folded.contains("password") || folded.contains("secret") {
            message =
                "'\(key)': secrets never go in YAML (the files live in git), and scimctl does not manage passwords"
        } else {
            return nil
        }
    }
}

extension Double {
    /// `10` rather than `10.0`, for messages.
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
