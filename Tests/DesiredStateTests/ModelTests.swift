import Catalog
import DesiredState
import Foundation
import ScimctlTestSupport
import Testing

@Suite("Desired-state model", .timeLimit(.minutes(10)))
struct ModelTests {
    private func load(_ name: String) throws -> DeclaredOrg {
        let path = PackagePaths.fixtures.appendingPathComponent("valid/\(name)").path
        let loaded = DesiredStateLoader().load(paths: [path])
        return try #require(loaded.state, "\(loaded.diagnostics)")
    }

    @Test("every attribute is read into the model with its location")
    func everyAttribute() throws {
        let state = try load("every-attribute.yaml")
        let file = PackagePaths.fixtures.appendingPathComponent("valid/every-attribute.yaml").path
        let target = try #require(state.target)
        #expect(target.url?.value == "https://app.qase.io/scim/v2")
        #expect(target.providerProfile.name == "qase" && target.providerProfile.userNameIsEmail)
        #expect(target.tokenVariable == "QASE_SCIM_TOKEN")
        #expect(state.policy.unmanaged == .delete)
        #expect(state.policy.unmanagedGroups == .delete)
        #expect(
            state.policy.protect.map(\.value.text) == [
                "owner@example.com", "*@break-glass.example.com", "svc-[a-z]?@example.com",
            ])
        #expect(state.safety.maxDestructive == 25)
        #expect(state.safety.maxDestructivePercent == 12.5)
        #expect(state.safety.approve.count == 1)

