import Catalog
public import Foundation

/// Listing pages read straight from their bytes into typed resources, with no JSON tree in between:
/// each attribute scimctl models is read into its field as the parser reaches it, and an attribute it
/// does not know is skipped (checked as JSON, never built) unless the resource keeps it in `extra`.
///
/// This is a fast path, and only that: it takes a page only when every attribute is spelled as RFC 7643
/// spells it and has the JSON type expected. Anything else — an attribute in another case, an id sent
/// as a number, `"true"` for a boolean, a wrong type, a syntax error, invalid UTF-8 — makes it decline
/// the whole page, which the reference path then reads (`JSONValue.parse`, `ListPage`, the strict
/// `init(json:)`) and judges with the messages it has always given. So the strict-read rules have one
/// home, and what this path returns equals what the reference returns for the same bytes (the
/// `fuzz-scim` target checks exactly that). An attribute the reference comes to model and this reader
/// does not read is in `modelled`, so a page holding it is declined: the two can never disagree, only
/// this one fall back.
protocol PageReadable: Sendable {
    /// The strict reader of one resource from its JSON (the reference).
    init(json: JSONValue) throws(SCIMDecodingError)
    /// One resource from the parser, positioned at it; throws `JSONParser.declined` for anything the
    /// reference must judge.
    static func read(from parser: inout JSONParser) throws(JSONParser.Failure) -> Self
    var id: String? { get }
}

/// The members of a ListResponse the reference reads (in any case).
private let listEnvelope = ["totalResults", "startIndex", "itemsPerPage", "nextCursor", "Resources"]

/// A page read by the fast path: its resources decoded, with the envelope's figures.
struct ReadPage<Resource: PageReadable> {
    var totalResults: Int?
    var nextCursor: String?
    var resources: [Resource]

    /// The page in `data`, or nil when the fast path declines it (the reference path reads it then).
    init?(_ data: Data) {
        var parser = JSONParser(data)
        do {
            self = try Self(reading: &parser)
            parser.skipWhitespace()
            guard parser.index == parser.bytes.count else { return nil }
        } catch {
            return nil
        }
    }

    private init(reading parser: inout JSONParser) throws(JSONParser.Failure) {
        resources = []
        var first = true
        try parser.enterObject()
        while let key = try parser.nextKey(&first) {
            switch key {
            case "totalResults": totalResults = try parser.value().intValue
            case "nextCursor": nextCursor = try parser.value().stringValue
            case "Resources":
                resources = []
                try parser.enterArray()
                var firstElement = true
                while try parser.nextElement(&firstElement) {
                    let resource = try Resource.read(from: &parser)
                    guard resource.id != nil else { throw JSONParser.declined }
                    resources.append(resource)
                }
            default:
                // `startIndex` and `itemsPerPage` are read by the reference but decide nothing here.
                guard
                    !listEnvelope.contains(where: { Dictionary.equalIgnoringCase(key, $0) }) || key == "startIndex"
                        || key == "itemsPerPage"
                else { throw JSONParser.declined }
                try parser.skipValue()
            }
        }
    }
}

extension JSONParser {
    /// The fast path's answer for anything the reference path must read and judge.
    static let declined = Failure(description: "left to the reference reader")

