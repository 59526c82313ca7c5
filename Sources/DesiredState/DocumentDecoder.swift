import Catalog
import Foundation
import Identity
import SafeText
import YAML

/// What one file declares, before the files are merged and checked against each other.
struct FileContents {
    var version: Located<Int>?
    var target: Target?
    /// `targets:`, when the file declares it (nil when it does not).
    var targets: (entries: [NamedTarget], location: SourceLocation)?
    var policy: Policy?
    var safety: Safety?
    var users: [DesiredUser] = []
    var groups: [DesiredGroup] = []
    var rules: [Rule] = []
}

/// Builds the model of one file from its YAML nodes, reporting every shape problem it meets.
struct DocumentDecoder {
    var reader: NodeReader

    init(file: String, positions: EditorPositions? = nil) {
        reader = NodeReader(file: file)
        reader.positions = positions
    }

    var diagnostics: [Diagnostic] { reader.diagnostics }

    /// Lines of this file that hold a secret, as an editor counts them: never quoted.
    var secretLines: Set<Int> { reader.positions.map { $0.mapLines(reader.secretLines) } ?? reader.secretLines }

    /// Decodes the rest of the document; items already passed to `decodeItem` are included.
    mutating func decode(_ root: Node) -> FileContents {
        var contents = FileContents()
        guard let fields = reader.fields(root, as: .document, what: "the file") else { return contents }
        if let node = fields["version"] {
            contents.version = version(node)
        } else {
            reader.report(.missingKey, "the file has no 'version'; start it with 'version: 1'", at: root)
        }
        contents.target = fields["target"].flatMap { target($0, as: .target, label: "target") }
        if let node = fields["targets"] { contents.targets = (namedTargets(node), reader.location(node)) }
        contents.policy = fields["policy"].flatMap { policy($0) }
        contents.safety = fields["safety"].flatMap { safety($0) }
        if let node = fields["rules"] { contents.rules = reader.list(node, "rules").compactMap { rule($0) } }
        // A list the reader kept whole (an anchored one, or an alias) is decoded here, item by item.
        for key in Self.streamedKeys.sorted() {
            guard let node = fields[key] else { continue }
            for item in reader.list(node, key) { decodeItem(of: key, item) }
        }
        contents.users = users
        contents.groups = groups
        return contents
    }

    /// The top-level lists whose items the reader hands over one by one (see `decodeItem`).
    static let streamedKeys: Set<String> = ["users", "groups"]

    private var users: [DesiredUser] = []
    private var groups: [DesiredGroup] = []

    /// Decodes one item of `users` or `groups` as soon as the reader has it, so that the nodes of a large
    /// file are never all held at once.
    mutating func decodeItem(of key: String, _ node: Node) {
        if key == "users" {
            if let user = user(node) { users.append(user) }
        } else if let group = group(node) {
            groups.append(group)
        }
    }

    private mutating func version(_ node: Node) -> Located<Int>? {
        guard let scalar = node.scalar, case .int(let value) = scalar.resolved else {
            reader.report(
                .unsupportedVersion, "version must be the number 1, found \(reader.describe(node))", at: node)
            return nil
        }
        guard value == 1 else {
            reader.report(
                .unsupportedVersion, "version \(value) is not supported; this scimctl reads version 1", at: node)
            return nil
        }
        return Located(value, at: reader.location(node))
    }

    // MARK: Sections

    private mutating func target(_ node: Node, as keys: MappingKeys, label: String) -> Target? {
        guard let fields = reader.fields(node, as: keys, what: label) else { return nil }
        return target(fields, label: label)
    }

