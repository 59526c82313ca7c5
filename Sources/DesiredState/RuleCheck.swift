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

    /// One target's org, with the memberships the rules ask about indexed once, by position: users and
    /// groups are numbered in declaration order, so a 100,000-user org is indexed without a dictionary of
    /// names per group, and no user is copied to be looked at.
    private struct Context {
        let scope: TargetScope
        let today: CalendarDay
        private var index: Memberships?

        init(scope: TargetScope, today: CalendarDay) {
            self.scope = scope
            self.today = today
        }

        private mutating func memberships() -> Memberships {
            if let index { return index }
            let built = Memberships(scope.org)
            index = built
            return built
        }

        private mutating func isMember(_ user: Int, of group: String) -> Bool {
            _ = memberships()
            guard let number = index!.group(group) else { return false }
            return index!.all[number][user] != nil
        }

        private func inTarget(_ name: String) -> Bool {
            scope.name?.lowercased() == name.lowercased()
        }

        mutating func check(_ rule: Rule, into diagnostics: inout [Diagnostic]) {
            // A rule for another target does not apply here at all.
            for condition in rule.conditions {
                if case .target(let name) = condition.value, !inTarget(name) { return }
            }
            let users = scope.org.users
            let groups = scope.org.groups
            switch rule.kind {
            case .users:
                var selected = 0
                // Each user looked at in place, never copied (a user is some 700 bytes of references).
                users.withUnsafeBufferPointer { users in
                    guard let base = users.baseAddress else { return }
                    for number in users.indices where selects(rule, base + number, number) {
                        selected += 1
                        for requirement in rule.requirements {
                            check(requirement.value, of: base + number, number, rule, into: &diagnostics)
                        }
                    }
                }
                for requirement in rule.requirements {
                    guard case .count(let range) = requirement.value, !range.contains(selected) else { continue }
                    report(
                        rule, "\(selected) user\(selected == 1 ? "" : "s") selected; the rule allows \(range)",
                        at: requirement.location, into: &diagnostics)
                }
            case .groups:
                let selected = groups.indices.filter { selects(rule, groups[$0]) }
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
                        let index = memberships()
                        for number in selected {
                            let group = groups[number]
                            let count = index.direct[number].count + index.nested[number].count
                            if !range.contains(count) {
                                report(
                                    rule,
                                    "group \(quote(group.displayName.value)) has \(count) member\(count == 1 ? "" : "s"); "
                                        + "the rule wants \(range)", at: group.displayName.location,
                                    subject: group.displayName.value, into: &diagnostics)
                            }
                        }
                    case .membersAlsoIn(let other):
                        let index = memberships()
                        let others = index.group(other).map { index.all[$0] } ?? [:]
                        for number in selected {
                            let group = groups[number]
                            for (member, location) in index.all[number].sorted(by: { $0.value < $1.value })
                            where others[member] == nil {
                                let name = users[member].userName.value
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

        private mutating func selects(_ rule: Rule, _ user: UnsafePointer<DesiredUser>, _ number: Int) -> Bool {
            for condition in rule.conditions {
                switch condition.value {
                case .attribute(let attribute, let pattern):
                    guard let value = user.pointee.attributes[attribute]?.value, !value.isEmpty, pattern.matches(value)
                    else { return false }
                case .userName(let pattern):
                    if !pattern.matches(user.pointee.userName.value) { return false }
                case .memberOf(let group):
                    if !isMember(number, of: group) { return false }
                case .active(let wanted):
                    if isActive(user) != wanted { return false }
                case .target, .displayName:
                    continue
                }
            }
            return true
        }

        private mutating func selects(_ rule: Rule, _ group: borrowing DesiredGroup) -> Bool {
            for condition in rule.conditions {
                switch condition.value {
                case .displayName(let pattern):
                    if !pattern.matches(group.displayName.value) { return false }
                case .memberOf(let parent):
                    let index = memberships()
                    guard let own = index.group(group.displayName.value), let parent = index.group(parent),
                        index.nested[parent].contains(own)
                    else { return false }
                default:
                    continue
                }
            }
            return true
        }

        /// Active on the day: not declared inactive, and not past its `expires`.
        private func isActive(_ user: UnsafePointer<DesiredUser>) -> Bool {
            if user.pointee.active.value == false { return false }
            if let expires = user.pointee.expires, expires.value <= today { return false }
            return true
        }

        private mutating func check(
            _ requirement: Rule.Requirement, of pointer: UnsafePointer<DesiredUser>, _ number: Int, _ rule: Rule,
            into diagnostics: inout [Diagnostic]
        ) {
            switch requirement {
            case .expiresWithin(let days):
                let limit = today.adding(days: days)
                guard let expires = pointer.pointee.expires else {
                    report(
                        rule,
                        "\(quote(pointer.pointee.userName.value)) has no end date (expires); the rule wants one by \(limit) "
                            + "(\(days) days after \(today))",
                        at: pointer.pointee.userName.location, subject: pointer.pointee.userName.value,
                        into: &diagnostics)
                    return
                }
                if expires.value > limit {
                    report(
                        rule,
                        "\(quote(pointer.pointee.userName.value)) ends on \(expires.value), more than \(days) days after \(today) "
                            + "(by \(limit) at the latest)",
                        at: expires.location, subject: pointer.pointee.userName.value, into: &diagnostics)
                }
            case .emailDomain(let domains):
                // On bytes, ignoring ASCII case: the domain of each of 100,000 users, with no string made.
                func allowed(_ address: String) -> Bool {
                    let bytes = address.utf8
                    guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
                    let domain = bytes[bytes.index(after: at)...]
                    func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
                    return domains.contains { allowed in
                        let wanted = allowed.utf8
                        guard domain.count >= wanted.count else { return false }
                        let tail = domain.suffix(wanted.count)
                        guard zip(tail, wanted).allSatisfy({ lower($0) == $1 }) else { return false }
                        return domain.count == wanted.count
                            || domain[domain.index(tail.startIndex, offsetBy: -1)] == UInt8(ascii: ".")
                    }
                }
                if pointer.pointee.userName.value.contains("@"), !allowed(pointer.pointee.userName.value) {
                    report(
                        rule,
                        "the userName \(quote(pointer.pointee.userName.value)) is outside the allowed domains "
                            + domains.joined(separator: ", "),
                        at: pointer.pointee.userName.location, subject: pointer.pointee.userName.value,
                        into: &diagnostics)
                }
                for email in pointer.pointee.emails.value ?? [] where !allowed(email.value) {
                    report(
                        rule,
                        "the email \(quote(email.value)) of \(quote(pointer.pointee.userName.value)) is outside the allowed "
                            + "domains " + domains.joined(separator: ", "),
                        at: email.location, subject: pointer.pointee.userName.value, into: &diagnostics)
                }
            case .memberOf(let groups):
                for group in groups where !isMember(number, of: group) {
                    report(
                        rule, "\(quote(pointer.pointee.userName.value)) is not a member of \(quote(group))",
                        at: pointer.pointee.userName.location, subject: pointer.pointee.userName.value,
                        into: &diagnostics)
                }
            case .notMemberOf(let groups):
                for group in groups {
                    let index = memberships()
                    guard let target = index.group(group), let location = index.all[target][number] else { continue }
                    report(
                        rule, "\(quote(pointer.pointee.userName.value)) is a member of \(quote(group))", at: location,
                        subject: pointer.pointee.userName.value, into: &diagnostics)
                }
            case .set(let fields):
                for field in fields where !holds(field, pointer) {
                    report(
                        rule, "\(quote(pointer.pointee.userName.value)) has no \(field)",
                        at: pointer.pointee.userName.location,
                        subject: pointer.pointee.userName.value, into: &diagnostics)
                }
            case .oneOf(let attribute, let values):
                guard case .set(let value, let location) = pointer.pointee.attributes[attribute] ?? .omitted,
                    !values.contains(value)
                else { return }
                report(
                    rule,
                    "\(attribute.path) of \(quote(pointer.pointee.userName.value)) is \(quote(value)); the rule allows "
                        + values.map { quote($0) }.joined(separator: ", "),
                    at: location, subject: pointer.pointee.userName.value, into: &diagnostics)
            case .members, .membersAlsoIn, .count:
                return
            }
        }

        private func holds(_ field: Rule.Field, _ user: UnsafePointer<DesiredUser>) -> Bool {
            switch field {
            case .string(let attribute): !(user.pointee.attributes[attribute]?.value ?? "").isEmpty
            case .externalId: !(user.pointee.externalId.value ?? "").isEmpty
            case .contacts(let attribute): !(user.pointee.contacts[attribute]?.value ?? []).isEmpty
            case .manager: user.pointee.manager.value != nil
            case .expires: user.pointee.expires != nil
            case .deleteAfter: user.pointee.deleteAfter != nil
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
