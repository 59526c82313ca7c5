import CBuildInfo
import Foundation
import SCIM

/// What this binary is: its version, and for a release build the commit and the time it was built
/// (stamped by scripts/build-release).
public struct BuildInfo: Sendable {
    /// The release number (`ScimctlVersion`, which the User-Agent carries too).
    public static let version = ScimctlVersion.number

    public static var current: BuildInfo {
        BuildInfo(commit: String(cString: scimctl_build_commit()), date: String(cString: scimctl_build_date()))
    }

    /// The full commit id, or empty outside scripts/build-release.
    public var commit: String
    /// ISO 8601, UTC, or empty outside scripts/build-release.
    public var date: String

    /// `scimctl 0.2.0 (abc1234, built 2026-11-30T00:10:00Z)`, or `(development build)`.
    public var line: String {
        guard !commit.isEmpty else { return "scimctl \(Self.version) (development build)" }
        return "scimctl \(Self.version) (\(commit.prefix(12)), built \(date))"
    }

    /// `scimctl version --json`: `{"buildDate", "commit", "version"}`, empty strings in a development build.
    public var json: String {
        let object = ["version": Self.version, "commit": commit, "buildDate": date]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
