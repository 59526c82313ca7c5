import ArgumentParser
import CBuildInfo
import Commands
import Foundation
import SCIM

/// What this binary is: its version, and for a release build the commit and the time it was built.
struct BuildInfo: Sendable {
    /// The release number (`ScimctlVersion`, which the User-Agent carries too).
    static let version = ScimctlVersion.number

    static var current: BuildInfo {
        BuildInfo(commit: String(cString: scimctl_build_commit()), date: String(cString: scimctl_build_date()))
    }

    /// The full commit id, or empty outside scripts/build-release.
    var commit: String
    /// ISO 8601, UTC, or empty outside scripts/build-release.
    var date: String

    /// `scimctl 0.2.0 (abc1234, built 2026-11-30T00:10:00Z)`, or `(development build)`.
    var line: String {
        guard !commit.isEmpty else { return "scimctl \(Self.version) (development build)" }
        return "scimctl \(Self.version) (\(commit.prefix(12)), built \(date))"
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, and for a release binary the commit and build time.",
        discussion: "Exit codes: 0, 64 usage error.")

    @Flag(help: "Print JSON: {\"version\", \"commit\", \"buildDate\"} (empty strings in a development build).")
    var json = false

    func run() throws {
        let info = BuildInfo.current
        if json {
            let object = ["version": BuildInfo.version, "commit": info.commit, "buildDate": info.date]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try Terminal.standardOutput(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            try Terminal.standardOutput(info.line + "\n")
        }
    }
}
