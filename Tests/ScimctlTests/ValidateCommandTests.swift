import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// `scimctl validate`, run as the built binary: exit codes, stream separation, formats.
@Suite("scimctl validate", .timeLimit(.minutes(10)))
struct ValidateCommandTests {
    private let example = PackagePaths.examples.appendingPathComponent("org.yaml").path
    private let invalid = PackagePaths.fixtures.appendingPathComponent("invalid")

    @Test("a valid org exits 0 with nothing on stdout and a summary on stderr")
    func valid() async throws {
        let result = try await ProcessRunner.runScimctl(["validate", example])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "valid: 12 users and 4 groups in 1 file\n")
    }

    @Test("the default path is the working directory")
    func defaultPath() async throws {
        let folder = try PackagePaths.exampleFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await ProcessRunner.runScimctl(["validate"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("valid: 12 users"))
    }

    @Test("an invalid org exits 1 with compiler-style errors on stderr and nothing on stdout")
    func invalidText() async throws {
        let path = invalid.appendingPathComponent("unknown-key-near-miss.yaml").path
        let result = try await ProcessRunner.runScimctl(["validate", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                \(path):5:5: error: unknown key 'actve' in user; did you mean 'active'? [unknown-key]
                   5 |     actve: true
                     |     ^
                invalid: 1 error

                """)
    }

    @Test("every error of every file is reported in one run, sorted")
    func allErrorsAtOnce() async throws {
        let paths = ["group-cycle.yaml", "duplicate-key.yaml", "alias-bomb.yaml"].map {
            invalid.appendingPathComponent($0).path
        }
        let result = try await ProcessRunner.runScimctl(["validate", "--format", "json"] + paths)
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = (report["diagnostics"] as? [[String: Any]])?.compactMap {
            (($0["location"] as? [String: Any])?["file"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent }
        }
        #expect(files == ["alias-bomb.yaml", "duplicate-key.yaml", "group-cycle.yaml"])
    }

    @Test("--format github prints workflow annotations on stdout")
    func github() async throws {
        let path = invalid.appendingPathComponent("unknown-member.yaml").path
        let result = try await ProcessRunner.runScimctl(["validate", "--format", "github", path])
        #expect(result.status == 1)
        #expect(
            result.stdout.hasPrefix(
                "::error file=\(path),line=6,col=34,title=scimctl%3A unknown-member::member 'bob@example.com'"))
        #expect(result.stderr == "invalid: 1 error\n")
    }

    @Test("--format json prints one JSON document on stdout and nothing on stderr")
    func json() async throws {
        let result = try await ProcessRunner.runScimctl(["validate", "--format", "json", example])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == true)
        #expect((report["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test("warnings alone keep the exit status 0")
    func warnings() async throws {
        let path = PackagePaths.fixtures.appendingPathComponent("valid/with-warnings.yaml").path
        let result = try await ProcessRunner.runScimctl(["validate", path])
        #expect(result.status == 0)
        #expect(result.stderr.contains(": warning: "))
        #expect(result.stderr.hasSuffix("valid: 1 user and 1 group in 1 file (2 warnings)\n"))
    }

    @Test(
        "usage errors exit 64", arguments: [["validate", "--format", "xml"], ["validate", "--bogus"], ["frobnicate"]])
    func usage(arguments: [String]) async throws {
        let result = try await ProcessRunner.runScimctl(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a missing path exits 1 and names it")
    func missingPath() async throws {
        let result = try await ProcessRunner.runScimctl(["validate", "/nonexistent/org.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("/nonexistent/org.yaml: error: no such file or directory [file-unreadable]"))
    }

    @Test("output carries no colour when stderr is not a terminal")
    func noColour() async throws {
        let path = invalid.appendingPathComponent("group-cycle.yaml").path
        let result = try await ProcessRunner.runScimctl(["validate", path])
        #expect(!result.stderr.contains("\u{1B}["))
    }

    @Test("apply --plan with a file that is not a plan says so plainly, and reads nothing")
    func badPlanFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-plan-\(UUID()).json")
        try #"{"format_version": "1", "target": {"url": "https://x.example/v2"}}"#.write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await ProcessRunner.runScimctl(["apply", "--plan", file.path, "--auto-approve"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is not a scimctl plan (make one with scimctl plan --out)"))
        #expect(result.stderr.contains("'summary' is missing"), "\(result.stderr)")
        #expect(!result.stderr.contains("DecodingError"))
    }

    @Test("a token written into YAML is never printed, in any format")
    func tokenNeverPrinted() async throws {
        let path = invalid.appendingPathComponent("secret-token-key.yaml").path
        for format in ["text", "github", "json"] {
            let result = try await ProcessRunner.runScimctl(["validate", "--format", format, path])
            #expect(result.status == 1)
            #expect(!(result.stdout + result.stderr).contains("qase_live_7f3a9c2e1b"), "\(format)")
            #expect((result.stdout + result.stderr).contains("secret-in-yaml"))
        }
    }
}
