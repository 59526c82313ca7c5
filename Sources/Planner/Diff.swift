import Catalog
public import DesiredState
public import Identity
public import SCIM

/// Why no plan could be made: the declared org and the live state contradict each other in a way no
/// sequence of actions resolves safely (two declared users matching one live user, a rename onto a
/// name another live user holds, …).
public struct PlanningError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public var description: String { problems.joined(separator: "\n") }
}

/// Computes the plan: `diff(desired, live, now)`. Pure: no I/O, deterministic order.
public struct Diff: Sendable {
    public var desired: DeclaredOrg
    public var live: LiveSnapshot
    public var today: CalendarDay
    public var target: Plan.TargetInfo
    /// `sha256:` of the YAML the desired state came from.
    public var desiredDigest: String
    /// Digests approved beyond `safety.approve` (`apply --allow-destructive`).
    public var extraApprovals: [String]

    public init(
        desired: DeclaredOrg, live: LiveSnapshot, today: CalendarDay, target: Plan.TargetInfo,
        desiredDigest: String, extraApprovals: [String] = []
    ) {
        self.desired = desired
        self.live = live
        self.today = today
        self.target = target
        self.desiredDigest = desiredDigest
        self.extraApprovals = extraApprovals
    }

    /// Whether the org declares custom extension attributes (so whether `/Schemas` must be read).
    public static func declaresExtensions(_ desired: DeclaredOrg) -> Bool {
        desired.users.contains { !$0.extensions.isEmpty } || desired.groups.contains { !$0.extensions.isEmpty }
    }

    /// Whether the org manages groups at all (so whether the live groups must be read).
    public static func managesGroups(_ desired: DeclaredOrg) -> Bool {
        !desired.groups.isEmpty || desired.policy.unmanagedGroups == .delete
            || desired.users.contains { !$0.groups.isEmpty }
    }

    public func plan() throws(PlanningError) -> Plan {
        var work = DiffWork(planner: self)
        work.matchUsers()
        if live.groupsRead { work.matchGroups() }
        work.checkExtensions()
        work.planUsers()
        work.planUnmanagedUsers()
        if live.groupsRead { work.planGroups() }
        if !work.problems.isEmpty { throw PlanningError(problems: work.problems) }
        return work.finish()
    }
}

/// The state of one diff computation.
private struct DiffWork {
    let planner: Diff
    var problems: [String] = []
    var actions: [PlannedAction] = []
    var protected: [ProtectedObject] = []
    var unmanagedUsers: [String] = []
    var inactiveUnmanagedUsers: [String] = []
    var unmanagedGroups: [String] = []

    /// Desired user index → live user index.
    var userMatch: [Int?]
    /// Live user index → desired user index.
    var liveUserClaimed: [Int?]
    var groupMatch: [Int?]
    var liveGroupClaimed: [Int?]
    /// Desired users this plan creates, by folded userName; and those it deletes, by live id.
    var createdUsers: Set<String> = []
    var deletedUserIds: Set<String> = []
    var createdGroups: Set<String> = []
    /// Live ids of users that are protected (never touched, not even their memberships).
    var protectedUserIds: Set<String> = []

    private var desiredUserByKey: [String: Int] = [:]
    private var desiredGroupByKey: [String: Int] = [:]
    /// Live objects by id: members and managers are held by id.
    private var liveUserById: [String: Int] = [:]
    private var liveGroupById: [String: Int] = [:]

    /// Declared userNames, case-folded once.
    private var desiredUserKeys: [String] = []

