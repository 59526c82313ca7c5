import Foundation
import FuzzChecks
import ScimctlTestSupport
import Testing

/// Replays the fuzzers' regression corpus (every crash scripts/fuzz ever found, in Tests/Fixtures/fuzz)
/// and the fixtures they are seeded with, through the same checks the fuzz targets run.
@Suite("Fuzz regressions", .timeLimit(.minutes(10)))
struct FuzzRegressionTests {
    private static func inputs(_ target: String, also: [String] = []) -> [URL] {
        let manager = FileManager.default
        var urls: [URL] = []
        for folder in ["fuzz/\(target)"] + also {
            let directory = PackagePaths.fixtures.appendingPathComponent(folder)
            let names = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            urls += names.sorted().map { directory.appendingPathComponent($0) }.filter {
                (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
            }
        }
        return urls
    }

    @Test("YAML: the regression corpus and every fixture pass the loader's checks")
    func yaml() throws {
        let inputs = Self.inputs("yaml", also: ["valid", "invalid"])
        #expect(inputs.count > 20)
        for input in inputs {
            #expect(throws: Never.self, "\(input.lastPathComponent)") {
                try FuzzChecks.yaml(Array(try Data(contentsOf: input)))
            }
        }
    }

    @Test("SCIM JSON: the regression corpus passes the parser's checks")
    func scim() throws {
        let inputs = Self.inputs("scim")
        #expect(inputs.count >= 4)
        for input in inputs {
            #expect(throws: Never.self, "\(input.lastPathComponent)") {
                try FuzzChecks.scim(Array(try Data(contentsOf: input)))
            }
        }
    }

    @Test(
        "filters: values that once broke quoting, and hostile ones, round-trip through the sandbox's parser",
        arguments: [
            "alice@example.com", #"a"b\c"#, #"x" or userName pr or ""#, "caf\u{E9} \u{2028} \u{1} \u{0}", "\u{FFFD}",
            String(repeating: "\\", count: 1_000), "😀\u{200D}👩",
            // A combining mark after the opening quote or an escape's last digit (found by fuzzing).
            "\u{301}abc@example.com", "\u{C}\u{7AE}", "abc\u{301}", "\u{8}\u{C}",
        ])
    func filter(value: String) throws {
        #expect(throws: Never.self) { try FuzzChecks.filter(Array(value.utf8)) }
        for input in Self.inputs("filter") {
            #expect(throws: Never.self, "\(input.lastPathComponent)") {
                try FuzzChecks.filter(Array(try Data(contentsOf: input)))
            }
        }
    }
}
