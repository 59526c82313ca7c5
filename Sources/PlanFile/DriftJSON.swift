public import Foundation
import Planner
public import Rendering

/// The drift report as one JSON document (schema/drift.schema.json; docs/json-plan.md).
extension DriftReport {
    /// The drift of a directory: one target of `target:` as one report; several as
    /// `{"format_version", "drift", "targets": [report, …]}`.
    public static func jsonData(_ reports: [DriftReport]) -> Data {
        guard PlanRenderer.isSeveral(reports.map(\.plan)) else { return reports.first?.jsonData() ?? Data() }
        struct Directory: Encodable {
            enum CodingKeys: String, CodingKey { case formatVersion = "format_version", drift, targets }
            var formatVersion = Plan.formatVersion
            var drift: Bool
            var targets: [Report]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Wording.userInfoKey] = reports.first?.wording ?? .standard
        let directory = Directory(drift: reports.contains(where: \.hasDrift), targets: reports.map(\.document))
        return (try? encoder.encode(directory)) ?? Data()
    }

    private var document: Report {
        Report(
            drift: hasDrift, target: plan.target, day: plan.day, changed: managedChanges, unmanaged: unmanagedObjects)
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Wording.userInfoKey] = wording
        return (try? encoder.encode(document)) ?? Data()
    }
}

/// One target's drift report, as JSON.
private struct Report: Encodable {
    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", drift, target, day, changed, unmanaged
    }

    var formatVersion = Plan.formatVersion
    var drift: Bool
    var target: Plan.TargetInfo
    var day: String
    var changed: [PlannedAction]
    var unmanaged: [DriftReport.Undeclared]
}
