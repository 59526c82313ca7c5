public import Catalog
import Foundation
import YAML

/// The provider profiles scimctl ships: YAML documents in `Sources/DesiredState/Profiles`, embedded in
/// the binary, in the same format as a profile a user writes (`target.profile: FILE`).
public enum BuiltInProfiles {
    /// The documents, by name.
    public static let documents: [String: [UInt8]] = [
        "generic": PackageResources.generic_yaml, "qase": PackageResources.qase_yaml,
        "aws": PackageResources.aws_yaml, "entra": PackageResources.entra_yaml,
        "github": PackageResources.github_yaml, "slack": PackageResources.slack_yaml,
        "atlassian": PackageResources.atlassian_yaml,
    ]

    /// The names `target.provider` and `serve --profile` accept: generic first, then by name.
    public static let names: [String] = ["generic"] + documents.keys.filter { $0 != "generic" }.sorted()

    private static let profiles: [String: ProviderProfile] = documents.mapValues { bytes in
        let (profile, diagnostics) = ProfileDecoder.decode(bytes, file: "built-in")
        // The documents ship with the binary and a test reads each: a failure here is a build defect.
        guard let profile, diagnostics.isEmpty else {
            preconditionFailure("a built-in profile does not load: \(diagnostics.map(\.message))")
        }
        return profile
    }

    public static func named(_ name: String) -> ProviderProfile? { profiles[name] }

    /// The built-in profile `name`, or why there is none: the one look-up by name, for the YAML's
    /// `target.provider`, a saved plan's target, `serve --profile` and `import --provider`.
    public static func resolve(_ name: String) throws(UnknownProfile) -> ProviderProfile {
        guard let profile = profiles[name] else {
            throw UnknownProfile(name: name, suggestion: nearestKey(to: name, in: names))
        }
        return profile
    }

    /// A profile name that names no built-in profile.
    public struct UnknownProfile: Error, Sendable, CustomStringConvertible {
        public var name: String
        /// The nearest built-in name, when one is close.
        public var suggestion: String?

        /// `unknown provider 'qsae'; did you mean 'qase'? the built-in profiles are generic, …`
        public var description: String {
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "unknown provider '\(name)'; \(hint)the built-in profiles are " + names.joined(separator: ", ")
        }
    }
}

/// Reads a provider profile document: every key checked, every problem located.
public enum ProfileDecoder {
    /// The profile in `bytes`, or nil with the reasons.
    public static func decode(_ bytes: [UInt8], file: String) -> (ProviderProfile?, [Diagnostic]) {
        let parsed = bytes.withUnsafeBytes { buffer in Result { () throws(YAMLError) in try YAMLReader.read(buffer) } }
        let root: Node
        switch parsed {
        case .success(let node?): root = node
        case .success(nil):
            return (nil, [Diagnostic(.emptyFile, "the profile is empty; it starts with 'profile: 1'", at: .file(file))])
        case .failure(let error):
            let location = SourceLocation(file: file, line: error.mark.line, column: error.mark.column)
            return (nil, [Diagnostic(.yamlSyntax, error.message, at: location)])
        }
        var decoder = Decoder(reader: NodeReader(file: file))
        let profile = decoder.profile(root, source: file)
        let diagnostics = decoder.reader.diagnostics
        return (diagnostics.hasErrors ? nil : profile, diagnostics)
    }

    /// Reads a profile file (at most 1 MiB) as the loader reads the org's: regular files only (never
    /// blocking on a FIFO or a device), UTF-8, the size cap checked on what was opened.
    public static func load(path: String) -> (ProviderProfile?, [Diagnostic], bytes: [UInt8]) {
        var diagnostics: [Diagnostic] = []
        guard let bytes = DesiredStateLoader(maxFileSize: 1 << 20).read(path, diagnostics: &diagnostics) else {
            return (nil, diagnostics, [])
        }
        let (profile, problems) = decode(bytes, file: path)
        return (profile, problems, bytes)
    }

    /// The bounds a profile's numbers must keep (the editor schema states the same ones).
    enum Limits {
        static let pageSize = 1...10_000
        static let membersPerPatch = 1...10_000
        static let requestsPerSecond = 0.01...10_000.0
        static let maxLength = 1...1_000_000
        static let duplicateUserNameStatuses = [400, 409]
    }

    /// RFC 7644 §3.4.2.2's filter operators.
    static let filterOperators = ["eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and", "or", "not"]

    /// What `insistsOn` cannot name: scimctl writes these itself.
    static let writtenByScimctl = ["id", "meta", "schemas"]

    /// RFC 7643 §2.1's ATTRNAME (ALPHA *(nameChar)), with "$" as in `$ref`: what `insistsOn` names.
    static let attributeNamePattern = "^[A-Za-z][A-Za-z0-9_$-]*$"

