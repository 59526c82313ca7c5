import Catalog
import DesiredState
import Foundation
import ScimctlTestSupport
import Testing

/// One fixture: a YAML file or a folder of them, and the diagnostics it must produce.
struct Fixture: CustomTestStringConvertible, Sendable {
    let folder: URL
    let name: String

    var path: URL { folder.appendingPathComponent(name) }
    var testDescription: String { name }

    /// `path:line:col code` lines, paths relative to the fixture folder.
    var expected: [String] {
        let file = folder.appendingPathComponent(name.replacingOccurrences(of: ".yaml", with: "") + ".expected")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    static func all(in kind: String) -> [Fixture] {
        let folder = PackagePaths.fixtures.appendingPathComponent(kind)
        return PackagePaths.entries(of: folder).filter { !$0.hasSuffix(".expected") }.map {
            Fixture(folder: folder, name: $0)
        }
    }

    func load() -> LoadedState {
        DesiredStateLoader().load(paths: [path.path])
    }

    /// `path:line:col code` for each diagnostic, with paths relative to the fixture folder.
    func summary(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { diagnostic in
            var location = diagnostic.location
            if location.file.hasPrefix(folder.path + "/") { location.file.removeFirst(folder.path.count + 1) }
            return "\(location) \(diagnostic.code.rawValue)"
        }
    }
}

@Suite("Fixtures", .timeLimit(.minutes(10)))
struct FixtureTests {
    @Test("there are at least 40 invalid fixtures, each with expected diagnostics")
    func inventory() {
        let invalid = Fixture.all(in: "invalid")
        #expect(invalid.count >= 40)
        for fixture in invalid {
            #expect(!fixture.expected.isEmpty, "\(fixture.name) has no .expected file")
        }
    }

    @Test("each invalid fixture gives exactly its expected diagnostics", arguments: Fixture.all(in: "invalid"))
    func invalid(_ fixture: Fixture) {
        let loaded = fixture.load()
        #expect(loaded.state == nil, "an invalid fixture must not produce a state")
        #expect(fixture.summary(loaded.diagnostics) == fixture.expected)
    }

    @Test("each valid fixture loads, with only its expected warnings", arguments: Fixture.all(in: "valid"))
    func valid(_ fixture: Fixture) {
        let loaded = fixture.load()
        #expect(loaded.state != nil, "\(fixture.summary(loaded.diagnostics))")
        #expect(fixture.summary(loaded.diagnostics) == fixture.expected)
        #expect(loaded.diagnostics.allSatisfy { $0.severity == .warning })
    }

    @Test("examples/org.yaml is valid and has the shape the README describes")
    func example() throws {
        let loaded = DesiredStateLoader().load(paths: [PackagePaths.examples.appendingPathComponent("org.yaml").path])
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let state = try #require(loaded.state)
        #expect(state.users.count >= 10)
        #expect(state.groups.count == 4)
        #expect(state.groups.contains { $0.displayName.value == "qaseUsers" })
        #expect(state.users.contains { $0.active.value == false && $0.deleteAfter != nil })
        #expect(state.users.contains { $0.expires != nil })
        #expect(state.users.contains { !$0.previously.isEmpty })
        #expect(state.users.contains { state.policy.protectingPattern(for: $0.userName.value) != nil })
        #expect(state.target?.providerProfile.name == "qase")
        #expect(state.target?.url?.value.hasPrefix("sandbox:") == true)
    }
}
