import Catalog
import SafeText

/// Writes `schema/scimctl.schema.json` (JSON Schema 2020-12, for editors and CI linters) from the key
/// tables and the attribute table, so that the schema cannot drift from what the loader reads. A test
/// compares the committed file with `SchemaGenerator.desiredState()`.
public enum SchemaGenerator {
    /// The desired-state schema, as the committed file holds it (two-space indentation, final newline).
    public static func desiredState() -> String {
        let document: [(String, OrderedJSON)] = [
            ("$schema", "https://json-schema.org/draft/2020-12/schema"),
            ("$id", "https://scimctl.dev/schema/scimctl.schema.json"),
            ("title", "scimctl desired state, version 1"),
            (
                "description",
                "Users and groups of a SCIM 2.0 provider, declared as code. Only attributes written here are managed; null clears one."
            ),
            ("type", "object"), ("additionalProperties", false), ("required", .array(["version"])),
            (
                "properties",
                .object([
                    ("version", .object([("const", 1), ("description", "The format version; always 1.")])),
                    ("target", reference("target")),
                    (
                        "targets",
                        .object([
                            ("type", "object"), ("minProperties", 1),
                            ("propertyNames", .object([("pattern", .string(targetNamePattern))])),
                            ("additionalProperties", reference("namedTarget")),
                            (
                                "description",
                                "The targets of a people directory, by name (instead of target). Each person's access names the targets they have an account in."
                            ),
                        ])
                    ),
                    ("policy", reference("policy")), ("safety", reference("safety")),
                    ("users", nullable(.object([("type", orNull("array")), ("items", reference("user"))]))),
                    ("groups", nullable(.object([("type", orNull("array")), ("items", reference("group"))]))),
                    (
                        "rules",
                        .object([
                            ("type", orNull("array")), ("items", reference("rule")),
                            (
                                "description",
                                "Policy checked offline by validate and plan on the plan's day; each violation is a diagnostic rule/ID."
                            ),
                        ])
                    ),
                ])
            ),
            ("$defs", .object(definitions)),
        ]
        return OrderedJSON.object(document).pretty() + "\n"
    }

    private static var definitions: [(String, OrderedJSON)] {
        [
            ("target", target), ("namedTarget", namedTarget), ("auth", auth), ("policy", policy), ("safety", safety),
            ("user", user), ("access", access),
            ("name", section(.name, description: nil)),
        ]
            + AttributeTable.userContacts.map { ($0.entries!.definition, contactEntry($0.entries!)) } + [
                ("enterprise", section(.enterprise, description: "The SCIM enterprise user extension.")),
                ("extensions", extensions), ("group", group), ("rule", rule), ("selector", selector),
                ("require", require), ("range", range),
            ]
    }

    private static let targetNamePattern = "^[A-Za-z][A-Za-z0-9_-]{0,63}$"

    private static var target: OrderedJSON {
        closed(
            description: "Where to reconcile. At most once across all files. Never holds a token.",
            properties: targetProperties)
    }

    private static var namedTarget: OrderedJSON {
        closed(
            description:
                "One target of targets: what target holds, and its own policy and safety keys (over the directory's).",
            properties: targetProperties + [("policy", reference("policy")), ("safety", reference("safety"))])
    }

    private static var targetProperties: [(String, OrderedJSON)] {
        [
            (
                "url",
                .object([
                    ("type", "string"), ("pattern", "^(https?://.+|sandbox:.+)$"),
                    (
                        "description",
                        "https://HOST/PATH (http:// only to loopback) or sandbox:PATH for the embedded provider."
                    ),
                ])
            ),
            (
                "provider",
                .object([
                    ("enum", .array(BuiltInProfiles.names.map(OrderedJSON.string))),
                    ("description", "A built-in provider profile (the provider's quirks)."),
                ])
            ),
            (
                "profile",
                .object([
                    ("type", "string"), ("minLength", 1),
                    (
                        "description",
                        "A provider profile file (schema/profile.schema.json), relative to this file; instead of provider."
                    ),
                ])
            ),
            (
                "tokenEnv",
                .object([
                    ("type", "string"), ("pattern", .string(variablePattern)),
                    (
                        "description",
                        "The environment variable that holds the bearer token (default SCIM_TOKEN)."
                    ),
                ])
            ),
            (
                "caFile",
                .object([
                    ("type", "string"), ("minLength", 1),
                    (
                        "description",
                        "PEM certificates trusted besides the system's (a private CA), relative to this file. --ca-file takes precedence; SSL_CERT_FILE is used when neither is given."
                    ),
                ])
            ),
            (
                "tokenCommand",
                .object([
                    ("type", "array"), ("minItems", 1), ("items", .object([("type", "string")])),
                    (
                        "description",
                        "A program and its arguments, run without a shell, whose standard output is the token (e.g. [op, read, \"op://vault/item/token\"]); instead of tokenEnv."
                    ),
                ])
            ),
            ("auth", reference("auth")),
        ]
    }

