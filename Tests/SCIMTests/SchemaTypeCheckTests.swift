import SCIM
import ScimctlTestSupport
import Testing

/// The one RFC 7643 type check, which the planner applies to declared extension values and the sandbox
/// to the bodies it receives.
@Suite("RFC 7643 type check", .timeLimit(.minutes(10)))
struct SchemaTypeCheckTests {
    private func attribute(
        _ type: String, multiValued: Bool = false, sub: [JSONValue] = []
    ) throws -> SchemaAttribute {
        var object: [String: JSONValue] = [
            "name": .string("a"), "type": .string(type), "multiValued": .bool(multiValued),
        ]
        if !sub.isEmpty { object["subAttributes"] = .array(sub) }
        return try SchemaAttribute(json: .object(object))
    }

    @Test(
        "values that fit their type",
        arguments: [
            ("string", JSONValue.string("x")), ("reference", .string("https://x")), ("binary", .string("AA==")),
            ("boolean", .bool(true)), ("integer", .number(3)), ("decimal", .number(2.5)), ("decimal", .number(2)),
            ("dateTime", .string("2027-03-31T00:00:00Z")), ("dateTime", .string("2027-03-31T08:30:00.5+01:00")),
        ])
    func fits(type: String, value: JSONValue) throws {
        #expect(try attribute(type).problem(with: value) == nil)
    }

    @Test(
        "values that do not, named as RFC 7643 names them",
        arguments: [
            ("integer", JSONValue.number(2.5), "decimal"), ("integer", .string("3"), "string"),
            ("boolean", .string("true"), "string"), ("dateTime", .string("tomorrow"), "string"),
            ("dateTime", .string("2027-03-31"), "string"), ("dateTime", .string("2027-03-31 00:00:00"), "string"),
            ("string", .number(1), "integer"), ("decimal", .string("1.5"), "string"), ("string", .null, "null"),
        ])
    func wrongType(type: String, value: JSONValue, found: String) throws {
        #expect(try attribute(type).problem(with: value) == .wrongType(expected: type.lowercased(), found: found))
    }

    @Test("plurality, sub-attributes, and a problem inside a complex value")
    func shapes() throws {
        #expect(try attribute("string").problem(with: .array([.string("x")])) == .notMultiValued)
        #expect(try attribute("string", multiValued: true).problem(with: .string("x")) == .multiValued)
        #expect(try attribute("string", multiValued: true).problem(with: .array([.string("x"), .string("y")])) == nil)
        #expect(
            try attribute("integer", multiValued: true).problem(with: .array([.number(1), .string("2")]))
                == .wrongType(expected: "integer", found: "string"))
        let room: JSONValue = .object(["name": .string("room"), "type": .string("integer")])
        let site = try attribute("complex", sub: [room])
        #expect(site.problem(with: .object(["room": .number(4)])) == nil)
        #expect(site.problem(with: .object(["ROOM": .number(4)])) == nil)
        #expect(site.problem(with: .object(["desk": .number(4)])) == .unknownSubAttribute("desk", known: ["room"]))
        #expect(
            site.problem(with: .object(["room": .string("4")]))
                == .inSubAttribute("room", .wrongType(expected: "integer", found: "string")))
    }
}

@Suite("User-Agent", .timeLimit(.minutes(10)))
struct UserAgentTests {
    @Test("every request names the release that sent it")
    func userAgent() async throws {
        let (client, transport) = try await scriptedClient(ClientTests.indexPaging(total: 3, cap: 1000))
        _ = try await client.listUsers()
        #expect(!transport.requests.isEmpty)
        #expect(transport.requests.allSatisfy { $0.headers["User-Agent"] == "scimctl/\(ScimctlVersion.number)" })
        #expect(ScimctlVersion.number.split(separator: ".").count == 3)
    }
}
