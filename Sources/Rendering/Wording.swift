import DesiredState
public import Planner

/// The words for a plan's data: the one place an `ActionReason` becomes text. Every rendering (text,
/// Markdown, JSON's `reason`, drift) asks it; nothing compares or hashes what it returns, so changing a
/// message never makes a saved plan stale. Tests substitute their own to prove it.
public struct Wording: Sendable {
    public var reason: @Sendable (ActionReason) -> String

    public init(reason: @escaping @Sendable (ActionReason) -> String) {
        self.reason = reason
    }

    public static let standard = Wording { reason in
        switch reason {
        case .declaredInactive: "active: false"
        case .expired(let day): "expired on \(day)"
        case .deleteAfterPassed(let day): "deleteAfter \(day) has passed"
        case .undeclaredUser(let policy): "not declared (policy unmanaged: \(policy.rawValue))"
        case .undeclaredGroup: "not declared (policy unmanagedGroups: delete)"
        case .duplicateGroup(let name, let duplicate, let keeper):
            "a duplicate of '\(name)': id \(duplicate.id ?? "?") with \(duplicate.members) members; keeping id "
                + "\(keeper.id ?? "?") with \(keeper.members)"
        }
    }

    /// What a protected object would otherwise have had done to it: `deactivate (active: false)`.
    public func wouldHave(_ object: ProtectedObject) -> String? {
        object.wouldHave.map { kind in kind.rawValue + (object.wouldHaveReason.map { " (\(reason($0)))" } ?? "") }
    }
}

extension ActionReason {
    /// For a live object no file declares, the policy that decided its action, as the YAML writes it
    /// (`policy unmanaged: deactivate`); nil for any other reason (a duplicate group is not a policy's).
    public var policySetting: String? {
        switch self {
        case .undeclaredUser(let policy): "policy unmanaged: \(policy.rawValue)"
        case .undeclaredGroup: "policy unmanagedGroups: \(UnmanagedGroupPolicy.delete.rawValue)"
        default: nil
        }
    }
}
