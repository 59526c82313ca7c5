import DesiredState
import Foundation
public import Planner
import SafeText

/// The plan read as drift: what changed on the provider behind the YAML's back. Changes to declared
/// objects are listed apart from unmanaged objects that appeared.
public struct DriftReport: Sendable {
    public var plan: Plan
    public var wording: Wording

    public init(plan: Plan, wording: Wording = .standard) {
        self.plan = plan
        self.wording = wording
    }

    /// Declared objects that differ live (edited, missing, deactivated by hand, …).
    public var managedChanges: [PlannedAction] { plan.actions.filter(\.managed) }

    /// A live object no file declares: the YAML's policy word for it, and what apply would do (nil for
    /// `ignore`). Undeclared users already inactive under `unmanaged: deactivate` are in sync, not here.
    public struct Undeclared: Sendable, Hashable, Encodable {
        public var type: ResourceKind
        public var key: String
        /// `ignore`, `deactivate` or `delete`, as `policy.unmanaged` / `policy.unmanagedGroups` say it;
        /// `duplicate` for a second live group with a declared group's name (no policy decided that).
        public var policy: String
        public var action: ActionKind?
        /// Why apply would act on it, from the plan's reason.
        public var reason: ActionReason?

        /// `policy unmanaged: deactivate`, `policy unmanagedGroups: ignore`, or the reason's words when no
        /// policy decided (a duplicate group).
        func label(_ wording: Wording) -> String {
            if let reason { return reason.policySetting ?? wording.reason(reason) }
            return "policy \(type == .user ? "unmanaged" : "unmanagedGroups"): \(policy)"
        }

        public func encode(to encoder: any Encoder) throws {
            enum Keys: String, CodingKey { case type, key, policy, action }
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(type, forKey: .type)
            try container.encode(key, forKey: .key)
            try container.encode(policy, forKey: .policy)
            try container.encode(action, forKey: .action)  // null for ignore
        }
    }

    public var unmanagedObjects: [Undeclared] {
        plan.actions.filter { !$0.managed }.map { action in
            let policy: String =
                switch action.reason {
                case .undeclaredUser(let policy): policy.rawValue
                case .undeclaredGroup: UnmanagedGroupPolicy.delete.rawValue
                case .duplicateGroup: "duplicate"
                default: action.action.rawValue
                }
            return Undeclared(
                type: action.type, key: action.key, policy: policy, action: action.action, reason: action.reason)
        }
            + plan.unmanagedUsers.map { Undeclared(type: .user, key: $0, policy: "ignore", action: nil) }
            + plan.unmanagedGroups.map { Undeclared(type: .group, key: $0, policy: "ignore", action: nil) }
    }

    /// Drift is anything apply would change.
    public var hasDrift: Bool { plan.hasChanges }

    public func text() -> String {
        guard hasDrift || !unmanagedObjects.isEmpty else {
            return
                "In sync: the provider matches the YAML (\(PlanRenderer.named(plan))\(Printable.escape(plan.target.url)), "
                + "\(plan.day)).\n"
        }
        var output =
            hasDrift
            ? "Drift at \(PlanRenderer.named(plan))\(Printable.escape(plan.target.url)) on \(plan.day).\n\n\(ActionKind.legend)\n"
            : "In sync, with unmanaged objects the policy leaves alone.\n"
        let renderer = PlanRenderer(wording: wording)
        if !managedChanges.isEmpty {
            output += "\nChanged out of band (declared objects; apply would restore them):\n"
            output += renderer.actionsText(managedChanges)
        }
        if !unmanagedObjects.isEmpty {
            output += "\nNot declared in the YAML (\(unmanagedObjects.count)):\n"
            for object in unmanagedObjects {
                let symbol = object.action?.symbol ?? " "
                let outcome = object.action.map { "apply would \($0.rawValue) it" } ?? "left as it is"
                output +=
                    "  \(symbol) \(object.type.rawValue) \(Printable.escape(object.key))  (\(object.label(wording)): \(outcome))\n"
            }
        }
        output += "\n" + renderer.summaryLine(plan) + "\n"
        return output
    }

    /// Most undeclared objects a Markdown report names one by one (a comment has a size limit).
    public static let markdownListLimit = 500

    public func markdown() -> String {
        var output =
            "### scimctl drift — \(PlanRenderer.named(plan))`\(Printable.escape(plan.target.url).replacingOccurrences(of: "`", with: "'"))`\n\n"
        guard hasDrift || !unmanagedObjects.isEmpty else { return output + "**In sync.**\n" }
        output +=
            "| changed out of band | not declared |\n|---:|---:|\n| \(managedChanges.count) | \(unmanagedObjects.count) |\n\n"
        let renderer = PlanRenderer(wording: wording)
        output += PlanRenderer.markdownEscape(renderer.summaryLine(plan)) + "\n\n"
        if !unmanagedObjects.isEmpty {
            output += "#### Not declared in the YAML\n\n"
            for object in unmanagedObjects.prefix(Self.markdownListLimit) {
                let symbol = object.action.map { "`\($0.symbol)` " } ?? ""
                let outcome = object.action.map { "apply would \($0.rawValue) it" } ?? "left as it is"
                output +=
                    "- \(symbol)\(object.type.rawValue) **\(PlanRenderer.markdownEscape(object.key))** — \(PlanRenderer.markdownEscape(object.label(wording))): \(outcome)\n"
            }
            if unmanagedObjects.count > Self.markdownListLimit {
                output +=
                    "- … and \(unmanagedObjects.count - Self.markdownListLimit) more (`scimctl drift --format json`)\n"
            }
            output += "\n"
        }
        var subset = plan
        subset.actions = managedChanges
        if !managedChanges.isEmpty {
            output += renderer.markdown(subset).components(separatedBy: "\n").drop { !$0.hasPrefix("<details>") }
                .joined(separator: "\n")
        }
        return output
    }
}

// MARK: Several targets

extension DriftReport {
    /// The drift of a directory: one target of `target:` as `text()` prints it; several, one section each,
    /// then which targets drifted.
    public static func text(_ reports: [DriftReport]) -> String {
        guard reports.count > 1 else { return reports.map { $0.text() }.joined() }
        let drifted = reports.filter(\.hasDrift).compactMap(\.plan.target.name)
        let total =
            drifted.isEmpty
            ? "Total for \(reports.count) targets: in sync."
            : "Total for \(reports.count) targets: drift in \(drifted.joined(separator: ", "))."
        return reports.map { $0.text() }.joined(separator: "\n") + "\n" + total + "\n"
    }

    public static func markdown(_ reports: [DriftReport]) -> String {
        guard reports.count > 1 else { return reports.map { $0.markdown() }.joined() }
        var head = "## scimctl drift — \(reports.count) targets\n\n| target | changed out of band | not declared |\n"
        head += "|---|---:|---:|\n"
        for report in reports {
            head +=
                "| \(PlanRenderer.markdownEscape(report.plan.target.name ?? "")) | \(report.managedChanges.count) | "
                + "\(report.unmanagedObjects.count) |\n"
        }
        return head + "\n" + reports.map { $0.markdown() }.joined(separator: "\n")
    }
}