    private static let variablePattern = "^[A-Za-z_][A-Za-z0-9_]*$"

    private static var auth: OrderedJSON {
        closed(
            description:
                "Tokens by OAuth2 client credentials (RFC 6749 §4.4) instead of a static bearer token. The id and secret are read from the environment variables named here.",
            required: ["type", "tokenUrl", "clientIdEnv", "clientSecretEnv"],
            properties: [
                ("type", .object([("enum", .array(["oauth2"]))])),
                (
                    "tokenUrl",
                    .object([
                        ("type", "string"), ("pattern", "^https?://.+$"),
                        ("description", "The token endpoint (https://; http:// only to loopback)."),
                    ])
                ),
                ("clientIdEnv", variable("The environment variable that holds the client id.")),
                ("clientSecretEnv", variable("The environment variable that holds the client secret.")),
                (
                    "scope",
                    .object([("type", "string"), ("description", "The scope asked for, if the provider wants one.")])
                ),
            ])
    }

    private static func variable(_ description: String) -> OrderedJSON {
        .object([("type", "string"), ("pattern", .string(variablePattern)), ("description", .string(description))])
    }

    private static var policy: OrderedJSON {
        closed(properties: [
            (
                "unmanaged",
                .object([
                    ("enum", .array(UnmanagedUserPolicy.allCases.map { .string($0.rawValue) })),
                    ("description", "Live users not declared here (default deactivate)."),
                ])
            ),
            (
                "unmanagedGroups",
                .object([
                    ("enum", .array(UnmanagedGroupPolicy.allCases.map { .string($0.rawValue) })),
                    ("description", "Live groups not declared here (default ignore)."),
                ])
            ),
            ("protect", names("userName globs (* ? [a-z]) that are never touched.")),
        ])
    }

    private static var safety: OrderedJSON {
        closed(properties: [
            (
                "maxDestructive",
                .object([
                    ("type", "integer"), ("minimum", 0), ("maximum", 1_000_000),
                    ("description", "Cap on destructive actions per run (default 10)."),
                ])
            ),
            (
                "maxDestructivePercent",
                .object([
                    ("type", "number"), ("minimum", 0), ("maximum", 100),
                    (
                        "description",
                        "Cap as a percentage of live managed users (default 10); the lower cap wins."
                    ),
                ])
            ),
            (
                "approve",
                .object([
                    ("type", orNull("array")),
                    ("items", .object([("type", "string"), ("pattern", "^sha256:[0-9a-f]{64}$")])),
                    ("description", "Destructive digests of reviewed plans that may exceed the cap."),
                ])
            ),
        ])
    }

    private static var userProperties: [String: OrderedJSON] {
        var properties: [String: OrderedJSON] = [
            "userName": .object([
                ("type", "string"), ("minLength", 1), ("description", "The key; compared ignoring case."),
            ]),
            "externalId": string(AttributeTable.byPath["externalId"]!.summary),
            "previously": names("Earlier userNames, so a rename is an update."),
            "name": nullable(reference("name")),
            "active": .object([("type", "boolean"), ("description", .string(AttributeTable.byPath["active"]!.summary))]
            ),
            "enterprise": nullable(reference("enterprise")),
            "extensions": reference("extensions"),
            "groups": names("Groups this user belongs to (unioned with the groups' members)."),
            "expires": day, "deleteAfter": day,
            "access": .object([
                ("type", "object"), ("propertyNames", .object([("pattern", .string(targetNamePattern))])),
                (
                    "additionalProperties",
                    .object([("oneOf", .array([reference("access"), .object([("type", "null")])]))])
                ),
                (
                    "description",
                    "With targets: the targets this person has an account in, each with its groups and overrides."
                ),
            ]),
        ]
        for attribute in AttributeTable.strings(in: .core) { properties[attribute.key] = string(attribute.summary) }
        for attribute in AttributeTable.userContacts {
            properties[attribute.key] = nullable(
                .object([("type", orNull("array")), ("items", reference(attribute.entries!.definition))]))
        }
        return properties
    }

    private static var user: OrderedJSON {
        closed(required: ["userName"], properties: MappingKeys.user.keys.map { ($0, userProperties[$0]!) })
    }

