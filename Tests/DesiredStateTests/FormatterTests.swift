import DesiredState
import Foundation
import ScimctlTestSupport
import Testing

@Suite("Diagnostic rendering", .timeLimit(.minutes(10)))
struct FormatterTests {
    private let invalid = PackagePaths.fixtures.appendingPathComponent("invalid")

    private func load(_ name: String) -> LoadedState {
        DesiredStateLoader().load(paths: [invalid.appendingPathComponent(name).path])
    }

    @Test("text: file:line:col, severity, message and code, then the line and a caret under the column")
    func text() throws {
        let loaded = load("unknown-key-near-miss.yaml")
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        let path = invalid.appendingPathComponent("unknown-key-near-miss.yaml").path
        #expect(
            formatter.text(loaded.diagnostics) == """
                \(path):5:5: error: unknown key 'actve' in user; did you mean 'active'? [unknown-key]
                   5 |     actve: true
                     |     ^

                """)
    }

    @Test("text: notes cite the other place, with its line")
    func notes() throws {
        let loaded = load("duplicate-username-case.yaml")
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        let lines = formatter.text(loaded.diagnostics).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7)
        #expect(
            lines[0].hasSuffix(
                ":4:15: error: userName 'Alice@Example.com' is declared twice (compared ignoring case) [duplicate-user]"
            ))
        #expect(lines[3].hasSuffix(":3:15: note: first declared here as 'alice@example.com'"))
        #expect(lines[4] == "   3 |   - userName: alice@example.com")
        #expect(lines[5] == "     |               ^")
    }

    @Test("text: colour only when asked for")
    func colour() {
        let loaded = load("group-cycle.yaml")
        var plain = DiagnosticFormatter(sources: loaded.sources)
        var coloured = DiagnosticFormatter(sources: loaded.sources, colour: true)
        #expect(!plain.text(loaded.diagnostics).contains("\u{1B}["))
        #expect(coloured.text(loaded.diagnostics).contains("\u{1B}[1;31merror:"))
    }

    @Test("github: one workflow command per diagnostic, with properties and data escaped")
    func github() {
        let loaded = load("duplicate-username-case.yaml")
        let output = DiagnosticFormatter(sources: loaded.sources).github(loaded.diagnostics)
        let path = invalid.appendingPathComponent("duplicate-username-case.yaml").path
        #expect(
            output
                == "::error file=\(path),line=4,col=15,title=scimctl%3A duplicate-user::userName 'Alice@Example.com' "
                + "is declared twice (compared ignoring case)%0A\(path):3:15: note: first declared here as "
                + "'alice@example.com'\n")
    }

    @Test("json: a report with counts and located diagnostics")
    func json() throws {
        let loaded = load("cross-file-references")
        let output = DiagnosticFormatter(sources: loaded.sources).json(loaded.diagnostics)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        #expect(report["errors"] as? Int == 3)
        #expect(report["warnings"] as? Int == 1)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        #expect(
            diagnostics.map { $0["code"] as? String } == [
                "unknown-member", "duplicate-member", "unknown-group", "duplicate-user",
            ])
        let location = try #require(diagnostics[0]["location"] as? [String: Any])
        #expect(location["line"] as? Int == 4)
        #expect(location["column"] as? Int == 34)
        #expect((diagnostics[3]["notes"] as? [[String: Any]])?.count == 1)
    }

    @Test(
        "secrets written into YAML never reach any rendering",
        arguments: [
            "secret-token-key.yaml", "secret-token-in-user.yaml", "secret-url-credentials.yaml",
            "token-env-not-a-name.yaml", "secret-password.yaml",
        ])
    func secretsNeverRendered(fixture: String) throws {
        let loaded = load(fixture)
        let source = try String(contentsOf: invalid.appendingPathComponent(fixture), encoding: .utf8)
        let secret = try #require(
            ["qase_live_7f3a9c2e1b", "qase-live-7f3a9c2e1b", "hunter2"].first { source.contains($0) })
        #expect(loaded.state == nil)
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        for output in [
            formatter.text(loaded.diagnostics), formatter.github(loaded.diagnostics),
            formatter.json(loaded.diagnostics),
        ] {
            #expect(!output.contains(secret), "\(output)")
            #expect(!output.isEmpty)
        }
    }
}
