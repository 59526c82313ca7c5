import Foundation
import SCIM
import Testing

/// Listing pages are read straight from their bytes; anything unusual is left to the reference reader
/// (the JSON tree and the strict `init(json:)`), so the two must agree on every page the fast reader
/// takes, and it must decline every page whose reading the reference decides otherwise.
@Suite("Pages read straight from bytes agree with the reference")
struct PageReaderTests {
    /// One user with every kind of attribute scimctl reads, and some it does not.
    static let richUser = #"""
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:x:custom"],
         "id": "2819c223-7f76-453a-919d-413861904646", "externalId": "e-1", "userName": "bjensen@example.com",
         "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara",
                  "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
         "displayName": "Babs Jensen", "nickName": "Babs", "title": "Tour Guide", "userType": "Employee",
         "preferredLanguage": "en-US", "locale": "en-US", "timezone": "America/Los_Angeles", "active": true,
         "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"type": "home"}, {"value": "babs@jensen.org", "type": "home", "display": "Home"}],
         "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
         "addresses": [{"streetAddress": "100 Universal City Plaza", "primary": true}],
         "groups": [{"value": "e9e30dba", "$ref": "https://example.com/v2/Groups/e9e30dba", "display": "Tour"}],
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
             "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
             "division": "Theme Park", "department": "Tour Operations",
             "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}},
         "urn:x:custom": {"badge": 17, "floors": [1, 2.5e3, -0.25], "note": "caf\u00e9 \ud83d\ude00 \"q\""},
         "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
                  "version": "W/\"a330bc54f0671c9\"", "location": "https://example.com/v2/Users/2819c223"}}
        """#

    static func page(_ resources: [String], total: Int? = nil, extra: String = "") -> Data {
        let envelope =
            #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": \#(total ?? resources.count), "startIndex": 1, "itemsPerPage": \#(resources.count)\#(extra), "Resources": ["#
        return Data((envelope + resources.joined(separator: ",") + "]}").utf8)
    }

    static let plainUser = #"{"id": "7", "userName": "ann@x.io", "active": false, "title": null}"#
    static let group = #"""
        {"id": "g1", "displayName": "Tour", "members": [{"value": "7", "type": "User", "display": "Ann"},
         {"value": "2819c223", "$ref": "../Users/2819c223"}], "meta": {"created": "2026-01-01T00:00:00.123Z"},
         "urn:x:team": {"lead": "7"}}
        """#

    @Test("a page of every attribute kind is taken, and read exactly as the reference reads it")
    func richPage() throws {
        let data = Self.page([Self.richUser, Self.plainUser], extra: #", "nextCursor": "c2""#)
        #expect(PageReaders.users(data)?.count == 2)
        #expect(PageReaders.disagreement(data) == nil)
        let groups = Self.page([Self.group, #"{"id": "g2", "displayName": "Empty", "members": []}"#])
        #expect(PageReaders.disagreement(groups) == nil)
    }

    /// Pages the reference reads otherwise than a plain walk would (case-insensitive names, the last of
    /// two keys, strings for booleans, numbers for ids) or refuses: the fast reader declines each.
    @Test(
        "unusual pages are left to the reference",
        arguments: [
            #"{"id": "1", "USERNAME": "a@x.io"}"#,  // an attribute in another case
            #"{"id": "1", "userName": "a@x.io", "Title": "x"}"#,
            #"{"id": "1", "userName": "a@x.io", "name": {"GivenName": "A"}}"#,
            #"{"id": "1", "userName": "a@x.io", "name": {"givenName": "A"}, "name": {"familyName": "B"}}"#,
            #"{"id": 12, "userName": "a@x.io"}"#,  // a number for an id
            #"{"id": "1", "userName": "a@x.io", "active": "TRUE"}"#,  // a string for a boolean
            #"{"id": "1", "userName": "a@x.io", "emails": [{"value": "a@x.io", "primary": "true"}]}"#,
            #"{"id": "1", "userName": "a@x.io", "emails": {"value": "a@x.io"}}"#,  // wrong types, refused
            #"{"id": "1", "userName": 5}"#,
            #"{"id": "..", "userName": "a@x.io"}"#,
            #"{"id": "1"}"#,
            #"{"userName": "a@x.io"}"#,
            #"{"id": "1", "userName": "a@x.io", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {}}"#,
            #"{"id": "1", "userName": "a@x.io", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": 4}}"#,
            #"{"id": "1", "userName": "a@x.io", "groups": [{"display": "no value"}]}"#,
            #"["not", "an", "object"]"#,
        ])
    func declined(resource: String) {
        let data = Self.page([Self.plainUser, resource])
        #expect(PageReaders.users(data) == nil)
        #expect(PageReaders.disagreement(data) == nil)
    }

    @Test(
        "pages that are not JSON, or not a ListResponse, are left to the reference",
        arguments: [
            #"{"totalResults": 1, "Resources": [{"id": "1", "userName": "a@x.io"}]} trailing"#,
            #"{"totalResults": 1, "Resources": [{"id": "1", "userName": "a@x.io"},]}"#,
            #"{"totalResults": 1, "resources": [{"id": "1", "userName": "a@x.io"}]}"#,
            #"{"totalResults": 1, "Resources": null}"#,
            #"{"totalResults": 1, "Resources": [{"id": "1", "userName": "a\u00"}]}"#,
            #"{"totalResults": 01, "Resources": []}"#,
            "[]",
            "",
        ])
    func notPages(text: String) {
        #expect(PageReaders.users(Data(text.utf8)) == nil)
        #expect(PageReaders.disagreement(Data(text.utf8)) == nil)
    }

    @Test("invalid UTF-8 anywhere, even in an attribute nobody reads, is left to the reference (which refuses it)")
    func invalidUTF8() {
        var bytes = Array(Self.page([#"{"id": "1", "userName": "a@x.io", "x-note": "ab"}"#]))
        let at = bytes.firstIndex(of: UInt8(ascii: "b"))!
        bytes[at] = 0xFF
        #expect(PageReaders.users(Data(bytes)) == nil)
        #expect(PageReaders.disagreement(Data(bytes)) == nil)
    }

    /// Thousands of small corruptions of a real page (a key's case changed, a value replaced by another
    /// type, a byte dropped or duplicated, a key repeated): the two readers always agree, and both
    /// outcomes occur often (so the check is not vacuous).
    @Test("random corruptions of a page: the two readers agree on every one")
    func corruptions() {
        let users = Array(Self.page([Self.richUser, Self.plainUser]))
        let groups = Array(Self.page([Self.group, Self.group.replacingOccurrences(of: "g1", with: "g2")]))
        var generator = SeededGenerator(seed: 7)
        let replacements = ["null", "1", "\"true\"", "true", "{}", "[]", "\"\"", "\"x\"", "-0.5e2"]
        var (taken, declined) = (0, 0)
        for round in 0..<4_000 {
            var bytes = round.isMultiple(of: 2) ? users : groups
            for _ in 0..<Int.random(in: 1...2, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0:
                    // Flip the case of a letter (in a key, most often).
                    if (UInt8(ascii: "A")...UInt8(ascii: "z")).contains(bytes[at]) { bytes[at] ^= 0x20 }
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(bytes[at], at: at)
                case 3:
                    // Replace the value after a ':' with another JSON type.
                    guard let colon = bytes[at...].firstIndex(of: UInt8(ascii: ":")),
                        let end = bytes[(colon + 1)...].firstIndex(where: { $0 == 0x2C || $0 == 0x7D })
                    else { continue }
                    bytes.replaceSubrange(
                        (colon + 1)..<end, with: Array(replacements.randomElement(using: &generator)!.utf8))
                default:
                    // Repeat a member: the text from a key's quote to the next comma, inserted again.
                    guard let quote = bytes[at...].firstIndex(of: 0x22),
                        let comma = bytes[(quote + 1)...].firstIndex(of: 0x2C)
                    else { continue }
                    bytes.insert(contentsOf: Array(bytes[quote...comma]), at: quote)
                }
            }
            let data = Data(bytes)
            if let difference = PageReaders.disagreement(data) {
                Issue.record("\(difference)\nfor \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            guard round.isMultiple(of: 2) else { continue }
            if PageReaders.users(data) != nil { taken += 1 } else { declined += 1 }
        }
        #expect(taken > 200 && declined > 200, "users pages taken \(taken), declined \(declined)")
        print("page corruptions: users pages taken \(taken), declined \(declined)")
    }
}