    init(planner: Diff) {
        self.planner = planner
        userMatch = Array(repeating: nil, count: planner.desired.users.count)
        liveUserClaimed = Array(repeating: nil, count: planner.live.users.count)
        groupMatch = Array(repeating: nil, count: planner.desired.groups.count)
        liveGroupClaimed = Array(repeating: nil, count: planner.live.groups.count)
        desiredUserKeys = planner.desired.users.map { $0.userName.value.caseFolded }
        desiredUserByKey.reserveCapacity(desiredUserKeys.count)
        liveUserById.reserveCapacity(planner.live.users.count)
        // By index: a `for … in` over the arrays would copy every user and group.
        let live = planner.live
        for index in live.users.indices { if let id = live.users[index].id { liveUserById[id] = index } }
        for index in live.groups.indices { if let id = live.groups[index].id { liveGroupById[id] = index } }
        for index in desiredUserKeys.indices { desiredUserByKey[desiredUserKeys[index]] = index }
        for index in planner.desired.groups.indices {
            desiredGroupByKey[planner.desired.groups[index].displayName.value.caseFolded] = index
        }
    }

    var desired: DeclaredOrg { planner.desired }
    var live: LiveSnapshot { planner.live }

    // MARK: Users

    /// Matches declared users to live ones: by externalId, then userName ignoring case, then `previously`.
    mutating func matchUsers() {
        var byExternalId = NameIndex(capacity: live.users.count)
        var byUserName = NameIndex(capacity: live.users.count)
        for index in live.users.indices {
            if let externalId = live.users[index].externalId { byExternalId.insert(externalId, index) }
            byUserName.insert(live.users[index].userName.caseFolded, index)
        }
        for index in desired.users.indices {
            let user = desired.users[index]
            let userName = desiredUserKeys[index]
            var match = Candidates()
            if case .set(let externalId, _) = user.externalId {
                byExternalId.forEach(externalId) { match.consider($0, .externalId(externalId)) }
            }
            byUserName.forEach(userName) { match.consider($0, .userName) }
            for old in user.previously {
                byUserName.forEach(old.value.caseFolded) { match.consider($0, .previousName(old.value)) }
            }
            guard let (liveIndex, how) = match.chosen else { continue }
            if let other = liveUserClaimed[liveIndex] {
                problems.append(
                    "\(user.userName.location): '\(user.userName.value)' and '\(desired.users[other].userName.value)' "
                        + "both match the live user '\(live.users[liveIndex].userName)' (by \(how))")
                continue
            }
            if !match.others.isEmpty {
                // Two live users answer to one declared user: matched by externalId or an old name while
                // the new name belongs to another live user (the rename would collide with it), or by its
                // name while an old name in `previously` is a second live account (which would match
                // once the first is gone: no plan would converge). A person decides which one stays.
                let names = match.others.map { "'\(live.users[$0].userName)'" }.sorted()
                problems.append(
                    "\(user.userName.location): '\(user.userName.value)' matches the live user "
                        + "'\(live.users[liveIndex].userName)' (by \(how)), but also \(names.joined(separator: ", ")); "
                        + "rename or remove one of them on the provider, or fix externalId/previously")
                continue
            }
            userMatch[index] = liveIndex
            liveUserClaimed[liveIndex] = index
        }
    }

    private func protection(_ names: String...) -> Located<GlobPattern>? {
        for name in names { if let pattern = desired.policy.protectingPattern(for: name) { return pattern } }
        return nil
    }

