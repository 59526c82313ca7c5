import Foundation
import ScimctlTestSupport
import Testing

/// `scimctl report` as a person sees it: the HTML opened in a real headless browser (Debian's chromium),
/// the CSV read by Python's csv module, the live side against a sandbox over HTTP.
@Suite("scimctl report", .timeLimit(.minutes(10)))
struct ReportCommandTests {
    /// A copy of examples/company, with `edit` applied to people.yaml.
    private func company(_ edit: (String) -> String = { $0 }) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-report-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("company")
        try FileManager.default.copyItem(at: PackagePaths.companyExample, to: copy)
        let people = copy.appendingPathComponent("people.yaml")
        try edit(try String(contentsOf: people, encoding: .utf8)).write(to: people, atomically: true, encoding: .utf8)
        return folder
    }

    /// Chromium, headless: the DOM after the page's script ran, and what its console said.
    private func open(_ file: URL, fragment: String = "") async throws -> (dom: String, console: [String]) {
        let chromium = try #require(
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            },
            "no chromium: scripts/setup-peers installs it")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-chromium-\(UUID())")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: chromium),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--enable-logging=stderr", "--v=0", "--dump-dom", file.absoluteString + fragment,
            ])
        let console = result.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return (result.stdout, console)
    }

    @Test("HTML: one self-contained file, a row per person, no console error, filtering works, values escaped")
    func html() async throws {
        let folder = try company {
            $0.replacingOccurrences(of: "displayName: Wei Chen", with: "displayName: \"<script>alert(1)</script>\"")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try await ProcessRunner.runScimctl(
            ["report", "--out", "report.html", "--now", "2026-12-07", "company"], in: folder)
        #expect(written.status == 0, "\(written.stderr)")
        let file = folder.appendingPathComponent("report.html")
        let text = try String(contentsOf: file, encoding: .utf8)
        // Nothing outside itself: no source, link, stylesheet, import or url() to fetch.
        for reference in ["src=", "href=", "url(", "@import", "<link"] {
            #expect(!text.contains(reference), "the page references \(reference)")
        }
        #expect(text.components(separatedBy: "<script>").count == 2)  // its own, and no other
        #expect(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        let page = try await open(file)
        #expect(page.console.isEmpty, "\(page.console)")
        #expect(page.dom.components(separatedBy: "<tr class=\"person\"").count - 1 == 5)
        #expect(page.dom.contains("5 of 5 shown"))
        // Filtering, as a link carries it: only the two members of qa-leads stay.
        let filtered = try await open(file, fragment: "#filter=qa-leads")
        #expect(filtered.console.isEmpty, "\(filtered.console)")
        #expect(filtered.dom.components(separatedBy: "<tr class=\"person hidden\"").count - 1 == 3)
        #expect(filtered.dom.contains("2 of 5 shown"))

        // A screenshot, kept as the test's artifact (the README shows one like it).
        let artifacts = PackagePaths.root.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let shot = artifacts.appendingPathComponent("report.png")
        try? FileManager.default.removeItem(at: shot)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-chromium-\(UUID())")
        defer { try? FileManager.default.removeItem(at: profile) }
        _ = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/chromium"),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--screenshot=\(shot.path)", "--window-size=1280,900", file.absoluteString,
            ])
        #expect(((try? Data(contentsOf: shot)) ?? Data()).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test("CSV: RFC 4180, one row per person and target, formulas neutralised")
    func csv() async throws {
        let folder = try company {
            $0.replacingOccurrences(of: "displayName: Wei Chen", with: "displayName: \"=HYPERLINK(\\\"http://x\\\")\"")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try await ProcessRunner.runScimctl(
            ["report", "--format", "csv", "--out", "report.csv", "company"], in: folder)
        #expect(written.status == 0, "\(written.stderr)")
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            print(json.dumps(rows))
            """
        let parsed = try await ProcessRunner.run(
            PackagePaths.peersPython, ["-c", script, folder.appendingPathComponent("report.csv").path])
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [[String: String]], "\(parsed.stderr)")
        // 5 people; Alice, Bilal and Dana have accounts in both targets: 8 rows.
        #expect(rows.count == 8)
        #expect(Set(rows.map { "\($0["person"]!) \($0["target"]!)" }).count == 8)
        let chen = try #require(rows.first { $0["person"] == "chen.wei@acme-qa.example" })
        #expect(chen["name"] == "'=HYPERLINK(\"http://x\")")
        #expect(rows.first { $0["userName"] == "dana.ruiz" }?["status"] == "ends 2027-03-31")
    }

    @Test("--live: an account nobody declared is listed under its target; a JWT about to expire is named, never shown")
    func live() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-report-live-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A JWT (unsigned: the sandbox takes any bearer string) that expires in three days.
        func base64url(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let exp = Int(Date().timeIntervalSince1970) + 3 * 86_400 + 3_600
        let jwt =
            base64url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + base64url("{\"sub\":\"scim\",\"exp\":\(exp)}")
            + ".c2lnbmF0dXJl"
        let server = try await ServeProcess.start(
            ["--db", folder.appendingPathComponent("served.sqlite").path, "--token", jwt])
        defer { server.stop() }
        func write(_ users: String) throws {
            try """
            version: 1
            targets:
              app: {url: "\(server.baseURL.absoluteString)", tokenEnv: APP_TOKEN}
            users:
            \(users)
            """.write(to: folder.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        }
        try write("  - {userName: ada@x.io, access: {app: {}}}\n  - {userName: bob@x.io, access: {app: {}}}\n")
        let environment = ["APP_TOKEN": jwt]
        let apply = try await ProcessRunner.runScimctl(
            ["apply", "--auto-approve", "org.yaml"], in: folder, environment: environment)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        // Bob leaves the YAML; his account stays on the provider until an apply.
        try write("  - {userName: ada@x.io, title: Lead, access: {app: {}}}\n")
        let report = try await ProcessRunner.runScimctl(
            ["report", "--live", "--format", "json", "org.yaml"], in: folder, environment: environment)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stderr.contains("$APP_TOKEN is a token that expires on"), "\(report.stderr)")
        #expect(report.stderr.contains("in 3 days: rotate it"), "\(report.stderr)")
        #expect(!(report.stdout + report.stderr).contains(jwt))
        let document = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let target = try #require((document?["targets"] as? [[String: Any]])?.first)
        let undeclared = try #require(target["undeclared"] as? [[String: Any]])
        #expect(undeclared.map { $0["userName"] as? String } == ["bob@x.io"])
        #expect(undeclared.first?["action"] as? String == "deactivate")
        let ada = try #require((document?["people"] as? [[String: Any]])?.first)
        let live = try #require(((ada["accounts"] as? [[String: Any]])?.first)?["live"] as? [String: Any])
        #expect(live["exists"] as? Bool == true)
        #expect(live["drift"] as? [String] == ["title"])
        #expect(live["created"] as? String != nil)
        let file = folder.appendingPathComponent("report.json")
        try Data(report.stdout.utf8).write(to: file)
        let check = try await JSONSchemaCheck.validate([file], against: PackagePaths.reportSchema)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