    /// At `{`: enters the object (its members read with `nextKey`).
    mutating func enterObject() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw Self.declined }
        try nest()
        index += 1
    }

    /// The next member's key, the parser then at its value (which the caller must read or skip); nil
    /// after the object's `}`. `first` starts true for each object.
    mutating func nextKey(_ first: inout Bool) throws(Failure) -> String? {
        skipWhitespace()
        guard index < bytes.count else { throw Self.declined }
        if first {
            first = false
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return nil
            }
        } else if bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return nil
        } else if bytes[index] == UInt8(ascii: ",") {
            index += 1
            skipWhitespace()
        } else {
            throw Self.declined
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.declined }
        let key = try string()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Self.declined }
        index += 1
        skipWhitespace()
        return key
    }

    /// At `[`: enters the array (its elements read with `nextElement`).
    mutating func enterArray() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw Self.declined }
        try nest()
        index += 1
    }

    /// Whether another element follows, the parser then at it; false after the array's `]`.
    mutating func nextElement(_ first: inout Bool) throws(Failure) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw Self.declined }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return false
        }
        if first {
            first = false
        } else {
            guard bytes[index] == UInt8(ascii: ",") else { throw Self.declined }
            index += 1
        }
        skipWhitespace()
        return true
    }

    /// Whether the value here is `null` (consumed if so).
    mutating func null() throws(Failure) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        _ = try literal("null", .null)
        return true
    }

    /// A string, or nil for `null`; anything else declines.
    mutating func optionalString() throws(Failure) -> String? {
        if try null() { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.declined }
        return try string()
    }

    /// `true` or `false`, or nil for `null`; anything else (the strings some providers send) declines.
    mutating func optionalBool() throws(Failure) -> Bool? {
        guard index < bytes.count else { throw Self.declined }
        switch bytes[index] {
        case UInt8(ascii: "t"): return try literal("true", .bool(true)) == .bool(true)
        case UInt8(ascii: "f"): return try literal("false", .bool(false)) == .bool(true)
        case UInt8(ascii: "n"):
            _ = try literal("null", .null)
            return nil
        default: throw Self.declined
        }
    }

    /// An identifier the reference would accept as a string (a number declines), or nil for `null`.
    mutating func optionalIdentifier() throws(Failure) -> String? {
        guard let text = try optionalString() else { return nil }
        guard AttributeReader.isUsableIdentifier(text) else { throw Self.declined }
        return text
    }

    /// Skips a value, checked as the reference parser checks it (strings, numbers, depth), building no
    /// tree: only the text of a long string is made, to validate it.
    mutating func skipValue() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count else { throw Self.declined }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try enterObject()
            var first = true
            while try nextKey(&first) != nil { try skipValue() }
        case UInt8(ascii: "["):
            try enterArray()
            var first = true
            while try nextElement(&first) { try skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): _ = try literal("true", .bool(true))
        case UInt8(ascii: "f"): _ = try literal("false", .bool(false))
        case UInt8(ascii: "n"): _ = try literal("null", .null)
        default: _ = try number()
        }
    }

    /// Skips a string, checked as `string()` checks it (control characters, escapes, UTF-8) but built
    /// only when it has escapes or bytes beyond ASCII.
    mutating func skipString() throws(Failure) {
        let start = index
        index += 1
        var ascii = true
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw Self.declined }
            ascii = ascii && bytes[index] < 0x80
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), ascii else {
            index = start
            _ = try string()
            return
        }
        index += 1
    }

    /// Declines when `key` is one of `names` in another case: the reference finds it under that name.
    static func checkCase(_ key: String, against names: [String]) throws(Failure) {
        if names.contains(where: { Dictionary.equalIgnoringCase(key, $0) }) { throw declined }
    }

    /// The members of a sub-object (`name`, `meta`, an email): `field` reads the value of each key it
    /// knows and returns true; a key it does not know is skipped, unless it is a known one in another case.
    mutating func readObject(
        known names: [String], _ field: (inout JSONParser, String) throws(Failure) -> Bool
    ) throws(Failure) {
        try enterObject()
        var first = true
        while let key = try nextKey(&first) {
            if try field(&self, key) { continue }
            try Self.checkCase(key, against: names)
            try skipValue()
        }
    }

    /// `meta`, or nil for `null`.
    mutating func meta() throws(Failure) -> SCIMMeta? {
        if try null() { return nil }
        var meta = SCIMMeta(json: nil)
        try readObject(known: SCIMMeta.names) { parser, key throws(Failure) in
            switch key {
            case "resourceType": meta.resourceType = try parser.optionalString()
            case "created": meta.created = try parser.optionalString()
            case "lastModified": meta.lastModified = try parser.optionalString()
            case "version": meta.version = try parser.optionalString()
            default: return false
            }
            return true
        }
        return meta
    }

    /// A list of group members (or of a user's groups), or nil for `null`.
    mutating func members() throws(Failure) -> [SCIMMember]? {
        if try null() { return nil }
        var members: [SCIMMember] = []
        try enterArray()
        var first = true
        while try nextElement(&first) {
            var (value, type): (String?, String?)
            try readObject(known: SCIMMember.names) { parser, key throws(Failure) in
                switch key {
                case "value": value = try parser.optionalIdentifier()
                case "type": type = try parser.optionalString()
                default: return false
                }
                return true
            }
            guard let value else { throw Self.declined }
            members.append(SCIMMember(value: value, type: type))
        }
        return members
    }

    /// Emails or phone numbers, or nil for `null`: an entry without a `value` is left out, as the
    /// reference leaves it.
    mutating func multiValues() throws(Failure) -> [SCIMMultiValue]? {
        if try null() { return nil }
        var values: [SCIMMultiValue] = []
        try enterArray()
        var first = true
        while try nextElement(&first) {
            var (value, type, display): (String?, String?, String?)
            var primary: Bool?
            try readObject(known: SCIMMultiValue.names) { parser, key throws(Failure) in
                switch key {
                case "value": value = try parser.optionalString()
                case "type": type = try parser.optionalString()
                case "primary": primary = try parser.optionalBool()
                case "display": display = try parser.optionalString()
                default: return false
                }
                return true
            }
            if let value { values.append(SCIMMultiValue(value: value, type: type, primary: primary, display: display)) }
        }
        return values
    }

    /// An attribute the resource does not model, kept in `extra` as the reference keeps it; declines a
    /// modelled one in another case.
    mutating func extra(_ key: String, modelled: Set<String>, into extra: inout [String: JSONValue]) throws(Failure) {
        if Dictionary.matches(key, modelled) || modelled.contains(where: { Dictionary.equalIgnoringCase(key, $0) }) {
            throw Self.declined
        }
        extra[key] = try value()
    }
}