    private mutating func target(_ fields: Fields, label: String) -> Target? {
        var target = Target(location: fields.location)
        if let node = fields["url"], let url = reader.string(node, "\(label).url") {
            if reader.noteCredentials(in: node) {
                // Found by reading the text, so also in a URL no parser accepts; never echoed.
                reader.report(
                    .secretInYAML,
                    "\(label).url carries credentials (user:password@); put the token in the environment variable "
                        + "named by \(label).tokenEnv (default SCIM_TOKEN) instead",
                    at: node, redactsSource: true)
            } else if let problem = TargetURL.problem(url) {
                reader.report(problem.code, problem.message, at: node, redactsSource: problem.code == .secretInYAML)
            } else {
                target.url = Located(url, at: reader.location(node))
            }
        }
        if let node = fields["provider"], let name = reader.string(node, "\(label).provider") {
            do {
                target.profile = Located(try BuiltInProfiles.resolve(name), at: reader.location(node))
            } catch {
                let hint = error.suggestion.map { "did you mean '\($0)'? " } ?? ""
                reader.report(
                    .invalidValue,
                    "unknown provider \(quote(name)); \(hint)the built-in profiles are "
                        + BuiltInProfiles.names.joined(separator: ", ") + " (or write one: \(label).profile: FILE)",
                    at: node)
            }
        }
        if let node = fields["profile"], let path = reader.name(node, "\(label).profile") {
            if let provider = fields["provider"] {
                reader.report(
                    .invalidValue, "\(label).profile and \(label).provider both name a profile; keep one", at: node,
                    notes: [.init("provider given here", at: reader.location(provider))])
            } else {
                target.profileFile = Located(resolve(path.value), at: path.location)
            }
        }
        if let node = fields["caFile"], let path = reader.name(node, "\(label).caFile") {
            target.caFile = Located(resolve(path.value), at: path.location)
        }
        if let node = fields["auth"] { target.auth = auth(node) }
        if let node = fields["tokenCommand"] { target.tokenCommand = tokenCommand(node, label: label) }
        if fields["tokenEnv"] != nil, let command = fields["tokenCommand"] {
            reader.report(
                .invalidValue, "\(label) names both tokenEnv and tokenCommand; keep one", at: command)
        }
        if let node = fields["tokenEnv"], let name = reader.string(node, "\(label).tokenEnv") {
            if isEnvironmentVariableName(name) {
                target.tokenEnv = Located(name, at: reader.location(node))
            } else {
                // Never echo the value: a token pasted here by mistake must not reach the output.
                Secrets.register(name)
                reader.markSecret(lines: node.mark.line...node.mark.line)
                reader.report(
                    .invalidValue,
                    "\(label).tokenEnv must be the name of an environment variable (letters, digits and '_', "
                        + "not starting with a digit), not the token itself",
                    at: node, redactsSource: true)
            }
        }
        return target
    }

    /// `targets:`: a mapping of target names to targets, each with its own policy and safety.
    private mutating func namedTargets(_ node: Node) -> [NamedTarget] {
        guard let pairs = node.mapping else {
            reader.report(
                .wrongType, "targets must be a mapping of target names to targets, found \(reader.describe(node))",
                at: node)
            return []
        }
        if pairs.isEmpty { reader.report(.invalidValue, "targets is empty; name at least one target", at: node) }
        var entries: [NamedTarget] = []
        var seen: [String: Node] = [:]
        for pair in pairs {
            guard let name = targetName(pair.key) else { continue }
            if let earlier = seen[name.value.lowercased()] {
                reader.report(
                    .duplicateKey, "target \(quote(name.value)) is given twice (target names ignore case)",
                    at: pair.key, notes: [.init("first given here", at: reader.location(earlier))])
                continue
            }
            seen[name.value.lowercased()] = pair.key
            let label = "targets.\(name.value)"
            guard let fields = reader.fields(pair.value, as: .namedTarget, what: label),
                let target = target(fields, label: label)
            else { continue }
            var entry = NamedTarget(name: name, target: target)
            if let node = fields["policy"] { entry.policy = policy(node) }
            if let node = fields["safety"] { entry.safety = safety(node) }
            entries.append(entry)
        }
        return entries
    }

