import Catalog
import YAML

/// `rules:` read from YAML: every key, attribute path and bound checked, each problem located.
extension DocumentDecoder {
    mutating func rule(_ node: Node) -> Rule? {
        // A rule with any error in it is not checked: its verdicts would be noise beside the error.
        let before = reader.diagnostics.count
        guard let fields = reader.fields(node, as: .rule) else { return nil }
        var complete = true
        var id: Located<String>?
        if let node = fields["id"], let name = reader.name(node, "a rule's id") {
            if name.value.utf8.allSatisfy({ byte in
                byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            }) && name.value.utf8.count <= 64 {
                id = name
            } else {
                reader.report(
                    .invalidValue,
                    "rule id \(quote(name.value)) must be letters, digits, '-', '_' or '.' (at most 64): it "
                        + "names the rule's diagnostics (rule/ID)", at: node)
            }
        } else if fields["id"] == nil {
            reader.report(.missingKey, "this rule has no id (it names the rule's diagnostics: rule/ID)", at: node)
        }
        let description = fields["description"].flatMap { reader.string($0, "a rule's description") }
        var severity = Severity.error
        if let node = fields["severity"], let value: Severity = reader.choice(node, "severity") { severity = value }
        let kind: Rule.Kind
        switch (fields["users"], fields["groups"]) {
        case (let users?, nil):
            kind = .users
            _ = users
        case (nil, _?):
            kind = .groups
        case (_?, let groups?):
            reader.report(.invalidValue, "a rule selects users or groups, not both: keep one", at: groups)
            return nil
        case (nil, nil):
            reader.report(
                .missingKey, "this rule selects nothing: add users: {where: {…}} or groups: {where: {…}} ({} for all)",
                at: node)
            return nil
        }
        var rule = Rule(
            id: id ?? Located("", at: fields.location), description: description, severity: severity, kind: kind,
            location: fields.location)
        if let selector = fields[kind.rawValue] { rule.conditions = conditions(selector, kind) ?? [] }
        if let require = fields["require"] {
            rule.requirements = requirements(require, kind)
            if rule.requirements.isEmpty, require.mapping?.isEmpty == true {
                reader.report(
                    .missingKey, "require: is empty; say what the selected \(kind.rawValue) must satisfy", at: require)
                complete = false
            }
        } else {
            reader.report(.missingKey, "this rule requires nothing: add require: {…}", at: node)
            complete = false
        }
        let failed = reader.diagnostics[before...].contains { $0.severity == .error }
        return id != nil && complete && !failed ? rule : nil
    }

    /// `where:` of a selector: every condition located.
    private mutating func conditions(_ node: Node, _ kind: Rule.Kind) -> [Located<Rule.Condition>]? {
        if reader.isNull(node) { return [] }
        guard let fields = reader.fields(node, as: .selector, what: "a rule's \(kind.rawValue)") else { return nil }
        guard let whereNode = fields["where"], !reader.isNull(whereNode) else { return [] }
        guard let pairs = whereNode.mapping else {
            reader.report(
                .wrongType, "where must be a mapping of conditions, found \(reader.describe(whereNode))", at: whereNode)
            return nil
        }
        var conditions: [Located<Rule.Condition>] = []
        var seen: Set<String> = []
        for pair in pairs {
            guard let key = reader.string(pair.key, "a condition") else { continue }
            let location = reader.location(pair.value)
            if !seen.insert(key).inserted {
                reader.report(.duplicateKey, "\(quote(key)) is given twice in where", at: pair.key)
                continue
            }
            func glob() -> GlobPattern? {
                guard let text = reader.string(pair.value, "where.\(key)") else { return nil }
                do {
                    return try GlobPattern(text)
                } catch {
                    reader.report(.invalidGlob, "\(quote(text)) is not a valid glob: \(error.reason)", at: pair.value)
                    return nil
                }
            }
            switch (key, kind) {
            case ("userName", .users):
                if let pattern = glob() { conditions.append(Located(.userName(pattern), at: location)) }
            case ("displayName", .groups):
                if let pattern = glob() { conditions.append(Located(.displayName(pattern), at: location)) }
            case ("memberOf", _):
                if let group = reader.name(pair.value, "where.memberOf") {
                    conditions.append(Located(.memberOf(group.value), at: location))
                }
            case ("target", _):
                if let target = reader.name(pair.value, "where.target") {
                    conditions.append(Located(.target(target.value), at: location))
                }
            case ("active", .users):
                if let active = reader.bool(pair.value, "where.active") {
                    conditions.append(Located(.active(active), at: location))
                }
            case (_, .users):
                guard let attribute = AttributeTable.string(at: key) else {
                    let known = ["userName", "memberOf", "target", "active"] + AttributeTable.userStrings.map(\.path)
                    let hint = nearestKey(to: key, in: known).map { "did you mean '\($0)'? " } ?? ""
                    reader.report(
                        .unknownKey,
                        "\(quote(key)) is not a condition of users: \(hint)conditions are userName, memberOf, target, "
                            + "active, or a string attribute path (userType, title, enterprise.department, …)",
                        at: pair.key)
                    continue
                }
                if let pattern = glob() { conditions.append(Located(.attribute(attribute, pattern), at: location)) }
            case (_, .groups):
                reader.report(
                    .unknownKey,
                    "\(quote(key)) is not a condition of groups: conditions are displayName, memberOf, target",
                    at: pair.key)
            }
        }
        return conditions
    }

