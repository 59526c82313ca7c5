import Applier
import Catalog
import Commands
import DesiredState
import Foundation
import OrgExport
import PlanFile
import SCIM
import Sandbox
import ScimctlTestSupport
import Testing

@testable import Planner

/// Every multi-valued attribute of the catalog (`AttributeTable.userContacts`) through every layer that
/// reads the catalog: the YAML loader and its format check, the editor's JSON Schema, the sandbox's
/// `/Schemas`, the plan path, both SCIM readers, the diff, apply with its write check against the
/// sandbox, `import`'s YAML and the resolved state. The test names no attribute: an entry added to the
/// table is tested here as it is.
@Suite("Each multi-valued attribute of the catalog, end to end", .timeLimit(.minutes(5)))
struct CatalogEntryTests {
    /// Two entry values of the attribute's format, the first primary.
    private static func values(_ attribute: ManagedAttribute) -> (String, String) {
        switch attribute.entries!.format {
        case .emailAddress: ("Ann.Lee@x.io", "ann@home.example")
        case .text: ("+44 20 7946 0958", "+1 201 555 0123")
        }
    }

    private static func yaml(_ attribute: ManagedAttribute, _ list: String) -> String {
        "version: 1\nusers:\n  - userName: ann@x.io\n    \(attribute.key): \(list)\n"
    }

    private static func declared(_ attribute: ManagedAttribute, primary: Int) -> String {
        let (first, second) = values(attribute)
        let types = attribute.entries!.types
        return "[{value: '\(first)', type: \(types[0])\(primary == 0 ? ", primary: true" : "")}, "
            + "{value: '\(second)', type: \(types[1])\(primary == 1 ? ", primary: true" : "")}]"
    }