    /// A target's name: a letter, then letters, digits, '-' or '_' (it names the target in flags,
    /// journals and JSON).
    private mutating func targetName(_ node: Node) -> Located<String>? {
        guard let name = reader.name(node, "a target name") else { return nil }
        let bytes = Array(name.value.utf8)
        func isLetter(_ byte: UInt8) -> Bool { byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z") }
        guard bytes.count <= 64, let first = bytes.first, isLetter(first),
            bytes.allSatisfy({
                isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "_")
            })
        else {
            reader.report(
                .invalidValue,
                "\(quote(name.value)) is not a target name (a letter, then letters, digits, '-' or '_'; at most 64)",
                at: node)
            return nil
        }
        return name
    }

    /// `tokenCommand: [program, arg…]`: run without a shell, its standard output the token.
    private mutating func tokenCommand(_ node: Node, label: String) -> Located<[String]>? {
        guard node.sequence != nil else {
            reader.report(
                .wrongType,
                "\(label).tokenCommand must be a list: the program and its arguments, run without a shell "
                    + "(for example [op, read, \"op://vault/item/token\"]), found \(reader.describe(node))",
                at: node)
            return nil
        }
        var argv: [String] = []
        for item in reader.list(node, "\(label).tokenCommand") {
            guard let word = reader.string(item, "an argument of \(label).tokenCommand") else { return nil }
            argv.append(word)
        }
        guard let program = argv.first, !program.isEmpty else {
            reader.report(.invalidValue, "\(label).tokenCommand is empty; name the program to run", at: node)
            return nil
        }
        return Located(argv, at: reader.location(node))
    }

