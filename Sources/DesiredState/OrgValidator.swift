import Catalog
import Identity

/// Merges the files' contents into one `DeclaredOrg` and checks what no single file can: duplicates,
/// references, nesting cycles, and the provider profile's limits.
struct OrgValidator {
    var diagnostics: [Diagnostic] = []
    /// The day rules are checked on (the plan's day).
    var today: CalendarDay = .today

    mutating func merge(_ files: consuming [(path: String, contents: FileContents)]) -> DeclaredOrg {
        var state = DeclaredOrg(files: files.map(\.path))
        var targetAt: SourceLocation?
        var targetsAt: SourceLocation?
        var policyAt: SourceLocation?
        var safetyAt: SourceLocation?
        for (_, contents) in files {
            if let target = contents.target {
                if once("target", at: target.location, first: &targetAt) { state.target = target }
            }
            if let targets = contents.targets {
                if once("targets", at: targets.location, first: &targetsAt) { state.targets = targets.entries }
            }
            if let policy = contents.policy, let location = policy.location {
                if once("policy", at: location, first: &policyAt) { state.policy = policy }
            }
            if let safety = contents.safety, let location = safety.location {
                if once("safety", at: location, first: &safetyAt) { state.safety = safety }
            }
            // The first file's arrays are taken as they are, not copied.
            if state.users.isEmpty { state.users = contents.users } else { state.users += contents.users }
            if state.groups.isEmpty { state.groups = contents.groups } else { state.groups += contents.groups }
            state.rules += contents.rules
        }
        if let targetAt, let targetsAt {
            diagnostics.append(
                Diagnostic(
                    .duplicateSection,
                    "'target' and 'targets' are both declared; a directory has one target (target:) or names "
                        + "several (targets:)", at: targetsAt, notes: [.init("target declared here", at: targetAt)]))
        }
        if state.targets.isEmpty {
            refuseTargetKeys(state)
            check(&state)
            state.scopes = [TargetScope(name: nil, org: state)]
        } else {
            state.scopes = project(state)
        }
        var rules = RuleCheck(rules: state.rules, today: today)
        rules.checkReferences(state, into: &diagnostics)
        rules.check(state.scopes, into: &diagnostics)
        return state
    }

    /// `access` and a group's `target` name targets of `targets:`; a one-target directory has none.
    private mutating func refuseTargetKeys(_ state: DeclaredOrg) {
        for user in state.users {
            for entry in user.access {
                diagnostics.append(
                    Diagnostic(
                        .unknownTarget,
                        "access names target \(quote(entry.target.value)), but this directory declares no targets: "
                            + "(access is for a directory of several targets; see targets:)", at: entry.location))
            }
        }
        for group in state.groups {
            guard let target = group.target else { continue }
            diagnostics.append(
                Diagnostic(
                    .unknownTarget,
                    "the group names target \(quote(target.value)), but this directory declares no targets: "
                        + "(a group's target is for a directory of several targets)", at: target.location))
        }
    }

    /// Checks one target's org as a one-target directory is checked, its messages naming the target.
    mutating func check(_ org: inout DeclaredOrg, as target: String) {
        let first = diagnostics.count
        check(&org)
        for index in diagnostics.indices[first...] {
            diagnostics[index].message = "target \(target): " + diagnostics[index].message
        }
    }

    /// Whether this is the section's first declaration; reports the second one.
    private mutating func once(_ section: String, at location: SourceLocation, first: inout SourceLocation?) -> Bool {
        if let first {
            diagnostics.append(
                Diagnostic(
                    .duplicateSection, "'\(section)' is declared in more than one place; declare it once",
                    at: location, notes: [.init("first declared here", at: first)]))
            return false
        }
        first = location
        return true
    }