    /// `access.TARGET`: any key of a user (but access) over the person's own in that target.
    private static var access: OrderedJSON {
        closed(
            description:
                "The person's account in one target: its groups, and any attribute that differs there (userName included).",
            properties: MappingKeys.access.keys.map { ($0, userProperties[$0]!) })
    }

    private static func section(_ section: ManagedAttribute.Section, description: String?) -> OrderedJSON {
        let attributes = AttributeTable.strings(in: section) + AttributeTable.references(in: section)
        return closed(description: description, properties: attributes.map { ($0.key, string($0.summary)) })
    }

    /// One entry of a multi-valued attribute.
    private static func contactEntry(_ entries: ManagedAttribute.Entries) -> OrderedJSON {
        var value: [(String, OrderedJSON)] = [("type", "string"), ("minLength", 1)]
        if entries.format == .emailAddress { value.append(("format", "email")) }
        let description = entries.summary
        return .object([
            ("type", "object"), ("additionalProperties", false), ("required", .array(["value"])),
            (
                "properties",
                .object([
                    ("value", .object(value)),
                    (
                        "type",
                        .object([
                            ("type", "string"),
                            ("description", "work, home, mobile, other, … as the provider accepts."),
                        ])
                    ),
                    ("primary", .object([("type", "boolean")])),
                ])
            ),
            ("description", .string(description)),
        ])
    }

    private static var extensions: OrderedJSON {
        let scalar: OrderedJSON = .object([("type", .array(["string", "boolean", "number"]))])
        let complex: OrderedJSON = .object([
            ("type", "object"), ("propertyNames", .object([("pattern", .string(attributeNamePattern))])),
            ("additionalProperties", scalar),
        ])
        let value: OrderedJSON = .object([
            (
                "oneOf",
                .array([
                    scalar, complex, .object([("type", "null")]),
                    .object([("type", "array"), ("items", .object([("oneOf", .array([scalar, complex]))]))]),
                ])
            )
        ])
        return .object([
            ("type", orNull("object")),
            (
                "description",
                "Attributes of custom schema extensions, by schema URN: checked against the provider's /Schemas at plan time."
            ),
            ("propertyNames", .object([("pattern", "^urn:[^\\s]+:[^\\s]+$")])),
            (
                "additionalProperties",
                .object([
                    ("type", "object"), ("propertyNames", .object([("pattern", .string(attributeNamePattern))])),
                    ("additionalProperties", value),
                ])
            ),
        ])
    }

    private static let attributeNamePattern = "^[A-Za-z][A-Za-z0-9_-]*$"

    private static var group: OrderedJSON {
        let properties: [String: OrderedJSON] = [
            "displayName": .object([
                ("type", "string"), ("minLength", 1), ("description", "The key; compared ignoring case."),
            ]),
            "externalId": string("A stable id; matched first."),
            "previously": names("Earlier displayNames, so a rename is an update."),
            "members": names("userNames and group displayNames (nested groups)."),
            "extensions": reference("extensions"),
            "target": .object([
                ("type", "string"), ("pattern", .string(targetNamePattern)),
                ("description", "With targets: the target the group lives in (required when there are several)."),
            ]),
        ]
        return closed(required: ["displayName"], properties: MappingKeys.group.keys.map { ($0, properties[$0]!) })
    }

    // MARK: Rules

    private static var rule: OrderedJSON {
        let selectorRef = reference("selector")
        return .object([
            ("type", "object"), ("additionalProperties", false),
            ("description", "A rule: which users or groups (one selector), and what each must satisfy."),
            ("required", .array(["id", "require"])),
            (
                "oneOf",
                .array([.object([("required", .array(["users"]))]), .object([("required", .array(["groups"]))])])
            ),
            (
                "properties",
                .object([
                    (
                        "id",
                        .object([
                            ("type", "string"), ("pattern", "^[A-Za-z0-9._-]{1,64}$"),
                            ("description", "Names the rule's diagnostics: rule/ID."),
                        ])
                    ),
                    ("description", .object([("type", "string")])),
                    (
                        "severity",
                        .object([
                            ("enum", .array(Severity.allCases.map { .string($0.rawValue) })),
                            ("description", "error (default) fails validate and plan; warning is printed and counted."),
                        ])
                    ),
                    ("users", nullable(selectorRef)), ("groups", nullable(selectorRef)),
                    ("require", reference("require")),
                ])
            ),
        ])
    }

