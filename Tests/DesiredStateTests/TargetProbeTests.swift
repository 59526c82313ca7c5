import Catalog
import DesiredState
import Foundation
import Testing

/// `plan` connects to the target named at the head of the files while the rest loads: the probe must
/// find it only where it is cheap and certain, and never block or accept what the loader refuses.
@Suite("Target probe", .timeLimit(.minutes(10)))
struct TargetProbeTests {
    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-probe-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("a target block at the head of a file, block or flow style, is found; the users are not read")
    func found() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("org.yaml")
        try "version: 1\ntarget:\n  url: https://scim.example/v2\n  provider: qase\nusers:\n  - userName: [broken\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let probed = try #require(TargetProbe.read(paths: [folder.path])?.target)
        #expect(probed.url?.value == "https://scim.example/v2")
        #expect(probed.providerProfile.name == "qase")
        #expect(probed.url?.location.line == 3)
        try "version: 1\ntarget: {url: \"sandbox:s.sqlite\"}\npolicy: {unmanaged: ignore}\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect(TargetProbe.read(paths: [file.path])?.target?.url?.value == "sandbox:s.sqlite")
    }

    @Test("no guess: users before the target, a target with an error, a profile file, a FIFO")
    func refused() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("org.yaml")
        try "version: 1\nusers: []\ntarget: {url: https://scim.example/v2}\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect(TargetProbe.read(paths: [file.path]) == nil)
        try "version: 1\ntarget: {url: \"https://user:pw@scim.example/v2\"}\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect(TargetProbe.read(paths: [file.path]) == nil)
        try "version: 1\ntarget: {url: \"https://scim.example/v2\", provider: nope}\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect(TargetProbe.read(paths: [file.path]) == nil)
        try "version: 1\ntarget: {url: \"https://scim.example/v2\", profile: acme.yaml}\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect(TargetProbe.read(paths: [file.path]) == nil)
        let fifo = folder.appendingPathComponent("fifo.yaml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // Opened without blocking and refused as not a regular file, like the loader does.
        #expect(TargetProbe.read(paths: [fifo.path]) == nil)
    }
}
