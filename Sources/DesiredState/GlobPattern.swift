import Identity

/// A shell-style pattern for `policy.protect`: `*` (any run), `?` (one character), `[abc]`, `[a-z]`,
/// `[!abc]` and `\` to escape. Matching is case-insensitive, like userName itself.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Character)
        case anyOne
        case anyRun
        case set(ranges: [ClosedRange<Character>], negated: Bool)
    }

    public let text: String
    private let tokens: [Token]
    /// The same pattern over bytes, when every character of it is ASCII (nearly every pattern): an ASCII
    /// name is then matched without building characters (rules run a pattern against every user).
    private let byteTokens: [ByteToken]?

    private enum ByteToken: Sendable, Hashable {
        case literal(UInt8)
        case anyOne
        case anyRun
        case set(ranges: [ClosedRange<UInt8>], negated: Bool)
    }

    /// Why a pattern is not a valid glob.
    public struct Invalid: Error, Sendable, Hashable {
        public var reason: String
    }

    public init(_ text: String) throws(Invalid) {
        guard !text.isEmpty else { throw Invalid(reason: "the pattern is empty") }
        self.text = text
        let characters = Array(text.caseFolded)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.anyOne)
            case "\\":
                index += 1
                guard index < characters.count else { throw Invalid(reason: "it ends with an unfinished escape '\\'") }
                tokens.append(.literal(characters[index]))
            case "[":
                var cursor = index + 1
                var negated = false
                if cursor < characters.count, characters[cursor] == "!" || characters[cursor] == "^" {
                    negated = true
                    cursor += 1
                }
                var ranges: [ClosedRange<Character>] = []
                var first = true
                while cursor < characters.count, characters[cursor] != "]" || first {
                    first = false
                    let low = characters[cursor]
                    if cursor + 2 < characters.count, characters[cursor + 1] == "-", characters[cursor + 2] != "]" {
                        let high = characters[cursor + 2]
                        guard low <= high else {
                            throw Invalid(reason: "the range '\(low)-\(high)' runs backwards")
                        }
                        ranges.append(low...high)
                        cursor += 3
                    } else {
                        ranges.append(low...low)
                        cursor += 1
                    }
                }
                guard cursor < characters.count else {
                    throw Invalid(reason: "'[' at character \(index + 1) is never closed by ']'")
                }
                tokens.append(.set(ranges: ranges, negated: negated))
                index = cursor
            default:
                tokens.append(.literal(character))
            }
            index += 1
        }
        self.tokens = tokens
        self.byteTokens = Self.bytes(of: tokens)
    }

    private static func bytes(of tokens: [Token]) -> [ByteToken]? {
        func byte(_ character: Character) -> UInt8? {
            guard let ascii = character.asciiValue else { return nil }
            return ascii
        }
        var result: [ByteToken] = []
        for token in tokens {
            switch token {
            case .anyOne: result.append(.anyOne)
            case .anyRun: result.append(.anyRun)
            case .literal(let character):
                guard let value = byte(character) else { return nil }
                result.append(.literal(value))
            case .set(let ranges, let negated):
                var bytes: [ClosedRange<UInt8>] = []
                for range in ranges {
                    guard let low = byte(range.lowerBound), let high = byte(range.upperBound) else { return nil }
                    bytes.append(low...high)
                }
                result.append(.set(ranges: bytes, negated: negated))
            }
        }
        return result
    }

    /// `matches` for an ASCII pattern and an ASCII name, on lowercased bytes; nil when either is not ASCII.
    /// The same loop as `matches` over characters, kept apart on purpose: one generic matcher reading units
    /// through a closure made five rules over 100,000 users cost 1.23x validate instead of 1.16x
    /// (scripts/bench-validate, measured both ways in one session).
    private func matchesBytes(_ name: String) -> Bool? {
        guard let byteTokens else { return nil }
        var name = name
        return name.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
            var (token, position) = (0, 0)
            var backtrack: (token: Int, position: Int)?
            while position < bytes.count {
                if token < byteTokens.count {
                    let current = lower(bytes[position])
                    switch byteTokens[token] {
                    case .anyRun:
                        backtrack = (token, position)
                        token += 1
                        continue
                    case .anyOne:
                        token += 1
                        position += 1
                        continue
                    case .literal(let expected) where expected == current:
                        token += 1
                        position += 1
                        continue
                    case .set(let ranges, let negated) where ranges.contains(where: { $0.contains(current) }) != negated:
                        token += 1
                        position += 1
                        continue
                    default:
                        break
                    }
                }
                guard let point = backtrack else { return false }
                backtrack = (point.token, point.position + 1)
                (token, position) = (point.token + 1, point.position + 1)
            }
            while token < byteTokens.count, byteTokens[token] == .anyRun { token += 1 }
            return token == byteTokens.count
        }
    }

    public var description: String { text }

    /// Whether `name` matches, ignoring case.
    public func matches(_ name: String) -> Bool {
        if let matched = matchesBytes(name) { return matched }
        let characters = Array(name.caseFolded)
        // Iterative matching with one backtrack point for the last '*': linear in practice.
        var (token, position) = (0, 0)
        var backtrack: (token: Int, position: Int)?
        while position < characters.count {
            if token < tokens.count {
                switch tokens[token] {
                case .anyRun:
                    backtrack = (token, position)
                    token += 1
                    continue
                case .anyOne:
                    token += 1
                    position += 1
                    continue
                case .literal(let expected) where expected == characters[position]:
                    token += 1
                    position += 1
                    continue
                case .set(let ranges, let negated)
                where ranges.contains(where: { $0.contains(characters[position]) }) != negated:
                    token += 1
                    position += 1
                    continue
                default:
                    break
                }
            }
            guard let point = backtrack else { return false }
            backtrack = (point.token, point.position + 1)
            (token, position) = (point.token + 1, point.position + 1)
        }
        while token < tokens.count, tokens[token] == .anyRun { token += 1 }
        return token == tokens.count
    }
}
