public import Applier
import Foundation
public import Planner
import SafeText

/// What apply did, for people: the ledger in plan order with one line per action, and the job
/// summary (Markdown) for CI.
public enum LedgerReport {
    /// `done   + User ada@example.com`, then the counts.
    public static func text(_ result: ApplyResult) -> String {
        var output = "\n"
        for entry in result.entries {
            let mark =
                switch entry.outcome {
                case .done: "done   "
                case .failed: "FAILED "
                case .skipped: "skipped"
                }
            let target = entry.target.map { "\($0): " } ?? ""
            output += "\(mark) \(target)\(entry.action.symbol) \(entry.type.rawValue) \(Printable.escape(entry.key))"
            if let detail = entry.detail { output += ": \(Printable.escape(detail))" }
            output += "\n"
        }
        let target = result.entries.first?.target.map { " to \($0)" } ?? ""
        output += "\nApply\(target): \(result.done) done, \(result.failed) failed, \(result.skipped) skipped."
        if result.interrupted { output += " Interrupted: run apply again to finish." }
        return output + "\n"
    }

    /// The job summary of an apply: the outcome, what failed or was skipped, and the whole ledger folded.
    public static func markdown(_ result: ApplyResult, plan: Plan, ledger: String) -> String {
        var text =
            "### scimctl apply — \(PlanRenderer.named(plan))`\(plan.target.url.replacingOccurrences(of: "`", with: "'"))`\n\n"
        text += "**Apply: \(result.done) done, \(result.failed) failed, \(result.skipped) skipped.**"
        if result.interrupted { text += " Interrupted: run apply again to finish." }
        text += "\n\n"
        let problems = result.entries.filter { $0.outcome != .done }
        for entry in problems.prefix(200) {
            text +=
                "- \(entry.outcome == .failed ? "FAILED" : "skipped") `\(entry.action.symbol)` \(entry.type.rawValue) "
            text += "**\(PlanRenderer.markdownEscape(entry.key))**"
            if let detail = entry.detail {
                text += ": \(PlanRenderer.markdownEscape(detail))"
            }
            text += "\n"
        }
        if problems.count > 200 { text += "- … and \(problems.count - 200) more\n" }
        let body = String(ledger.prefix(60_000))
        let fence = String(repeating: "`", count: max(3, PlanRenderer.longestBacktickRun(body) + 1))
        text += "\n<details><summary>Ledger (\(result.entries.count) actions)</summary>\n\n"
        text += fence + "text\n" + body + (body.count < ledger.count ? "\n… (cut)\n" : "") + fence + "\n\n</details>\n"
        return text
    }
}

extension ApplyRefusal: CustomStringConvertible {
    public var description: String {
        switch self {
        case .blocked(let budget): budget.blockedLines.joined(separator: "\n")
        case .touchesProtected(let name):
            "the plan touches the protected user '\(name)'; protected users are never changed"
        }
    }
}