    mutating func check(_ state: inout DeclaredOrg) {
        // Closures rather than key paths: a key-path projection copies each 700-byte user first.
        let users = unique(state.users.map { $0.userName }, code: .duplicateUser, what: "userName")
        let groups = unique(state.groups.map { $0.displayName }, code: .duplicateGroup, what: "group displayName")
        _ = unique(state.users.compactMap(externalId), code: .duplicateExternalId, what: "user externalId")
        _ = unique(state.groups.compactMap(externalId), code: .duplicateExternalId, what: "group externalId")
        let oldUserNames = previousNames(
            state.users.map { ($0.userName, $0.previously) }, current: users, what: "userName")
        let oldGroupNames = previousNames(
            state.groups.map { ($0.displayName, $0.previously) }, current: groups, what: "displayName")
        checkReferences(state, users: users, groups: groups, oldUserNames: oldUserNames, oldGroupNames: oldGroupNames)
        checkCycles(state.groups, groups: groups)
        ProviderRules(state.target?.providerProfile ?? .generic).check(state.users, into: &diagnostics)
    }

    private func externalId(_ user: DesiredUser) -> Located<String>? {
        guard case .set(let id, let location) = user.externalId else { return nil }
        return Located(id, at: location)
    }

    private func externalId(_ group: DesiredGroup) -> Located<String>? {
        guard case .set(let id, let location) = group.externalId else { return nil }
        return Located(id, at: location)
    }

    /// Indexes names case-folded; a later duplicate is reported, citing the first.
    mutating func unique(_ names: [Located<String>], code: DiagnosticCode, what: String)
        -> [String: Located<String>]
    {
        var index: [String: Located<String>] = [:]
        index.reserveCapacity(names.count)
        for name in names {
            let key = name.value.caseFolded
            if let first = index[key] {
                diagnostics.append(
                    Diagnostic(
                        code, "\(what) \(quote(name.value)) is declared twice (compared ignoring case)",
                        at: name.location,
                        notes: [.init("first declared here as \(quote(first.value))", at: first.location)]
                    ))
            } else {
                index[key] = name
            }
        }
        return index
    }

    /// Checks `previously` lists: an old name must not be a current name, nor claimed by two objects.
    /// Returns old name (folded) → current name.
    mutating func previousNames(
        _ objects: [(current: Located<String>, previously: [Located<String>])], current: [String: Located<String>],
        what: String
    ) -> [String: (old: Located<String>, current: String)] {
        var index: [String: (old: Located<String>, current: String)] = [:]
        for (name, previously) in objects {
            for old in previously {
                let key = old.value.caseFolded
                if let declared = current[key] {
                    diagnostics.append(
                        Diagnostic(
                            .previouslyConflict,
                            "\(quote(old.value)) is listed in previously of \(quote(name.value)) but is still a declared \(what)",
                            at: old.location, notes: [.init("declared here", at: declared.location)]))
                } else if let claimed = index[key] {
                    diagnostics.append(
                        Diagnostic(
                            .previouslyConflict,
                            "\(quote(old.value)) is listed in previously of both \(quote(claimed.current)) and \(quote(name.value))",
                            at: old.location, notes: [.init("also listed here", at: claimed.old.location)]))
                } else {
                    index[key] = (old, name.value)
                }
            }
        }
        return index
    }

