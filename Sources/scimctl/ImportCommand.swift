import ArgumentParser
import DesiredState
import Foundation
import Planner
import SCIM
import SafeText

/// `scimctl import`: the live state as desired-state YAML, to bootstrap an org that already exists.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write the live users and groups as desired-state YAML (bootstrap an existing org).",
        discussion: """
            The provider is --url (or SCIM_URL); the token is read as for plan. The YAML declares every live \
            user and group with the attributes scimctl manages, so a plan right after reports no changes. It \
            is checked as validate would: exit 1 when it would not load (a live name the format refuses), \
            with the file still written for you to fix. Nothing on the provider is changed.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The provider's quirks profile (a built-in one), written as target.provider.")
    var provider = "generic"

    @Option(help: "The environment variable that holds the token, read now and written as target.tokenEnv.")
    var tokenEnv = "SCIM_TOKEN"

    @Option(help: "Write DIR/org.yaml (never over an existing file) instead of printing the YAML.")
    var out: String?

    func validate() throws {
        guard BuiltInProfiles.named(provider) != nil else {
            throw ValidationError("--provider must be one of \(BuiltInProfiles.names.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let planning = try PlanningOptions.parse([])
        let session = Session(planning: planning, connection: connection)
        // The same precedence and checks as every command (here with no YAML: --url, else SCIM_URL).
        let url = try session.resolveTarget(
            DesiredState(), environment: ProcessInfo.processInfo.environment,
            whenMissing: "no provider: give --url or set SCIM_URL"
        ).url
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
                "Imported by `scimctl import` from \(url) on \(planning.today.description).",
                "Every live user is declared: removing one here later offboards them, by the policy.",
            ])
        var export = exporter.export(snapshot)
        for warning in export.warnings { Terminal.standardError("scimctl: warning: \(warning)\n") }
        // A live value that holds the token (a provider echoing it) is not written to a file bound for git.
        let redacted = Secrets.redact(export.yaml)
        if redacted != export.yaml {
            export.yaml = redacted
            Terminal.standardError(
                "scimctl: warning: live values held the token or another secret; they are written as "
                    + "\(Secrets.mask): check those attributes on the provider\n")
        }

        // Check it as `validate` would, from where it is written (or a scratch copy for stdout).
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
        let loaded = DesiredStateLoader().load(paths: [checked.path])
        if file == nil {
            try? FileManager.default.removeItem(at: checked.deletingLastPathComponent())
            try Terminal.standardOutput(export.yaml)
        }
        let summary = "\(export.users) users, \(export.groups) groups"
        if !loaded.diagnostics.isEmpty {
            var formatter = DiagnosticFormatter(sources: loaded.sources, colour: Terminal.stderrWantsColour)
            Terminal.standardError(formatter.text(loaded.diagnostics))
        }
        guard loaded.state != nil else {
            try session.fail(
                "the imported YAML (\(summary)) does not validate: fix the live names above, or edit the file")
        }
        Terminal.standardError("scimctl: imported \(summary)\(file.map { " to \($0.path)" } ?? "")\n")
    }
}
