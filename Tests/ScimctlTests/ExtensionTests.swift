import Catalog
import Foundation
import SCIM
import Sandbox
import ScimctlTestSupport
import Testing

/// Custom schema extensions end to end: declared in YAML, checked against the provider's /Schemas,
/// planned, applied, imported and planned again with no changes — on the sandbox in this process
/// (`sandbox:PATH`, the schema stored in its database) and over HTTP (`scimctl serve --schema`).
@Suite("Custom schema extensions", .timeLimit(.minutes(10)))
struct ExtensionTests {
    enum Where: String, CaseIterable, CustomTestStringConvertible {
        case inProcess = "sandbox:PATH"
        case http = "scimctl serve --schema"
        var testDescription: String { rawValue }
    }

    static let userURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"
    static let groupURN = "urn:example:params:scim:schemas:extension:acme:2.0:Group"
    static let schemaFile = PackagePaths.fixtures.appendingPathComponent("schemas/acme.json")

    /// A provider with the acme schemas declared: its URL, the token to use, and what stops it.
    struct Target {
        var url: String
        var environment: [String: String]
        var server: ServeProcess?
        var folder: URL

        init(_ place: Where) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-ext-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = folder.appendingPathComponent("sandbox.sqlite").path
            switch place {
            case .inProcess:
                // Declared through the library, then closed: the scimctl runs below open it themselves.
                try await Self.declare(in: database)
                (url, environment) = ("sandbox:\(database)", [:])
            case .http:
                let token = "ext-\(UUID().uuidString)"
                let server = try await ServeProcess.start([
                    "--db", database, "--token", token, "--schema", ExtensionTests.schemaFile.path,
                ])
                (url, environment, self.server) = (server.baseURL.absoluteString, ["SCIM_TOKEN": token], server)
            }
        }

        private static func declare(in database: String) async throws {
            let provider = try SandboxProvider(path: database)
            let schemas = try JSONValue.parse(try Data(contentsOf: ExtensionTests.schemaFile))
            for schema in try #require(schemas.arrayValue) { try await provider.declareSchema(schema) }
        }

        func close() {
            server?.stop()
            try? FileManager.default.removeItem(at: folder)
        }