    /// A path relative to the file that declares it, so the same YAML works from any working directory.
    private func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        // Kept relative when the declaring file's path is, so messages name it as the user would.
        let folder = (reader.file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    /// `target.auth`: OAuth2 client credentials, every key checked even when one is wrong.
    private mutating func auth(_ node: Node) -> OAuth2Settings? {
        guard let fields = reader.fields(node, as: .auth, what: "target.auth") else { return nil }
        var complete = true
        if let typeNode = fields["type"], let type = reader.string(typeNode, "target.auth.type") {
            if type != "oauth2" {
                reader.report(
                    .invalidValue,
                    "target.auth.type \(quote(type)) is not supported; the one type is oauth2 "
                        + "(client credentials)", at: typeNode)
                complete = false
            }
        } else {
            if fields["type"] == nil { reader.report(.missingKey, "target.auth has no type (oauth2)", at: node) }
            complete = false
        }
        var tokenURL: Located<String>?
        if let urlNode = fields["tokenUrl"], let text = reader.string(urlNode, "target.auth.tokenUrl") {
            if reader.noteCredentials(in: urlNode) {
                reader.report(
                    .secretInYAML,
                    "target.auth.tokenUrl carries credentials; they go in clientIdEnv and clientSecretEnv",
                    at: urlNode, redactsSource: true)
            } else if text.hasPrefix("sandbox:") || TargetURL.problem(text) != nil {
                reader.report(
                    .invalidURL, "target.auth.tokenUrl must be https://HOST/PATH (http:// only to loopback)",
                    at: urlNode)
            } else {
                tokenURL = Located(text, at: reader.location(urlNode))
            }
        } else if fields["tokenUrl"] == nil {
            reader.report(.missingKey, "target.auth has no tokenUrl", at: node)
        }
        func variable(_ key: String) -> Located<String>? {
            guard let node = fields[key] else {
                reader.report(
                    .missingKey, "target.auth has no \(key) (the environment variable that holds it)", at: node)
                return nil
            }
            guard let name = reader.string(node, "target.auth.\(key)") else { return nil }
            guard isEnvironmentVariableName(name) else {
                // It may be the secret itself, pasted in the wrong place: never echoed.
                Secrets.register(name)
                reader.markSecret(lines: node.mark.line...node.mark.line)
                reader.report(
                    .invalidValue, "target.auth.\(key) must name an environment variable, not hold the value",
                    at: node, redactsSource: true)
                return nil
            }
            return Located(name, at: reader.location(node))
        }
        let clientId = variable("clientIdEnv")
        let clientSecret = variable("clientSecretEnv")
        let scope = fields["scope"].flatMap { reader.string($0, "target.auth.scope") }
        guard complete, let tokenURL, let clientId, let clientSecret else { return nil }
        return OAuth2Settings(tokenURL: tokenURL, clientIdEnv: clientId, clientSecretEnv: clientSecret, scope: scope)
    }

    private mutating func policy(_ node: Node) -> Policy? {
        guard let fields = reader.fields(node, as: .policy) else { return nil }
        var policy = Policy(location: fields.location)
        policy.declaredKeys = Set(MappingKeys.policy.keys.filter { fields[$0] != nil })
        if let node = fields["unmanaged"], let value: UnmanagedUserPolicy = reader.choice(node, "unmanaged policy") {
            policy.unmanaged = value
        }
        if let node = fields["unmanagedGroups"],
            let value: UnmanagedGroupPolicy = reader.choice(node, "unmanagedGroups policy")
        {
            policy.unmanagedGroups = value
        }
        if let node = fields["protect"] {
            for item in reader.list(node, "protect") {
                guard let text = reader.string(item, "a protect pattern") else { continue }
                do {
                    policy.protect.append(Located(try GlobPattern(text), at: reader.location(item)))
                } catch {
                    reader.report(
                        .invalidGlob, "protect pattern \(quote(text)) is not a valid glob: \(error.reason)", at: item)
                }
            }
        }
        return policy
    }

    private mutating func safety(_ node: Node) -> Safety? {
        guard let fields = reader.fields(node, as: .safety) else { return nil }
        var safety = Safety(location: fields.location)
        safety.declaredKeys = Set(MappingKeys.safety.keys.filter { fields[$0] != nil })
        if let node = fields["maxDestructive"], let value = reader.integer(node, "maxDestructive", in: 0...1_000_000) {
            safety.maxDestructive = value
        }
        if let node = fields["maxDestructivePercent"],
            let value = reader.number(node, "maxDestructivePercent", in: 0...100)
        {
            safety.maxDestructivePercent = value
        }
        if let node = fields["approve"] {
            for item in reader.list(node, "approve") {
                guard let digest = reader.string(item, "an approved digest") else { continue }
                if isDigest(digest) {
                    safety.approve.append(Located(digest, at: reader.location(item)))
                } else {
                    reader.report(
                        .invalidDigest,
                        "\(quote(digest)) is not a destructive digest; copy it from the blocked plan (sha256: and 64 hex digits)",
                        at: item)
                }
            }
        }
        return safety
    }

    // MARK: Users and groups

    /// A user, or (`override`) the overrides of one `access` entry, read with the same keys less `access`,
    /// where userName may be left out.
    private mutating func user(_ node: Node, override: Bool = false) -> DesiredUser? {
        guard let fields = reader.fields(node, as: override ? .access : .user) else { return nil }
        let userName: Located<String>?
        if let userNameNode = fields["userName"] {
            userName = reader.name(userNameNode, "userName")
            if let userName { reader.checkLookalikes(userName, "userName", at: userNameNode) }
        } else if override {
            userName = Located("", at: fields.location)
        } else {
            reader.report(.missingKey, "this user has no userName", at: node)
            userName = nil
        }
        // Without a usable userName the entry is still read to the end, so every problem in it is reported.
        var user = DesiredUser(userName: userName ?? Located("", at: fields.location), location: fields.location)
        user.externalId = reader.declaredString(fields["externalId"], "externalId")
        if let node = fields["previously"] { user.previously = reader.names(node, "previously") }
        for attribute in AttributeTable.strings(in: .core) {
            let value = reader.declaredString(fields[attribute.key], attribute.path)
            if value.isDeclared { user.attributes[attribute] = value }
        }
        if let node = fields["name"] { section(node, .name, as: .name, into: &user) }
        if let node = fields["active"], let active = reader.bool(node, "active") {
            user.active = .set(active, at: reader.location(node))
        }
        for attribute in AttributeTable.userContacts {
            if let node = fields[attribute.key] { user.contacts[attribute] = contacts(node, attribute) }
        }
        if let node = fields["enterprise"] { section(node, .enterprise, as: .enterprise, into: &user) }
        if let node = fields["extensions"] { user.extensions = extensions(node, core: SchemaURN.user) }
        if let node = fields["groups"] { user.groups = reader.names(node, "groups") }
        if let node = fields["expires"], !reader.isNull(node) { user.expires = reader.day(node, "expires") }
        if let node = fields["deleteAfter"], !reader.isNull(node) {
            user.deleteAfter = reader.day(node, "deleteAfter")
        }
        if !override, let node = fields["access"] { user.access = access(node) }
        return userName == nil ? nil : user
    }

    /// `access:`: target names, each mapped to that target's groups and overrides (`{}` for none).
    private mutating func access(_ node: Node) -> [TargetAccess] {
        guard let pairs = node.mapping else {
            reader.report(
                .wrongType,
                "access must be a mapping of target names to what the person has there (groups, overrides), "
                    + "found \(reader.describe(node))", at: node)
            return []
        }
        var entries: [TargetAccess] = []
        var seen: [String: Node] = [:]
        for pair in pairs {
            guard let name = reader.name(pair.key, "a target name") else { continue }
            if let earlier = seen[name.value.lowercased()] {
                reader.report(
                    .duplicateKey, "access to \(quote(name.value)) is given twice", at: pair.key,
                    notes: [.init("first given here", at: reader.location(earlier))])
                continue
            }
            seen[name.value.lowercased()] = pair.key
            let overrides: DesiredUser?
            if reader.isNull(pair.value) {
                overrides = DesiredUser(userName: Located("", at: name.location), location: name.location)
            } else {
                overrides = user(pair.value, override: true)
            }
            guard let overrides else { continue }
            entries.append(TargetAccess(target: name, overrides: overrides, location: name.location))
        }
        return entries
    }

    /// `name:` or `enterprise:`: a mapping of the table's string attributes of that section (and the
    /// manager); `null` clears the section as a whole.
    private mutating func section(
        _ node: Node, _ section: ManagedAttribute.Section, as keys: MappingKeys, into user: inout DesiredUser
    ) {
        if reader.isNull(node) {
            user.sections[section] = .cleared(at: reader.location(node))
            return
        }
        guard let fields = reader.fields(node, as: keys) else { return }
        user.sections[section] = .set(true, at: fields.location)
        for attribute in AttributeTable.strings(in: section) {
            let value = reader.declaredString(fields[attribute.key], attribute.path)
            if value.isDeclared { user.attributes[attribute] = value }
        }
        for attribute in AttributeTable.references(in: section) {
            // The enterprise manager is the one reference the table has.
            user.manager = reader.declaredString(fields[attribute.key], attribute.path)
        }
    }

    /// `extensions:`: schema URNs, each a mapping of attribute names to values (`null` clears one).
    /// Only the shape is checked here; the provider's `/Schemas` say the rest at plan time.
    private mutating func extensions(_ node: Node, core: String) -> [ExtensionAttribute] {
        guard let pairs = node.mapping else {
            if !reader.isNull(node) {
                reader.report(
                    .wrongType, "extensions must be a mapping of schema URNs, found \(reader.describe(node))", at: node)
            }
            return []
        }
        var attributes: [ExtensionAttribute] = []
        var seenSchemas: [String: Node] = [:]
        for pair in pairs {
            guard let urn = reader.string(pair.key, "an extension schema") else { continue }
            if let problem = SchemaURN.problem(urn, core: core) {
                reader.report(.invalidValue, problem, at: pair.key)
                continue
            }
            if let earlier = seenSchemas[urn.lowercased()] {
                reader.report(
                    .duplicateKey, "the schema \(quote(urn)) is given twice", at: pair.key,
                    notes: [.init("first given here", at: reader.location(earlier))])
                continue
            }
            seenSchemas[urn.lowercased()] = pair.key
            guard let values = pair.value.mapping else {
                reader.report(
                    .wrongType,
                    "\(quote(urn)) must be a mapping of attribute names to values, found "
                        + reader.describe(pair.value), at: pair.value)
                continue
            }
            var seenNames: [String: Node] = [:]
            for entry in values {
                guard let name = reader.string(entry.key, "an extension attribute name") else { continue }
                guard SchemaURN.isAttributeName(name) else {
                    reader.report(
                        .invalidValue,
                        "\(quote(name)) is not a SCIM attribute name (a letter, then letters, digits, '-' or '_')",
                        at: entry.key)
                    continue
                }
                if let earlier = seenNames[name.lowercased()] {
                    reader.report(
                        .duplicateKey, "\(quote(name)) is given twice in \(quote(urn)) (names ignore case)",
                        at: entry.key, notes: [.init("first given here", at: reader.location(earlier))])
                    continue
                }
                seenNames[name.lowercased()] = entry.key
                let value: Declared<ExtensionValue>
                if reader.isNull(entry.value) {
                    value = .cleared(at: reader.location(entry.value))
                } else if let decoded = extensionValue(entry.value, "\(urn):\(name)", depth: 0) {
                    value = .set(decoded, at: reader.location(entry.value))
                } else {
                    continue
                }
                attributes.append(
                    ExtensionAttribute(schema: urn, name: name, value: value, location: reader.location(entry.key)))
            }
        }
        return attributes
    }

    /// A value of an extension attribute: a string, a boolean, a number, a list of them, or a mapping
    /// (a complex attribute, one level deep, as RFC 7643 §2.3.8 allows).
    private mutating func extensionValue(_ node: Node, _ what: String, depth: Int) -> ExtensionValue? {
        switch node.content {
        case .scalar(let scalar):
            switch scalar.resolved {
            case .string(let text):
                return reader.string(node, what).map { _ in .string(text) }
            case .bool(let value): return .bool(value)
            case .int(let value): return .integer(value)
            case .float(let value) where value.isFinite: return .decimal(value)
            case .float, .null:
                reader.report(.invalidValue, "\(what) must be a string, a boolean or a finite number", at: node)
                return nil
            }
        case .sequence(let items):
            guard depth == 0 else {
                reader.report(.wrongType, "\(what): a list cannot hold a list (SCIM has no such type)", at: node)
                return nil
            }
            var values: [ExtensionValue] = []
            for item in items {
                guard let value = extensionValue(item, what, depth: depth + 1) else { continue }
                values.append(value)
            }
            return .list(values)
        case .mapping(let pairs):
            guard depth < 2 else {
                reader.report(.wrongType, "\(what): a complex value cannot hold another (RFC 7643 §2.3.8)", at: node)
                return nil
            }
            var object: [String: ExtensionValue] = [:]
            for pair in pairs {
                guard let key = reader.string(pair.key, "a sub-attribute name") else { continue }
                guard SchemaURN.isAttributeName(key) else {
                    reader.report(.invalidValue, "\(quote(key)) is not a SCIM attribute name", at: pair.key)
                    continue
                }
                if case .mapping = pair.value.content {
                    reader.report(
                        .wrongType, "\(what).\(key): a complex value cannot hold another (RFC 7643 §2.3.8)",
                        at: pair.value)
                    continue
                }
                if case .sequence = pair.value.content {
                    reader.report(.wrongType, "\(what).\(key): a sub-attribute holds one value", at: pair.value)
                    continue
                }
                guard let value = extensionValue(pair.value, "\(what).\(key)", depth: 2) else { continue }
                object[key] = value
            }
            return .object(object)
        }
    }

    /// A multi-valued attribute of the table (emails, phoneNumbers): entries with value, type and
    /// primary, each value as the attribute's format wants it; at most one primary and no value twice.
    private mutating func contacts(_ node: Node, _ attribute: ManagedAttribute) -> Declared<[ContactValue]> {
        if reader.isNull(node) { return .cleared(at: reader.location(node)) }
        let (keys, what) = (MappingKeys.entry(of: attribute), attribute.path)
        var values: [ContactValue] = []
        var primary: ContactValue?
        for item in reader.list(node, what) {
            guard let fields = reader.fields(item, as: keys, what: "an entry of \(what)") else { continue }
            guard let valueNode = fields["value"] else {
                reader.report(.missingKey, "this entry of \(what) has no value", at: item)
                continue
            }
            let value = reader.name(valueNode, "\(what) value")
            if let value { reader.checkLookalikes(value, "\(what) value", at: valueNode) }
            let accepted = value.map { accept($0.value, attribute.entries!.format, at: valueNode) } ?? false
            // The entry's other keys are checked even when its value is refused.
            var contact = ContactValue(value: value?.value ?? "", location: fields.location)
            if let node = fields["type"], let type = reader.string(node, "\(what) type") { contact.type = type }
            if let node = fields["primary"], let isPrimary = reader.bool(node, "primary") {
                contact.primary = isPrimary
            }
            guard accepted else { continue }
            // "Twice" as the plan compares values: ignoring case unless the attribute is caseExact.
            let fold = { (value: String) in attribute.caseExact ? value : value.caseFolded }
            let key = fold(contact.value)
            if let earlier = values.first(where: { fold($0.value) == key }) {
                reader.report(
                    .invalidValue, "\(quote(contact.value)) is listed twice in \(what)", at: valueNode,
                    notes: [.init("first listed here", at: earlier.location)])
                continue
            }
            if contact.primary, let first = primary {
                reader.report(
                    .multiplePrimary, "only one entry of \(what) may be primary", at: item,
                    notes: [.init("already primary", at: first.location)])
                contact.primary = false
            } else if contact.primary {
                primary = contact
            }
            values.append(contact)
        }
        return .set(values, at: reader.location(node))
    }

    /// Whether `value` is what an entry of that format holds; reports it where not.
    private mutating func accept(
        _ value: String, _ format: ManagedAttribute.Entries.Format, at node: Node
    ) -> Bool {
        switch format {
        case .text: return true
        case .emailAddress:
            guard EmailAddress.isValid(value) else {
                reader.report(.invalidEmail, "\(quote(value)) is not an email address", at: node)
                return false
            }
            return true
        }
    }

    private mutating func group(_ node: Node) -> DesiredGroup? {
        guard let fields = reader.fields(node, as: .group) else { return nil }
        let displayName: Located<String>?
        if let displayNameNode = fields["displayName"] {
            displayName = reader.name(displayNameNode, "displayName")
            if let displayName { reader.checkLookalikes(displayName, "displayName", at: displayNameNode) }
        } else {
            reader.report(.missingKey, "this group has no displayName", at: node)
            displayName = nil
        }
        var group = DesiredGroup(
            displayName: displayName ?? Located("", at: fields.location), location: fields.location)
        group.externalId = reader.declaredString(fields["externalId"], "externalId")
        if let node = fields["previously"] { group.previously = reader.names(node, "previously") }
        if let node = fields["members"] { group.members = reader.names(node, "members") }
        if let node = fields["extensions"] { group.extensions = extensions(node, core: SchemaURN.group) }
        if let node = fields["target"] { group.target = reader.name(node, "the group's target") }
        return displayName == nil ? nil : group
    }

    // MARK: Value shapes

    private func isEnvironmentVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
        }
    }

    private func isDigest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.utf8.dropFirst(7)
        return hex.count == 64
            && hex.allSatisfy {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
            }
    }
}
