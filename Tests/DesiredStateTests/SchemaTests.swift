import Catalog
import DesiredState
import Foundation
import ScimctlTestSupport
import Testing
import YAML

@Suite("JSON Schema", .timeLimit(.minutes(10)))
struct SchemaTests {
    private func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: PackagePaths.schema)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the committed schema is the one generated from the key and attribute tables")
    func generated() throws {
        let generated = SchemaGenerator.desiredState()
        if ProcessInfo.processInfo.environment["SCIMCTL_RECORD_GOLDEN"] == "1" {
            try generated.write(to: PackagePaths.schema, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: PackagePaths.schema, encoding: .utf8)
        #expect(
            committed == generated,
            "schema/scimctl.schema.json is stale: run SCIMCTL_RECORD_GOLDEN=1 swift test --filter JSON.Schema")
    }

    @Test("every string attribute of the table is a key of its section, described as the table says")
    func tableDrivesKeys() throws {
        let definitions = try #require(try schema()["$defs"] as? [String: [String: Any]])
        for attribute in AttributeTable.userStrings {
            let definition = attribute.section == .core ? "user" : attribute.section.rawValue
            let properties = try #require(definitions[definition]?["properties"] as? [String: [String: Any]])
            let property = try #require(properties[attribute.key], "\(attribute.path) is not in $defs/\(definition)")
            #expect(property["description"] as? String == attribute.summary)
        }
    }

    @Test("the schema lists exactly the keys the loader accepts, mapping by mapping")
    func keysInStep() throws {
        let schema = try schema()
        let definitions = try #require(schema["$defs"] as? [String: Any])
        for mapping in MappingKeys.all {
            let object: [String: Any]
            if let name = mapping.schemaDefinition {
                object = try #require(definitions[name] as? [String: Any], "no $defs/\(name) in the schema")
            } else {
                object = schema
            }
            let properties = try #require(object["properties"] as? [String: Any], "\(mapping.name) has no properties")
            #expect(Set(properties.keys) == Set(mapping.keys), "keys of \(mapping.name)")
            #expect(object["additionalProperties"] as? Bool == false, "\(mapping.name) must refuse unknown keys")
        }
        // `extensions` maps URNs the user chooses: a definition, but no fixed keys.
        let described = Set(MappingKeys.all.compactMap(\.schemaDefinition) + ["extensions"])
        #expect(Set(definitions.keys) == described, "every $defs entry is a mapping the loader reads")
    }

    @Test("the schema's enumerations match the model's")
    func enumerations() throws {
        let definitions = try #require(try schema()["$defs"] as? [String: [String: Any]])
        func values(_ definition: String, _ property: String) -> [String]? {
            ((definitions[definition]?["properties"] as? [String: Any])?[property] as? [String: Any])?["enum"]
                as? [String]
        }
        #expect(values("target", "provider") == BuiltInProfiles.names)
        #expect(values("policy", "unmanaged") == UnmanagedUserPolicy.allCases.map(\.rawValue))
        #expect(values("policy", "unmanagedGroups") == UnmanagedGroupPolicy.allCases.map(\.rawValue))
    }

    /// Every example and valid fixture, as JSON (read by our YAML reader, so by the same rules).
    private func documents() throws -> [(name: String, json: Any)] {
        var files = PackagePaths.entries(of: PackagePaths.examples).map {
            PackagePaths.examples.appendingPathComponent($0)
        }
        let valid = PackagePaths.fixtures.appendingPathComponent("valid")
        let loaded = DesiredStateLoader().load(paths: [valid.path])
        files += loaded.sources.files.map { URL(fileURLWithPath: $0) }
        return try files.filter { $0.pathExtension == "yaml" || $0.pathExtension == "yml" }.map { file in
            let text = try String(contentsOf: file, encoding: .utf8)
            let node = try #require(try YAMLReader.read(text))
            return (file.lastPathComponent, node.json)
        }
    }

    private func validate(_ documents: [(name: String, json: Any)]) async throws -> ProcessOutput {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-schema-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, document) in documents.enumerated() {
            let file = folder.appendingPathComponent("\(index)-\(document.name).json")
            try JSONSerialization.data(withJSONObject: document.json).write(to: file)
            paths.append(file.path)
        }
        return try await JSONSchemaCheck.validate(paths.map { URL(fileURLWithPath: $0) }, against: PackagePaths.schema)
    }

    @Test("every example and valid fixture validates against the schema")
    func examplesValidate() async throws {
        let documents = try documents()
        #expect(documents.count >= 8)
        let result = try await validate(documents)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("the schema refuses what the loader refuses")
    func schemaRefuses() async throws {
        let invalid = PackagePaths.fixtures.appendingPathComponent("invalid")
        let names = [
            "unknown-key-near-miss.yaml", "not-a-boolean-quoted.yaml", "invalid-digest.yaml",
            "unsupported-version.yaml",
        ]
        let documents = try names.map { name in
            let text = try String(contentsOf: invalid.appendingPathComponent(name), encoding: .utf8)
            return (name, try #require(try YAMLReader.read(text)).json)
        }
        let result = try await validate(documents)
        #expect(result.status == 1)
        for name in names {
            #expect(result.stdout.contains(name), "the schema accepted \(name)")
        }
    }
}

extension Node {
    /// The JSON reading of a node under the YAML 1.2 core schema, as an editor's language server sees it.
    var json: Any {
        switch content {
        case .mapping(let pairs):
            var object: [String: Any] = [:]
            for pair in pairs { object[pair.key.scalar?.value ?? ""] = pair.value.json }
            return object
        case .sequence(let items):
            return items.map(\.json)
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return NSNull()
            case .bool(let value): return value
            case .int(let value): return value
            case .float(let value): return value
            case .string(let value): return value
            }
        }
    }
}
