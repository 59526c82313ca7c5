public import Foundation

/// Evaluates Rego policies with a real engine — `regopy` (Microsoft's rego-cpp) from `.venv-peers` — as
/// OPA or conftest would: the policy files loaded as modules, a JSON document as `input`, one query.
public enum RegoCheck {
    /// The value of `query` (e.g. `data.scimctl.rules.violations`) with `input` as input, as JSON.
    public static func evaluate(_ policies: [URL], query: String, input: URL) async throws -> Any {
        let script = """
            import json, sys, regopy
            interpreter = regopy.Interpreter()
            for path in sys.argv[3:]:
                interpreter.add_module(path, open(path).read())
            interpreter.set_input_term(open(sys.argv[2]).read())
            output = interpreter.query(sys.argv[1])
            text = str(output)
            if not text.startswith("{"):
                sys.exit(f"rego: {text}")
            print(json.dumps(json.loads(text)["expressions"][0]))
            """
        let python = PackagePaths.peersPython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw JSONSchemaCheck.Missing(description: "no \(python.path): run scripts/setup-peers")
        }
        let result = try await ProcessRunner.run(python, ["-c", script, query, input.path] + policies.map(\.path))
        guard result.status == 0 else {
            throw JSONSchemaCheck.Missing(description: "regopy failed: \(result.stderr)\(result.stdout)")
        }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
    }
}
