import Catalog
import Identity

/// A people directory (`targets:`) seen from each of its targets: every person with access to a target
/// becomes a user of that target's org (the person's attributes, then `access.TARGET` over them), and
/// each group goes to its own target with its members named by that target's userNames. Each target's
/// org is then checked as a one-target directory is, so there is one set of rules, not two
/// (docs/contract.md, "Many targets").
extension OrgValidator {
    mutating func project(_ state: DeclaredOrg) -> [TargetScope] {
        let targetNames = state.targets.map(\.name.value)
        var canonical: [String: String] = [:]
        for name in targetNames { canonical[name.lowercased()] = name }

        /// The declared target `name` refers to; an unknown one is reported with the known ones.
        func resolve(_ name: Located<String>, _ what: String, into diagnostics: inout [Diagnostic]) -> String? {
            if let known = canonical[name.value.lowercased()] { return known }
            let near = nearestKey(to: name.value, in: targetNames).map { "did you mean '\($0)'? " } ?? ""
            diagnostics.append(
                Diagnostic(
                    .unknownTarget,
                    "\(what) names target \(quote(name.value)), which targets: does not declare; \(near)the targets "
                        + "are \(targetNames.joined(separator: ", "))", at: name.location))
            return nil
        }

        // People: one entry each across every target.
        let people = unique(state.users.map { $0.userName }, code: .duplicateUser, what: "userName")
        var personIndex: [String: Int] = [:]
        for (index, user) in state.users.enumerated() where personIndex[user.userName.value.caseFolded] == nil {
            personIndex[user.userName.value.caseFolded] = index
        }
        // Each person's access: target → the entry.
        var access: [[String: TargetAccess]] = Array(repeating: [:], count: state.users.count)
        for (index, user) in state.users.enumerated() {
            if user.access.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        .noAccess,
                        "\(quote(user.userName.value)) has no access entry, so no account in any target; add "
                            + "access: {\(targetNames[0]): {}} (or remove the person)",
                        at: user.userName.location, severity: .warning))
            }
            for entry in user.access {
                guard let target = resolve(entry.target, "access", into: &diagnostics) else { continue }
                access[index][target] = entry
                if case .set(false, let personAt) = user.active, case .set(true, let location) = entry.overrides.active
                {
                    diagnostics.append(
                        Diagnostic(
                            .invalidValue,
                            "the person is offboarded (active: false), so access.\(target).active: true cannot keep "
                                + "an account open; remove one of the two", at: location,
                            notes: [.init("offboarded here", at: personAt)]))
                }
            }
        }
        func hasAccess(_ person: Int, _ target: String) -> Bool { access[person][target] != nil }

        // Groups: each in one target; names are unique within a target, not across targets.
        var groupTarget: [String?] = []
        var groupsByName: [String: [(target: String, index: Int)]] = [:]
        for (index, group) in state.groups.enumerated() {
            var target: String?
            if let declared = group.target {
                target = resolve(declared, "the group", into: &diagnostics)
            } else if targetNames.count == 1 {
                target = targetNames[0]
            } else {
                diagnostics.append(
                    Diagnostic(
                        .missingKey,
                        "group \(quote(group.displayName.value)) names no target; with several targets each group "
                            + "lives in one: target: \(targetNames.joined(separator: " | "))", at: group.location))
            }
            groupTarget.append(target)
            if let target { groupsByName[group.displayName.value.caseFolded, default: []].append((target, index)) }
        }

        // A person's own `groups:` go to the target of the group they name.
        var personGroups: [[String: [Located<String>]]] = Array(repeating: [:], count: state.users.count)
        for (index, user) in state.users.enumerated() {
            for group in user.groups {
                let candidates = groupsByName[group.value.caseFolded] ?? []
                guard let first = candidates.first else {
                    diagnostics.append(
                        Diagnostic(
                            .unknownGroup, "group \(quote(group.value)) is not a declared group", at: group.location))
                    continue
                }
                guard candidates.count == 1 else {
                    let places = candidates.map(\.target).joined(separator: " and ")
                    diagnostics.append(
                        Diagnostic(
                            .unknownGroup,
                            "group \(quote(group.value)) is declared in \(places); name the one meant under "
                                + "access.TARGET.groups", at: group.location))
                    continue
                }
                guard hasAccess(index, first.target) else {
                    diagnostics.append(
                        noAccess(user, to: first.target, for: "group \(quote(group.value))", group.location))
                    continue
                }
                personGroups[index][first.target, default: []].append(group)
            }
            for (target, entry) in access[index] {
                for group in entry.overrides.groups {
                    let candidates = groupsByName[group.value.caseFolded] ?? []
                    if candidates.contains(where: { $0.target == target }) {
                        personGroups[index][target, default: []].append(group)
                    } else {
                        let elsewhere = candidates.map(\.target)
                        let hint = elsewhere.isEmpty ? "" : " (it is a group of \(elsewhere.joined(separator: ", ")))"
                        diagnostics.append(
                            Diagnostic(
                                .unknownGroup,
                                "group \(quote(group.value)) is not a group of target \(target)\(hint)",
                                at: group.location))
                    }
                }
            }
        }

        // A manager is a person; unknown ones are reported once here, not once per target.
        func managerKnown(_ manager: Declared<String>) -> Bool {
            guard case .set(let name, let location) = manager else { return true }
            if people[name.caseFolded] != nil { return true }
            diagnostics.append(
                Diagnostic(.unknownManager, "manager \(quote(name)) is not a declared userName", at: location))
            return false
        }
        var knownManager = [Bool](repeating: true, count: state.users.count)
        for (index, user) in state.users.enumerated() {
            knownManager[index] = managerKnown(user.manager)
            for entry in user.access.map(\.overrides) where !managerKnown(entry.manager) { knownManager[index] = false }
        }

        // Each target's org, checked as a one-target directory.
        var scopes: [TargetScope] = []
        for named in state.targets {
            let target = named.name.value
            var org = DeclaredOrg(
                target: named.target, policy: state.policy.overridden(by: named.policy),
                safety: state.safety.overridden(by: named.safety), files: state.files)
            /// The person's userName in this target.
            func userName(of person: Int) -> String {
                let own = access[person][target]?.overrides.userName.value ?? ""
                return own.isEmpty ? state.users[person].userName.value : own
            }
            /// A manager (a person's key) as this target names them; omitted where they have no account.
            func manager(_ declared: Declared<String>) -> Declared<String> {
                guard case .set(let name, let location) = declared, let person = personIndex[name.caseFolded] else {
                    return declared
                }
                return hasAccess(person, target) ? .set(userName(of: person), at: location) : .omitted
            }
            for (index, person) in state.users.enumerated() {
                guard let entry = access[index][target] else { continue }
                var user = Self.merge(person, entry.overrides)
                user.groups = personGroups[index][target] ?? []
                user.manager = knownManager[index] ? manager(user.manager) : .omitted
                user.access = []
                user.person = person.userName.value
                org.users.append(user)
            }
            for (index, group) in state.groups.enumerated() where groupTarget[index] == target {
                var projected = group
                projected.target = nil
                projected.members = group.members.compactMap { member in
                    let key = member.value.caseFolded
                    let groups = groupsByName[key] ?? []
                    if groups.contains(where: { $0.target == target }) { return member }
                    if let person = personIndex[key] {
                        guard hasAccess(person, target) else {
                            diagnostics.append(
                                noAccess(
                                    state.users[person], to: target,
                                    for: "group \(quote(group.displayName.value))", member.location))
                            return nil
                        }
                        return Located(userName(of: person), at: member.location)
                    }
                    if let elsewhere = groups.first {
                        diagnostics.append(
                            Diagnostic(
                                .unknownMember,
                                "member \(quote(member.value)) of group \(quote(group.displayName.value)) is a group of "
                                    + "target \(elsewhere.target); a group's members are in its own target (\(target))",
                                at: member.location))
                        return nil
                    }
                    return member  // reported as unknown by the target's own check
                }
                org.groups.append(projected)
            }
            check(&org, as: target)
            scopes.append(TargetScope(name: target, org: org))
        }
        return scopes
    }

    private func noAccess(_ person: DesiredUser, to target: String, for what: String, _ location: SourceLocation)
        -> Diagnostic
    {
        Diagnostic(
            .noAccess,
            "\(quote(person.userName.value)) is in \(what) of target \(target) but has no access to \(target); "
                + "add access: {\(target): {}} to the person, or remove the membership",
            at: location, notes: [.init("the person", at: person.location)])
    }

    /// The person as one target sees them: `access.TARGET`'s keys over the person's own. An end (`expires`,
    /// `deleteAfter`) is the earlier of the two, so the person's own ends in every target.
    static func merge(_ person: DesiredUser, _ own: DesiredUser) -> DesiredUser {
        var user = person
        if !own.userName.value.isEmpty {
            user.userName = own.userName
            // Renames of the person's own userName do not apply to another userName.
            user.previously = own.previously
        } else if !own.previously.isEmpty {
            user.previously = own.previously
        }
        if own.externalId.isDeclared { user.externalId = own.externalId }
        for (attribute, value) in own.attributes.present { user.attributes[attribute] = value }
        for (section, value) in own.sections { user.sections[section] = value }
        if own.active.isDeclared, user.active.value != false { user.active = own.active }
        for (attribute, value) in own.contacts.present { user.contacts[attribute] = value }
        if own.manager.isDeclared { user.manager = own.manager }
        for attribute in own.extensions {
            if let index = user.extensions.firstIndex(where: {
                $0.schema.lowercased() == attribute.schema.lowercased()
                    && $0.name.lowercased() == attribute.name.lowercased()
            }) {
                user.extensions[index] = attribute
            } else {
                user.extensions.append(attribute)
            }
        }
        user.expires = earlier(user.expires, own.expires)
        user.deleteAfter = earlier(user.deleteAfter, own.deleteAfter)
        return user
    }

    private static func earlier(_ lhs: Located<CalendarDay>?, _ rhs: Located<CalendarDay>?) -> Located<CalendarDay>? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return rhs.value < lhs.value ? rhs : lhs
    }
}
