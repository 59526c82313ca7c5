import Catalog
import DesiredState
import Foundation
import SafeText
import Testing

/// Hostile and broken YAML, class by class: nothing crashes, nothing is dropped without a word, output
/// stays bounded, positions are libyaml's, and no secret or control character reaches the output.
@Suite("Hostile YAML", .timeLimit(.minutes(10)))
struct HostileYAMLTests {
    /// A fresh directory holding `files` (name → text).
    private func directory(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-hostile-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    private func load(_ text: String) throws -> LoadedState {
        let directory = try directory(["org.yaml": text])
        return DesiredStateLoader().load(paths: [directory.appendingPathComponent("org.yaml").path])
    }

    private func rendered(_ loaded: LoadedState) -> (text: String, github: String, json: String) {
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        return (
            formatter.text(loaded.diagnostics), formatter.github(loaded.diagnostics), formatter.json(loaded.diagnostics)
        )
    }

    // MARK: Crashes and blow-ups

    @Test(
        "a mapping of any size is read: 130 and 5,000 keys, with a duplicate past the 127th", arguments: [130, 5_000])
    func wideMappings(keys: Int) throws {
        var text = "version: 1\nusers:\n  - userName: a@example.com\n"
        for index in 0..<keys { text += "    extra\(index): 1\n" }
        text += "    userName: b@example.com\n"
        let loaded = try load(text)
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.count { $0.code == .unknownKey } == keys)
        #expect(loaded.diagnostics.count { $0.code == .duplicateKey } == 1)
    }

    @Test("a 1 MB scalar aliased 2,000 times is refused at once, with bounded output")
    func aliasedHugeScalar() throws {
        let long = String(repeating: "x", count: 1 << 20)
        var text = "version: 1\nusers:\n  - userName: &big \(long)\n"
        for index in 0..<2_000 { text += "  - userName: *big\n    nickName: \"\(index)\"\n" }
        let loaded = try load(text)
        #expect(loaded.diagnostics.map(\.code) == [.aliasLimit])
        let output = rendered(loaded)
        #expect(output.text.utf8.count < 2_000, "text output \(output.text.utf8.count) bytes")
    }

    @Test("a 1 MB line with 10,000 errors on it gives bounded text and GitHub output")
    func hugeLine() throws {
        let items = (0..<10_000).map { String(repeating: "n", count: 96) + "\($0)" }.joined(separator: ", ")
        #expect(items.utf8.count > 1_000_000)
        let loaded = try load("version: 1\nusers:\n  - userName: a@example.com\n    groups: [\(items)]\n")
        #expect(loaded.diagnostics.count == 10_000)
        let output = rendered(loaded)
        // 25 excerpts of at most 120 characters each, and one line counting the rest.
        #expect(output.text.utf8.count < 16 << 10, "text output \(output.text.utf8.count) bytes")
        #expect(output.github.utf8.count < 16 << 10, "github output \(output.github.utf8.count) bytes")
        #expect(output.text.contains("9975 more [unknown-group] not shown"))
        // The window is cut around the column, with the caret under it.
        let lines = output.text.split(separator: "\n")
        let excerpt = try #require(lines.first { $0.hasPrefix("   4 | …") })
        let caret = try #require(lines.first { $0.hasPrefix("     | ") && $0.hasSuffix("^") })
        #expect(excerpt.count < 140 && caret.count < 140)
    }

    @Test("10,000 duplicate users: 25 shown, the rest counted")
    func manyDuplicates() throws {
        var text = "version: 1\nusers:\n"
        for _ in 0..<10_000 { text += "  - userName: same@example.com\n" }
        let loaded = try load(text)
        #expect(loaded.diagnostics.count { $0.code == .duplicateUser } == 9_999)
        let output = rendered(loaded)
        #expect(output.text.components(separatedBy: "[duplicate-user]\n").count - 1 == 25)
        #expect(output.text.contains("9974 more [duplicate-user] not shown"))
        #expect(output.github.split(separator: "\n").count == 26)
    }

