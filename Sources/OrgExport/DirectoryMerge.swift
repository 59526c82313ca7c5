import Catalog
public import DesiredState
import Foundation
import Identity
public import Planner
public import SCIM

/// `scimctl import --target NAME --into DIR`: one target's live accounts merged into a people directory.
/// Each live account is matched to a declared person — by externalId, then userName (the person's, or
/// their userName in that target), then email — and only a match that names one person is taken; the
/// person gains `access.NAME` with what differs there. Accounts no rule matches become new people in a
/// file of their own; an account that matches two people, or a person two accounts match, is reported and
/// left out, never guessed.
public struct DirectoryMerge: Sendable {
    public var target: String
    public var desired: DeclaredOrg
    public var live: LiveSnapshot

    public init(target: String, desired: DeclaredOrg, live: LiveSnapshot) {
        self.target = target
        self.desired = desired
        self.live = live
    }

    /// What was decided for the live accounts.
    public struct Matching: Sendable {
        /// Live account index → person index.
        public var matched: [Int: Int] = [:]
        /// People who already have an account in the target: left as they are.
        public var alreadyDeclared: [Int: Int] = [:]
        /// Live accounts no rule matched: new people.
        public var unmatched: [Int] = []
        /// Live accounts that could not be decided, with why.
        public var undecided: [(account: Int, reason: String)] = []
    }

    /// Matches each live account to at most one person, and each person to at most one account.
    public func match() -> Matching {
        var matching = Matching()
        let people = desired.users
        func folded(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0.caseFolded } }
        var byExternalId: [String: [Int]] = [:]
        var byUserName: [String: [Int]] = [:]
        var byEmail: [String: [Int]] = [:]
        for (index, person) in people.enumerated() {
            let own = person.access.first { $0.target.value.lowercased() == target.lowercased() }?.overrides
            if let id = (own?.externalId.isDeclared == true ? own?.externalId.value : person.externalId.value) {
                byExternalId[id, default: []].append(index)
            }
            var names = Set([person.userName.value.caseFolded])
            if let name = folded(own?.userName.value) { names.insert(name) }
            for name in names { byUserName[name, default: []].append(index) }
            var emails = Set<String>()
            if EmailAddress.isValid(person.userName.value) { emails.insert(person.userName.value.caseFolded) }
            for contact in (person.emails.value ?? []) + (own?.emails.value ?? []) {
                emails.insert(contact.value.caseFolded)
            }
            for email in emails { byEmail[email, default: []].append(index) }
        }
        // Each person's claims: (account, rule). A person two accounts claim takes neither.
        var claims: [Int: [(account: Int, rule: String)]] = [:]
        for (account, user) in live.users.enumerated() {
            var candidates: [Int] = []
            var rule = ""
            if let id = user.externalId, !id.isEmpty, let found = byExternalId[id] {
                (candidates, rule) = (found, "externalId")
            } else if let found = byUserName[user.userName.caseFolded] {
                (candidates, rule) = (found, "userName")
            } else {
                var emails = Set((user.emails ?? []).map { $0.value.caseFolded })
                if EmailAddress.isValid(user.userName) { emails.insert(user.userName.caseFolded) }
                (candidates, rule) = (emails.flatMap { byEmail[$0] ?? [] }, "email")
            }
            candidates = Array(Set(candidates)).sorted()
            switch candidates.count {
            case 0:
                matching.unmatched.append(account)
            case 1:
                claims[candidates[0], default: []].append((account, rule))
            default:
                let names = candidates.map { people[$0].userName.value }.joined(separator: ", ")
                matching.undecided.append((account, "matches \(candidates.count) people by \(rule): \(names)"))
            }
        }
        for (person, claimants) in claims.sorted(by: { $0.key < $1.key }) {
            guard claimants.count == 1 else {
                let accounts = claimants.map { live.users[$0.account].userName }.joined(separator: ", ")
                for claimant in claimants {
                    matching.undecided.append(
                        (
                            claimant.account,
                            "\(claimants.count) accounts (\(accounts)) match \(people[person].userName.value)"
                        ))
                }
                continue
            }
            let account = claimants[0].account
            if people[person].access.contains(where: { $0.target.value.lowercased() == target.lowercased() }) {
                matching.alreadyDeclared[account] = person
            } else {
                matching.matched[account] = person
            }
        }
        matching.undecided.sort { $0.account < $1.account }
        return matching
    }

    /// The overrides that make a matched person's account in the target what it is live: the changes a
    /// plan would make to it (`changes`, from a plan of the directory with the access added), each set
    /// back to its live value. `liveKeys`: live userName (folded) → the person's key, for managers.
    public static func overrides(
        from changes: [AttributeChange], liveKeys: [String: String]
    ) -> [String: JSONValue] {
        var overrides: [String: JSONValue] = [:]
        func put(_ section: String?, _ key: String, _ value: JSONValue) {
            guard let section else {
                overrides[key] = value
                return
            }
            var inner = overrides[section]?.objectValue ?? [:]
            inner[key] = value
            overrides[section] = .object(inner)
        }
        for change in changes {
            let old = change.old ?? .null
            switch change.attribute {
            case .userName: put(nil, "userName", old)
            case .externalId: put(nil, "externalId", old)
            case .active, .groupName: continue  // an offboarding stays planned; groups are not users
            case .contacts(let attribute): put(nil, attribute.key, old)
            case .manager:
                let key = old.stringValue.flatMap { liveKeys[$0.caseFolded] }
                put("enterprise", AttributeTable.manager.key, key.map(JSONValue.string) ?? .null)
            case .string(let attribute):
                put(attribute.section == .core ? nil : attribute.section.rawValue, attribute.key, old)
            case .section(let section):
                overrides[section.rawValue] = old
            case .extensionAttribute(let schema, let name):
                var extensions = overrides["extensions"]?.objectValue ?? [:]
                var attributes = extensions[schema]?.objectValue ?? [:]
                attributes[name] = old
                extensions[schema] = .object(attributes)
                overrides["extensions"] = .object(extensions)
            }
        }
        return overrides
    }
}

