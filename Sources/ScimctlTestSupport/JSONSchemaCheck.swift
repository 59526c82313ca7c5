public import Foundation

/// Validates JSON documents against one of the project's schemas (schema/*.json, each reachable from
/// the others by its `$id`) with Python's `jsonschema` from `.venv-peers`, as an editor or a consumer
/// of the JSON would: the schema itself is checked first.
public enum JSONSchemaCheck {
    /// Validates each file against `schema`; exit 0 and no output when all validate, else one line per error.
    public static func validate(_ documents: [URL], against schema: URL) async throws -> ProcessOutput {
        let script = """
            import glob, json, os, sys, jsonschema
            from referencing import Registry, Resource
            main = json.load(open(sys.argv[1]))
            resources = []
            for path in glob.glob(os.path.join(os.path.dirname(sys.argv[1]), "*.json")):
                document = json.load(open(path))
                resources.append((document["$id"], Resource.from_contents(document)))
            jsonschema.Draft202012Validator.check_schema(main)
            validator = jsonschema.Draft202012Validator(main, registry=Registry().with_resources(resources))
            failed = 0
            for path in sys.argv[2:]:
                for error in validator.iter_errors(json.load(open(path))):
                    failed += 1
                    print(f"{path}: {error.json_path}: {error.message}")
                    # Under oneOf (one target's document, or several), why each branch refused it.
                    for cause in sorted(error.context or [], key=lambda e: e.json_path):
                        print(f"{path}:   {cause.json_path}: {cause.message}")
            sys.exit(1 if failed else 0)
            """
        let python = PackagePaths.peersPython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Missing(description: "no \(python.path): run scripts/setup-peers (the README's test command does)")
        }
        return try await ProcessRunner.run(python, ["-c", script, schema.path] + documents.map(\.path))
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }
}
