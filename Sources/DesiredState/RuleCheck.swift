import Catalog
import Identity

/// `rules:` checked against each target's org on one day: one diagnostic per violation, coded
/// `rule/ID`, at the offending user, group or value, with a note where the rule is declared. With
/// several targets each target is checked on its own (a rule's `target:` condition picks them), and
/// each message names the target.
struct RuleCheck {
    private(set) var rules: [Rule]
    let today: CalendarDay

    init(rules: [Rule], today: CalendarDay) {
        self.rules = rules
        self.today = today
    }

    /// Ids declared once; target and group names that exist. A rule with a wrong reference is not
    /// checked afterwards (its verdicts would be noise beside the error).
    mutating func checkReferences(_ state: DeclaredOrg, into diagnostics: inout [Diagnostic]) {
        var broken = Set<Int>()
        var seen: [String: SourceLocation] = [:]
        for (index, rule) in rules.enumerated() {
            let key = rule.id.value.lowercased()
            if let first = seen[key] {
                broken.insert(index)
                diagnostics.append(
                    Diagnostic(
                        .duplicateKey, "rule id \(quote(rule.id.value)) is declared twice", at: rule.id.location,
                        notes: [.init("first declared here", at: first)]))
            } else {
                seen[key] = rule.id.location
            }
        }
        let targets = Set(state.targets.map { $0.name.value.lowercased() })
        let groups = Set(state.groups.map { $0.displayName.value.caseFolded })
        func group(_ name: String, at location: SourceLocation) {
            if !groups.contains(name.caseFolded) {
                diagnostics.append(
                    Diagnostic(.unknownGroup, "group \(quote(name)) is not a declared group", at: location))
            }
        }
        for (index, rule) in rules.enumerated() {
            let found = diagnostics.count
            defer { if diagnostics.count > found { broken.insert(index) } }
            for condition in rule.conditions {
                switch condition.value {
                case .target(let name) where state.targets.isEmpty:
                    diagnostics.append(
                        Diagnostic(
                            .unknownTarget,
                            "where.target names \(quote(name)), but this directory declares no targets: (its one "
                                + "target has no name); remove the condition", at: condition.location))
                case .target(let name) where !targets.contains(name.lowercased()):
                    diagnostics.append(
                        Diagnostic(
                            .unknownTarget,
                            "where.target names \(quote(name)), which targets: does not declare; the targets are "
                                + state.targets.map(\.name.value).joined(separator: ", "), at: condition.location))
                case .memberOf(let name): group(name, at: condition.location)
                default: break
                }
            }
            for requirement in rule.requirements {
                switch requirement.value {
                case .memberOf(let names), .notMemberOf(let names):
                    for name in names { group(name, at: requirement.location) }
                case .membersAlsoIn(let name): group(name, at: requirement.location)
                default: break
                }
            }
        }
        rules = rules.enumerated().filter { !broken.contains($0.offset) }.map(\.element)
    }

    func check(_ scopes: [TargetScope], into diagnostics: inout [Diagnostic]) {
        guard !rules.isEmpty else { return }
        for scope in scopes {
            var context = Context(scope: scope, today: today)
            for rule in rules { context.check(rule, into: &diagnostics) }
        }
    }

    /// One target's org, with the memberships the rules ask about indexed once.
    private struct Context {
        let scope: TargetScope
        let today: CalendarDay
        /// Group (folded) → its user members (folded userName) with where each membership is declared.
        private var members: [String: [String: SourceLocation]]?
        /// Group (folded) → its nested groups (folded displayName).
        private var nested: [String: Set<String>] = [:]
        private var directMembers: [String: Set<String>]?

        init(scope: TargetScope, today: CalendarDay) {
            self.scope = scope
            self.today = today
        }

        private mutating func memberships() -> [String: [String: SourceLocation]] {
            if let members { return members }
            var index: [String: [String: SourceLocation]] = [:]
            let users = Set(scope.org.users.map { $0.userName.value.caseFolded })
            for group in scope.org.groups {
                let key = group.displayName.value.caseFolded
                for member in group.members {
                    let name = member.value.caseFolded
                    if users.contains(name) {
                        index[key, default: [:]][name] = index[key]?[name] ?? member.location
                    } else {
                        nested[key, default: []].insert(name)
                    }
                }
            }
            for user in scope.org.users {
                let name = user.userName.value.caseFolded
                for group in user.groups {
                    index[group.value.caseFolded, default: [:]][name] =
                        index[group.value.caseFolded]?[name] ?? group.location
                }
            }
            // Membership is transitive, as SCIM's is: a member of a nested group is a member of its parents
            // (each at the entry that makes them a member of the innermost group).
            var closed: [String: [String: SourceLocation]] = [:]
            func close(_ group: String, _ visiting: inout Set<String>) -> [String: SourceLocation] {
                if let done = closed[group] { return done }
                guard visiting.insert(group).inserted else { return [:] }  // a cycle, reported elsewhere
                var all = index[group] ?? [:]
                for child in nested[group] ?? [] {
                    all.merge(close(child, &visiting)) { own, _ in own }
                }
                visiting.remove(group)
                closed[group] = all
                return all
            }
            for group in scope.org.groups {
                var visiting = Set<String>()
                _ = close(group.displayName.value.caseFolded, &visiting)
            }
            members = closed
            return closed
        }

