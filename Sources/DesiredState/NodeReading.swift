import Foundation
import SafeText
import YAML

/// The entries of one YAML mapping, checked against the keys its kind accepts.
struct Fields {
    let keys: MappingKeys
    private let pairs: [Pair]
    /// For each key slot, the index of its pair in `pairs`, or -1. Inline, so reading a mapping
    /// allocates nothing (a 100,000-user file has 200,000 mappings); 32-bit, so a mapping of any size
    /// the file cap allows fits.
    private var indexes = SIMD32<Int32>(repeating: -1)
    /// Where the mapping starts.
    let location: SourceLocation

    init(keys: MappingKeys, pairs: [Pair], location: SourceLocation) {
        // A property of the format's own key tables, not of the input.
        precondition(keys.keys.count <= SIMD32<Int32>.scalarCount)
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
        indexes[slot] = Int32(truncatingIfNeeded: index)
        return earlier < 0 ? nil : pairs[earlier]
    }
}

/// Reads typed values out of YAML nodes of one file, recording a located diagnostic for every value
/// that is not what the format expects, and carrying on so that one run reports every problem.
struct NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Set when the text holds a character libyaml breaks lines at and editors do not.
    var positions: EditorPositions?

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        guard let positions else { return SourceLocation(file: file, line: node.mark.line, column: node.mark.column) }
        let (line, column) = positions.map(line: node.mark.line, column: node.mark.column)
        return SourceLocation(file: file, line: line, column: column)
    }

    mutating func report(
        _ code: DiagnosticCode, _ message: String, at node: Node, severity: Severity = .error,
        notes: [Diagnostic.Note] = [], redactsSource: Bool = false
    ) {
        diagnostics.append(
            Diagnostic(
                code, message, at: location(node), severity: severity, notes: notes, redactsSource: redactsSource))
        // A value of the wrong shape is not read further, so a secret inside it would go unseen.
        if code == .wrongType || code == .unsupportedVersion, node.scalar == nil { scanForSecrets(node) }
    }

    // MARK: Secrets

    /// Lines that hold a secret (a value under a secret-shaped key, credentials in a URL). Renderers never
    /// quote them, whatever diagnostic or note points there.
    private(set) var secretLines: Set<Int> = []

    /// Marks `lines` as holding a secret.
    mutating func markSecret(lines: ClosedRange<Int>) {
        for line in lines.clamped(to: 1...Int(Int32.max)) where line > 0 { secretLines.insert(line) }
    }

    /// Records a URL's credentials: registered as secrets and its line never quoted. Returns whether it
    /// had any.
    mutating func noteCredentials(in scalar: Node) -> Bool {
        guard let text = scalar.scalar?.value, text.utf8.contains(UInt8(ascii: "@")),
            URLCredentials.registerSecrets(in: text)
        else { return false }
        markSecret(lines: scalar.mark.line...(scalar.mark.line + lineBreaks(in: text)))
        return true
    }

    /// Reports every secret-shaped key under `node`, at any depth, and registers what it holds. For the
    /// parts of the document the decoder does not read (an unknown key's value, a value of the wrong
    /// shape), which `fields` does not see.
    mutating func scanForSecrets(_ node: Node) {
        var stack = [node]
        while let node = stack.popLast() {
            switch node.content {
            case .scalar:
                _ = noteCredentials(in: node)
            case .sequence(let items):
                stack += items
            case .mapping(let pairs):
                for (index, pair) in pairs.enumerated() {
                    if let key = pair.key.scalar?.value, let secret = SecretKey(key) {
                        let next = index + 1 < pairs.count ? pairs[index + 1].key.mark.line : nil
                        reportSecret(secret, key: pair.key, value: pair.value, nextLine: next)
                    } else {
                        stack.append(pair.key)
                        stack.append(pair.value)
                    }
                }
            }
        }
    }

    /// Reports a secret-shaped key and hides its value: every scalar under it is registered (whole and
    /// word by word, as a folded scalar spreads it over lines) and its lines are never quoted.
    private mutating func reportSecret(_ secret: SecretKey, key: Node, value: Node, nextLine: Int?) {
        report(.secretInYAML, secret.message, at: key, redactsSource: true)
        var last = max(key.mark.line, value.mark.line)
        var stack = [value]
        while let node = stack.popLast() {
            switch node.content {
            case .scalar(let scalar):
                Secrets.register(scalar.value)
                for word in scalar.value.split(whereSeparator: { $0.isWhitespace }) { Secrets.register(word) }
                last = max(last, node.mark.line + lineBreaks(in: scalar.value))
            case .sequence(let items):
                stack += items
            case .mapping(let pairs):
                for pair in pairs { stack += [pair.key, pair.value] }
            }
            last = max(last, node.mark.line)
        }
        if let nextLine, nextLine > last { last = nextLine - 1 }
        markSecret(lines: key.mark.line...last)
    }

    private func lineBreaks(in text: String) -> Int {
        text.utf8.count { $0 == UInt8(ascii: "\n") }
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
                    // The value given first is never read: it must not hide credentials from the check.
                    _ = noteCredentials(in: earlier.value)
                    report(
                        .duplicateKey, "\(quote(key)) is given twice in this \(keys.name)", at: pair.key,
                        notes: [.init("first given here", at: location(earlier.key))])
                }
                continue
            }
            if let secret = SecretKey(key) {
                let next = index + 1 < pairs.count ? pairs[index + 1].key.mark.line : nil
                reportSecret(secret, key: pair.key, value: pair.value, nextLine: next)
                continue
            }
            // Not read, but searched: a secret nested under a misspelt key is still a secret.
            scanForSecrets(pair.value)
            if key == "<<" {
                report(.unknownKey, "YAML merge keys ('<<') are not supported; write the keys out", at: pair.key)
            } else if let near = nearestKey(to: key, in: keys.keys) {
                report(.unknownKey, "unknown key \(quote(key)) \(keys.place); did you mean '\(near)'?", at: pair.key)
            } else {
                report(
                    .unknownKey,
                    "unknown key \(quote(key)) \(keys.place); expected one of: \(keys.keys.joined(separator: ", "))",
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
            if scalar.style == .plain, let reading = Self.yaml11Reading(value) {
                // YAML 1.2 reads it as this string; PyYAML, Ruby's Psych and other YAML 1.1 tools as
                // something else, so the same file means two things (why `yes` is refused as a boolean).
                report(
                    .ambiguousScalar,
                    "\(what) \(quote(value)) is read as the string \(quote(value)), but YAML 1.1 tools read it as "
                        + "\(reading); quote it: \"\(Printable.escape(value.prefix(80)))\"",
                    at: node, severity: .warning)
            }
            return value
        case .int, .float, .bool:
            report(
                .wrongType,
                "\(what) must be a string, found \(describe(node)); quote it: \"\(Printable.escape(scalar.value.prefix(80)))\"",
                at: node)
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
            report(.invalidValue, "\(what) \(quote(value)) has white space at its start or end", at: node)
            return nil
        }
        if !value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
            let invisible = value.unicodeScalars.first(where: Printable.isInvisible)
        {
            // Two names that differ only by an invisible character look like one name to every reader.
            report(
                .invalidValue,
                "\(what) \(quote(value)) contains the invisible character U+\(String(invisible.value, radix: 16, uppercase: true)) "
                    + "(a control, zero-width or direction character); remove it",
                at: node)
            return nil
        }
        return Located(value, at: location(node))
    }

    /// What YAML 1.1 reads a plain scalar as, when YAML 1.2's core schema reads it as a string: a boolean
    /// (`y`, `n`, `yes`, `no`, `on`, `off` in any case), a number with `_` (`1_000`), binary (`0b101`) or
    /// base 60 (`1:30`). Nil for everything else; most values are rejected by their first byte.
    static func yaml11Reading(_ value: String) -> String? {
        let bytes = value.utf8
        guard let first = bytes.first else { return nil }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "o"),
            UInt8(ascii: "O"):
            guard bytes.count <= 3 else { return nil }
            let words: Set<String> = ["y", "n", "yes", "no", "on", "off"]
            let lower = value.lowercased()
            // YAML 1.1 takes y/Y/yes/Yes/YES…, not mixed case like yEs.
            guard words.contains(lower), value == lower || value == lower.uppercased() || value == lower.capitalized
            else { return nil }
            return "the boolean \(["y", "yes", "on"].contains(lower) ? "true" : "false")"
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            let body = bytes.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
            guard !body.isEmpty else { return nil }
            if body.starts(with: "0b".utf8), body.count > 2,
                body.dropFirst(2).allSatisfy({
                    $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "_")
                })
            {
                return "a binary number"
            }
            let digits = body.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            }
            if digits, body.contains(UInt8(ascii: "_")), body.first != UInt8(ascii: "_") {
                return "the number \(value.replacingOccurrences(of: "_", with: ""))"
            }
            let sexagesimal = body.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            if sexagesimal.count > 1,
                sexagesimal.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
                sexagesimal.dropFirst().allSatisfy({ $0.count <= 2 })
            {
                return "a base-60 number"
            }
            return nil
        default:
            return nil
        }
    }

    /// Warns about a name that reads as another one: characters NFKC maps elsewhere (fullwidth `ａ`, a
    /// ligature), or letters from more than one script (a Cyrillic `а` among Latin letters).
    mutating func checkLookalikes(_ name: Located<String>, _ what: String, at node: Node) {
        let value = name.value
        guard !value.utf8.allSatisfy({ $0 < 0x80 }) else { return }
        let compatible = value.precomposedStringWithCompatibilityMapping
        if compatible != value.precomposedStringWithCanonicalMapping {
            report(
                .lookalike,
                "\(what) \(quote(value)) holds compatibility characters and reads as \(quote(compatible)); "
                    + "write it plainly (it is compared as \(quote(compatible)))",
                at: node, severity: .warning)
        } else if let scripts = Script.mixed(in: value) {
            report(
                .lookalike,
                "\(what) \(quote(value)) mixes \(scripts.0) and \(scripts.1) letters; is a look-alike letter in it?",
                at: node, severity: .warning)
        } else if value.unicodeScalars.contains(where: { $0 == "\u{131}" || $0 == "\u{130}" }) {
            // Turkish ı and İ stay themselves under case folding, so `ıvan` and `ivan` are two names to
            // scimctl and to providers, and one name to a reader.
            let plain = String(
                String.UnicodeScalarView(
                    value.unicodeScalars.map { $0 == "\u{131}" ? "i" : $0 == "\u{130}" ? "I" : $0 }))
            report(
                .lookalike,
                "\(what) \(quote(value)) holds the Turkish dotless ı or dotted İ: a reader takes it for "
                    + "\(quote(plain)), but it is compared as another name; write it as the provider holds it",
                at: node, severity: .warning)
        }
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
                    "\(what) must be true or false, not \(quote(scalar.value)) (YAML tools disagree on what it means)",
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
            report(.invalidDate, "\(what) must be a date written YYYY-MM-DD, found \(quote(text))", at: node)
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
            "\(quote(text)) is not a valid \(what)\(hint) (expected one of: \(options.joined(separator: ", ")))",
            at: node)
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
            case .int, .float: return "the number \(Printable.escape(scalar.value.prefix(80)))"
            case .string(let value):
                return
                    "the string \"\(Printable.escape(value.prefix(41).count > 40 ? value.prefix(40) + "…" : value))\""
            }
        }
    }
}