    mutating func planUsers() {
        for (index, user) in desired.users.enumerated() {
            let deleteDue = user.deleteAfter.map { planner.today > $0.value } ?? false
            let expired = user.expires.map { planner.today >= $0.value } ?? false
            let wantsInactive = user.active.value == false || expired
            guard let liveIndex = userMatch[index] else {
                guard !deleteDue && !wantsInactive else { continue }  // nothing to create for someone leaving
                createdUsers.insert(user.userName.value.caseFolded)
                actions.append(PlannedAction(.create, .user, key: user.userName.value, changes: creation(of: user)))
                continue
            }
            let liveUser = live.users[liveIndex]
            let id = liveUser.id
            let version = live.userVersions[liveIndex]
            let changes = self.changes(from: liveUser, to: user)
            var action: PlannedAction?
            if deleteDue {
                action = PlannedAction(
                    .delete, .user, key: user.userName.value, id: id, version: version,
                    reason: .deleteAfterPassed(user.deleteAfter!.value))
            } else if wantsInactive {
                let reason: ActionReason =
                    expired && user.active.value != false ? .expired(on: user.expires!.value) : .declaredInactive
                if liveUser.active != false {
                    action = PlannedAction(
                        .deactivate, .user, key: user.userName.value, id: id, version: version, changes: changes,
                        reason: reason)
                } else if !changes.isEmpty {
                    action = PlannedAction(
                        .update, .user, key: user.userName.value, id: id, version: version, changes: changes)
                }
            } else if liveUser.active == false {
                action = PlannedAction(
                    .reactivate, .user, key: user.userName.value, id: id, version: version, changes: changes)
            } else if !changes.isEmpty {
                let links = changes.contains { $0.attribute == .externalId && $0.old == nil }
                action = PlannedAction(
                    links ? .adopt : .update, .user, key: user.userName.value, id: id, version: version,
                    changes: changes)
            }
            if let pattern = protection(liveUser.userName, user.userName.value) {
                if let id { protectedUserIds.insert(id) }
                protected.append(
                    ProtectedObject(
                        key: liveUser.userName, pattern: pattern.value.text, wouldHave: action?.action,
                        reason: action?.reason))
                continue
            }
            if let action {
                if action.action == .delete, let id { deletedUserIds.insert(id) }
                actions.append(action)
            }
        }
    }

    mutating func planUnmanagedUsers() {
        for (index, user) in live.users.enumerated() where liveUserClaimed[index] == nil {
            let version = live.userVersions[index]
            let reason = ActionReason.undeclaredUser(desired.policy.unmanaged)
            var action: PlannedAction?
            switch desired.policy.unmanaged {
            case .ignore: break
            case .deactivate where user.active != false:
                action = PlannedAction(
                    .deactivate, .user, key: user.userName, id: user.id, version: version, reason: reason,
                    managed: false)
            case .deactivate: break
            case .delete:
                action = PlannedAction(
                    .delete, .user, key: user.userName, id: user.id, version: version, reason: reason, managed: false)
            }
            if let pattern = protection(user.userName) {
                if let id = user.id { protectedUserIds.insert(id) }
                protected.append(
                    ProtectedObject(
                        key: user.userName, pattern: pattern.value.text, wouldHave: action?.action,
                        reason: action?.reason))
                continue
            }
            guard let action else {
                // Under `deactivate`, an undeclared user already inactive is where the policy wants it.
                if desired.policy.unmanaged == .deactivate {
                    inactiveUnmanagedUsers.append(user.userName)
                } else {
                    unmanagedUsers.append(user.userName)
                }
                continue
            }
            if action.action == .delete, let id = user.id { deletedUserIds.insert(id) }
            actions.append(action)
        }
    }

    // MARK: User attributes

    /// Every attribute a create sends: what the YAML states.
    private func creation(of user: DesiredUser) -> [AttributeChange] {
        var changes = [AttributeChange(.userName, old: nil, new: .string(user.userName.value))]
        changes += self.changes(from: nil, to: user).filter {
            $0.attribute != .userName && $0.new != nil && $0.new != .null
        }
        return changes
    }

    /// The changes that make `live` what `user` declares; only declared attributes are compared.
    private func changes(from live: SCIMUser?, to user: DesiredUser) -> [AttributeChange] {
        var changes: [AttributeChange] = []
        if let live, live.userName.caseFolded != user.userName.value.caseFolded {
            changes.append(AttributeChange(.userName, old: .string(live.userName), new: .string(user.userName.value)))
        }
        compare(.externalId, user.externalId, live?.externalId, &changes)
        // The table's string attributes, section by section in table order; the multi-valued ones
        // before the enterprise extension.
        for section in [ManagedAttribute.Section.name, .core, .enterprise] {
            if section == .enterprise {
                for attribute in AttributeTable.userContacts {
                    compareContacts(attribute, user.contacts[attribute] ?? .omitted, live, &changes)
                }
            }
            if case .cleared = user.sections[section] ?? .omitted {
                // `name: null` / `enterprise: null`: the section goes as a whole.
                if let live, let old = sectionJSON(section, of: live) {
                    changes.append(AttributeChange(.section(section), old: old, new: .null))
                }
                continue
            }
            user.attributes.forEach(in: section) { attribute, declared in
                compare(.string(attribute), declared, live?.attributes[attribute], &changes)
            }
            if section == .enterprise { compareManager(user.manager, live?.managerId, &changes) }
        }
        compareExtensions(user.extensions, live?.extra, &changes)
        return changes
    }