        let alice = try #require(state.users.first { $0.userName.value == "alice@example.com" })
        #expect(alice.userName.location == SourceLocation(file: file, line: 18, column: 15))
        #expect(alice.location == SourceLocation(file: file, line: 18, column: 5))
        #expect(alice.externalId.value == "E1001")
        #expect(alice.previously.map(\.value) == ["alice.old@example.com", "a.nguyen@example.com"])
        #expect(alice.sections[.name]?.value == true)
        #expect(alice.attributes[path: "name.givenName"]?.value == "Alice")
        #expect(alice.attributes[path: "name.middleName"]?.value == "Thi")
        #expect(alice.attributes[path: "name.formatted"]?.value == "Dr. Alice Thi Nguyen, PhD")
        #expect(
            alice.attributes[path: "name.givenName"]?.location == SourceLocation(file: file, line: 22, column: 18))
        #expect(alice.attributes[path: "displayName"]?.value == "Alice Nguyen")
        #expect(alice.attributes[path: "nickName"]?.value == "Ali")
        #expect(alice.attributes[path: "title"]?.value == "QA Lead")
        #expect(alice.attributes[path: "userType"]?.value == "regular")
        #expect(alice.attributes[path: "preferredLanguage"]?.value == "vi-VN")
        #expect(alice.attributes[path: "locale"]?.value == "en-GB")
        #expect(alice.attributes[path: "timezone"]?.value == "Europe/London")
        #expect(alice.active.value == true)
        let emails = try #require(alice.emails.value)
        #expect(emails.map(\.value) == ["alice@example.com", "alice@home.example"])
        #expect(emails.map(\.type) == ["work", "home"])
        #expect(emails.map(\.primary) == [true, false])
        #expect(alice.contacts[AttributeTable.contacts(at: "phoneNumbers")!]?.value?.first?.value == "+44 20 7946 0958")
        #expect(alice.sections[.enterprise]?.value == true)
        #expect(alice.attributes[path: "enterprise.employeeNumber"]?.value == "1001")
        #expect(alice.attributes[path: "enterprise.costCenter"]?.value == "CC-42")
        #expect(alice.attributes[path: "enterprise.organization"]?.value == "Acme")
        #expect(alice.attributes[path: "enterprise.division"]?.value == "Engineering")
        #expect(alice.attributes[path: "enterprise.department"]?.value == "QA")
        #expect(alice.manager.value == "owner@example.com")
        #expect(alice.groups.map(\.value) == ["qaseUsers"])
        #expect(alice.expires?.value == CalendarDay("2027-03-31"))
        #expect(alice.deleteAfter?.value.description == "2027-06-30")

        let group = try #require(state.groups.first)
        #expect(group.displayName.value == "qaseUsers")
        #expect(group.externalId.value == "G-1")
        #expect(group.previously.map(\.value) == ["qase-users"])
        #expect(group.members.map(\.value) == ["owner@example.com", "leads"])
    }

    @Test("omitted attributes stay unmanaged; explicit null clears")
    func nullClears() throws {
        let bob = try #require(try load("null-clears.yaml").users.first)
        let title = try #require(bob.attributes[path: "title"])
        #expect(title == .cleared(at: try #require(title.location)))
        #expect(bob.attributes[path: "displayName"]?.isDeclared == true)
        #expect(bob.attributes[path: "displayName"]?.value == nil)
        #expect(bob.sections[.name]?.isDeclared == true && bob.sections[.name]?.value == nil)
        #expect(bob.emails.isDeclared && bob.emails.value == nil)
        #expect(bob.attributes[path: "enterprise.department"]?.isDeclared == true)
        #expect(bob.attributes[path: "enterprise.department"]?.value == nil)
        #expect(bob.attributes[path: "enterprise.costCenter"] == nil)
        #expect(bob.attributes[path: "nickName"] == nil)
        #expect(bob.active == .omitted)
        #expect(bob.groups.isEmpty)
        #expect(bob.expires == nil)
    }

    @Test("directories are searched recursively, sorted, and merged; hidden entries are skipped")
    func directories() throws {
        let state = try load("split-org")
        let relative = state.files.map { $0.replacingOccurrences(of: PackagePaths.fixtures.path + "/valid/", with: "") }
        #expect(relative == ["split-org/groups.yml", "split-org/people/qa.yaml", "split-org/settings.yaml"])
        #expect(state.target?.url?.value == "http://127.0.0.1:18080/v2")
        #expect(state.policy.unmanaged == .ignore)
        #expect(state.users.map(\.userName.value) == ["alice@example.com", "bob@example.com"])
        let hidden = DesiredStateLoader().load(
            paths: [PackagePaths.fixtures.appendingPathComponent("invalid/no-yaml-files").path])
        #expect(hidden.diagnostics.map(\.code) == [.noYAMLFiles])
    }

    @Test("aliases share values between users")
    func aliases() throws {
        let users = try load("anchors-and-aliases.yaml").users
        #expect(users.map { $0.attributes[path: "enterprise.department"]?.value } == ["QA", "QA"])
        #expect(users.map { $0.groups.map(\.value) } == [["qaseUsers"], ["qaseUsers"]])
    }

    @Test("defaults apply when policy, safety and target are not declared")
    func defaults() throws {
        let state = try load("minimal.yaml")
        #expect(state.target == nil)
        #expect(state.policy.unmanaged == .deactivate)
        #expect(state.policy.unmanagedGroups == .ignore)
        #expect(state.safety.maxDestructive == 10)
        #expect(state.safety.maxDestructivePercent == 10)
    }

    @Test("a file over the size limit is refused before it is parsed")
    func sizeLimit() throws {
        let path = PackagePaths.examples.appendingPathComponent("org.yaml").path
        let loaded = DesiredStateLoader(maxFileSize: 1024).load(paths: [path])
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.map(\.code) == [.fileTooLarge])
    }

    @Test("a path that does not exist is reported, not skipped")
    func missingPath() {
        let loaded = DesiredStateLoader().load(paths: ["/nonexistent/org.yaml"])
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.map(\.code) == [.fileUnreadable])
    }
}

