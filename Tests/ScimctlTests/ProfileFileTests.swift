import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// A provider profile a user writes drives `validate`, `plan` and `apply` (`target.profile`) and
/// `scimctl serve --profile FILE` alike: no release needed for a provider with odd quirks.
@Suite("Provider profile files", .timeLimit(.minutes(10)))
struct ProfileFileTests {
    static let profile = """
        # A provider with quirks no built-in profile has.
        profile: 1
        name: acme
        description: Acme's SCIM endpoint.
        listing:
          pageSize: 7
          paging: cursor
          filterOperators: [eq, and]
          sorting: false
        writes:
          patch: false
        groups:
          membershipRead: perGroup
          insistsOn: {description: ""}
        users:
          required: [displayName]
          maxLength: {title: 12}
          allowedValues:
            userType: [staff, contractor]
          duplicateUserNameStatus: 400
          insistsOn: {emails: [], x-cost-centre: 0}

        """

    func org(title: String, count: Int = 20, members: Int = 20) -> String {
        var yaml = """
            version: 1
            target:
              profile: ./acme-profile.yaml
            policy: {unmanaged: ignore}
            users:

            """
        for index in 0..<count {
            yaml += """
                  - userName: person\(index)@acme.test
                    displayName: Person \(index)
                    userType: staff
                    title: \(title)

                """
        }
        yaml += """
            groups:
              - displayName: everyone
                members: [\((0..<members).map { "person\($0)@acme.test" }.joined(separator: ", "))]

            """
        return yaml
    }

    @Test("validate applies the file's rules, located in the org; plan and apply converge on serve --profile FILE")
    func drivesBoth() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-profile-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent("acme-profile.yaml")
        try Self.profile.write(to: profile, atomically: true, encoding: .utf8)
        let yaml = folder.appendingPathComponent("org.yaml")

        // Offline: the file's rules, reported at the org's lines.
        try org(title: "Principal Engineer").write(to: yaml, atomically: true, encoding: .utf8)
        let refused = try await ProcessRunner.runScimctl(["validate", "org.yaml"], in: folder)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "org.yaml:9:12: error: the acme provider allows at most 12 characters in title; this one has 18"),
            "\(refused.stderr)")

        let token = "acme-\(UUID().uuidString)"
        let server = try await ServeProcess.start([
            "--db", folder.appendingPathComponent("s.sqlite").path, "--token", token, "--profile", profile.path,
        ])
        defer { server.stop() }
        let environment = ["SCIM_TOKEN": token]
        func scimctl(_ arguments: [String]) async throws -> ProcessOutput {
            try await ProcessRunner.runScimctl(
                arguments + ["--url", server.baseURL.absoluteString, "org.yaml"], in: folder, environment: environment)
        }

        // The server serves as the file says: cursor paging, 7 a page, no PATCH, no members on groups, no
        // user without emails or x-cost-centre, no group without a description.
        let client = try await SCIMClient.connect(
            try SCIMConnection(baseURL: server.baseURL, token: BearerToken(token)))
        #expect(client.capabilities.paging == .cursor)
        #expect(client.capabilities.pageSize == 7)
        #expect(!client.capabilities.patchSupported)

        try org(title: "Engineer").write(to: yaml, atomically: true, encoding: .utf8)
        let plan = try await scimctl(["plan", "--detailed-exitcode", "--out", "plan.json"])
        #expect(plan.status == 2, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("(provider acme,"), "\(plan.stdout)")
        // The saved plan names the file, and apply --plan reads it again.
        let saved = try String(contentsOf: folder.appendingPathComponent("plan.json"), encoding: .utf8)
        #expect(saved.contains(#""profileFile""#))
        let apply = try await scimctl(["apply", "--auto-approve", "--plan", "plan.json"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(try await scimctl(["plan", "--detailed-exitcode"]).status == 0)

        // An update, written without PATCH (the server answers 501 to one): the profile says so.
        try org(title: "Staff Eng").write(to: yaml, atomically: true, encoding: .utf8)
        let update = try await scimctl(["apply", "--auto-approve"])
        #expect(update.status == 0, "\(update.stdout)\(update.stderr)")
        #expect(update.stdout.contains("Apply: 20 done, 0 failed, 0 skipped."), "\(update.stdout)")
        #expect(try await scimctl(["plan", "--detailed-exitcode"]).status == 0)
        let users = try await client.listUsers()
        #expect(users.count == 20 && users.allSatisfy { $0.attributes[path: "title"] == "Staff Eng" })
        #expect(users.allSatisfy { $0.extra["x-cost-centre"] == .number(0) && $0.emails ?? [] == [] })

        // Two members removed (within the cap of 10% of 20), also by GET + PUT of the group.
        try org(title: "Staff Eng", members: 18).write(to: yaml, atomically: true, encoding: .utf8)
        let removal = try await scimctl(["apply", "--auto-approve"])
        #expect(removal.status == 0, "\(removal.stdout)\(removal.stderr)")
        #expect(try await scimctl(["plan", "--detailed-exitcode"]).status == 0)
        let group = try #require(try await client.listGroups().first)
        #expect(group.members?.count == 18)
        #expect(group.extra["description"] == .string(""))

        // The same server refuses a client without the file's insistsOn, as the provider would.
        let generic = try await SCIMClient.connect(
            try SCIMConnection(baseURL: server.baseURL, token: BearerToken(token)))
        var newcomer = SCIMUser(userName: "late@acme.test")
        newcomer.attributes[path: "displayName"] = "Late"
        let withoutEmails = await #expect(throws: SCIMError.self) { try await generic.createUser(newcomer) }
        #expect(
            withoutEmails?.description.contains("Field 'emails' is required") == true,
            "\(String(describing: withoutEmails))")
    }

    @Test("serve refuses a profile that is neither built in nor a file, and a file with errors, located")
    func serveRefuses() async throws {
        let unknown = try await ProcessRunner.runScimctl(["serve", "--db", "/tmp/x.sqlite", "--profile", "acmee"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no built-in profile (generic, atlassian, aws, entra, github, qase, slack)"))
        let broken = PackagePaths.fixtures.appendingPathComponent("profiles/broken.yaml").path
        let refused = try await ProcessRunner.runScimctl(["serve", "--db", "/tmp/x.sqlite", "--profile", broken])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("broken.yaml:4:13: error: pageSize must be from 1 to 10000, not 0"))
        #expect(refused.stderr.contains("the provider profile \(broken) does not load"))
    }
}