    @Test("a long unknown key gets no suggestion, and a near one still does")
    func suggestions() throws {
        // YAML caps an implicit key at 1,024 characters; 8,000 keys of 1,000 each.
        var text = "version: 1\nusers:\n  - userName: a@example.com\n    actve: true\n"
        for index in 0..<8_000 {
            text += "    \(String(repeating: "activ", count: 199))\(index % 10)\(index / 10): 1\n"
        }
        let loaded = try load(text)
        let messages = loaded.diagnostics.filter { $0.code == .unknownKey }.map(\.message)
        #expect(messages.count == 8_001)
        #expect(messages.contains { $0.contains("did you mean 'active'") })
        #expect(messages.contains { $0.contains("expected one of") && $0.count < 1_000 })
    }

    // MARK: Silent drops

    @Test("an alias to a list reads what it names")
    func aliasToList() throws {
        let loaded = try load(
            """
            version: 1
            users:
              - userName: a@example.com
                groups: &standard [eng, ops]
              - userName: b@example.com
                groups: *standard
            groups: &all
              - displayName: eng
              - displayName: ops
            """)
        let state = try #require(loaded.state, "\(loaded.diagnostics)")
        #expect(state.users[1].groups.map(\.value) == ["eng", "ops"])
        #expect(state.groups.count == 2)
    }

    @Test("an alias to the streamed users list is what it names, not an empty list")
    func aliasToStreamedList() throws {
        let loaded = try load(
            """
            version: 1
            users: &everyone
              - userName: a@example.com
            groups:
              - displayName: all
                members: *everyone
            """)
        #expect(loaded.state == nil)
        // The members are the user mappings themselves: refused as names, not read as no members.
        #expect(loaded.diagnostics.contains { $0.code == .wrongType && $0.message.contains("members") })
    }

