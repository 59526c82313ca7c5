import Catalog
import DesiredState
import Identity
import Planner
import SCIM

/// What one write must leave on the provider: the object it names, the attributes it set, the members it
/// added or removed. A write's answer is checked against it at once; a 204 with no body is checked by
/// the re-read at the end of apply. No "done" the provider did not do (docs/contract.md, Apply).
struct Expectation: Sendable {
    enum State: Sendable {
        case present
        /// Deleted: gone, or, on a provider whose DELETE only deactivates, inactive.
        case deleted
    }

    var type: ResourceKind
    var id: String
    /// The userName or displayName the object has after the write (compared ignoring case).
    var key: String
    /// Whether the name is checked: not for a membership change, which may follow a rename that failed.
    var checksName = true
    var state: State = .present
    /// Attribute changes, the manager's as the manager's id.
    var changes: [AttributeChange] = []
    var membersPresent: [String] = []
    var membersAbsent: [String] = []

    /// Why `user` is not what the write should have left; nil when it is.
    func problem(with user: SCIMUser) -> String? {
        if let id = user.id, id != self.id {
            return
                "the provider answered with a different user ('\(user.userName)', id \(id)) for '\(key)' (id \(self.id))"
        }
        if user.userName.caseFolded != key.caseFolded {
            return "the provider answered with a different user ('\(user.userName)') for '\(key)'"
        }
        let lost = changes.filter { !Self.holds($0, in: user) }.map(\.attribute)
        return lost.isEmpty ? nil : "the provider did not keep " + lost.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// Why `group` is not what the write should have left; nil when it is. A group read without its
    /// members (`members` absent where the read should carry them) has none.
    func problem(with group: SCIMGroup) -> String? {
        if let id = group.id, id != self.id {
            return
                "the provider answered with a different group ('\(group.displayName)', id \(id)) for '\(key)' (id \(self.id))"
        }
        if checksName, group.displayName.caseFolded != key.caseFolded {
            return "the provider answered with a different group ('\(group.displayName)') for '\(key)'"
        }
        let lost = changes.filter { !$0.attribute.holds($0.new, in: group) }
        if !lost.isEmpty {
            return "the provider did not keep " + lost.map { "`\($0.attribute)`" }.joined(separator: ", ")
        }
        let members = Set((group.members ?? []).map(\.value))
        let missing = membersPresent.filter { !members.contains($0) }
        if !missing.isEmpty {
            return "the provider did not keep the member\(missing.count == 1 ? "" : "s") added: "
                + missing.joined(separator: ", ")
        }
        let kept = membersAbsent.filter(members.contains)
        if !kept.isEmpty {
            return "the provider still lists the member\(kept.count == 1 ? "" : "s") removed: "
                + kept.joined(separator: ", ")
        }
        return nil
    }

    /// Whether a returned group can be judged on its members: a write answer without `members` says
    /// nothing about them, so it waits for the re-read.
    func needsMembers(_ group: SCIMGroup) -> Bool {
        (!membersPresent.isEmpty || !membersAbsent.isEmpty) && group.members == nil
    }

    /// Whether `user` holds the value `change` set, compared as the planner compares.
    static func holds(_ change: AttributeChange, in user: SCIMUser) -> Bool {
        change.attribute.holds(change.new, in: user)
    }
}

/// An action that failed on what scimctl saw rather than on an HTTP error: a write the provider answered
/// but did not carry out as asked, or an adoption refused.
struct ActionFailed: Error, CustomStringConvertible {
    var description: String
}
