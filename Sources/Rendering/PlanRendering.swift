public import Planner
import SCIM
import SafeText

/// Renders a plan for people: Terraform-style text for terminals and logs, Markdown for a pull-request
/// comment or `$GITHUB_STEP_SUMMARY`.
public struct PlanRenderer: Sendable {
    public var colour: Bool
    public var wording: Wording
    /// GitHub refuses comments over 65,536 characters; this leaves room for a wrapper.
    public static let markdownLimit = 65_000

    public init(colour: Bool = false, wording: Wording = .standard) {
        self.colour = colour
        self.wording = wording
    }

    // MARK: Text

    public func text(_ plan: Plan) -> String {
        var output =
            "scimctl plan for \(Self.named(plan))\(Printable.escape(plan.target.url)) (provider \(plan.target.provider)\(source(plan))), "
            + "day \(plan.day)\n\n"
        if plan.hasChanges { output += ActionKind.legend + "\n\n" }
        for action in plan.actions {
            output += actionLines(action, indent: "  ").joined(separator: "\n") + "\n"
        }
        if !plan.actions.isEmpty { output += "\n" }
        if !plan.protected.isEmpty {
            output += "Protected, never touched:\n"
            for object in plan.protected {
                let would = wording.wouldHave(object).map { "; would otherwise \($0)" } ?? ""
                output += "  \(Printable.escape(object.key)) (protect: \(Printable.escape(object.pattern))\(would))\n"
            }
            output += "\n"
        }
        if !plan.unmanagedUsers.isEmpty || !plan.unmanagedGroups.isEmpty {
            output +=
                "Not declared and left alone by the policy: \(plural(plan.unmanagedUsers.count, "user")), "
                + "\(plural(plan.unmanagedGroups.count, "group"))\n\n"
        }
        output += summaryLine(plan) + "\n"
        if plan.budget.blocked { output += "\n" + blockedExplanation(plan) + "\n" }
        return output
    }

    /// `target qase at `, for a target of several; empty for the one target of `target:`.
    static func named(_ plan: Plan) -> String {
        plan.target.name.map { "target \($0) at " } ?? ""
    }

    // MARK: Several targets

    /// The plans of a directory: one target of `target:` exactly as `text(_:)` prints it; several, one
    /// section each with its own summary line, then the total.
    public func text(_ plans: [Plan]) -> String {
        guard plans.count > 1 else { return plans.map { text($0) }.joined() }
        return plans.map { text($0) }.joined(separator: "\n") + "\n" + totalLine(plans) + "\n"
    }

    /// The pull-request comment of a directory: a table of every target, then each target's own comment.
    public func markdown(_ plans: [Plan], limit: Int = markdownLimit) -> String {
        guard plans.count > 1 else { return plans.map { markdown($0, limit: limit) }.joined() }
        var head = "## scimctl plan — \(plans.count) targets\n\n| target | "
        head += ActionKind.allCases.map { "\($0.symbol) \($0.rawValue)" }.joined(separator: " | ")
        head += " | access taken / cap | |\n|---|" + String(repeating: "---:|", count: ActionKind.allCases.count + 1)
        head += "---|\n"
        for plan in plans {
            head += "| \(escape(plan.target.name ?? "")) | "
            head += ActionKind.allCases.map { String(plan.count($0)) }.joined(separator: " | ")
            let status = plan.budget.blocked ? "**blocked**" : plan.hasChanges ? "changes" : "no changes"
            head += " | \(plan.budget.count) / \(plan.budget.cap) | \(status) |\n"
        }
        head += "\n" + escape(totalLine(plans)) + "\n\n"
        let share = max(2_000, (limit - head.count) / plans.count)
        return head + plans.map { markdown($0, limit: share) }.joined(separator: "\n")
    }