extension SCIMMeta {
    static let names = ["resourceType", "created", "lastModified", "version"]
}

extension SCIMMember {
    static let names = ["value", "type"]
}

extension SCIMMultiValue {
    static let names = ["value", "type", "primary", "display"]
}

extension SCIMUser: PageReadable {
    /// The string attributes of each section by their exact key.
    private static let stringsByKey: [ManagedAttribute.Section: [String: ManagedAttribute]] = Dictionary(
        uniqueKeysWithValues: [ManagedAttribute.Section.core, .name, .enterprise].map { section in
            (section, Dictionary(uniqueKeysWithValues: AttributeTable.strings(in: section).map { ($0.key, $0) }))
        })
    /// The multi-valued attributes by their exact key.
    private static let contactsByKey = Dictionary(
        uniqueKeysWithValues: AttributeTable.userContacts.map { ($0.key, $0) })
    private static let nameKeys = AttributeTable.strings(in: .name).map(\.key)
    private static let enterpriseKeys =
        AttributeTable.strings(in: .enterprise).map(\.key) + AttributeTable.references(in: .enterprise).map(\.key)

    static func read(from parser: inout JSONParser) throws(JSONParser.Failure) -> SCIMUser {
        var user = SCIMUser(userName: "")
        var userName: String?
        let core = stringsByKey[.core]!
        // A second `name` or enterprise object replaces the first in the reference (the last key wins)
        // rather than adding to it: such a resource is left to the reference.
        var (sawName, sawEnterprise) = (false, false)
        try parser.enterObject()
        var first = true
        while let key = try parser.nextKey(&first) {
            switch key {
            case "id": user.id = try parser.optionalIdentifier()
            case "userName": userName = try parser.optionalString()
            case "externalId": user.externalId = try parser.optionalString()
            case "name":
                guard !sawName else { throw JSONParser.declined }
                sawName = true
                if try parser.null() { break }
                let strings = stringsByKey[.name]!
                try parser.readObject(known: nameKeys) { parser, key throws(JSONParser.Failure) in
                    guard let attribute = strings[key] else { return false }
                    user.set(attribute, try parser.optionalString())
                    return true
                }
            case SCIMSchema.enterpriseUser:
                guard !sawEnterprise else { throw JSONParser.declined }
                sawEnterprise = true
                if try parser.null() { break }
                let strings = stringsByKey[.enterprise]!
                try parser.readObject(known: enterpriseKeys) { parser, key throws(JSONParser.Failure) in
                    if key == AttributeTable.manager.key {
                        user.managerId = try parser.manager()
                        return true
                    }
                    guard let attribute = strings[key] else { return false }
                    user.set(attribute, try parser.optionalString())
                    return true
                }
            case "active": user.active = try parser.optionalBool()
            case "groups": user.groups = try parser.members()
            case "meta": user.meta = try parser.meta()
            case "schemas", "schema": try parser.skipValue()
            default:
                if let attribute = core[key] {
                    user.set(attribute, try parser.optionalString())
                } else if let attribute = contactsByKey[key] {
                    user.contacts[attribute] = try parser.multiValues()
                } else {
                    try parser.extra(key, modelled: modelled, into: &user.extra)
                }
            }
        }
        guard let userName else { throw JSONParser.declined }
        user.userName = userName
        return user
    }