    private func compare(
        _ path: AttributePath, _ declared: Declared<String>, _ current: String?, _ changes: inout [AttributeChange]
    ) {
        switch declared {
        case .omitted: return
        case .cleared:
            if let current { changes.append(AttributeChange(path, old: .string(current), new: .null)) }
        case .set(let value, _):
            if value != current {
                changes.append(AttributeChange(path, old: current.map(JSONValue.string), new: .string(value)))
            }
        }
    }

    /// Multi-valued attributes compare as sets of (value, type), with the primary one respected.
    private func compareContacts(
        _ attribute: ManagedAttribute, _ declared: Declared<[ContactValue]>, _ live: SCIMUser?,
        _ changes: inout [AttributeChange]
    ) {
        let path = AttributePath.contacts(attribute)
        let currentList = live?.contacts[attribute] ?? []
        let current: JSONValue? =
            currentList.isEmpty
            ? nil
            : .array(
                currentList.map { .object(contactObject(value: $0.value, type: $0.type, primary: $0.primary ?? false)) }
            )
        let new: JSONValue?
        switch declared {
        case .omitted: return
        case .cleared: new = nil
        case .set(let values, _):
            new = .array(values.map { .object(contactObject(value: $0.value, type: $0.type, primary: $0.primary)) })
        }
        if !path.holds(new, in: live ?? SCIMUser(userName: "")) {
            changes.append(AttributeChange(path, old: current, new: new ?? .null))
        }
    }