    private func load(_ yaml: String) throws -> (DeclaredOrg?, [Diagnostic]) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-catalog-\(UUID()).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let loaded = DesiredStateLoader().load(paths: [file.path])
        return (loaded.state, loaded.diagnostics)
    }

    private func plan(_ state: DeclaredOrg, _ client: SCIMClient) async throws -> Plan {
        let live = try await LiveSnapshot.read(from: client, includeGroups: false)
        return try Diff(
            desired: state, live: live, today: CalendarDay("2026-12-07")!,
            target: .init(url: "sandbox:test", provider: "generic"), desiredDigest: "sha256:x"
        ).plan()
    }

    @Test("declared, checked, published and given a plan path", arguments: AttributeTable.userContacts)
    func declaredAndPublished(attribute: ManagedAttribute) throws {
        let entries = try #require(attribute.entries)
        let (state, diagnostics) = try load(Self.yaml(attribute, Self.declared(attribute, primary: 0)))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let user = try #require(state?.users.first)
        let list = try #require(user.contacts[attribute]?.value)
        #expect(list.map(\.value) == [Self.values(attribute).0, Self.values(attribute).1])
        #expect(list.map(\.primary) == [true, false])
        #expect(list.map(\.type) == Array(entries.types.prefix(2)))

        // An unknown key of an entry is named with the entry's own word; a value not of the format is
        // refused only where the format says so.
        let (_, unknown) = try load(Self.yaml(attribute, "[{value: x, colour: red}]"))
        #expect(
            unknown.contains { $0.message.contains("colour") && $0.message.contains(entries.singular) }, "\(unknown)")
        let (_, odd) = try load(Self.yaml(attribute, "[{value: not-an-address}]"))
        #expect(odd.contains { $0.code == .invalidEmail } == (entries.format == .emailAddress), "\(odd)")
        let (_, twice) = try load(
            Self.yaml(attribute, "[{value: a@x.io, primary: true}, {value: b@x.io, primary: true}]"))
        #expect(twice.contains { $0.code == .multiplePrimary }, "\(twice)")
        // The same value twice, by the comparison the plan makes: ignoring case unless caseExact.
        let first = Self.values(attribute).0
        let (_, again) = try load(Self.yaml(attribute, "[{value: '\(first)'}, {value: '\(first.uppercased())'}]"))
        let listedTwice = again.contains { $0.message.contains("is listed twice") }
        #expect(listedTwice == (!attribute.caseExact || first == first.uppercased()), "\(again)")

        // The editor's schema: the key on a user and on an access entry, its entry definition.
        let schema = try #require(try JSONValue.parse(Data(SchemaGenerator.desiredState().utf8)).objectValue)
        let definitions = try #require(schema["$defs"]?.objectValue)
        for definition in ["user", "access"] {
            #expect(definitions[definition]?.objectValue?["properties"]?.objectValue?[attribute.key] != nil)
        }
        let entry = try #require(definitions[entries.definition]?.objectValue)
        #expect(entry["description"] == .string(entries.summary))
        let format = entry["properties"]?.objectValue?["value"]?.objectValue?["format"]
        #expect((format == .string("email")) == (entries.format == .emailAddress))

        // A plan file names it by its path, and reads it back.
        #expect(AttributePath(planPath: attribute.path, of: .user) == .contacts(attribute))
        #expect(AttributePath.contacts(attribute).scimPath == attribute.key)
        #expect(Rule.Field(path: attribute.path) == .contacts(attribute))

        // The resolved state lists it on every person and on every target's user.
        let stateJSON = try JSONValue.parse(StateJSON.jsonData(try #require(state), day: CalendarDay("2026-12-07")!))
        let person = stateJSON.objectValue?["people"]?.arrayValue?.first?.objectValue
        #expect(person?[attribute.key]?.arrayValue?.count == 2, "\(String(describing: person))")
        let target = stateJSON.objectValue?["targets"]?.arrayValue?.first?.objectValue
        let targetUser = target?["users"]?.arrayValue?.first?.objectValue
        #expect(targetUser?[attribute.key]?.arrayValue?.count == 2, "\(String(describing: targetUser))")
        // …which the state's schema (written by hand) describes.
        let stateSchema = try JSONValue.parse(Data(contentsOf: PackagePaths.stateSchema))
        let described = stateSchema.objectValue?["$defs"]?.objectValue?["targetUser"]?.objectValue
        #expect(described?["required"]?.arrayValue?.contains(.string(attribute.key)) == true)
        #expect(described?["properties"]?.objectValue?[attribute.key] != nil)
    }

    @Test("read alike by both SCIM readers, kept in a round trip", arguments: AttributeTable.userContacts)
    func readFromSCIM(attribute: ManagedAttribute) throws {
        let (first, second) = Self.values(attribute)
        let resource = """
            {"id": "1", "userName": "ann@x.io", "\(attribute.key)": [
              {"value": "\(first)", "type": "work", "primary": true}, {"value": "\(second)"}, {"type": "home"}]}
            """
        let page = Data(#"{"totalResults": 1, "Resources": [\#(resource)]}"#.utf8)
        let reference = try SCIMUser(json: try JSONValue.parse(Data(resource.utf8)))
        let fast = try #require(PageReaders.users(page), "the fast reader declined the page")
        #expect(fast == [reference])
        // The entry without a value is no entry; the attribute is modelled, not kept in `extra`.
        #expect(reference.contacts[attribute]?.map(\.value) == [first, second])
        #expect(reference.extra.isEmpty)
        #expect(try SCIMUser(json: reference.json) == reference)
        // A wrong JSON type is an error naming the attribute, never "absent".
        let wrong = #"{"id": "1", "userName": "ann@x.io", "\#(attribute.key)": "\#(first)"}"#
        #expect {
            _ = try SCIMUser(json: try JSONValue.parse(Data(wrong.utf8)))
        } throws: { "\($0)".contains(attribute.key) }
        #expect(PageReaders.users(Data(#"{"Resources": [\#(wrong)]}"#.utf8)) == nil)
    }

    @Test(
        "compared as a set: order aside, the primary and each type count; case only if caseExact",
        arguments: AttributeTable.userContacts)
    func compared(attribute: ManagedAttribute) {
        let (first, second) = Self.values(attribute)
        let path = AttributePath.contacts(attribute)
        var user = SCIMUser(userName: "ann@x.io")
        user.contacts[attribute] = [
            SCIMMultiValue(value: first.uppercased(), type: "work", primary: true),
            SCIMMultiValue(value: second, type: "home"),
        ]
        func entry(_ value: String, _ type: String, primary: Bool = false) -> JSONValue {
            .object(["value": .string(value), "type": .string(type), "primary": .bool(primary)])
        }
        let reordered = JSONValue.array([entry(second, "home"), entry(first, "work", primary: true)])
        #expect(path.holds(reordered, in: user) == (!attribute.caseExact || first == first.uppercased()))
        let exactly = JSONValue.array([entry(second, "home"), entry(first.uppercased(), "work", primary: true)])
        #expect(path.holds(exactly, in: user))
        #expect(
            !path.holds(.array([entry(second, "home", primary: true), entry(first.uppercased(), "work")]), in: user))
        #expect(
            !path.holds(.array([entry(second, "work"), entry(first.uppercased(), "work", primary: true)]), in: user))
        #expect(!path.holds(nil, in: user))
        #expect(path.holds(.null, in: SCIMUser(userName: "ann@x.io")))
    }

    @Test(
        "planned, applied, verified and converged against the sandbox; exported as it was declared",
        arguments: AttributeTable.userContacts)
    func appliedToTheSandbox(attribute: ManagedAttribute) async throws {
        let transport = try LyingTransport()
        let client = try await transport.client()

        // /Schemas publishes it, with its canonical types.
        let response = await transport.provider.handle(
            HTTPRequest(method: "GET", url: URL(string: transport.provider.baseURL + "/Schemas")!))
        let published = try JSONValue.parse(response.body).objectValue?["Resources"]?.arrayValue ?? []
        let userSchema = published.first { $0.objectValue?["id"] == .string(SCIMSchema.user) }
        let definition = userSchema?.objectValue?["attributes"]?.arrayValue?.first {
            $0.objectValue?["name"] == .string(attribute.key)
        }
        #expect(definition?.objectValue?["multiValued"] == .bool(true))
        let type = definition?.objectValue?["subAttributes"]?.arrayValue?.first {
            $0.objectValue?["name"] == .string("type")
        }
        #expect(type?.objectValue?["canonicalValues"] == .array(attribute.entries!.types.map(JSONValue.string)))

        var yaml = Self.yaml(attribute, Self.declared(attribute, primary: 0))
        var result = await PlanExecutor(client: client).apply(try await plan(try #require(load(yaml).0), client))
        #expect(result.failed == 0 && result.done == 1, "\(result.entries)")
        var ann = try #require(try await client.findUsers(userName: "ann@x.io").first)
        #expect(ann.contacts[attribute]?.map(\.value) == [Self.values(attribute).0, Self.values(attribute).1])
        #expect(try await plan(try #require(load(yaml).0), client).actions.isEmpty)

        // Only the primary moves: one change of this attribute, written by PATCH and checked.
        yaml = Self.yaml(attribute, Self.declared(attribute, primary: 1))
        let moved = try await plan(try #require(load(yaml).0), client)
        #expect(moved.actions.map { $0.changes.map(\.attribute) } == [[.contacts(attribute)]])
        result = await PlanExecutor(client: client).apply(moved)
        #expect(result.failed == 0 && result.done == 1, "\(result.entries)")
        #expect(try await plan(try #require(load(yaml).0), client).actions.isEmpty)

        // `import` writes it back as declared: the exported YAML plans nothing.
        let live = try await LiveSnapshot.read(from: client, includeGroups: false)
        let export = OrgExporter(target: .init(url: "sandbox:test", provider: "generic"), header: []).export(live)
        #expect(export.yaml.contains("    \(attribute.key):\n"), "\(export.yaml)")
        let exported = try #require(load(export.yaml).0, "\(export.yaml)")
        #expect(try await plan(exported, client).actions.isEmpty)

        // `null` clears it; a provider that ignores the clear is caught by the write check.
        yaml = Self.yaml(attribute, "null")
        transport.lie = { request, forward in await forward(request.droppingOperations(on: attribute.scimPath)) }
        result = await PlanExecutor(client: client).apply(try await plan(try #require(load(yaml).0), client))
        #expect(result.failed == 1, "\(result.entries)")
        transport.lie = nil
        result = await PlanExecutor(client: client).apply(try await plan(try #require(load(yaml).0), client))
        #expect(result.failed == 0 && result.done == 1, "\(result.entries)")
        ann = try #require(try await client.findUsers(userName: "ann@x.io").first)
        #expect(ann.contacts[attribute] == nil)
        #expect(try await plan(try #require(load(yaml).0), client).actions.isEmpty)
    }
}
