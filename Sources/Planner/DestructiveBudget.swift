public import DesiredState
import Identity

/// The destructive budget of a plan: what it takes away, the cap it is held to, and the digest that
/// approves exactly that set. The one place that counts destruction (docs/contract.md, Safety): plan, apply,
/// the renderings and the JSON plan all read it, and apply always recomputes it from the YAML and a
/// fresh read, never from a plan file.
///
/// Every destructive action — a user deactivated or deleted, a group deleted, a member removed — is a
/// line of the digest, with no exempt class. The count is what people lose: each user deactivated,
/// deleted, or removed from one or more groups counts once (with its removals); each group deleted, or
/// removed from a group, counts once; each dangling member id (one that names no live user, where the
/// provider profile allows them) counts once.
public struct DestructiveBudget: Sendable, Hashable {
    /// Which limit set the cap.
    public enum Bound: String, Sendable, Hashable {
        /// `safety.maxDestructive`.
        case count
        /// `safety.maxDestructivePercent` of the live managed users.
        case percent
    }

    /// People and groups that lose something.
    public var count: Int
    /// The cap in force: the lower of `maxDestructive` and `percentCap`.
    public var cap: Int
    public var maxDestructive: Int
    public var maxDestructivePercent: Double
    /// Live users the YAML manages (neither protected nor left alone by `unmanaged: ignore`).
    public var liveManagedUsers: Int
    /// `ceil(maxDestructivePercent / 100 × liveManagedUsers)`.
    public var percentCap: Int
    /// `sha256:` of the sorted destructive lines; approving it lets exactly this set exceed the cap.
    public var digest: String
    /// Whether the digest is listed in `safety.approve` or given with `--allow-destructive`.
    public var approved: Bool

    public init(
        count: Int, cap: Int, maxDestructive: Int, maxDestructivePercent: Double, liveManagedUsers: Int,
        percentCap: Int, digest: String, approved: Bool
    ) {
        self.count = count
        self.cap = cap
        self.maxDestructive = maxDestructive
        self.maxDestructivePercent = maxDestructivePercent
        self.liveManagedUsers = liveManagedUsers
        self.percentCap = percentCap
        self.digest = digest
        self.approved = approved
    }

    public var blocked: Bool { count > cap && !approved }
    public var bound: Bound { percentCap < maxDestructive ? .percent : .count }

    /// Counts the destruction in `actions` and holds it to the limits of `safety`.
    public static func assess(
        _ actions: [PlannedAction], safety: Safety, liveManagedUsers: Int, approvals: Set<String>
    ) -> DestructiveBudget {
        let digest = digest(of: actions)
        let managed = max(0, liveManagedUsers)
        let percentCap = percentCap(safety.maxDestructivePercent, of: managed)
        return DestructiveBudget(
            count: count(actions), cap: min(safety.maxDestructive, percentCap), maxDestructive: safety.maxDestructive,
            maxDestructivePercent: safety.maxDestructivePercent, liveManagedUsers: managed, percentCap: percentCap,
            digest: digest, approved: actions.contains(where: isDestructive) && approvals.contains(digest))
    }

    /// `ceil(percent / 100 × users)`, computed in whole numbers so that 10% of 30 is 3, not 4.
    static func percentCap(_ percent: Double, of users: Int) -> Int {
        guard percent > 0, users > 0 else { return 0 }
        // Hundredths of a percent are as fine as the YAML is read; the product stays exact in Int.
        let basisPoints = Int((percent * 100).rounded())
        return (basisPoints * users + 9_999) / 10_000
    }

    /// The people and groups that lose something: the one function that counts.
    public static func count(_ actions: [PlannedAction]) -> Int {
        var losing: Set<String> = []
        for action in actions {
            if action.action == .deactivate || action.action == .delete {
                losing.insert(action.type.rawValue + "/" + (action.id ?? "key:" + action.key.caseFolded))
            }
            for member in action.members?.remove ?? [] {
                let identity = member.id ?? "key:" + member.key.caseFolded
                losing.insert((member.dangling == true ? "dangling/" : member.type.rawValue + "/") + identity)
            }
        }
        return losing.count
    }

    /// `sha256:` of the destructive steps of `actions`: the digest `safety.approve` names. The one
    /// formula: the budget, a saved plan's check and `show` all call it.
    public static func digest(of actions: [PlannedAction]) -> String {
        ContentDigest.sha256(digestLines(actions).joined(separator: "\n"))
    }

    /// One line per destructive step, by stable keys: what the digest hashes.
    static func digestLines(_ actions: [PlannedAction]) -> [String] {
        var lines: [String] = []
        for action in actions {
            if action.action == .deactivate || action.action == .delete {
                lines.append(
                    "\(action.action.rawValue) \(action.type.rawValue) \(action.key.caseFolded) \(action.id ?? "")")
            }
            for member in action.members?.remove ?? [] {
                lines.append(
                    "remove-member \(action.type.rawValue) \(action.key.caseFolded) \(member.type.rawValue) "
                        + "\(member.key.caseFolded) \(member.id ?? "")")
            }
        }
        return lines.sorted()
    }

    /// Whether `action` takes anything away (it is in the digest).
    public static func isDestructive(_ action: PlannedAction) -> Bool {
        action.action == .deactivate || action.action == .delete || action.members?.remove.isEmpty == false
    }
}