    @Test(
        "tags outside the core schema, and core tags on values they do not fit, are errors",
        arguments: [
            "nickName: !!binary aGVsbG8=", "nickName: !custom value", "nickName: !!int abc", "groups: !!set {a: null}",
            "active: !!bool maybe", "name: !!omap [a: 1]",
        ])
    func tags(line: String) throws {
        let loaded = try load("version: 1\nusers:\n  - userName: a@example.com\n    \(line)\n")
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.map(\.code) == [.unsupportedTag])
        #expect(loaded.diagnostics.first?.location.line == 4)
    }

    @Test("core tags that fit are read as they say")
    func coreTags() throws {
        let loaded = try load(
            "version: !!int 1\nusers:\n  - userName: !!str a@example.com\n    nickName: !!str 0012\n    active: !!bool true\n"
        )
        let state = try #require(loaded.state, "\(loaded.diagnostics)")
        #expect(state.users[0].attributes[path: "nickName"]?.value == "0012")
    }

    @Test("a refused email leaves the rest of its entry and of the user checked")
    func badEmailChecksRest() throws {
        let loaded = try load(
            """
            version: 1
            users:
              - userName: a@example.com
                emails:
                  - value: not-an-email
                    primary: yes
                    type: [work]
                title: [a]
              - emails: [{value: also bad}]
                nickName: {x: 1}
            """)
        let codes = Set(loaded.diagnostics.map(\.code))
        #expect(codes.isSuperset(of: [.invalidEmail, .notABoolean, .wrongType, .missingKey]))
        // The user without a userName still had its other keys checked.
        #expect(loaded.diagnostics.contains { $0.location.line == 10 && $0.code == .wrongType })
        #expect(loaded.diagnostics.contains { $0.location.line == 9 && $0.code == .invalidEmail })
    }

    @Test("symlinks: a linked file and directory are read, a dangling one is an error, the cap is the target's")
    func symlinks() throws {
        let root = try directory(["a.yaml": "version: 1\nusers:\n  - userName: a@example.com\n"])
        let elsewhere = try directory([
            "b.yaml": "version: 1\nusers:\n  - userName: b@example.com\n",
            "big.txt": String(repeating: "# padding\n", count: 100),
        ])
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("team"), withIntermediateDirectories: false)
        try manager.createSymbolicLink(
            atPath: root.appendingPathComponent("team/linked").path, withDestinationPath: elsewhere.path)
        let linked = DesiredStateLoader().load(paths: [root.path])
        let state = try #require(linked.state, "\(linked.diagnostics)")
        #expect(state.users.map(\.userName.value).sorted() == ["a@example.com", "b@example.com"])

        try manager.createSymbolicLink(
            atPath: root.appendingPathComponent("gone.yaml").path, withDestinationPath: "/nonexistent/people.yaml")
        let dangling = DesiredStateLoader().load(paths: [root.path])
        #expect(dangling.state == nil)
        #expect(dangling.diagnostics.contains { $0.code == .fileUnreadable && $0.location.file.hasSuffix("gone.yaml") })

        let link = root.appendingPathComponent("small-link.yaml")
        try manager.createSymbolicLink(
            atPath: link.path, withDestinationPath: elsewhere.appendingPathComponent("big.txt").path)
        let capped = DesiredStateLoader(maxFileSize: 500).load(paths: [link.path])
        #expect(capped.diagnostics.map(\.code) == [.fileTooLarge])
    }

    @Test("a file reached twice (two spellings, a link beside its target) is read once")
    func readOnce() throws {
        let root = try directory(["a.yaml": "version: 1\nusers:\n  - userName: a@example.com\n"])
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("also.yaml").path, withDestinationPath: "a.yaml")
        let loaded = DesiredStateLoader().load(paths: [
            root.path, root.appendingPathComponent("a.yaml").path, root.path + "/./a.yaml",
        ])
        let state = try #require(loaded.state, "\(loaded.diagnostics)")
        #expect(state.users.count == 1)
    }

    @Test("a FIFO named *.yaml is refused, not waited on")
    func fifo() throws {
        let root = try directory(["a.yaml": "version: 1\n"])
        let fifo = root.appendingPathComponent("pipe.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let loaded = DesiredStateLoader().load(paths: [root.path])
        #expect(loaded.diagnostics.map(\.code) == [.notARegularFile])
    }

    // MARK: Positions and injection

    @Test("a UTF-8 BOM is accepted, and positions count from the text after it")
    func byteOrderMark() throws {
        let valid = try load("\u{FEFF}version: 1\nusers:\n  - userName: a@example.com\n")
        #expect(valid.state != nil, "\(valid.diagnostics)")
        let invalid = try load("\u{FEFF}version: 1\nbogus: 1\n")
        #expect(invalid.diagnostics.map(\.location.line) == [2])
        #expect(invalid.diagnostics.map(\.location.column) == [1])
    }

    @Test(
        "positions count lines as an editor does: CR and CRLF break lines, NEL, LS and PS do not (libyaml's do)",
        arguments: ["\u{2028}", "\u{2029}", "\u{85}", "\r", "\r\n"])
    func lineBreaks(lineBreak: String) throws {
        let loaded = try load(
            "version: 1\(lineBreak)users:\(lineBreak)  - userName: a@example.com\(lineBreak)    bogusKey: 1\n")
        let diagnostic = try #require(loaded.diagnostics.first { $0.code == .unknownKey })
        let text = rendered(loaded).text
        if lineBreak == "\r" || lineBreak == "\r\n" {
            #expect(diagnostic.location.line == 4)
            #expect(text.contains("   4 |     bogusKey: 1\n"), "\(text)")
        } else {
            // One line to an editor: the key is on it, at the column an editor shows.
            #expect(diagnostic.location.line == 1 && diagnostic.location.column == 51)
            #expect(text.contains("   1 | version: 1"), "\(text)")
        }
    }

    @Test("control characters are escaped in every format; a key cannot forge a workflow command")
    func controlCharacters() throws {
        let loaded = try load(
            """
            version: 1
            users:
              - userName: a@example.com
                "\\e[31mred\\e[0m": 1
                "x\\n::error file=forged.yaml,line=1::forged": 1
                "y\\r::warning::forged\\u2028::error::forged": 1
            """)
        #expect(loaded.diagnostics.count == 3)
        let output = rendered(loaded)
        for text in [output.text, output.github, output.json] {
            #expect(!text.utf8.contains(0x1B))
            #expect(!text.utf8.contains(0x0D))
            #expect(!text.contains("\u{2028}"))
            for line in text.split(separator: "\n") {
                #expect(!line.hasPrefix("::error file=forged") && !line.hasPrefix("::warning::forged"))
            }
        }
        #expect(output.github.split(separator: "\n").count == 3)
        #expect(output.text.contains("\\u{1B}[31mred"))
    }

    // MARK: Secrets

    @Test("secrets in every position are found and never shown")
    func secrets() throws {
        let canary = "canary-\(UUID().uuidString)"
        let password = "pw-\(UUID().uuidString)"
        let loaded = try load(
            """
            version: 1
            target: {url: "https://admin:\(password)@scim.example.com/scim/v2", provider: nope}
            policy:
              notes:
                deeper:
                  - apiToken: \(canary)-1
            users:
              - userName: a@example.com
                extra: {nested: [{password: \(canary)-2}]}
                nickName: {secret: \(canary)-3}
                title: &t "\(canary)-4 and more"
                displayName: *t
              - userName: b@example.com
                x-creds:
                  token: >
                    \(canary)-5
                    folded over lines
            safety: {approve: [{clientSecret: \(canary)-6}]}
            """)
        #expect(loaded.state == nil)
        // Found at any depth: under unknown keys, inside values of the wrong shape, in flow mappings.
        #expect(loaded.diagnostics.count { $0.code == .secretInYAML } == 6, "\(loaded.diagnostics)")
        let output = rendered(loaded)
        for text in [output.text, output.github, output.json] {
            #expect(!text.contains(canary))
            #expect(!text.contains(password))
        }
        #expect(Secrets.redact("echo \(canary)-5 and \(password)") == "echo <redacted> and <redacted>")
    }

    @Test("a line that only mentions a secret-shaped word is quoted; a flow mapping with a secret-shaped key is not")
    func excerptsOfMentions() throws {
        let loaded = try load(
            """
            version: 1
            target: {url: "https://scim.example.com/v2", tokenEnv: 9lives}
            users:
              - userName: token-tester@example.com
              - userName: token-tester@example.com
              - {userName: b@example.com, apiSecret: hunter2-not-shown, nickName: [x]}
            """)
        let text = rendered(loaded).text
        #expect(text.contains("   5 |   - userName: token-tester@example.com\n"), "\(text)")
        #expect(text.contains("   6 | (not shown: this line holds a secret)"), "\(text)")
        #expect(!text.contains("hunter2-not-shown"))
    }

    @Test(
        "credentials in target.url are never echoed: duplicate keys, unparsable URLs, plain http",
        arguments: [
            "target:\n  url: https://u:SECRET@host/scim\n  url: https://host/scim\n",
            "target:\n  url: \"http://u:SECRET@remote.example.com/scim\"\n",
            "target:\n  url: \"https://u:SECRET with space@host/%zz\"\n",
            "target: {url: \"ftp://u:SECRET@host\", provider: bogus}\n",
        ])
    func urlCredentials(target: String) throws {
        let secret = "s3-\(UUID().uuidString)"
        let loaded = try load("version: 1\n" + target.replacingOccurrences(of: "SECRET", with: secret))
        #expect(loaded.state == nil)
        let output = rendered(loaded)
        for text in [output.text, output.github, output.json] { #expect(!text.contains(secret), "\(text)") }
    }

    // MARK: Identity look-alikes

    @Test(
        "names that read the same are one name: fullwidth, NFC/NFD, ß and ss, case",
        arguments: [
            ("alice@example.com", "ａlice@example.com"), ("josé@example.com", "jose\u{301}@example.com"),
            ("strasse@example.com", "STRAẞE@example.com"), ("bob@example.com", "BOB@EXAMPLE.COM"),
        ])
    func lookalikeDuplicates(first: String, second: String) throws {
        let loaded = try load("version: 1\nusers:\n  - userName: \(first)\n  - userName: \(second)\n")
        #expect(loaded.diagnostics.contains { $0.code == .duplicateUser }, "\(loaded.diagnostics)")
    }

    @Test(
        "invisible characters in names are errors",
        arguments: [
            "ali\u{200B}ce@example.com", "alice\u{200D}@example.com", "\u{202E}moc.elpmaxe@ecila",
            "al\u{AD}ice@example.com",
            "alice@exam\u{2060}ple.com",
        ])
    func invisible(userName: String) throws {
        let loaded = try load("version: 1\nusers:\n  - userName: \"\(userName)\"\n")
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.map(\.code) == [.invalidValue])
        #expect(loaded.diagnostics[0].message.contains("invisible character U+"))
    }

    @Test(
        "mixed-script and compatibility look-alikes are warnings",
        arguments: [
            "p\u{430}ypal@example.com", "ａdmin@example.com", "ad\u{3BF}min@example.com",
        ])
    func mixedScripts(userName: String) throws {
        let loaded = try load("version: 1\nusers:\n  - userName: \(userName)\n")
        #expect(loaded.state != nil)
        #expect(loaded.diagnostics.map(\.code) == [.lookalike])
        #expect(loaded.diagnostics.map(\.severity) == [.warning])
    }
}
