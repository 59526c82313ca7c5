import Catalog
import DesiredState
import Foundation
import OrgExport
import Planner
import SCIM
import Testing

@Suite("scimctl import: the live state as YAML", .timeLimit(.minutes(10)))
struct OrgExporterTests {
    /// Writes the export where the loader can read it, and loads it as `validate` would.
    private func load(_ yaml: String) throws -> LoadedState {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-export-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("org.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return DesiredStateLoader().load(paths: [file.path])
    }

    private let exporter = OrgExporter(
        target: Plan.TargetInfo(url: "https://example.test/scim/v2", provider: "generic", tokenEnv: "SCIM_TOKEN"),
        header: ["a test"])

    @Test("every string reads back as itself: YAML 1.1 booleans, numbers, indicators, quotes, escapes, Unicode")
    func scalarsRoundTrip() throws {
        let titles = [
            "yes", "No", "ON", "off", "y", "true", "False", "null", "~", "0012", "1.5", "1e3", ".inf", "0x1F",
            "2026-11-29", "a: b", "a #b", "#x", "- x", "-", "[x]", "{x}", "x, y", "*alias", "&anchor", "!tag",
            "@handle", "`tick`", "%percent", "|", ">", "?", "O'Brien", "say \"hi\"", "back\\slash", "tab\there",
            "line\nbreak", "Zoë Ünal", "日本語", "emoji 🚀", " leading", "trailing ", "two  spaces", "", "\u{7}",
            "del\u{7F}", "next\u{85}line", "line\u{2028}separator", "\u{FEFF}bom",
            "Plain Words", "dev-ops/qa.team+x@y",
        ]
        let users = titles.enumerated().map { index, title in
            var user = SCIMUser(userName: "u\(index)@x.io")
            user.id = "id\(index)"
            user.attributes[path: "title"] = title
            return user
        }
        let export = exporter.export(LiveSnapshot(users: users, groups: []))
        let loaded = try load(export.yaml)
        let state = try #require(loaded.state, "\(loaded.diagnostics)\n\(export.yaml)")
        let read = Dictionary(
            uniqueKeysWithValues: state.users.map { ($0.userName.value, $0.attributes[path: "title"]?.value) })
        for (index, title) in titles.enumerated() {
            #expect(read["u\(index)@x.io"] == title, "title \(title.debugDescription)")
        }
        // Plain where nothing else could be meant, so the file reads like one written by hand.
        #expect(export.yaml.contains("title: Plain Words\n"))
        #expect(export.yaml.contains("title: \"yes\"\n"))
    }

    @Test("members by name (nested groups by displayName), managers by userName; dangling ids are warned of")
    func references() throws {
        var boss = SCIMUser(userName: "boss@x.io")
        boss.id = "b"
        var worker = SCIMUser(userName: "worker@x.io")
        worker.id = "w"
        worker.active = false
        worker.attributes[path: "enterprise.department"] = "QA"
        worker.managerId = "b"
        var orphan = SCIMUser(userName: "orphan@x.io")
        orphan.id = "o"
        orphan.managerId = "gone"
        var inner = SCIMGroup(displayName: "inner")
        inner.id = "gi"
        inner.members = [SCIMMember(value: "w", type: "User")]
        var outer = SCIMGroup(displayName: "Outer")
        outer.id = "go"
        outer.members = [
            SCIMMember(value: "gi", type: "Group"), SCIMMember(value: "b"), SCIMMember(value: "deleted", type: "User"),
        ]
        let export = exporter.export(LiveSnapshot(users: [worker, orphan, boss], groups: [outer, inner]))
        #expect(export.warnings.count == 2)
        #expect(export.warnings.contains { $0.contains("gone") } && export.warnings.contains { $0.contains("deleted") })
        let state = try #require(try load(export.yaml).state)
        #expect(state.users.map(\.userName.value) == ["boss@x.io", "orphan@x.io", "worker@x.io"])
        let declaredWorker = try #require(state.users.last)
        #expect(declaredWorker.active.value == false)
        #expect(declaredWorker.manager.value == "boss@x.io")
        #expect(state.groups.map(\.displayName.value) == ["inner", "Outer"])
        #expect(state.groups.last?.members.map(\.value) == ["boss@x.io", "inner"])
        #expect(!export.yaml.contains("SCIM_TOKEN=") && export.yaml.contains("tokenEnv: SCIM_TOKEN"))
    }
}