/// Insertions into YAML text that keep every byte around them: a new entry before the first entry of a
/// mapping (block or flow), or a key after a one-line scalar of a block mapping.
public struct TextInsertions: Sendable {
    public struct Insertion: Sendable {
        /// 1-based line and column (characters) where the text goes.
        public var line: Int
        public var column: Int
        public var text: String
    }

    public private(set) var insertions: [String: [Insertion]] = [:]

    public init() {}

    /// `key: value` as a new entry of the mapping whose first entry's key is at `firstKey`.
    public mutating func entry(_ entry: String, before firstKey: SourceLocation, in lines: [Substring]) {
        guard firstKey.line >= 1, firstKey.line <= lines.count else { return }
        let line = Array(lines[firstKey.line - 1])
        let before = line.prefix(max(0, firstKey.column - 1)).last { $0 != " " }
        if before == "{" || before == "," {
            add(firstKey.file, Insertion(line: firstKey.line, column: firstKey.column, text: "\(entry), "))
        } else {
            let indent = String(repeating: " ", count: max(0, firstKey.column - 1))
            add(firstKey.file, Insertion(line: firstKey.line, column: 1, text: "\(indent)\(entry)\n"))
        }
    }

    /// `key: value` as a new key of a user's mapping: after `{` of a flow mapping, or on a line of its
    /// own after the userName's line of a block mapping. False when neither can be done safely.
    public mutating func key(
        _ entry: String, mapping: SourceLocation, userName: SourceLocation, in lines: [Substring]
    ) -> Bool {
        guard mapping.line >= 1, mapping.line <= lines.count, userName.line <= lines.count else { return false }
        let line = Array(lines[mapping.line - 1])
        if mapping.column - 1 < line.count, line[mapping.column - 1] == "{" {
            add(mapping.file, Insertion(line: mapping.line, column: mapping.column + 1, text: "\(entry), "))
            return true
        }
        // A block mapping: after the userName's line, when the userName is a scalar on that line alone.
        let text = lines[userName.line - 1].trimmingCharacters(in: .whitespaces)
        guard !text.hasSuffix("|"), !text.hasSuffix(">"), !text.hasSuffix("|-"), !text.hasSuffix(">-") else {
            return false
        }
        let indent = String(repeating: " ", count: max(0, mapping.column - 1))
        add(mapping.file, Insertion(line: userName.line + 1, column: 1, text: "\(indent)\(entry)\n"))
        return true
    }

    private mutating func add(_ file: String, _ insertion: Insertion) {
        insertions[file, default: []].append(insertion)
    }

    /// `text` with this file's insertions made, last first so earlier positions stay true.
    public func apply(to text: String, file: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sorted = (insertions[file] ?? []).enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) > ($1.element.line, $1.element.column, $1.offset)
        }
        for (_, insertion) in sorted {
            let index = insertion.line - 1
            if index >= lines.count { lines.append("") }
            var characters = Array(lines[index])
            let at = min(max(0, insertion.column - 1), characters.count)
            characters.insert(contentsOf: Array(insertion.text), at: at)
            lines[index] = String(characters)
        }
        return lines.joined(separator: "\n")
    }
}

extension DirectoryMerge {
    /// A YAML flow value, as the exporter writes one.
    public static func flow(_ value: JSONValue) -> String { YAMLWriter.flow(value) }

    /// A YAML scalar, as the exporter writes one.
    public static func scalar(_ value: String) -> String { YAMLWriter.scalar(value) }
}
