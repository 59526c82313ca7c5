import Catalog
import DesiredState
import Foundation
import ScimctlTestSupport
import Testing

@testable import SCIM

@Suite("Wire model", .timeLimit(.minutes(10)))
struct WireModelTests {
    private func json(_ text: String) throws -> JSONValue {
        try JSONValue.parse(Data(text.utf8))
    }

    @Test("a User decodes tolerantly: any attribute case, string booleans, unknown attributes kept")
    func tolerantUser() throws {
        let user = try SCIMUser(
            json: json(
                """
                {"schema": "urn:ietf:params:scim:schemas:core:2.0:User", "ID": "42", "UserName": "Alice@Example.com",
                 "name": {"GivenName": "Alice", "familyName": "Nguyen"}, "active": "false",
                 "emails": [{"value": "alice@example.com", "type": "work", "primary": "true"}, {"type": "no value"}],
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "QA", "manager": {"value": "m1", "displayName": "Boss"}},
                 "urn:example:custom:2.0:User": {"badge": 7}, "x-shoeSize": 43,
                 "meta": {"version": "W/\\"3\\"", "resourceType": "User"}, "groups": [{"value": "g1", "display": "QA"}]}
                """))
        #expect(user.id == "42")
        #expect(user.userName == "Alice@Example.com")
        #expect(user.attributes[path: "name.givenName"] == "Alice")
        #expect(user.active == false)
        #expect(user.emails == [SCIMMultiValue(value: "alice@example.com", type: "work", primary: true)])
        #expect(user.attributes[path: "enterprise.department"] == "QA")
        #expect(user.managerId == "m1")
        #expect(user.meta?.version == "W/\"3\"")
        #expect(user.groups?.map(\.value) == ["g1"])
        #expect(user.extra["x-shoeSize"] == .number(43))
        #expect(user.extra["urn:example:custom:2.0:User"] != nil)
        #expect(user.extra["ID"] == nil && user.extra["meta"] == nil)
    }