    /// `Total for 2 targets: 5 actions (…); blocked: aws.`
    public func totalLine(_ plans: [Plan]) -> String {
        let total = plans.reduce(0) { $0 + $1.actions.count }
        let blocked = plans.filter(\.budget.blocked).compactMap(\.target.name)
        var line = "Total for \(plans.count) targets: "
        if total == 0 {
            line += "no changes."
        } else {
            let counts = ActionKind.allCases.map { kind in "\(plans.reduce(0) { $0 + $1.count(kind) }) \(kind.rawValue)"
            }
            line += "\(total) action\(total == 1 ? "" : "s") (\(counts.joined(separator: ", ")))."
        }
        if !blocked.isEmpty { line += " Blocked by its cap: \(blocked.joined(separator: ", "))." }
        return line
    }

    /// Whether `plans` are the targets of `targets:` (shown in sections) rather than the one of `target:`.
    public static func isSeveral(_ plans: [Plan]) -> Bool {
        plans.count > 1 || plans.first?.target.name != nil
    }

    /// `, from target.url at org.yaml:3:8`, when the plan says where its URL came from.
    private func source(_ plan: Plan) -> String {
        plan.target.source.map { ", from \(Printable.escape($0))" } ?? ""
    }

    /// Just the action lines of `actions`.
    public func actionsText(_ actions: [PlannedAction]) -> String {
        actions.map { actionLines($0, indent: "  ").joined(separator: "\n") + "\n" }.joined()
    }

