import DesiredState
import Foundation
import OrgExport
import Planner
import SCIM
import SafeText

/// `scimctl import`: the live state written as desired-state YAML, redacted, and checked as `validate`
/// would check it before it is reported as imported.
public struct ImportUseCase: Sendable {
    public var session: Session
    /// The built-in profile written as `target.provider`.
    public var provider: String
    /// The variable that holds the token, written as `target.tokenEnv`.
    public var tokenEnv: String
    /// `--out DIR`: write DIR/org.yaml (never over a file) instead of printing.
    public var out: String?

    public init(session: Session, provider: String, tokenEnv: String, out: String?) {
        self.session = session
        self.provider = provider
        self.tokenEnv = tokenEnv
        self.out = out
    }

    public func run() async throws {
        let console = session.console
        _ = try BuiltInProfiles.resolve(provider)
        // The same precedence and checks as every command (here with no YAML: --url, else SCIM_URL).
        let url = try session.resolveTarget(DeclaredOrg(), whenMissing: "no provider: give --url or set SCIM_URL").url
        let sandbox = url.hasPrefix("sandbox:")
        let info = Plan.TargetInfo(url: url, provider: provider, tokenEnv: sandbox ? nil : tokenEnv)
        var file: URL?
        if let out {
            let target = URL(fileURLWithPath: out).appendingPathComponent("org.yaml")
            if FileManager.default.fileExists(atPath: target.path) {
                try session.fail("\(target.path) exists; import never overwrites: choose another --out")
            }
            file = target
        }
        let client = try await session.connect(info)
        let snapshot: LiveSnapshot
        do {
            // /Schemas too: custom extension attributes the provider marks read-only are not exported.
            snapshot = try await LiveSnapshot.read(
                from: client, includeGroups: client.capabilities.groupsSupported, includeSchemas: true)
        } catch {
            try session.fail("reading the live state failed, so nothing was written: \(error)")
        }
        let exporter = OrgExporter(
            target: info, schemas: snapshot.schemas,
            header: [
                "Imported by `scimctl import` from \(url) on \(session.planning.today.description).",
                "Every live user is declared: removing one here later offboards them, by the policy.",
            ])
        var export = exporter.export(snapshot)
        for warning in export.warnings { console.warn(warning) }
        // A live value that holds the token (a provider echoing it) is not written to a file bound for git.
        let redacted = Secrets.redact(export.yaml)
        if redacted != export.yaml {
            export.yaml = redacted
            console.warn(
                "live values held the token or another secret; they are written as \(Secrets.mask): check those "
                    + "attributes on the provider")
        }
        // Checked as `validate` would, from where it is written (or a scratch copy for stdout).
        let checked =
            file
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-import-\(UUID())")
            .appendingPathComponent("org.yaml")
        do {
            try FileManager.default.createDirectory(
                at: checked.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(export.yaml.utf8).write(to: checked, options: .withoutOverwriting)
        } catch {
            try session.fail("cannot write \(checked.path): \(error.localizedDescription)")
        }
        let loaded = await DesiredStateLoader.loadOffPool(paths: [checked.path])
        if file == nil {
            try? FileManager.default.removeItem(at: checked.deletingLastPathComponent())
            try console.report(export.yaml)
        }
        let summary = "\(export.users) users, \(export.groups) groups"
        if !loaded.diagnostics.isEmpty {
            var formatter = DiagnosticFormatter(sources: loaded.sources, colour: console.noteColour)
            console.note(formatter.text(loaded.diagnostics))
        }
        guard loaded.state != nil else {
            try session.fail(
                "the imported YAML (\(summary)) does not validate: fix the live names above, or edit the file")
        }
        console.note("scimctl: imported \(summary)\(file.map { " to \($0.path)" } ?? "")\n")
    }
}