    /// Sets a string attribute read from a page, making room for the usual handful at the first.
    private mutating func set(_ attribute: ManagedAttribute, _ value: String?) {
        if value != nil && attributes.isEmpty { attributes.reserveCapacity(6) }
        attributes[attribute] = value
    }
}

extension JSONParser {
    /// The enterprise manager's id: a plain string as some providers send it, or `{"value": id}`.
    fileprivate mutating func manager() throws(Failure) -> String? {
        if try null() { return nil }
        guard index < bytes.count else { throw Self.declined }
        if bytes[index] == UInt8(ascii: "\"") { return try string() }
        var id: String?
        try readObject(known: ["value"]) { parser, key throws(Failure) in
            guard key == "value" else { return false }
            id = try parser.optionalIdentifier()
            return true
        }
        return id
    }
}

extension SCIMGroup: PageReadable {
    static func read(from parser: inout JSONParser) throws(JSONParser.Failure) -> SCIMGroup {
        var group = SCIMGroup(displayName: "")
        var displayName: String?
        try parser.enterObject()
        var first = true
        while let key = try parser.nextKey(&first) {
            switch key {
            case "id": group.id = try parser.optionalIdentifier()
            case "displayName": displayName = try parser.optionalString()
            case "externalId": group.externalId = try parser.optionalString()
            case "members": group.members = try parser.members()
            case "meta": group.meta = try parser.meta()
            case "schemas", "schema": try parser.skipValue()
            default: try parser.extra(key, modelled: modelled, into: &group.extra)
            }
        }
        guard let displayName else { throw JSONParser.declined }
        group.displayName = displayName
        return group
    }
}

/// A group's member, read from a listing of the users whose `groups.value` names it (for providers
/// that list membership only that way): the user's id is all that is read.
struct MemberUser: PageReadable, Equatable {
    var member: SCIMMember
    var id: String? { member.value }

    init(json: JSONValue) throws(SCIMDecodingError) {
        guard let id = json.objectValue?[attribute: "id"]?.stringValue else {
            throw SCIMDecodingError(message: "a member has no id")
        }
        member = SCIMMember(value: id, type: "User")
    }

    private init(member: SCIMMember) { self.member = member }

    static func read(from parser: inout JSONParser) throws(JSONParser.Failure) -> MemberUser {
        var id: String?
        try parser.readObject(known: ["id"]) { parser, key throws(JSONParser.Failure) in
            guard key == "id" else { return false }
            id = try parser.optionalString()
            return true
        }
        guard let id else { throw JSONParser.declined }
        return MemberUser(member: SCIMMember(value: id, type: "User"))
    }
}

/// The fast page reader on its own and checked against the reference: for the `fuzz-scim` target, the
/// tests and the stage benchmarks.
public enum PageReaders {
    /// nil when the two agree on `data` read as a page of users, of groups and of member users: the
    /// fast reader declined it, or both read the same page. Otherwise what differs.
    public static func disagreement(_ data: Data) -> String? {
        disagreement(data, SCIMUser.self) ?? disagreement(data, SCIMGroup.self)
            ?? disagreement(data, MemberUser.self)
    }

    /// The users of the page in `data` as the fast reader reads them; nil where it leaves the page to
    /// the reference.
    public static func users(_ data: Data) -> [SCIMUser]? { ReadPage<SCIMUser>(data)?.resources }

    /// The groups of the page in `data` as the fast reader reads them; nil where it declines the page.
    public static func groups(_ data: Data) -> [SCIMGroup]? { ReadPage<SCIMGroup>(data)?.resources }

    private static func disagreement<Resource: PageReadable & Equatable>(_ data: Data, _: Resource.Type) -> String? {
        guard let fast = ReadPage<Resource>(data) else { return nil }
        let reference: [Resource]
        let page: ListPage
        do {
            page = try ListPage(json: try JSONValue.parse(data))
            reference = try page.resources.map { json throws in
                let object = json.objectValue
                guard
                    object?[attribute: "id"]?.stringValue ?? object?[attribute: "id"]?.intValue.map(String.init) != nil
                else { throw SCIMDecodingError(message: "a resource has no id") }
                return try Resource(json: json)
            }
        } catch {
            return "\(Resource.self): the fast reader took a page the reference refuses (\(error))"
        }
        if page.totalResults != fast.totalResults || page.nextCursor != fast.nextCursor {
            return "\(Resource.self): the envelope differs"
        }
        if reference != fast.resources {
            return "\(Resource.self): read \(fast.resources), the reference \(reference)"
        }
        return nil
    }
}