    /// `Plan: 7 actions (1 create, 2 update, …). Destructive: 3 actions, taking access from 2 people or
    /// groups; cap 10.` — every count in one line, each action kind named as its symbol's legend names it.
    public func summaryLine(_ plan: Plan) -> String {
        guard plan.hasChanges else {
            return "No changes. The provider matches the YAML."
        }
        let counts = ActionKind.allCases.map { "\(plan.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        let total = plan.actions.count
        return "Plan: \(total) action\(total == 1 ? "" : "s") (\(counts)). "
            + plan.budget.summary(destructiveActions: plan.actions.count(where: DestructiveBudget.isDestructive))
    }

    public func blockedExplanation(_ plan: Plan) -> String {
        plan.budget.blockedLines.joined(separator: "\n")
    }

    private func actionLines(_ action: PlannedAction, indent: String) -> [String] {
        var head =
            "\(paint(action.action.symbol, action.action)) \(action.type.rawValue) \(Printable.escape(action.key))"
        if let reason = action.reason { head += "  (\(Printable.escape(wording.reason(reason))))" }
        var lines = [indent + head]
        let width = action.changes.map(\.attribute.description.count).max() ?? 0
        for change in action.changes {
            let path = change.attribute.description
            let name = path + ":" + String(repeating: " ", count: width - path.count)
            let old = change.old.map(display) ?? ""
            let arrow = old.isEmpty ? "→ " : "\(old) → "
            lines.append("\(indent)    \(name) \(arrow)\(display(change.new ?? .null))")
        }
        if let members = action.members, !members.isEmpty {
            let added = members.add.map { "+\(Printable.escape($0.key))" }
            let removed = members.remove.map { "−\(Printable.escape($0.key))" }
            lines.append("\(indent)    members: \((added + removed).joined(separator: " "))")
        }
        return lines
    }

    /// A value as compact JSON: strings quoted, lists and objects inline.
    func display(_ value: JSONValue) -> String {
        Printable.escape(String(decoding: value.serialized(), as: UTF8.self))
    }

    private func paint(_ symbol: String, _ kind: ActionKind) -> String {
        guard colour else { return symbol }
        let code =
            switch kind {
            case .create: "32"
            case .update: "33"
            case .adopt: "34"
            case .reactivate: "36"
            case .deactivate, .delete: "31"
            }
        return "\u{1B}[\(code)m\(symbol)\u{1B}[0m"
    }

    private func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    // MARK: Markdown

    /// A pull-request comment: summary table, destructive actions first, details folded, never over
    /// `markdownLimit` characters however large the plan (what is cut is said).
    public func markdown(_ plan: Plan, limit: Int = markdownLimit) -> String {
        var head =
            "### scimctl plan — \(Self.named(plan))`\(escape(plan.target.url))` (\(plan.target.provider))\n\n"
        if !plan.hasChanges {
            head += "**No changes.** The provider matches the YAML.\n"
            return head
        }
        head += "| " + ActionKind.allCases.map { "\($0.symbol) \($0.rawValue)" }.joined(separator: " | ")
        head += " | access taken / cap |\n"
        head += "|" + String(repeating: "---:|", count: ActionKind.allCases.count + 1) + "\n"
        head += "| " + ActionKind.allCases.map { String(plan.count($0)) }.joined(separator: " | ")
        head += " | \(plan.budget.count) / \(plan.budget.cap) |\n\n"
        head += escape(summaryLine(plan)) + "\n\n"
        if plan.budget.blocked {
            head +=
                "> [!CAUTION]\n" + plan.budget.blockedLines.map { "> \(escape($0))" }.joined(separator: "<br>\n")
                + "\n\n"
        } else if plan.budget.count > 0 {
            head += "Destructive digest: `\(plan.budget.digest)`\(plan.budget.approved ? " (approved)" : "")\n\n"
        }
        let footer = "\n_Plan for \(plan.day). The full plan: `scimctl plan --format json`._\n"
        var body = ""
        var budget = limit - head.count - footer.count - 200
        let destructive = plan.actions.filter(DestructiveBudget.isDestructive)
        if !destructive.isEmpty {
            var section = "#### Destructive actions\n\n"
            var shown = 0
            for action in destructive {
                var line = "- `\(action.action.symbol)` \(action.type.rawValue) **\(escape(action.key))**"
                if action.action == .deactivate || action.action == .delete { line += " — \(action.action.rawValue)" }
                if let reason = action.reason { line += " (\(escape(wording.reason(reason))))" }
                if let removed = action.members?.remove, !removed.isEmpty {
                    line += " — remove members: \(removed.map { escape($0.key) }.joined(separator: ", "))"
                }
                line += "\n"
                guard section.count + line.count < budget / 2 else { break }
                section += line
                shown += 1
            }
            if shown < destructive.count {
                section += "- … and \(destructive.count - shown) more destructive actions\n"
            }
            body += section + "\n"
            budget -= section.count
        }
        // The block holds the text plan's own lines; a fence longer than any run of backticks in them
        // (a hostile userName may hold some) keeps it one block (CommonMark §4.5).
        var lines = ActionKind.legend + "\n\n"
        let opening = "<details><summary>All changes (\(plan.actions.count))</summary>\n\n"
        var shown = 0
        for action in plan.actions {
            let block = actionLines(action, indent: "").joined(separator: "\n") + "\n"
            guard opening.count + lines.count + block.count + 120 < budget else { break }
            lines += block
            shown += 1
        }
        if shown < plan.actions.count {
            lines += "… \(plan.actions.count - shown) more actions not shown (comment size limit)\n"
        }
        let fence = String(repeating: "`", count: max(3, Self.longestBacktickRun(lines) + 1))
        body += opening + fence + "text\n" + lines + fence + "\n\n</details>\n"
        return head + body + footer
    }

    /// The longest run of backticks in `text`: a code fence must be longer to hold it.
    public static func longestBacktickRun(_ text: String) -> Int {
        var (longest, run) = (0, 0)
        for byte in text.utf8 {
            run = byte == UInt8(ascii: "`") ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }

    private func escape(_ text: String) -> String { Self.markdownEscape(text) }

    /// Text for Markdown outside code: control characters escaped, and what Markdown reads as markup.
    public static func markdownEscape(_ text: String) -> String {
        var escaped = ""
        for character in Printable.escape(text) {
            // Only what Markdown reads as markup inside a list item's text.
            if "\\`*_[]<>|~".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
