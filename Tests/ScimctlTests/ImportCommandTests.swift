import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// `scimctl import` against a provider someone else has filled: the YAML it writes validates, and a
/// plan against the same provider right after reports no changes.
@Suite("scimctl import", .scim2Server, .timeLimit(.minutes(10)))
struct ImportCommandTests {
    @Test(
        "import, then plan with the imported YAML: no changes; never overwrites; no token written",
        arguments: Provider.allCases)
    func roundTrip(provider: Provider) async throws {
        let tenant = try await Tenant(provider)
        defer { tenant.close() }
        let (url, token, client, folder) = (tenant.url, tenant.token, tenant.client, tenant.folder)

        // The org as someone else made it, through the API: odd names, a manager, nesting, an inactive user.
        var ids: [String] = []
        for (index, family) in ["O'Brien", "yes", "0012", "Zoë: the \"second\"", "Plain"].enumerated() {
            var user = SCIMUser(userName: "person\(index)@x.io")
            user.attributes[path: "name.familyName"] = family
            user.attributes[path: "name.givenName"] = "G\(index)"
            user.attributes[path: "title"] = index == 2 ? "on" : "Engineer"
            user.active = index != 4
            user.emails = [SCIMMultiValue(value: "person\(index)@x.io", type: "work", primary: true)]
            user.attributes[path: "enterprise.department"] = "QA #\(index)"
            user.managerId = ids.first
            ids.append(try #require(try await client.createUser(user).id))
        }
        var inner = SCIMGroup(displayName: "inner team")
        inner.members = [SCIMMember(value: ids[1], type: "User"), SCIMMember(value: ids[2], type: "User")]
        let innerId = try #require(try await client.createGroup(inner).id)
        var outer = SCIMGroup(displayName: "Everyone")
        outer.members = [SCIMMember(value: ids[0], type: "User")]
        if provider == .sandbox { outer.members?.append(SCIMMember(value: innerId, type: "Group")) }
        _ = try await client.createGroup(outer)

        let environment = ["SCIM_TOKEN": token]
        let out = folder.appendingPathComponent("org")
        let imported = try await ProcessRunner.runScimctl(
            ["import", "--url", url.absoluteString, "--out", out.path], environment: environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("imported 5 users, 2 groups"))
        let yaml = try String(contentsOf: out.appendingPathComponent("org.yaml"), encoding: .utf8)
        #expect(!yaml.contains(token) && !imported.stderr.contains(token))
        #expect(yaml.contains("manager: person0@x.io"))

        let validate = try await ProcessRunner.runScimctl(["validate", out.path])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)\n\(yaml)")
        let plan = try await ProcessRunner.runScimctl(
            ["plan", "--detailed-exitcode", "--url", url.absoluteString, out.path], environment: environment)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)\n\(yaml)")
        #expect(plan.stdout.contains("No changes."))

        let again = try await ProcessRunner.runScimctl(
            ["import", "--url", url.absoluteString, "--out", out.path], environment: environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("never overwrites"))
        let printed = try await ProcessRunner.runScimctl(
            ["import", "--url", url.absoluteString], environment: environment)
        #expect(printed.status == 0)
        #expect(printed.stdout == yaml)
    }
}