        func scimctl(_ arguments: [String]) async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(arguments + ["--url", url], in: folder, environment: environment)
        }
    }

    func org(badge: String = "B-1", clearance: String = "[public, internal]") -> String {
        """
        version: 1
        policy: {unmanaged: ignore}
        users:
          - userName: ada@example.com
            extensions:
              "\(Self.userURN)":
                badge: \(badge)
                clearance: \(clearance)
                floor: 3
                remote: false
                site: {building: North, desk: "12"}
                hireKey: H-1
          - userName: grace@example.com
            extensions:
              "\(Self.userURN)": {badge: B-2}
        groups:
          - displayName: engineering
            members: [ada@example.com]
            extensions:
              "\(Self.groupURN)": {costCode: ENG-1}

        """
    }

    @Test("validate → plan → apply → import → plan: no changes", arguments: Where.allCases)
    func roundTrip(place: Where) async throws {
        let target = try await Target(place)
        defer { target.close() }
        let yaml = target.folder.appendingPathComponent("org.yaml")
        try org().write(to: yaml, atomically: true, encoding: .utf8)

        let validate = try await ProcessRunner.runScimctl(["validate", yaml.path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("note: 8 custom extension attributes checked for shape only"))

        let plan = try await target.scimctl(["plan", "--detailed-exitcode", "org.yaml"])
        #expect(plan.status == 2, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("\(Self.userURN):badge"), "\(plan.stdout)")
        #expect(plan.stdout.contains("\(Self.groupURN):costCode"), "\(plan.stdout)")
        let apply = try await target.scimctl(["apply", "--auto-approve", "org.yaml"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(try await target.scimctl(["plan", "--detailed-exitcode", "org.yaml"]).status == 0)

        // Another badge, and the same clearances in another order: only the badge changes.
        try org(badge: "B-9", clearance: "[internal, public]").write(to: yaml, atomically: true, encoding: .utf8)
        let change = try await target.scimctl(["plan", "--detailed-exitcode", "--format", "json", "org.yaml"])
        #expect(change.status == 2, "\(change.stderr)")
        let actions = try #require(try JSONValue.parse(Data(change.stdout.utf8)).objectValue?["actions"]?.arrayValue)
        let changed = actions.flatMap { $0.objectValue?["changes"]?.arrayValue ?? [] }.compactMap {
            $0.objectValue?["attribute"]?.stringValue
        }
        #expect(changed == ["\(Self.userURN):badge"])
        #expect(try await target.scimctl(["apply", "--auto-approve", "org.yaml"]).status == 0)

        // import writes the extensions (not the read-only riskScore), and the imported YAML is in sync.
        let imported = try await target.scimctl(["import", "--out", "imported"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let text = try String(
            contentsOf: target.folder.appendingPathComponent("imported/org.yaml"), encoding: .utf8)
        #expect(text.contains("extensions:") && text.contains("\"\(Self.userURN)\":"), "\(text)")
        #expect(text.contains("badge: B-9") && text.contains("costCode: ENG-1"), "\(text)")
        #expect(!text.contains("riskScore"))
        let again = try await target.scimctl(["plan", "--detailed-exitcode", "imported"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)\n\(text)")
    }

    @Test(
        "the provider's schema refuses: a wrong type, a list for one value, an unknown attribute or schema, read-only, a missing required one, an immutable change"
    )
    func refusals() async throws {
        let target = try await Target(.inProcess)
        defer { target.close() }
        let yaml = target.folder.appendingPathComponent("org.yaml")
        try org().write(to: yaml, atomically: true, encoding: .utf8)
        #expect(try await target.scimctl(["apply", "--auto-approve", "org.yaml"]).status == 0)
        let wrong = """
            version: 1
            policy: {unmanaged: ignore}
            users:
              - userName: ada@example.com
                extensions:
                  "\(Self.userURN)":
                    badge: [B-1]
                    floor: three
                    hireKey: H-2
                    riskScore: 0.5
                    shoeSize: 43
                    site: {building: North, room: "1"}
              - userName: new@example.com
                extensions:
                  "\(Self.userURN)": {floor: 1}
                  "urn:example:params:scim:schemas:extension:nobody:2.0:User": {x: y}

            """
        try wrong.write(to: yaml, atomically: true, encoding: .utf8)
        let before = try await target.scimctl(["plan", "--format", "json", "org.yaml"])
        let plan = try await target.scimctl(["plan", "org.yaml"])
        #expect(plan.status == 1)
        for expected in [
            "org.yaml:7:9: \(Self.userURN):badge holds one value on the provider, not a list",
            "org.yaml:8:9: \(Self.userURN):floor is of type integer on the provider, not string",
            "org.yaml:9:9: \(Self.userURN):hireKey is immutable on the provider and user 'ada@example.com' already holds \"H-1\"",
            "org.yaml:10:9: \(Self.userURN):riskScore is read-only on the provider",
            "org.yaml:11:9: '\(Self.userURN)' has no attribute 'shoeSize'",
            "org.yaml:12:9: \(Self.userURN):site has no sub-attribute 'room'",
            "org.yaml:15:67: user 'new@example.com' is created here, and '\(Self.userURN)' requires 'badge'",
            "org.yaml:16:69: the provider publishes no schema 'urn:example:params:scim:schemas:extension:nobody:2.0:User'",
        ] {
            #expect(plan.stderr.contains(expected), "missing: \(expected)\n\(plan.stderr)")
        }
        #expect(before.status == 1 && before.stdout.isEmpty)
    }

    @Test("the sandbox enforces a declared schema on writes, and refuses a schema that is not one")
    func sandboxEnforces() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-ext-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let provider = try SandboxProvider(path: folder.appendingPathComponent("s.sqlite").path)
        let schemas = try JSONValue.parse(try Data(contentsOf: Self.schemaFile))
        for schema in try #require(schemas.arrayValue) { try await provider.declareSchema(schema) }
        func post(_ body: String) async -> Int {
            await provider.handle(
                HTTPRequest(
                    method: "POST", url: URL(string: provider.baseURL + "/Users")!, headers: [:],
                    body: Data(body.utf8))
            ).status
        }
        #expect(await post(#"{"userName": "a@x.io", "\#(Self.userURN)": {"badge": "B"}}"#) == 201)
        #expect(await post(#"{"userName": "b@x.io", "\#(Self.userURN)": {"floor": 2}}"#) == 400)  // badge required
        #expect(await post(#"{"userName": "c@x.io", "\#(Self.userURN)": {"badge": "B", "floor": "2"}}"#) == 400)
        #expect(await post(#"{"userName": "d@x.io", "\#(Self.userURN)": {"badge": "B", "riskScore": 1}}"#) == 400)
        #expect(await post(#"{"userName": "e@x.io", "\#(Self.userURN)": {"badge": "B", "nope": 1}}"#) == 400)
        #expect(await post(#"{"userName": "f@x.io", "\#(Self.userURN)": {"badge": "B", "clearance": "x"}}"#) == 400)
        let served = await provider.handle(
            HTTPRequest(method: "GET", url: URL(string: provider.baseURL + "/ResourceTypes/User")!, headers: [:]))
        #expect(String(decoding: served.body, as: UTF8.self).contains(Self.userURN))
        await #expect(throws: (any Error).self) {
            try await provider.declareSchema(.object(["id": .string("urn:x:y:Thing"), "attributes": .array([])]))
        }
    }
}