/// A key that would hold a secret. scimctl never reads secrets from YAML: the files live in git.
struct SecretKey {
    let message: String

    /// Whether `text` mentions any secret-shaped word, ignoring case; no allocation.
    static func mentionsSecret(_ text: String) -> Bool {
        contains(text, "token") || contains(text, "password") || contains(text, "secret") || contains(text, "apikey")
            || contains(text, "api_key") || contains(text, "credential")
    }

    init?(_ key: String) {
        if Self.contains(key, "token") {
            message =
                "\(quote(key)): a token never goes in YAML (the files live in git); put it in the environment "
                + "variable named by target.tokenEnv (default SCIM_TOKEN), or pass --token-file"
        } else if Self.contains(key, "password") || Self.contains(key, "secret") || Self.contains(key, "apikey")
            || Self.contains(key, "api_key") || Self.contains(key, "credential")
        {
            message =
                "\(quote(key)): secrets never go in YAML (the files live in git), and scimctl does not manage passwords"
        } else {
            return nil
        }
    }

    /// Whether `key` contains `word` (lowercase ASCII), ignoring ASCII case; no allocation.
    private static func contains(_ key: String, _ word: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        var key = key
        return key.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            let first = needle[0]
            for start in 0...(bytes.count - needle.count) where bytes[start] | 0x20 == first {
                var matched = true
                for offset in 1..<needle.count {
                    let byte = bytes[start + offset]
                    let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    if folded != needle[offset] {
                        matched = false
                        break
                    }
                }
                if matched { return true }
            }
            return false
        }
    }
}