    private mutating func checkReferences(
        _ state: DeclaredOrg, users: [String: Located<String>], groups: [String: Located<String>],
        oldUserNames: [String: (old: Located<String>, current: String)],
        oldGroupNames: [String: (old: Located<String>, current: String)]
    ) {
        func renamed(_ key: String) -> String {
            if let rename = oldUserNames[key] ?? oldGroupNames[key] {
                return "; it was renamed to \(quote(rename.current))"
            }
            return ""
        }
        // Members a group gets from users' own `groups` lists, kept only for groups that also list members,
        // so the union can be checked for repeats.
        var fromUsers: [String: [Located<String>]] = [:]
        let listingGroups = Set(
            state.groups.lazy.filter { !$0.members.isEmpty }.map { $0.displayName.value.caseFolded })
        for user in state.users {
            if case .set(let manager, let location) = user.manager {
                let key = manager.caseFolded
                if key == user.userName.value.caseFolded {
                    diagnostics.append(Diagnostic(.invalidValue, "a user cannot be their own manager", at: location))
                } else if users[key] == nil {
                    diagnostics.append(
                        Diagnostic(
                            .unknownManager, "manager \(quote(manager)) is not a declared userName\(renamed(key))",
                            at: location))
                }
            }
            for group in user.groups {
                let key = group.value.caseFolded
                if groups[key] == nil {
                    diagnostics.append(
                        Diagnostic(
                            .unknownGroup, "group \(quote(group.value)) is not a declared group\(renamed(key))",
                            at: group.location))
                } else if listingGroups.contains(key) {
                    fromUsers[key, default: []].append(Located(user.userName.value, at: group.location))
                }
            }
        }
        for group in state.groups {
            var seen: [String: SourceLocation] = [:]
            for member in group.members {
                let key = member.value.caseFolded
                switch (users[key], groups[key]) {
                case (nil, nil):
                    diagnostics.append(
                        Diagnostic(
                            .unknownMember,
                            "member \(quote(member.value)) of group \(quote(group.displayName.value)) is neither a declared "
                                + "user nor a declared group\(renamed(key))",
                            at: member.location))
                case (let user?, let nested?):
                    diagnostics.append(
                        Diagnostic(
                            .ambiguousMember,
                            "member \(quote(member.value)) names both a user and a group; rename one of them",
                            at: member.location,
                            notes: [.init("the user", at: user.location), .init("the group", at: nested.location)]))
                default:
                    if let first = seen[key] {
                        diagnostics.append(
                            Diagnostic(
                                .duplicateMember, "\(quote(member.value)) is listed twice in members",
                                at: member.location,
                                severity: .warning, notes: [.init("first listed here", at: first)]))
                    } else {
                        seen[key] = member.location
                    }
                }
            }
            for fromUser in fromUsers[group.displayName.value.caseFolded] ?? [] {
                if let first = seen[fromUser.value.caseFolded] {
                    diagnostics.append(
                        Diagnostic(
                            .duplicateMember,
                            "\(quote(fromUser.value)) is already a member of \(quote(group.displayName.value)) by the group's "
                                + "members list; declare the membership in one place",
                            at: fromUser.location, severity: .warning, notes: [.init("listed here", at: first)]))
                }
            }
        }
    }

    /// Reports every nesting cycle once, at the member entry that closes it.
    private mutating func checkCycles(_ declared: [DesiredGroup], groups: [String: Located<String>]) {
        var byKey: [String: DesiredGroup] = [:]
        for group in declared where byKey[group.displayName.value.caseFolded] == nil {
            byKey[group.displayName.value.caseFolded] = group
        }
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        for root in declared {
            let rootKey = root.displayName.value.caseFolded
            guard marks[rootKey] == nil else { continue }
            // Iterative depth-first search; `path` holds the groups on the current branch.
            var path: [(key: String, group: DesiredGroup, next: Int)] = [(rootKey, root, 0)]
            marks[rootKey] = .visiting
            while !path.isEmpty {
                let top = path.count - 1
                let group = path[top].group
                guard path[top].next < group.members.count else {
                    marks[path[top].key] = .done
                    path.removeLast()
                    continue
                }
                let member = group.members[path[top].next]
                path[top].next += 1
                let key = member.value.caseFolded
                guard let nested = byKey[key] else { continue }
                switch marks[key] {
                case .visiting:
                    let start = path.firstIndex { $0.key == key } ?? 0
                    let cycle = path[start...].map(\.group.displayName.value) + [nested.displayName.value]
                    diagnostics.append(
                        Diagnostic(
                            .groupCycle, "group nesting cycle: \(cycle.joined(separator: " → "))", at: member.location))
                case .done:
                    continue
                case nil:
                    marks[key] = .visiting
                    path.append((key, nested, 0))
                }
            }
        }
    }
}