    private struct Decoder {
        var reader: NodeReader

        mutating func profile(_ root: Node, source: String) -> ProviderProfile? {
            guard let fields = reader.fields(root, as: .profileDocument, what: "the profile") else { return nil }
            if let node = fields["profile"] {
                if case .int(1)? = node.scalar?.resolved {
                } else {
                    reader.report(.unsupportedVersion, "profile must be the number 1 (the format version)", at: node)
                }
            } else {
                reader.report(.missingKey, "the profile has no 'profile: 1' (the format version)", at: root)
            }
            guard let nameNode = fields["name"], let name = reader.name(nameNode, "name") else {
                if fields["name"] == nil { reader.report(.missingKey, "the profile has no name", at: root) }
                return nil
            }
            var profile = ProviderProfile(name: name.value, source: source)
            if let node = fields["description"] { _ = reader.string(node, "description") }
            if let node = fields["listing"], let listing = reader.fields(node, as: .profileListing) {
                if let node = listing["pageSize"] {
                    profile.pageSize = reader.integer(node, "pageSize", in: Limits.pageSize)
                }
                if let node = listing["paging"] { profile.paging = reader.choice(node, "paging mode") }
                if let node = listing["filterOperators"] {
                    var operators: Set<String> = []
                    for item in reader.list(node, "filterOperators") {
                        guard let text = reader.string(item, "a filter operator") else { continue }
                        if ProfileDecoder.filterOperators.contains(text) {
                            operators.insert(text)
                        } else {
                            reader.report(
                                .invalidValue,
                                "\(quote(text)) is not an RFC 7644 filter operator (\(ProfileDecoder.filterOperators.sorted().joined(separator: ", ")))",
                                at: item)
                        }
                    }
                    if !operators.contains("eq") {
                        reader.report(
                            .invalidValue, "filterOperators must include eq: scimctl looks users up by it", at: node)
                    }
                    profile.filterOperators = operators
                }
                if let node = listing["sorting"] { profile.sorting = reader.bool(node, "sorting") }
            }
            if let node = fields["writes"], let writes = reader.fields(node, as: .profileWrites) {
                if let node = writes["patch"] { profile.patchSupported = reader.bool(node, "patch") }
                if let node = writes["opCasing"], let casing: ProviderProfile.OpCasing = reader.choice(node, "opCasing")
                {
                    profile.opCasing = casing
                }
                if let node = writes["maxMembersAddedPerPatch"],
                    let value = reader.integer(node, "maxMembersAddedPerPatch", in: Limits.membersPerPatch)
                {
                    profile.maxMembersAddedPerPatch = value
                }
                if let node = writes["maxMembersRemovedPerPatch"],
                    let value = reader.integer(node, "maxMembersRemovedPerPatch", in: Limits.membersPerPatch)
                {
                    profile.maxMembersRemovedPerPatch = value
                }
                if let node = writes["bulk"] { profile.bulkSupported = reader.bool(node, "bulk") }
                if let node = writes["etags"] { profile.etagSupported = reader.bool(node, "etags") }
                if let node = writes["requestsPerSecond"] {
                    profile.requestsPerSecond = reader.number(node, "requestsPerSecond", in: Limits.requestsPerSecond)
                }
            }
            if let node = fields["groups"], let groups = reader.fields(node, as: .profileGroups) {
                if let node = groups["supported"] { profile.groupsSupported = reader.bool(node, "groups.supported") }
                if let node = groups["membershipRead"] {
                    profile.membershipRead = reader.choice(node, "membershipRead")
                }
                if let node = groups["keepsMembersOfDeletedUsers"],
                    let value = reader.bool(node, "keepsMembersOfDeletedUsers")
                {
                    profile.keepsMembersOfDeletedUsers = value
                }
                if let node = groups["insistsOn"] { profile.groupsInsistOn = insisted(node, "groups.insistsOn") }
            }
            if let node = fields["users"], let users = reader.fields(node, as: .profileUsers) {
                if let node = users["userNameIsEmail"], let value = reader.bool(node, "userNameIsEmail") {
                    profile.userNameIsEmail = value
                }
                if let node = users["required"] {
                    profile.requiredAttributes = reader.list(node, "required").compactMap { attributePath($0) }
                }
                if let node = users["maxLength"] {
                    for (path, valueNode) in attributeMap(node, "maxLength") {
                        if let limit = reader.integer(valueNode, "maxLength", in: Limits.maxLength) {
                            profile.maxLength[path] = limit
                        }
                    }
                }
                if let node = users["allowedValues"] {
                    for (path, valueNode) in attributeMap(node, "allowedValues") {
                        let values = reader.list(valueNode, "allowedValues").compactMap { reader.string($0, "a value") }
                        if values.isEmpty {
                            reader.report(.invalidValue, "allowedValues of \(path) lists no value", at: valueNode)
                        }
                        profile.allowedValues[path] = values
                    }
                }
                if let node = users["duplicateUserNameStatus"],
                    let status = reader.integer(node, "duplicateUserNameStatus", in: 400...409)
                {
                    if Limits.duplicateUserNameStatuses.contains(status) {
                        profile.duplicateUserNameStatus = status
                    } else {
                        reader.report(.invalidValue, "duplicateUserNameStatus is 409 (RFC 7644) or 400", at: node)
                    }
                }
                if let node = users["deleteDeactivates"], let value = reader.bool(node, "deleteDeactivates") {
                    profile.deleteDeactivates = value
                }
                if let node = users["insistsOn"] { profile.usersInsistOn = insisted(node, "users.insistsOn") }
            }
            return profile
        }