    private static var selector: OrderedJSON {
        closed(
            description: "Which objects the rule applies to; every condition must hold ({} selects all).",
            properties: [
                (
                    "where",
                    .object([
                        ("type", orNull("object")),
                        (
                            "description",
                            "Conditions: a string attribute path (userType, title, enterprise.department, …) or userName/displayName with a glob value (\"*\": set), memberOf (a group), target (with targets:), active (true/false)."
                        ),
                        ("additionalProperties", .object([("type", .array(["string", "boolean"]))])),
                    ])
                )
            ])
    }

    private static var require: OrderedJSON {
        let groupNames: OrderedJSON = .object([
            ("type", "array"), ("items", .object([("type", "string"), ("minLength", 1)])),
        ])
        return closed(
            description: "What each selected object must satisfy (count: the selected set as a whole).",
            properties: [
                (
                    "expiresWithin",
                    .object([
                        ("type", "integer"), ("minimum", 0), ("maximum", 36_500),
                        ("description", "Users: expires is set, at most this many days after the plan's day."),
                    ])
                ),
                (
                    "emailDomain",
                    .object([
                        ("type", "array"), ("items", .object([("type", "string")])),
                        ("description", "Users: the userName (when an address) and every email are in these domains."),
                    ])
                ),
                ("memberOf", groupNames), ("notMemberOf", groupNames),
                (
                    "set",
                    .object([
                        ("type", "array"), ("items", .object([("type", "string")])),
                        ("description", "Users: attribute paths that must be set."),
                    ])
                ),
                (
                    "oneOf",
                    .object([
                        ("type", "object"), ("minProperties", 1), ("maxProperties", 1),
                        (
                            "additionalProperties",
                            .object([("type", "array"), ("items", .object([("type", "string")]))])
                        ),
                        ("description", "Users: one attribute path and its allowed values (unset passes)."),
                    ])
                ),
                ("members", reference("range")),
                (
                    "membersAlsoIn",
                    .object([
                        ("type", "string"),
                        ("description", "Groups: every user member is also a member of this group."),
                    ])
                ),
                ("count", reference("range")),
            ])
    }

    private static var range: OrderedJSON {
        closed(
            description: "A bound: min, max or both.",
            properties: [
                ("min", .object([("type", "integer"), ("minimum", 0)])),
                ("max", .object([("type", "integer"), ("minimum", 0)])),
            ])
    }

    // MARK: Pieces

    private static let day: OrderedJSON = .object([
        ("type", orNull("string")), ("pattern", "^\\d{4}-\\d{2}-\\d{2}$"),
        ("description", "A calendar day, YYYY-MM-DD."),
    ])

    private static func closed(
        description: String? = nil, required: [String] = [], properties: [(String, OrderedJSON)]
    ) -> OrderedJSON {
        var object: [(String, OrderedJSON)] = [("type", "object"), ("additionalProperties", false)]
        if let description { object.append(("description", .string(description))) }
        if !required.isEmpty { object.append(("required", .array(required.map(OrderedJSON.string)))) }
        object.append(("properties", .object(properties)))
        return .object(object)
    }

    private static func reference(_ name: String) -> OrderedJSON { .object([("$ref", .string("#/$defs/\(name)"))]) }

    private static func nullable(_ schema: OrderedJSON) -> OrderedJSON {
        if case .object(let pairs) = schema, pairs.first?.0 == "$ref" {
            return .object([("oneOf", .array([schema, .object([("type", "null")])]))])
        }
        return schema
    }

    private static func orNull(_ type: String) -> OrderedJSON { .array([.string(type), "null"]) }

    private static func string(_ description: String) -> OrderedJSON {
        .object([("type", orNull("string")), ("description", .string(description))])
    }

    private static func names(_ description: String) -> OrderedJSON {
        .object([
            ("type", orNull("array")), ("items", .object([("type", "string"), ("minLength", 1)])),
            ("description", .string(description)),
        ])
    }
}

/// JSON with its keys in the order written: a generated file that diffs cleanly.
enum OrderedJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }

    func pretty(indent: Int = 0) -> String {
        let inner = String(repeating: "  ", count: indent + 1)
        let outer = String(repeating: "  ", count: indent)
        switch self {
        case .string(let text): return JSONString.literal(text)
        case .integer(let value): return String(value)
        case .number(let value): return value == value.rounded() ? String(Int(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.pretty(indent: indent + 1) }.joined(separator: ",\n") + "\n\(outer)]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n"
                + pairs.map { inner + JSONString.literal($0.0) + ": " + $0.1.pretty(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(outer)}"
        }
    }
}