/// A value quoted for a message: escaped so it cannot drive a terminal or forge a line, and cut to a
/// fixed length so that a megabyte-long value (or one repeated by aliases) cannot blow up the output.
func quote(_ value: some StringProtocol, limit: Int = 80) -> String {
    var shown = String(value.prefix(limit + 1))
    if shown.count > limit { shown = String(shown.prefix(limit)) + "…" }
    return "'\(Printable.escape(shown))'"
}

extension Double {
    /// `10` rather than `10.0`, for messages.
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}

/// The scripts whose letters pass for Latin ones, by Unicode block: enough to flag `pаypal` (a Cyrillic
/// `а`) without a full script table.
enum Script: String {
    case latin = "Latin", greek = "Greek", cyrillic = "Cyrillic", armenian = "Armenian", cherokee = "Cherokee"

    init?(_ scalar: Unicode.Scalar) {
        guard scalar.properties.isAlphabetic else { return nil }
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A: self = .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: self = .cyrillic
        case 0x530...0x58F: self = .armenian
        case 0x13A0...0x13FF, 0xAB70...0xABBF: self = .cherokee
        default: return nil
        }
    }

    /// Two of these scripts found in one name (each label of an email is one name), if any.
    static func mixed(in text: String) -> (Script, Script)? {
        for label in text.split(whereSeparator: { $0 == "@" || $0 == "." || $0 == " " || $0 == "-" }) {
            var first: Script?
            for scalar in label.unicodeScalars {
                guard let script = Script(scalar) else { continue }
                if let first, first != script { return (first, script) }
                first = first ?? script
            }
        }
        return nil
    }
}
