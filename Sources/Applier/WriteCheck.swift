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
    var active: Bool?
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
        if let active, (user.active ?? true) != active {
            return "the provider did not keep `active: \(active)`"
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
        case "active": return user.active == wanted?.boolValue
        case "name": return wanted != nil || user.name == nil || user.name == SCIMName()
        case "enterprise":
            return wanted != nil || user.enterprise == nil || user.enterprise == SCIMEnterpriseUser()
        case "emails": return sameContacts(user.emails, wanted, foldCase: true)
        case "phoneNumbers": return sameContacts(user.phoneNumbers, wanted, foldCase: false)
        case "enterprise.manager": return user.enterprise?.managerId.nonEmpty == wanted?.stringValue
        case let path where path.hasPrefix("name."):
            guard let part = SCIMName.attributes.first(where: { "name." + $0.0 == path })?.1 else { return true }
            return user.name?[keyPath: part].nonEmpty == wanted?.stringValue
        case let path where path.hasPrefix("enterprise."):
            guard let part = SCIMEnterpriseUser.attributes.first(where: { "enterprise." + $0.0 == path })?.1 else {
                return true
            }
            return user.enterprise?[keyPath: part].nonEmpty == wanted?.stringValue
        default:
            guard let part = SCIMUser.writableStrings.first(where: { $0.0 == change.attribute })?.1 else {
                return true
            }
            return user[keyPath: part].nonEmpty == wanted?.stringValue
        }
    }

    /// Contacts compared as sets of (value, type), with the primary one (emails ignoring case).
    private static func sameContacts(_ have: [SCIMMultiValue]?, _ wanted: JSONValue?, foldCase: Bool) -> Bool {
        func key(_ value: String, _ type: String?) -> String {
            (foldCase ? value.caseFolded : value) + "\u{0}" + (type ?? "")
        }
        let wantedList = (wanted?.arrayValue ?? []).compactMap(\.objectValue)
        let wantedKeys = Set(
            wantedList.compactMap { o in o["value"]?.stringValue.map { key($0, o["type"]?.stringValue) } })
        let haveKeys = Set((have ?? []).map { key($0.value, $0.type) })
        let wantedPrimary = wantedList.first { $0["primary"]?.boolValue == true }.flatMap { o in
            o["value"]?.stringValue.map { key($0, o["type"]?.stringValue) }
        }
        let havePrimary = (have ?? []).first { $0.primary == true }.map { key($0.value, $0.type) }
        return wantedKeys == haveKeys && (wantedPrimary == nil || wantedPrimary == havePrimary)
    }
}

/// A write the provider answered but did not carry out as asked.
struct WriteNotKept: Error, CustomStringConvertible {
    var description: String
}

extension Optional where Wrapped == String {
    /// An empty string reads as absent: providers differ in which they return for a cleared value.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