        /// A plan path naming a string attribute of the table (`displayName`, `name.givenName`).
        mutating func attributePath(_ node: Node) -> String? {
            guard let path = reader.string(node, "an attribute") else { return nil }
            guard AttributeTable.string(at: path) != nil else {
                let known = AttributeTable.userStrings.map(\.path)
                let hint = nearestKey(to: path, in: known).map { "; did you mean '\($0)'?" } ?? ""
                reader.report(
                    .invalidValue,
                    "\(quote(path)) is not a string attribute scimctl manages\(hint) (one of: \(known.joined(separator: ", ")))",
                    at: node)
                return nil
            }
            return path
        }

        /// `insistsOn`: top-level attribute names (RFC 7643 ATTRNAME) with the value to send: a string, true
        /// or false, a whole number, `[]` or `{}`. What scimctl itself writes (`id`, `meta`, `schemas`) is
        /// refused: a profile cannot make a request say something else about them.
        mutating func insisted(_ node: Node, _ what: String) -> [String: ProviderProfile.SentValue] {
            guard let pairs = node.mapping else {
                reader.report(
                    .wrongType,
                    "\(what) must be a mapping of attribute names to values, found \(reader.describe(node))",
                    at: node)
                return [:]
            }
            var result: [String: ProviderProfile.SentValue] = [:]
            for pair in pairs {
                guard let name = reader.string(pair.key, "an attribute name") else { continue }
                guard Self.isAttributeName(name) else {
                    reader.report(
                        .invalidValue,
                        "\(quote(name)) is not a SCIM attribute name (a letter, then letters, digits, '-', '_' or '$'); "
                            + "\(what) names top-level attributes",
                        at: pair.key)
                    continue
                }
                guard !ProfileDecoder.writtenByScimctl.contains(name.lowercased()) else {
                    reader.report(.invalidValue, "\(what) cannot set \(quote(name)): scimctl writes it", at: pair.key)
                    continue
                }
                guard !result.keys.contains(where: { $0.lowercased() == name.lowercased() }) else {
                    reader.report(
                        .duplicateKey, "\(quote(name)) is given twice in \(what) (attribute names ignore case)",
                        at: pair.key)
                    continue
                }
                if let value = sentValue(pair.value, "\(what).\(name)") { result[name] = value }
            }
            return result
        }

        mutating func sentValue(_ node: Node, _ what: String) -> ProviderProfile.SentValue? {
            if let items = node.sequence, items.isEmpty { return .emptyList }
            if let pairs = node.mapping, pairs.isEmpty { return .emptyObject }
            if let scalar = node.scalar, scalar.tag == nil, scalar.style == .plain {
                switch scalar.resolved {
                case .bool: return reader.bool(node, what).map { .bool($0) }
                case .int(let value): return .integer(value)
                case .string where scalar.isYAML11Boolean: return reader.bool(node, what).map { .bool($0) }
                default: break
                }
            }
            if node.scalar != nil, let text = reader.string(node, what) { return .string(text) }
            if node.scalar == nil {
                reader.report(
                    .wrongType,
                    "\(what) must be a string, true or false, a whole number, [] or {}, found \(reader.describe(node))",
                    at: node)
            }
            return nil
        }

        /// RFC 7643 §2.1's ATTRNAME, by the one pattern the editor schema states too.
        static func isAttributeName(_ name: String) -> Bool {
            // The pattern is a constant of this file; a test reads a profile through it.
            guard let pattern = try? Regex(ProfileDecoder.attributeNamePattern) else { return false }
            return name.wholeMatch(of: pattern) != nil
        }

        /// A mapping keyed by attribute paths.
        mutating func attributeMap(_ node: Node, _ what: String) -> [(String, Node)] {
            guard let pairs = node.mapping else {
                reader.report(
                    .wrongType, "\(what) must be a mapping of attributes, found \(reader.describe(node))", at: node)
                return []
            }
            return pairs.compactMap { pair in attributePath(pair.key).map { ($0, pair.value) } }
        }
    }
}
