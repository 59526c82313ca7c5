public import Foundation
import Planner
public import Rendering

/// The drift report as one JSON document (schema/drift.schema.json; docs/json-plan.md).
extension DriftReport {
    public func jsonData() -> Data {
        struct Report: Encodable {
            enum CodingKeys: String, CodingKey {
                case formatVersion = "format_version", drift, target, day, changed, unmanaged
            }

            var formatVersion = Plan.formatVersion
            var drift: Bool
            var target: Plan.TargetInfo
            var day: String
            var changed: [PlannedAction]
            var unmanaged: [Undeclared]
        }
        let report = Report(
            drift: hasDrift, target: plan.target, day: plan.day, changed: managedChanges, unmanaged: unmanagedObjects)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Wording.userInfoKey] = wording
        return (try? encoder.encode(report)) ?? Data()
    }
}
