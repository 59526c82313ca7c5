public import DesiredState
public import Foundation
import SafeText

/// The plan read as drift: what changed on the provider behind the YAML's back. Changes to declared
/// objects are listed apart from unmanaged objects that appeared.
public struct DriftReport: Sendable {
    public var plan: Plan

    public init(plan: Plan) {
        self.plan = plan
    }

    /// Declared objects that differ live (edited, missing, deactivated by hand, …).
    public var managedChanges: [PlannedAction] { plan.actions.filter(\.managed) }
    /// Live objects no file declares, with what the policy would do to them ("left alone" for ignore).
    public var unmanagedObjects: [(type: ResourceKind, key: String, policy: String)] {
        plan.actions.filter { !$0.managed }.map { ($0.type, $0.key, $0.action.rawValue) }
            + plan.unmanagedUsers.map { (.user, $0, "left alone") }
            + plan.unmanagedGroups.map { (.group, $0, "left alone") }
    }

    /// Drift is anything apply would change.
    public var hasDrift: Bool { plan.hasChanges }

    public func text() -> String {
        guard hasDrift || !unmanagedObjects.isEmpty else {
            return "In sync: the provider matches the YAML (\(Printable.escape(plan.target.url)), \(plan.day)).\n"
        }
        var output =
            hasDrift
            ? "Drift at \(Printable.escape(plan.target.url)) on \(plan.day).\n"
            : "In sync, with unmanaged objects the policy leaves alone.\n"
        let renderer = PlanRenderer()
        if !managedChanges.isEmpty {
            output += "\nChanged out of band (declared objects; apply would restore them):\n"
            output += renderer.actionsText(managedChanges)
        }
        if !unmanagedObjects.isEmpty {
            output += "\nNot declared in the YAML:\n"
            for object in unmanagedObjects {
                output += "  \(object.type.rawValue) \(Printable.escape(object.key)) (\(object.policy))\n"
            }
        }
        output += "\n" + renderer.summaryLine(plan) + "\n"
        return output
    }

    public func markdown() -> String {
        var output =
            "### scimctl drift — `\(Printable.escape(plan.target.url).replacingOccurrences(of: "`", with: "'"))`\n\n"
        guard hasDrift || !unmanagedObjects.isEmpty else { return output + "**In sync.**\n" }
        output +=
            "| changed out of band | not declared |\n|---:|---:|\n| \(managedChanges.count) | \(unmanagedObjects.count) |\n\n"
        var subset = plan
        subset.actions = managedChanges
        if !managedChanges.isEmpty {
            output += PlanRenderer().markdown(subset).components(separatedBy: "\n").drop { !$0.hasPrefix("<details>") }
                .joined(separator: "\n")
        }
        return output
    }

    public func jsonData() -> Data {
        struct Entry: Encodable {
            var type: ResourceKind
            var key: String
            var policy: String
        }
        struct Report: Encodable {
            enum CodingKeys: String, CodingKey {
                case formatVersion = "format_version", drift, target, day, changed, unmanaged
            }

            var formatVersion = Plan.formatVersion
            var drift: Bool
            var target: Plan.TargetInfo
            var day: String
            var changed: [PlannedAction]
            var unmanaged: [Entry]
        }
        let report = Report(
            drift: hasDrift, target: plan.target, day: plan.day, changed: managedChanges,
            unmanaged: unmanagedObjects.map { Entry(type: $0.type, key: $0.key, policy: $0.policy) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(report)) ?? Data()
    }
}
