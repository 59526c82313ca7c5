public import Planner

/// The destructive budget in words: the summary line, how the cap was reached, and the blocked
/// message. The budget itself (what counts, the cap, the digest) is `DestructiveBudget`, in Planner.
extension DestructiveBudget {
    /// `Destructive: 3 actions, taking access from 2 people or groups; cap 10.` — the destructive actions
    /// (`destructiveActions`), what the budget counts (people and groups who lose access), and the cap.
    public func summary(destructiveActions: Int) -> String {
        guard destructiveActions > 0 || count > 0 else { return "Nothing destructive (cap \(cap))." }
        var text =
            "Destructive: \(destructiveActions) action\(destructiveActions == 1 ? "" : "s"), taking access from "
            + "\(count) \(count == 1 ? "person or group" : "people or groups"); cap \(cap)"
        if blocked {
            text += ": BLOCKED."
        } else if count > cap {
            text += ", exceeded with approval (the digest is in safety.approve or --allow-destructive)."
        } else {
            text += "."
        }
        return text
    }

    /// How the cap was reached, both limits named: "the lower of maxDestructive 10 and 10% of 8 live
    /// managed users (rounded up: 1); the percentage bound".
    public var capExplanation: String {
        let percent =
            maxDestructivePercent == maxDestructivePercent.rounded()
            ? String(Int(maxDestructivePercent)) : String(maxDestructivePercent)
        let which = bound == .percent ? "safety.maxDestructivePercent set it" : "safety.maxDestructive set it"
        return "the cap is \(cap), the lower of safety.maxDestructive (\(maxDestructive)) and "
            + "safety.maxDestructivePercent (\(percent)% of \(liveManagedUsers) live managed "
            + "user\(liveManagedUsers == 1 ? "" : "s"), rounded up: \(percentCap)); \(which)"
    }

    /// The blocked message, in one place: the count, both limits and which bound, the digest and the two
    /// ways on. Lines without markup, for the text plan, apply's refusal and (quoted) Markdown.
    public var blockedLines: [String] {
        [
            "BLOCKED: this plan takes access away from \(count) (people and groups); \(capExplanation).",
            "Destructive digest: \(digest)",
            "To go on with exactly this set: add the digest to safety.approve in the YAML (reviewed in the pull request),",
            "or, in an emergency: scimctl apply --allow-destructive=\(digest)",
        ]
    }
}