    private func contactObject(value: String, type: String?, primary: Bool) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["value": .string(value)]
        if let type { object["type"] = .string(type) }
        if primary { object["primary"] = .bool(true) }
        return object
    }

    /// The manager is declared by userName and held live by id: compare through the live users.
    private func compareManager(_ declared: Declared<String>, _ currentId: String?, _ changes: inout [AttributeChange])
    {
        let currentKey = currentId.map { id in liveUserById[id].map(declaredKey) ?? id }
        switch declared {
        case .omitted: return
        case .cleared:
            if let currentKey {
                changes.append(AttributeChange(.manager, old: .string(currentKey), new: .null))
            }
        case .set(let manager, _):
            let wanted = desiredUserByKey[manager.caseFolded].map { desired.users[$0].userName.value } ?? manager
            if currentKey?.caseFolded != wanted.caseFolded {
                changes.append(
                    AttributeChange(.manager, old: currentKey.map(JSONValue.string), new: .string(wanted)))
            }
        }
    }

    /// A live user's key: the declared userName it matches, else its live userName.
    private func declaredKey(_ liveIndex: Int) -> String {
        liveUserClaimed[liveIndex].map { desired.users[$0].userName.value } ?? live.users[liveIndex].userName
    }

    /// A section's live values as one JSON object (the old value of a section cleared whole); nil if
    /// the live user holds none.
    private func sectionJSON(_ section: ManagedAttribute.Section, of user: SCIMUser) -> JSONValue? {
        var object: [String: JSONValue] = [:]
        for (attribute, value) in user.attributes.present where attribute.section == section {
            object[attribute.key] = .string(value)
        }
        if section == .enterprise, let managerId = user.managerId {
            object[AttributeTable.manager.key] = .string(liveUserById[managerId].map(declaredKey) ?? managerId)
        }
        return object.isEmpty ? nil : .object(object)
    }

    /// Custom extension attributes: compared with what the provider holds under the schema URN (the
    /// URN and the attribute name ignoring case, RFC 7643 §2.1); lists as sets.
    private func compareExtensions(
        _ declared: [ExtensionAttribute], _ live: [String: JSONValue]?, _ changes: inout [AttributeChange]
    ) {
        for attribute in declared {
            let path = AttributePath.extensionAttribute(schema: attribute.schema, name: attribute.name)
            let current = path.held(in: live)
            switch attribute.value {
            case .omitted: continue
            case .cleared:
                if let current, current != .null {
                    changes.append(AttributeChange(path, old: current, new: .null))
                }
            case .set(let value, _):
                let wanted = ExtensionJSON.json(value)
                if !ExtensionJSON.same(wanted, current) {
                    changes.append(AttributeChange(path, old: current, new: wanted))
                }
            }
        }
    }

    // MARK: Custom extensions

    /// Checks every declared extension attribute against the provider's `/Schemas`, when it publishes
    /// them: the schema and attribute exist, the value has the attribute's type and plurality, it is
    /// writable (an immutable one only where nothing is held yet), and a create carries what its
    /// schemas require. Each problem names the YAML line.
    mutating func checkExtensions() {
        guard let schemas = live.schemas else { return }
        for (index, user) in desired.users.enumerated() where !user.extensions.isEmpty {
            let current = userMatch[index].map { live.users[$0].extra }
            problems += ExtensionCheck(schemas: schemas).problems(
                user.extensions, held: current, creating: userMatch[index] == nil,
                owner: "user '\(user.userName.value)'")
        }
        for (index, group) in desired.groups.enumerated() where !group.extensions.isEmpty {
            let current = groupMatch[index].map { live.groups[$0].extra }
            problems += ExtensionCheck(schemas: schemas).problems(
                group.extensions, held: current, creating: groupMatch[index] == nil,
                owner: "group '\(group.displayName.value)'")
        }
    }

    // MARK: Groups

    mutating func matchGroups() {
        var byExternalId: [String: [Int]] = [:]
        var byName: [String: [Int]] = [:]
        for (index, group) in live.groups.enumerated() {
            if let externalId = group.externalId { byExternalId[externalId, default: []].append(index) }
            byName[group.displayName.caseFolded, default: []].append(index)
        }
        for (index, group) in desired.groups.enumerated() {
            var candidates: [(Int, String)] = []
            if case .set(let externalId, _) = group.externalId {
                candidates += (byExternalId[externalId] ?? []).map { ($0, "externalId \(externalId)") }
            }
            if candidates.isEmpty {
                var named = (byName[group.displayName.value.caseFolded] ?? []).filter { liveGroupClaimed[$0] == nil }
                if named.count > 1 {
                    // Duplicates (two applies that raced, or a provider without unique names): keep one, and
                    // delete the others — shown, counted and approved like any deletion.
                    named.sort(by: keeperOrder)
                    let keeper = live.groups[named[0]]
                    for duplicate in named.dropFirst() {
                        let twin = live.groups[duplicate]
                        liveGroupClaimed[duplicate] = index
                        actions.append(
                            PlannedAction(
                                .delete, .group, key: twin.displayName, id: twin.id,
                                version: live.groupVersions[duplicate],
                                reason: .duplicateGroup(
                                    of: group.displayName.value,
                                    duplicate: .init(id: twin.id, members: twin.members?.count ?? 0),
                                    keeper: .init(id: keeper.id, members: keeper.members?.count ?? 0)),
                                managed: false))
                    }
                    named = [named[0]]
                }
                candidates += named.map { ($0, "displayName") }
            }
            if candidates.isEmpty {
                for old in group.previously {
                    candidates += (byName[old.value.caseFolded] ?? []).map { ($0, "previous displayName \(old.value)") }
                }
            }
            guard let (liveIndex, how) = candidates.first else { continue }
            if let other = liveGroupClaimed[liveIndex] {
                problems.append(
                    "\(group.displayName.location): '\(group.displayName.value)' and "
                        + "'\(desired.groups[other].displayName.value)' both match the live group "
                        + "'\(live.groups[liveIndex].displayName)' (by \(how))")
                continue
            }
            groupMatch[index] = liveIndex
            liveGroupClaimed[liveIndex] = index
        }
    }

    mutating func planGroups() {
        for (index, group) in desired.groups.enumerated() where groupMatch[index] == nil {
            createdGroups.insert(group.displayName.value.caseFolded)
        }
        // Members each declared group should have: its own list, and the users that name it.
        var declaredMembers: [[String]] = desired.groups.map { $0.members.map(\.value) }
        for index in desired.users.indices where !desired.users[index].groups.isEmpty {
            for name in desired.users[index].groups {
                if let group = desiredGroupByKey[name.value.caseFolded] {
                    declaredMembers[group].append(desired.users[index].userName.value)
                }
            }
        }
        for (index, group) in desired.groups.enumerated() {
            let wanted = resolveMembers(declaredMembers[index])
            guard let liveIndex = groupMatch[index] else {
                actions.append(
                    PlannedAction(
                        .create, .group, key: group.displayName.value,
                        changes: groupCreation(group), members: wanted.isEmpty ? nil : MembershipChange(add: wanted)))
                continue
            }
            let liveGroup = live.groups[liveIndex]
            var changes: [AttributeChange] = []
            if liveGroup.displayName.caseFolded != group.displayName.value.caseFolded {
                changes.append(
                    AttributeChange(
                        .groupName, old: .string(liveGroup.displayName), new: .string(group.displayName.value)))
            }
            compare(.externalId, group.externalId, liveGroup.externalId, &changes)
            compareExtensions(group.extensions, liveGroup.extra, &changes)
            let currentIds = Set(liveGroup.members?.map(\.value) ?? [])
            let add = wanted.filter { $0.id.map { !currentIds.contains($0) } ?? true }
            let wantedIds = Set(wanted.compactMap(\.id))
            let remove = (liveGroup.members ?? []).filter { member in
                !wantedIds.contains(member.value) && !protectedUserIds.contains(member.value)
            }.map(liveReference).sorted()
            if !live.danglingMembersAllowed, let dangling = remove.first(where: { $0.dangling == true }) {
                // `LiveSnapshot.read` refuses such a read; a snapshot made otherwise is refused here.
                problems.append(
                    "the live group '\(liveGroup.displayName)' lists the member id '\(dangling.key)', which names no "
                        + "live user or group: the read does not add up, so no plan is made")
                continue
            }
            let members = MembershipChange(add: add, remove: remove)
            guard !changes.isEmpty || !members.isEmpty else { continue }
            let links = changes.contains { $0.attribute == .externalId && $0.old == nil }
            actions.append(
                PlannedAction(
                    links ? .adopt : .update, .group, key: group.displayName.value, id: liveGroup.id,
                    version: live.groupVersions[liveIndex], changes: changes,
                    members: members.isEmpty ? nil : members))
        }
        for (index, group) in live.groups.enumerated() where liveGroupClaimed[index] == nil {
            switch desired.policy.unmanagedGroups {
            case .ignore:
                unmanagedGroups.append(group.displayName)
            case .delete:
                actions.append(
                    PlannedAction(
                        .delete, .group, key: group.displayName, id: group.id, version: live.groupVersions[index],
                        reason: .undeclaredGroup, managed: false))
            }
        }
    }

    /// Which of several live groups with one name is kept (`DuplicateKeeper`, shared with apply).
    private func keeperOrder(_ lhs: Int, _ rhs: Int) -> Bool {
        DuplicateKeeper.precedes(live.groups[lhs].keeperCandidate, live.groups[rhs].keeperCandidate)
    }

    private func groupCreation(_ group: DesiredGroup) -> [AttributeChange] {
        var changes = [AttributeChange(.groupName, old: nil, new: .string(group.displayName.value))]
        if case .set(let externalId, _) = group.externalId {
            changes.append(AttributeChange(.externalId, old: nil, new: .string(externalId)))
        }
        compareExtensions(group.extensions, nil, &changes)
        return changes
    }

    /// Declared member names → references: a live id where the member exists (or is matched), none where
    /// this plan creates it. Members that will not exist (an offboarded user never created) are left out.
    private func resolveMembers(_ names: [String]) -> [MemberReference] {
        var seen: Set<String> = []
        var references: [MemberReference] = []
        for name in names {
            let key = name.caseFolded
            guard seen.insert(key).inserted else { continue }
            if let userIndex = desiredUserByKey[key] {
                let user = desired.users[userIndex]
                if let liveIndex = userMatch[userIndex] {
                    guard let id = live.users[liveIndex].id, !deletedUserIds.contains(id) else { continue }
                    references.append(MemberReference(.user, key: user.userName.value, id: id))
                } else if createdUsers.contains(key) {
                    references.append(MemberReference(.user, key: user.userName.value, id: nil))
                }
            } else if let groupIndex = desiredGroupByKey[key] {
                let group = desired.groups[groupIndex]
                if let liveIndex = groupMatch[groupIndex] {
                    references.append(
                        MemberReference(.group, key: group.displayName.value, id: live.groups[liveIndex].id))
                } else {
                    references.append(MemberReference(.group, key: group.displayName.value, id: nil))
                }
            }
        }
        return references.sorted()
    }

    /// A live member as a reference, keyed by its declared name where it has one.
    private func liveReference(_ member: SCIMMember) -> MemberReference {
        if let index = liveUserById[member.value] {
            return MemberReference(.user, key: declaredKey(index), id: member.value)
        }
        if let index = liveGroupById[member.value] {
            let key =
                liveGroupClaimed[index].map { desired.groups[$0].displayName.value } ?? live.groups[index].displayName
            return MemberReference(.group, key: key, id: member.value)
        }
        // A member id that names nothing live: the provider keeps members of deleted users (its profile
        // says so; otherwise the read failed before planning). Keyed by id: `display` is the provider's.
        return MemberReference(
            member.type == "Group" ? .group : .user, key: member.value, id: member.value, dangling: true)
    }

    // MARK: Result

    func finish() -> Plan {
        let ordered = actions.sorted { lhs, rhs in
            (lhs.phase, lhs.type.rawValue, lhs.key.caseFolded) < (rhs.phase, rhs.type.rawValue, rhs.key.caseFolded)
        }
        let budget = DestructiveBudget.assess(
            ordered, safety: desired.safety,
            liveManagedUsers: live.users.count - protected.count - unmanagedUsers.count - inactiveUnmanagedUsers.count,
            approvals: Set(desired.safety.approve.map(\.value) + planner.extraApprovals))
        return Plan(
            target: planner.target, actions: ordered,
            protected: protected.sorted { $0.key.caseFolded < $1.key.caseFolded },
            unmanagedUsers: unmanagedUsers.sorted(), unmanagedGroups: unmanagedGroups.sorted(), budget: budget,
            desiredDigest: planner.desiredDigest, liveVersions: live.versions, day: planner.today.description,
            protectPatterns: desired.policy.protect.map(\.value.text),
            inactiveUnmanagedUsers: inactiveUnmanagedUsers.sorted())
    }
}

/// How a declared object matched a live one.
private enum MatchReason: Equatable, CustomStringConvertible {
    case externalId(String)
    case userName
    case previousName(String)

    var description: String {
        switch self {
        case .externalId(let id): "externalId \(id)"
        case .userName: "userName"
        case .previousName(let name): "previous userName \(name)"
        }
    }
}

/// The live objects a declared one could match, in order of preference.
private struct Candidates {
    private(set) var chosen: (Int, MatchReason)?
    /// Other live objects it also matches (a collision unless it is empty).
    private(set) var others: [Int] = []

    mutating func consider(_ index: Int, _ reason: @autoclosure () -> MatchReason) {
        guard let current = chosen else {
            chosen = (index, reason())
            return
        }
        if index != current.0 && !others.contains(index) { others.append(index) }
    }
}

extension SCIMGroup {
    /// What `DuplicateKeeper` weighs of a live group: the planner and a racing apply read it alike.
    public var keeperCandidate: DuplicateKeeper.Candidate {
        DuplicateKeeper.Candidate(id: id, members: members?.count ?? 0, created: meta?.created)
    }
}