    @Test(
        "a wrong JSON type is an error naming the user and the attribute, nested ones too; null is absent",
        arguments: [
            (#""title": 7"#, "the User 'a@x.io' (id '1'): `title` is a number, not a string"),
            (#""emails": {"value": "a@x.io"}"#, "the User 'a@x.io' (id '1'): `emails` is an object, not a list"),
            (#""emails": ["a@x.io"]"#, "the User 'a@x.io' (id '1'): `emails[0]` is a string, not an object"),
            (
                #""emails": [{"value": 1}]"#,
                "the User 'a@x.io' (id '1'), in `emails[0]`: `value` is a number, not a string"
            ),
            (
                #""name": {"givenName": false}"#,
                "the User 'a@x.io' (id '1'), in `name`: `givenName` is a boolean, not a string"
            ),
            (
                #""urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": true}}"#,
                "in `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager`: `value` is a boolean, not a string"
            ),
            (#""meta": "yesterday""#, "the User 'a@x.io' (id '1'): `meta` is a string, not an object"),
        ])
    func wrongTypes(attribute: String, message: String) throws {
        let text = #"{"id": "1", "userName": "a@x.io", "# + attribute + "}"
        do {
            let user = try SCIMUser(json: json(text))
            Issue.record("read \(user) from \(text)")
        } catch let error as SCIMDecodingError {
            #expect(error.message.hasSuffix(message), "\(error.message)")
        }
        let cleared = try SCIMUser(json: json(#"{"id": "1", "userName": "a@x.io", "title": null, "emails": null}"#))
        #expect(cleared.attributes[path: "title"] == nil && cleared.emails == nil)
        #expect(throws: SCIMDecodingError.self) { try SCIMUser(json: json(#"{"id": "1"}"#)) }
        #expect(throws: SCIMDecodingError.self) {
            try SCIMGroup(json: json(#"{"id": "1", "displayName": "g", "members": [{"display": "x"}]}"#))
        }
    }

    @Test("a User encodes strictly: schemas listed, read-only attributes left out, unknown attributes sent back")
    func strictEncoding() throws {
        var user = SCIMUser(userName: "alice@example.com")
        user.attributes[path: "name.familyName"] = "Nguyen"
        user.attributes[path: "name.givenName"] = "Alice"
        user.attributes[path: "enterprise.department"] = "QA"
        user.managerId = "m1"
        user.groups = [SCIMMember(value: "g1")]
        user.extra = ["urn:example:custom:2.0:User": .object(["badge": .number(7)])]
        let object = try #require(user.json.objectValue)
        #expect(
            object["schemas"]
                == .array([
                    .string(SCIMSchema.user), .string(SCIMSchema.enterpriseUser),
                    .string("urn:example:custom:2.0:User"),
                ]))
        #expect(object["groups"] == nil)
        #expect(object["meta"] == nil)
        #expect(object[SCIMSchema.enterpriseUser]?.objectValue?["manager"] == .object(["value": .string("m1")]))
        #expect(object["urn:example:custom:2.0:User"] != nil)
        #expect(object["id"] == nil)
        let roundTrip = try SCIMUser(json: user.json)
        #expect(roundTrip.attributes == user.attributes)
        #expect(roundTrip.managerId == user.managerId)
    }

    @Test("a ListResponse reads lowercase 'resources', a missing itemsPerPage and a string total")
    func tolerantList() throws {
        let page = try ListPage(
            json: json(#"{"totalResults": "2", "startIndex": 1, "resources": [{"id": "1"}, {"id": "2"}]}"#))
        #expect(page.totalResults == 2)
        #expect(page.itemsPerPage == nil)
        #expect(page.resources.count == 2)
        let empty = try ListPage(
            json: json(#"{"totalResults": 0, "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}"#))
        #expect(empty.resources.isEmpty)
    }

    @Test("an error body reads status as a string or a number", arguments: [#""409""#, "409"])
    func errorStatus(status: String) throws {
        let body = try #require(
            SCIMErrorBody(
                data: Data(
                    #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": \#(status), "scimType": "uniqueness", "detail": "taken"}"#
                        .utf8)))
        #expect(body.status == 409)
        #expect(body.scimType == "uniqueness")
        #expect(body.detail == "taken")
        #expect(SCIMErrorBody(data: Data("<html>oops</html>".utf8)) == nil)
    }

    @Test("discovery reads features, RFC 9865 pagination, and resource types")
    func discovery() throws {
        let config = try ServiceProviderConfig(
            json: json(
                #"{"patch": {"supported": true}, "bulk": {"supported": true, "maxOperations": 1000}, "filter": {"supported": true, "maxResults": 200}, "etag": {"supported": false}, "pagination": {"cursor": true, "index": false, "maxPageSize": 100}}"#
            ))
        #expect(config.patchSupported == true)
        #expect(config.bulkMaxOperations == 1000)
        #expect(config.filterMaxResults == 200)
        #expect(config.cursorPagination == true)
        let capabilities = ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil)
        #expect(capabilities.paging == .cursor)
        #expect(capabilities.pageSize == 100)
        #expect(capabilities.groupsSupported)
        let noGroups = ProviderCapabilities(
            profile: .generic, config: config, resourceTypes: [ResourceType(name: "User", endpoint: "/Users")])
        #expect(!noGroups.groupsSupported)
    }

    @Test("profiles override discovery where providers misreport")
    func profilesOverride() throws {
        var config = ServiceProviderConfig()
        config.filterMaxResults = 10_000
        config.patchSupported = true
        let aws = ProviderCapabilities(profile: BuiltInProfiles.named("aws")!, config: config, resourceTypes: nil)
        #expect(aws.pageSize == 100)
        #expect(aws.paging == .cursor)
        #expect(aws.membershipRead == .byUserFilter)
        #expect(BuiltInProfiles.named("aws")!.bulkSupported == false)
        let generic = ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil)
        #expect(generic.pageSize == ProviderCapabilities.maxPageSize)
        #expect(BuiltInProfiles.named("qase")?.opCasing == .capitalized)
        #expect(BuiltInProfiles.named("entra")?.maxMembersRemovedPerPatch == 1)
        #expect(BuiltInProfiles.named("nope") == nil)
        for name in ["generic", "qase", "aws", "entra", "github", "slack", "atlassian"] {
            #expect(BuiltInProfiles.named(name)?.name == name)
        }
    }

    @Test(
        "filter literals are quoted and escaped",
        arguments: [
            ("alice@example.com", #"userName eq "alice@example.com""#),
            (#"o"brien@example.com"#, #"userName eq "o\"brien@example.com""#),
            (#"back\slash"#, #"userName eq "back\\slash""#),
            ("tab\there", #"userName eq "tab\there""#),
            ("\u{01}", #"userName eq "\u0001""#),
        ])
    func filterQuoting(value: String, expected: String) {
        #expect(SCIMFilter.equals("userName", value) == expected)
    }

    @Test("query values are percent-encoded whole, so '&', '+' and quotes stay inside the filter")
    func queryEncoding() throws {
        let connection = try SCIMConnection(baseURL: URL(string: "https://h.example/scim/v2/")!, token: nil)
        let url = connection.url("/Users", query: [("filter", SCIMFilter.equals("userName", "a&b+c@x.io"))])
        #expect(url.absoluteString == "https://h.example/scim/v2/Users?filter=userName%20eq%20%22a%26b%2Bc%40x.io%22")
    }

    @Test(
        "plain http is refused except to loopback",
        arguments: [
            ("http://scim.example.com/v2", false), ("http://127.0.0.1:8080/v2", true), ("http://localhost/v2", true),
            ("http://[::1]:9/v2", true), ("https://scim.example.com/v2", true), ("ftp://scim.example.com", false),
        ])
    func insecureRefused(url: String, allowed: Bool) {
        let result = Result { () throws(SCIMError) in try SCIMConnection(baseURL: URL(string: url)!, token: nil) }
        if allowed {
            #expect((try? result.get()) != nil)
        } else {
            #expect(throws: SCIMError.self) { try result.get() }
        }
    }

    @Test("a bearer token never prints", arguments: [0, 1, 2, 3])
    func tokenRedacted(form: Int) throws {
        let token = try #require(BearerToken("  \(secret)\n"))
        let rendered = [
            String(describing: token), String(reflecting: token), "\(token)",
            "\(Mirror(reflecting: token).children.map { "\($0)" })",
        ][form]
        #expect(!rendered.contains(secret))
    }

    @Test("the token comes from --token-file, then the named variable, then SCIM_TOKEN")
    func tokenSources() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID())")
        try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(
            try BearerToken.resolve(tokenFile: file.path, tokenEnv: "X", environment: ["X": "env"]).secret
                == "from-file")
        #expect(
            try BearerToken.resolve(tokenFile: nil, tokenEnv: "X", environment: ["X": "env", "SCIM_TOKEN": "d"]).secret
                == "env")
        #expect(try BearerToken.resolve(tokenFile: nil, tokenEnv: "X", environment: ["SCIM_TOKEN": "d"]).secret == "d")
        let missing = #expect(throws: BearerToken.Missing.self) {
            try BearerToken.resolve(tokenFile: nil, tokenEnv: "QASE_SCIM_TOKEN", environment: [:])
        }
        #expect(missing?.description == "no SCIM token: none of these is set (looked in $QASE_SCIM_TOKEN, $SCIM_TOKEN)")
    }

    @Test(
        "a token that would break its header (a line break, a space, a control or non-ASCII character) is refused unechoed",
        arguments: ["abc\r\nX-Injected: 1", "two words", "tab\there", "nul\u{0}x", "caf\u{E9}-token"])
    func unusableToken(token: String) {
        let refused = #expect(throws: BearerToken.Missing.self) {
            try BearerToken.resolve(tokenFile: nil, tokenEnv: nil, environment: ["SCIM_TOKEN": token])
        }
        #expect(refused?.description.contains("cannot") == true)
        #expect(refused?.description.contains(token) == false)
    }

    @Test(
        "a token file that is not a small regular file is refused, not read forever", arguments: ["/dev/zero", "fifo"])
    func unusableTokenFile(kind: String) throws {
        var path = kind
        if kind == "fifo" {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("token-fifo-\(UUID())").path
            #expect(mkfifo(path, 0o600) == 0)
        }
        defer { if kind == "fifo" { try? FileManager.default.removeItem(atPath: path) } }
        let refused = #expect(throws: BearerToken.Missing.self) {
            try BearerToken.resolve(tokenFile: path, tokenEnv: nil, environment: [:])
        }
        #expect(refused?.description.contains("not a regular file") == true)
        let big = FileManager.default.temporaryDirectory.appendingPathComponent("token-big-\(UUID())")
        try Data(repeating: UInt8(ascii: "a"), count: 100_000).write(to: big)
        defer { try? FileManager.default.removeItem(at: big) }
        #expect(throws: BearerToken.Missing.self) { try BearerToken.resolve(tokenFile: big.path, tokenEnv: nil) }
    }
}

@Suite("JSON parser", .timeLimit(.minutes(10)))
struct JSONParserTests {
    @Test("parses exactly what JSONDecoder parses, on tricky and generated documents")
    func agreesWithJSONDecoder() throws {
        var documents = [
            #"{"a": [1, 2.5, -3e2, true, false, null, "x"], "b": {"c": {}}, "d": []}"#,
            #"["\u00e9\u20ac", "\ud83d\ude00", "tab\tnew\nline", "quote\" slash\/ back\\", "zoë 李"]"#,
            #"  {"userName": "a@x.io", "emails": [{"value": "a@x.io", "primary": true}], "n": 0}  "#,
            "12", "\"text\"", "null", "[[[[[]]]]]",
        ]
        var generator = SystemRandomNumberGenerator()
        func random(_ depth: Int) -> String {
            switch depth > 3 ? Int.random(in: 0..<4, using: &generator) : Int.random(in: 0..<6, using: &generator) {
            case 0: return String(Int.random(in: -1_000_000..<1_000_000, using: &generator))
            case 1: return ["true", "false", "null", "1.25", "-0.5e3"].randomElement(using: &generator)!
            case 2, 3: return "\"s\(Int.random(in: 0..<1000, using: &generator))\\u00fc\\\"\""
            case 4:
                return "["
                    + (0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth + 1) }.joined(
                        separator: ",") + "]"
            default:
                return "{"
                    + (0..<Int.random(in: 0..<4, using: &generator)).map { "\"k\($0)\": \(random(depth + 1))" }.joined(
                        separator: ",") + "}"
            }
        }
        for _ in 0..<200 { documents.append(random(0)) }
        for document in documents {
            let data = Data(document.utf8)
            #expect(try JSONValue.parse(data) == JSONDecoder().decode(JSONValue.self, from: data), "\(document)")
        }
    }

    @Test(
        "refuses what is not JSON",
        arguments: [
            "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "{\"a\":1} x", "\"bad \\q\"", "",
            // Numbers outside RFC 8259's grammar, or out of range (found by fuzzing: 1.5e320 read as infinity).
            "[+1]", "[.5]", "[01]", "[1.]", "[-]", "[1e]", "[1e+]", "[1.5e320]", "[-1e999]", "[--1]",
        ])
    func refuses(text: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(Data(text.utf8)) }
    }

    @Test(
        "an id that is not a usable path segment is refused, in a resource and in a member",
        arguments: [#""..""#, #"".""#, #""""#, #""u1\n""#, #""\u0085""#])
    func unusableIds(id: String) throws {
        #expect(throws: SCIMDecodingError.self) {
            try SCIMUser(json: try JSONValue.parse(Data(#"{"id": \#(id), "userName": "a@b.io"}"#.utf8)))
        }
        #expect(throws: SCIMDecodingError.self) {
            try SCIMGroup(
                json: try JSONValue.parse(
                    Data(#"{"id": "g1", "displayName": "g", "members": [{"value": \#(id)}]}"#.utf8)))
        }
    }

    @Test("reads every number form RFC 8259 allows", arguments: ["0", "-0", "-0.5e-3", "1E+2", "12.75", "1e308"])
    func numbers(text: String) throws {
        #expect(try JSONValue.parse(Data("[\(text)]".utf8)) == .array([.number(Double(text)!)]))
    }
}

/// Discovery values taken at their word only within reason: zero, negative and absurd page sizes are
/// ignored (noted for --verbose), so the listing's request count does not follow a provider's typo.
@Suite("Discovery values doubted")
struct DiscoveryDoubtTests {
    @Test(
        "a bad filter.maxResults or maxPageSize pages as if absent",
        arguments: [0, -1, Int(Int32.max), 1 << 40])
    func badPageSize(claim: Int) throws {
        var absent = ServiceProviderConfig()
        absent.filterSupported = true
        let baseline = ProviderCapabilities(profile: .generic, config: absent, resourceTypes: nil)
        for keyPath in [\ServiceProviderConfig.filterMaxResults, \ServiceProviderConfig.maxPageSize] {
            var config = absent
            config[keyPath: keyPath] = claim
            let capabilities = ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil)
            #expect(capabilities.pageSize == baseline.pageSize)
            #expect(
                capabilities.notes.count == 1 && capabilities.notes[0].contains("is \(claim), which is no page size"))
            // 10,000 users: the same number of listing requests as with nothing advertised.
            #expect((10_000 + capabilities.pageSize - 1) / capabilities.pageSize == 100)
        }
        // A bad maxPageSize does not hide a good filter.maxResults; a profile's page size wins over both.
        var both = absent
        both.maxPageSize = claim
        both.filterMaxResults = 500
        #expect(ProviderCapabilities(profile: .generic, config: both, resourceTypes: nil).pageSize == 500)
        let aws = ProviderCapabilities(profile: BuiltInProfiles.named("aws")!, config: both, resourceTypes: nil)
        #expect(aws.pageSize == 100)
    }

    @Test("a believable claim is honoured, up to the cap")
    func believable() {
        var config = ServiceProviderConfig()
        config.filterMaxResults = 50
        #expect(ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil).pageSize == 50)
        config.filterMaxResults = 100_000
        let capped = ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil)
        #expect(capped.pageSize == ProviderCapabilities.maxPageSize && capped.notes.isEmpty)
    }
}