        /// Direct user members only (`members: {min, max}` counts what the group lists).
        private mutating func direct() -> [String: Set<String>] {
            if let directMembers { return directMembers }
            var index: [String: Set<String>] = [:]
            let users = Set(scope.org.users.map { $0.userName.value.caseFolded })
            for group in scope.org.groups {
                let key = group.displayName.value.caseFolded
                for member in group.members where users.contains(member.value.caseFolded) {
                    index[key, default: []].insert(member.value.caseFolded)
                }
            }
            for user in scope.org.users {
                for group in user.groups {
                    index[group.value.caseFolded, default: []].insert(user.userName.value.caseFolded)
                }
            }
            directMembers = index
            return index
        }

        private mutating func isMember(_ user: DesiredUser, of group: String) -> Bool {
            memberships()[group.caseFolded]?[user.userName.value.caseFolded] != nil
        }

        private func inTarget(_ name: String) -> Bool {
            scope.name?.lowercased() == name.lowercased()
        }

        mutating func check(_ rule: Rule, into diagnostics: inout [Diagnostic]) {
            // A rule for another target does not apply here at all.
            for condition in rule.conditions {
                if case .target(let name) = condition.value, !inTarget(name) { return }
            }
            switch rule.kind {
            case .users:
                let selected = scope.org.users.indices.filter { selects(rule, scope.org.users[$0]) }
                for requirement in rule.requirements {
                    if case .count(let range) = requirement.value {
                        if !range.contains(selected.count) {
                            report(
                                rule,
                                "\(selected.count) user\(selected.count == 1 ? "" : "s") selected; the rule allows \(range)",
                                at: requirement.location, into: &diagnostics)
                        }
                        continue
                    }
                    for index in selected {
                        check(requirement.value, of: scope.org.users[index], rule, into: &diagnostics)
                    }
                }
            case .groups:
                let selected = scope.org.groups.filter { selects(rule, $0) }
                for requirement in rule.requirements {
                    switch requirement.value {
                    case .count(let range):
                        if !range.contains(selected.count) {
                            report(
                                rule,
                                "\(selected.count) group\(selected.count == 1 ? "" : "s") selected; the rule allows \(range)",
                                at: requirement.location, into: &diagnostics)
                        }
                    case .members(let range):
                        _ = memberships()
                        for group in selected {
                            let key = group.displayName.value.caseFolded
                            let count = (direct()[key]?.count ?? 0) + (nested[key]?.count ?? 0)
                            if !range.contains(count) {
                                report(
                                    rule,
                                    "group \(quote(group.displayName.value)) has \(count) member\(count == 1 ? "" : "s"); "
                                        + "the rule wants \(range)", at: group.displayName.location,
                                    subject: group.displayName.value, into: &diagnostics)
                            }
                        }
                    case .membersAlsoIn(let other):
                        let others = memberships()[other.caseFolded] ?? [:]
                        for group in selected {
                            let own = memberships()[group.displayName.value.caseFolded] ?? [:]
                            for (member, location) in own.sorted(by: { $0.value < $1.value })
                            where others[member] == nil {
                                let name =
                                    scope.org.users.first { $0.userName.value.caseFolded == member }?.userName.value
                                    ?? member
                                report(
                                    rule,
                                    "\(quote(name)) is a member of \(quote(group.displayName.value)) but not of "
                                        + quote(other), at: location, subject: name, into: &diagnostics)
                            }
                        }
                    default:
                        continue
                    }
                }
            }
        }

        private mutating func selects(_ rule: Rule, _ user: DesiredUser) -> Bool {
            for condition in rule.conditions {
                switch condition.value {
                case .attribute(let attribute, let pattern):
                    guard let value = user.attributes[attribute]?.value, !value.isEmpty, pattern.matches(value)
                    else { return false }
                case .userName(let pattern):
                    if !pattern.matches(user.userName.value) { return false }
                case .memberOf(let group):
                    if !isMember(user, of: group) { return false }
                case .active(let wanted):
                    if isActive(user) != wanted { return false }
                case .target, .displayName:
                    continue
                }
            }
            return true
        }

