import Catalog
import DesiredState
import Planner
import SCIM

/// What one write must leave on the provider: the object it names, the attributes it set, the members it
/// added or removed. A write's answer is checked against it at once; a 204 with no body is checked by
/// the re-read at the end of apply. No "done" the provider did not do (design.md, Apply).
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
        for change in changes where change.attribute == "externalId" {
            if group.externalId != change.new?.stringValue { return "the provider did not keep `externalId`" }
        }
        let lost = changes.filter { Applier.isExtensionPath($0.attribute) && !Self.holdsExtension($0, in: group.extra) }
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
        let wanted = change.new == .null ? nil : change.new
        switch change.attribute {
        case "userName": return user.userName.caseFolded == wanted?.stringValue?.caseFolded
        // A provider that leaves `active` out holds the user active (most do; RFC 7643 names no default).
        case "active": return (user.active ?? true) == wanted?.boolValue
        case "emails": return Contacts.same(Contacts.entries(user.emails), Contacts.entries(wanted), foldCase: true)
        case "phoneNumbers":
            return Contacts.same(Contacts.entries(user.phoneNumbers), Contacts.entries(wanted), foldCase: false)
        case "enterprise.manager": return user.managerId.nonEmpty == wanted?.stringValue
        case let path where ManagedAttribute.Section(rawValue: path).map({ $0 != .core }) == true:
            // A section cleared as a whole holds no value (an empty string reads as none).
            let section = ManagedAttribute.Section(rawValue: path)!
            return wanted != nil
                || (!user.attributes.present.contains { $0.attribute.section == section && !$0.value.isEmpty }
                    && (section != .enterprise || user.managerId.nonEmpty == nil))
        case let path where AttributeTable.string(at: path) != nil:
            return user.attributes[path: path].nonEmpty == wanted?.stringValue
        case let path where Applier.isExtensionPath(path):
            return holdsExtension(change, in: user.extra)
        default:
            return true
        }
    }

    /// Whether a resource's `extra` holds the extension value `change` set, compared as the planner does.
    static func holdsExtension(_ change: AttributeChange, in extra: [String: JSONValue]) -> Bool {
        guard let colon = change.attribute.lastIndex(of: ":") else { return true }
        let attribute = ExtensionAttribute(
            schema: String(change.attribute[..<colon]),
            name: String(change.attribute[change.attribute.index(after: colon)...]), value: .omitted,
            location: .file(""))
        let held = ExtensionJSON.held(attribute, in: extra)
        guard let wanted = change.new, wanted != .null else { return held == nil || held == .null }
        return ExtensionJSON.same(wanted, held)
    }
}

/// An action that failed on what scimctl saw rather than on an HTTP error: a write the provider answered
/// but did not carry out as asked, or an adoption refused.
struct ActionFailed: Error, CustomStringConvertible {
    var description: String
}

extension Optional where Wrapped == String {
    /// An empty string reads as absent: providers differ in which they return for a cleared value.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
