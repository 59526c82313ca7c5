import DesiredState
import Testing

/// What a person or another YAML tool reads otherwise: Turkish dotted and dotless i, and plain scalars
/// YAML 1.1 takes for booleans or numbers.
@Suite("Ambiguous names and scalars")
struct AmbiguityTests {
    private func warnings(_ text: String) -> [String] {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", Array(("version: 1\n" + text).utf8))])
        return loaded.diagnostics.filter { $0.severity == .warning }.map {
            "\($0.location.line):\($0.location.column) \($0.codeName) \($0.message)"
        }
    }

    @Test("Turkish ı and İ in a userName or a displayName are warned of, naming the plain reading")
    func turkish() {
        let found = warnings(
            """
            users:
              - {userName: ıvan@x.io}
              - {userName: İLKER@x.io}
              - {userName: ivan@x.io}
            groups:
              - {displayName: Yönetİm}
            """)
        #expect(found.contains { $0.hasPrefix("3:16 lookalike") && $0.contains("for 'ivan@x.io'") })
        #expect(found.contains { $0.hasPrefix("4:16 lookalike") && $0.contains("for 'ILKER@x.io'") })
        #expect(found.contains { $0.hasPrefix("7:19 lookalike") && $0.contains("for 'YönetIm'") })
        #expect(found.count == 3, "\(found)")
    }

    @Test(
        "a plain scalar YAML 1.1 reads as a boolean or a number is warned of; quoted, it is not",
        arguments: [
            ("NO", "the boolean false"), ("off", "the boolean false"), ("y", "the boolean true"),
            ("Yes", "the boolean true"), ("ON", "the boolean true"), ("1_000", "the number 1000"),
            ("0b101", "a binary number"), ("1:30", "a base-60 number"),
        ])
    func yaml11(value: String, reading: String) {
        let plain = warnings("users:\n  - {userName: a@x.io, title: \(value)}\n")
        #expect(
            plain.count == 1 && plain[0].hasPrefix("3:31 ambiguous-scalar") && plain[0].contains(reading), "\(plain)")
        #expect(warnings("users:\n  - {userName: a@x.io, title: \"\(value)\"}\n").isEmpty)
    }

    @Test(
        "words that only look close are left alone",
        arguments: ["Nora", "yEs", "ony", "1-000", "12:345", "_1", "Olivia"])
    func notAmbiguous(value: String) {
        #expect(warnings("users:\n  - {userName: a@x.io, title: \(value)}\n").isEmpty)
    }
}

/// The first error does not hide the next: every refused tag of a file is reported.
@Suite("Every tag error")
struct EveryTagErrorTests {
    private func found(_ text: String) -> [String] {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", Array(("version: 1\n" + text).utf8))])
        return loaded.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.codeName)" }
    }

    @Test("three unsupported tags, three diagnostics, each at its place")
    func three() {
        let text = """
            users:
              - {userName: !!binary aGVsbG8=, title: ok}
              - {userName: b@x.io, title: !custom x}
            groups: !!set {a: null}
            """
        #expect(found(text) == ["3:16 unsupported-tag", "4:31 unsupported-tag", "5:9 unsupported-tag"])
    }

    @Test("a core tag on a value it does not fit, then a syntax error: both reported")
    func tagThenSyntax() {
        let text = "users:\n  - {userName: !!int abc, title: x}\n  - {userName: [\n"
        let diagnostics = found(text)
        #expect(diagnostics.contains("3:16 unsupported-tag"), "\(diagnostics)")
        #expect(diagnostics.contains { $0.hasSuffix("yaml-syntax") }, "\(diagnostics)")
    }
}

/// Positions as an editor counts them, whatever libyaml counted: NEL, LINE SEPARATOR and PARAGRAPH
/// SEPARATOR are line breaks to libyaml (YAML 1.1) and not to editors or GitHub's annotations.
@Suite("Editor positions")
struct EditorPositionTests {
    static let breaks: [String] = ["\u{85}", "\u{2028}", "\u{2029}"]

    private func load(_ text: String) -> LoadedState {
        DesiredStateLoader().load(texts: [("org.yaml", Array(text.utf8))])
    }

    @Test("a diagnostic after the character is on the editor's line, in text and github formats", arguments: breaks)
    func afterIt(character: String) {
        for (place, line) in [
            ("  - {userName: a@x.io, title: \"a\(character)b\"}\n", "quoted"),
            (
                "  - {userName: b@x.io, title: x} # a\(character)comment? no: this text is what libyaml reads\n",
                "comment"
            ),
        ] {
            let text = "version: 1\nusers:\n" + place + "  - {userName: c@x.io, titel: x}\n"
            let loaded = load(text)
            let unknown = loaded.diagnostics.first { $0.code == .unknownKey || $0.code == .yamlSyntax }
            if line == "quoted" {
                #expect(unknown?.code == .unknownKey && unknown?.location.line == 4, "\(loaded.diagnostics)")
                var formatter = DiagnosticFormatter(sources: loaded.sources)
                #expect(formatter.github(loaded.diagnostics).contains("line=4,"))
                #expect(formatter.text(loaded.diagnostics).contains("   4 |   - {userName: c@x.io, titel: x}"))
            } else {
                // Inside a comment the character ends the comment: libyaml reads the rest as YAML and
                // fails; the message names the character where an editor shows it.
                let message = loaded.diagnostics.first { $0.code == .yamlSyntax }?.message ?? ""
                #expect(message.contains("at line 3, column 37"), "\(loaded.diagnostics)")
                #expect(message.contains("which YAML reads as a line break"))
            }
        }
    }

    @Test("before any such character, positions are libyaml's own (nothing to map)")
    func plain() {
        let loaded = load("version: 1\nusers:\n  - {userName: c@x.io, titel: x}\n")
        #expect(loaded.diagnostics.first?.location.line == 3)
    }
}