    /// `require:`: each requirement of the rule's kind, checked for shape and bounds.
    private mutating func requirements(_ node: Node, _ kind: Rule.Kind) -> [Located<Rule.Requirement>] {
        guard let fields = reader.fields(node, as: .require) else { return [] }
        var requirements: [Located<Rule.Requirement>] = []
        let forUsers: Set = ["expiresWithin", "emailDomain", "memberOf", "notMemberOf", "set", "oneOf"]
        let forGroups: Set = ["members", "membersAlsoIn"]
        for key in MappingKeys.require.keys {
            guard let value = fields[key] else { continue }
            let location = reader.location(value)
            if kind == .groups && forUsers.contains(key) || kind == .users && forGroups.contains(key) {
                reader.report(
                    .invalidValue,
                    "\(key) is a requirement of \(kind == .users ? "groups" : "users") rules; this rule selects "
                        + kind.rawValue, at: value)
                continue
            }
            var requirement: Rule.Requirement?
            switch key {
            case "expiresWithin":
                requirement = reader.integer(value, "expiresWithin (days)", in: 0...36_500).map {
                    .expiresWithin(days: $0)
                }
            case "emailDomain":
                let domains = reader.names(value, "emailDomain").map { $0.value.lowercased() }
                for domain in domains where !domain.contains(".") || domain.contains("@") {
                    reader.report(.invalidValue, "\(quote(domain)) is not a domain (example.com)", at: value)
                }
                requirement = domains.isEmpty ? nil : .emailDomain(domains)
            case "memberOf":
                requirement = .memberOf(reader.names(value, "memberOf").map(\.value))
            case "notMemberOf":
                requirement = .notMemberOf(reader.names(value, "notMemberOf").map(\.value))
            case "set":
                var fieldsSet: [Rule.Field] = []
                for node in reader.list(value, "set") {
                    guard let item = reader.name(node, "an entry of set") else { continue }
                    if let field = Rule.Field(path: item.value) {
                        fieldsSet.append(field)
                    } else {
                        reader.report(
                            .unknownKey,
                            "\(quote(item.value)) is not an attribute path; set names the table's attributes "
                                + "(title, name.givenName, enterprise.department, …) or "
                                + Rule.Field.names.joined(separator: ", "), at: node)
                    }
                }
                requirement = fieldsSet.isEmpty ? nil : .set(fieldsSet)
            case "oneOf":
                guard let pairs = value.mapping, pairs.count == 1, let path = reader.string(pairs[0].key, "oneOf")
                else {
                    reader.report(
                        .wrongType, "oneOf must be one attribute path and its allowed values: {userType: [a, b]}",
                        at: value)
                    continue
                }
                guard let attribute = AttributeTable.string(at: path) else {
                    reader.report(.unknownKey, "\(quote(path)) is not a string attribute path", at: pairs[0].key)
                    continue
                }
                let values = reader.list(pairs[0].value, "oneOf.\(path)").compactMap {
                    reader.string($0, "an allowed value")
                }
                requirement = values.isEmpty ? nil : .oneOf(attribute, values)
            case "members":
                requirement = range(value, "members").map { .members($0) }
            case "membersAlsoIn":
                requirement = reader.name(value, "membersAlsoIn").map { .membersAlsoIn($0.value) }
            case "count":
                requirement = range(value, "count").map { .count($0) }
            default:
                continue
            }
            if let requirement { requirements.append(Located(requirement, at: location)) }
        }
        return requirements
    }

    /// `{min, max}`: whole numbers from 0, min at most max.
    private mutating func range(_ node: Node, _ what: String) -> Rule.Range? {
        guard let fields = reader.fields(node, as: .range, what: what) else { return nil }
        let min = fields["min"].flatMap { reader.integer($0, "\(what).min", in: 0...10_000_000) }
        let max = fields["max"].flatMap { reader.integer($0, "\(what).max", in: 0...10_000_000) }
        if fields["min"] == nil && fields["max"] == nil {
            reader.report(.missingKey, "\(what) needs min, max or both", at: node)
            return nil
        }
        if let min, let max, min > max {
            reader.report(.invalidValue, "\(what): min \(min) is above max \(max); no number satisfies it", at: node)
            return nil
        }
        return Rule.Range(min: min, max: max)
    }
}