@Suite("Value shapes", .timeLimit(.minutes(10)))
struct ValueShapeTests {
    @Test(
        "protect globs match userNames ignoring case",
        arguments: [
            ("owner@example.com", "OWNER@example.com", true),
            ("*@break-glass.example.com", "ops1@break-glass.example.com", true),
            ("*@break-glass.example.com", "ops1@example.com", false),
            ("svc-?@example.com", "svc-a@example.com", true),
            ("svc-?@example.com", "svc-ab@example.com", false),
            ("svc-[a-c]*", "svc-b-42", true),
            ("svc-[!a-c]*", "svc-b-42", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("\\*literal", "*literal", true),
            ("\\*literal", "xliteral", false),
            ("*", "", true),
        ])
    func glob(pattern: String, name: String, matches: Bool) throws {
        #expect(try GlobPattern(pattern).matches(name) == matches)
    }

    @Test("invalid globs say why", arguments: ["", "[abc", "trailing\\", "[z-a]"])
    func invalidGlob(pattern: String) {
        #expect(throws: GlobPattern.Invalid.self) { try GlobPattern(pattern) }
    }

    @Test("calendar days are strict YYYY-MM-DD and real")
    func days() {
        #expect(CalendarDay("2028-02-29") != nil)
        #expect(CalendarDay("2027-02-29") == nil)
        #expect(CalendarDay("2100-02-29") == nil)
        #expect(CalendarDay("2000-02-29") != nil)
        #expect(CalendarDay("2027-4-01") == nil)
        #expect(CalendarDay("2027-04-31") == nil)
        #expect(CalendarDay("27-04-01") == nil)
        #expect(CalendarDay("2027-03-31")! < CalendarDay("2027-04-01")!)
    }

    @Test(
        "email addresses",
        arguments: [
            ("alice@example.com", true), ("a.b+tag@sub.example.co.uk", true), ("zoë@exämple.com", true),
            ("alice", false), ("alice@", false), ("@example.com", false), ("alice@@example.com", false),
            ("alice@example", false), (".alice@example.com", false), ("al..ice@example.com", false),
            ("alice@-example.com", false), ("alice smith@example.com", false),
        ])
    func email(address: String, valid: Bool) {
        #expect(EmailAddress.isValid(address) == valid)
    }
}

@Suite("Parallel decoding", .timeLimit(.minutes(10)))
struct ParallelDecodingTests {
    /// An org of `count` users in 20 groups, with one duplicate userName near the end and one unknown group.
    private func org(users count: Int) throws -> URL {
        var text = "version: 1\nusers:\n"
        for index in 0..<count {
            text += "  - userName: user\(index)@example.com\n    externalId: E\(index)\n"
            text += "    name: {givenName: Given\(index), familyName: Family}\n    groups: [team-\(index % 20)]\n"
        }
        text += "  - userName: USER\(count - 3)@example.com\n    groups: [team-404]\n"
        text += "groups:\n" + (0..<20).map { "  - displayName: team-\($0)\n" }.joined()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-parallel-\(UUID()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("decoding on a second thread gives exactly what decoding in line gives")
    func sameResult() throws {
        let file = try org(users: 5_000)
        defer { try? FileManager.default.removeItem(at: file) }
        let inline = DesiredStateLoader(parallelDecodingThreshold: .max).load(paths: [file.path])
        let parallel = DesiredStateLoader(parallelDecodingThreshold: 0).load(paths: [file.path])
        #expect(inline.diagnostics.map(\.code) == [.duplicateUser, .unknownGroup])
        #expect(parallel.diagnostics == inline.diagnostics)
        let valid = DesiredStateLoader(parallelDecodingThreshold: 0).load(
            paths: [PackagePaths.fixtures.appendingPathComponent("valid/every-attribute.yaml").path])
        let validInline = DesiredStateLoader(parallelDecodingThreshold: .max).load(
            paths: [PackagePaths.fixtures.appendingPathComponent("valid/every-attribute.yaml").path])
        #expect(valid.state != nil)
        #expect(valid.state == validInline.state)
    }

    @Test("a syntax error part-way through a parallel decode is reported, and the worker stops")
    func syntaxErrorMidway() throws {
        let file = try org(users: 3_000)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("  - displayName: [unclosed\n".utf8))
        try handle.close()
        let loaded = DesiredStateLoader(parallelDecodingThreshold: 0).load(paths: [file.path])
        #expect(loaded.state == nil)
        #expect(loaded.diagnostics.map(\.code) == [.yamlSyntax])
    }
}
