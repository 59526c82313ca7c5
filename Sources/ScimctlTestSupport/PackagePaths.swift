public import Foundation

/// Paths inside this package, for tests: found from this file's own location, so they hold wherever
/// the package is checked out.
public enum PackagePaths {
    /// The package root (the folder that holds Package.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ScimctlTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    public static let examples = root.appendingPathComponent("examples")
    /// The people directory of two targets (`targets:`).
    public static let companyExample = examples.appendingPathComponent("company")

    /// A fresh folder holding a copy of examples/org.yaml alone: a working directory whose `.` is the
    /// one-target example (examples/ also holds the people directory of examples/company).
    public static func exampleFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-example-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: examples.appendingPathComponent("org.yaml"), to: folder.appendingPathComponent("org.yaml"))
        return folder
    }
    public static let schema = root.appendingPathComponent("schema/scimctl.schema.json")
    /// The JSON plan's schema (and the drift report's, beside it).
    public static let planSchema = root.appendingPathComponent("schema/plan.schema.json")
    public static let driftSchema = root.appendingPathComponent("schema/drift.schema.json")
    /// The desired state as JSON (`validate --format state`).
    public static let stateSchema = root.appendingPathComponent("schema/state.schema.json")
    /// The access report as JSON (`report --format json`).
    public static let reportSchema = root.appendingPathComponent("schema/report.schema.json")

    /// The Python interpreter of the test peers' virtual environment (`scripts/setup-peers` makes it), or
    /// the one named by `SCIMCTL_PEERS_PYTHON`.
    public static var peersPython: URL {
        if let path = ProcessInfo.processInfo.environment["SCIMCTL_PEERS_PYTHON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return root.appendingPathComponent(".venv-peers/bin/python3")
    }

    /// The names in `directory` (not hidden), sorted.
    public static func entries(of directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }
}