        private mutating func selects(_ rule: Rule, _ group: DesiredGroup) -> Bool {
            for condition in rule.conditions {
                switch condition.value {
                case .displayName(let pattern):
                    if !pattern.matches(group.displayName.value) { return false }
                case .memberOf(let parent):
                    let key = group.displayName.value.caseFolded
                    _ = memberships()
                    if nested[parent.caseFolded]?.contains(key) != true { return false }
                default:
                    continue
                }
            }
            return true
        }

        /// Active on the day: not declared inactive, and not past its `expires`.
        private func isActive(_ user: DesiredUser) -> Bool {
            if user.active.value == false { return false }
            if let expires = user.expires, expires.value <= today { return false }
            return true
        }

        private mutating func check(
            _ requirement: Rule.Requirement, of user: DesiredUser, _ rule: Rule, into diagnostics: inout [Diagnostic]
        ) {
            let who = quote(user.userName.value)
            switch requirement {
            case .expiresWithin(let days):
                let limit = today.adding(days: days)
                guard let expires = user.expires else {
                    report(
                        rule,
                        "\(who) has no end date (expires); the rule wants one by \(limit) (\(days) days after \(today))",
                        at: user.userName.location, subject: user.userName.value, into: &diagnostics)
                    return
                }
                if expires.value > limit {
                    report(
                        rule,
                        "\(who) ends on \(expires.value), more than \(days) days after \(today) (by \(limit) at the latest)",
                        at: expires.location, subject: user.userName.value, into: &diagnostics)
                }
            case .emailDomain(let domains):
                var values: [Located<String>] = []
                if user.userName.value.contains("@") { values.append(user.userName) }
                for email in user.emails.value ?? [] { values.append(Located(email.value, at: email.location)) }
                for value in values {
                    let domain = value.value.split(separator: "@").last.map { $0.lowercased() } ?? ""
                    if !domains.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) {
                        let what =
                            value.location == user.userName.location
                            ? "the userName \(who)" : "the email \(quote(value.value)) of \(who)"
                        report(
                            rule,
                            "\(what) is outside the allowed domains " + domains.joined(separator: ", "),
                            at: value.location, subject: user.userName.value,
                            into: &diagnostics)
                    }
                }
            case .memberOf(let groups):
                for group in groups where !isMember(user, of: group) {
                    report(
                        rule, "\(who) is not a member of \(quote(group))", at: user.userName.location,
                        subject: user.userName.value, into: &diagnostics)
                }
            case .notMemberOf(let groups):
                for group in groups {
                    guard let location = memberships()[group.caseFolded]?[user.userName.value.caseFolded] else {
                        continue
                    }
                    report(
                        rule, "\(who) is a member of \(quote(group))", at: location, subject: user.userName.value,
                        into: &diagnostics)
                }
            case .set(let fields):
                for field in fields where !holds(field, user) {
                    report(
                        rule, "\(who) has no \(field)", at: user.userName.location, subject: user.userName.value,
                        into: &diagnostics)
                }
            case .oneOf(let attribute, let values):
                guard case .set(let value, let location) = user.attributes[attribute] ?? .omitted,
                    !values.contains(value)
                else { return }
                report(
                    rule,
                    "\(attribute.path) of \(who) is \(quote(value)); the rule allows "
                        + values.map { quote($0) }.joined(separator: ", "), at: location, subject: user.userName.value,
                    into: &diagnostics)
            case .members, .membersAlsoIn, .count:
                return
            }
        }

        private func holds(_ field: Rule.Field, _ user: DesiredUser) -> Bool {
            switch field {
            case .string(let attribute): !(user.attributes[attribute]?.value ?? "").isEmpty
            case .externalId: !(user.externalId.value ?? "").isEmpty
            case .emails: !(user.emails.value ?? []).isEmpty
            case .phoneNumbers: !(user.phoneNumbers.value ?? []).isEmpty
            case .manager: user.manager.value != nil
            case .expires: user.expires != nil
            case .deleteAfter: user.deleteAfter != nil
            }
        }

        private func report(
            _ rule: Rule, _ message: String, at location: SourceLocation, subject: String? = nil,
            into diagnostics: inout [Diagnostic]
        ) {
            let prefix = scope.name.map { "target \($0): " } ?? ""
            let why = rule.description.map { " — \($0)" } ?? ""
            var diagnostic = Diagnostic(
                .rule, "\(prefix)\(message) (rule \(rule.id.value)\(why))", at: location, severity: rule.severity,
                notes: [.init("rule \(rule.id.value) is declared here", at: rule.location)])
            diagnostic.rule = rule.id.value
            diagnostic.subject = subject
            diagnostic.target = scope.name
            diagnostics.append(diagnostic)
        }
    }
}
