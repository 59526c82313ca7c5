import Testing
import YAML

@Suite("YAML reader", .timeLimit(.minutes(10)))
struct YAMLReaderTests {
    @Test("plain scalars resolve by the YAML 1.2 core schema; quoted ones stay strings")
    func scalarResolution() throws {
        let cases: [(String, Scalar.Resolved)] = [
            ("~", .null), ("null", .null), ("", .null), ("true", .bool(true)), ("False", .bool(false)),
            ("42", .int(42)), ("-7", .int(-7)), ("0x1F", .int(31)), ("0o17", .int(15)), ("0012", .int(12)),
            ("2.5", .float(2.5)), ("1e3", .float(1000)), ("yes", .string("yes")), ("2027-03-31", .string("2027-03-31")),
            ("1.2.3", .string("1.2.3")), ("+44 20", .string("+44 20")),
        ]
        for (text, expected) in cases {
            #expect(Scalar(text).resolved == expected, "\(text)")
        }
        #expect(Scalar("true", style: .doubleQuoted).resolved == .string("true"))
        #expect(Scalar("42", style: .singleQuoted).resolved == .string("42"))
        #expect(Scalar("42", tag: "tag:yaml.org,2002:str").resolved == .string("42"))
        #expect(Scalar("yes").isYAML11Boolean)
        #expect(Scalar("Off").isYAML11Boolean)
        #expect(!Scalar("yes", style: .doubleQuoted).isYAML11Boolean)
    }

    @Test("nodes carry 1-based lines and columns counted in characters")
    func marks() throws {
        let root = try #require(try YAMLReader.read("a: 1\nzoë: [x, ÿ]\n"))
        let pairs = try #require(root.mapping)
        #expect(root.mark == Mark(line: 1, column: 1))
        #expect(pairs[1].key.mark == Mark(line: 2, column: 1))
        let items = try #require(pairs[1].value.sequence)
        #expect(pairs[1].value.mark == Mark(line: 2, column: 6))
        #expect(items[1].mark == Mark(line: 2, column: 10))
        #expect(items[1].scalar?.value == "ÿ")
    }

    @Test("mappings keep document order and duplicate keys")
    func order() throws {
        let root = try #require(try YAMLReader.read("b: 1\na: 2\nb: 3\n"))
        #expect(try #require(root.mapping).map { $0.key.scalar?.value } == ["b", "a", "b"])
    }

    @Test("an empty or comment-only document reads as nil")
    func emptyDocument() throws {
        #expect(try YAMLReader.read("") == nil)
        #expect(try YAMLReader.read("# nothing\n") == nil)
    }

    @Test("aliases copy the anchored node and are counted against the expansion limit")
    func aliases() throws {
        let root = try #require(try YAMLReader.read("a: &x [1, 2]\nb: *x\n"))
        let pairs = try #require(root.mapping)
        #expect(pairs[1].value.sequence?.compactMap { $0.scalar?.value } == ["1", "2"])
        #expect(pairs[1].value.mark == Mark(line: 2, column: 4))
        let error = #expect(throws: YAMLError.self) {
            try YAMLReader.read("a: &x [1, 2]\nb: [*x, *x]\n", limits: YAMLLimits(maxAliasExpansion: 5))
        }
        #expect(error?.kind == .aliasExpansion)
        #expect(error?.mark == Mark(line: 2, column: 9))
    }

    @Test("a billion-laughs document is refused quickly")
    func billionLaughs() throws {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        var previous = "a"
        for level in ["b", "c", "d", "e", "f", "g", "h", "i", "j"] {
            text +=
                "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = level
        }
        let error = #expect(throws: YAMLError.self) { try YAMLReader.read(text) }
        #expect(error?.kind == .aliasExpansion)
    }

    @Test("syntax errors carry libyaml's problem and position")
    func syntaxError() throws {
        let error = #expect(throws: YAMLError.self) { try YAMLReader.read("a: [1, 2\nb: 3\n") }
        #expect(error?.kind == .syntax)
        #expect(error?.mark.line == 2)
        #expect(error?.message.contains("flow sequence") == true)
    }

    @Test("unknown anchors, second documents and deep nesting are refused")
    func refusals() throws {
        #expect(throws: YAMLError.self) { try YAMLReader.read("a: *nope\n") }
        let second = #expect(throws: YAMLError.self) { try YAMLReader.read("a: 1\n---\nb: 2\n") }
        #expect(second?.kind == .multipleDocuments)
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        let tooDeep = #expect(throws: YAMLError.self) { try YAMLReader.read(deep, limits: YAMLLimits(maxDepth: 10)) }
        #expect(tooDeep?.kind == .tooDeep)
        #expect(try YAMLReader.read(deep, limits: YAMLLimits(maxDepth: 20)) != nil)
    }

    @Test("a long sequence of mappings keeps every item in order")
    func longSequence() throws {
        let count = 20_000
        var text = "users:\n"
        for index in 0..<count { text += "  - {userName: u\(index)@example.com, title: T\(index)}\n" }
        let root = try #require(try YAMLReader.read(text))
        let items = try #require(root.mapping?.first?.value.sequence)
        #expect(items.count == count)
        #expect(items[count - 1].mapping?.first?.value.scalar?.value == "u\(count - 1)@example.com")
        #expect(items[count - 1].mark.line == count + 1)
    }

    @Test("block scalars and explicit tags are read with their style")
    func styles() throws {
        let root = try #require(try YAMLReader.read("a: |\n  line one\n  line two\nb: !!str 12\nc: 'q'\n"))
        let pairs = try #require(root.mapping)
        #expect(pairs[0].value.scalar == Scalar("line one\nline two\n", style: .literal))
        #expect(pairs[1].value.scalar?.resolved == .string("12"))
        #expect(pairs[2].value.scalar?.style == .singleQuoted)
    }
}
