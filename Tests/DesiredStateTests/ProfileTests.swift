import Catalog
import DesiredState
import Foundation
import ScimctlTestSupport
import Testing
import YAML

/// Provider profiles as data: the built-in documents load, match their schema, and say what the
/// providers' documentation says.
@Suite("Provider profiles", .timeLimit(.minutes(10)))
struct ProfileTests {
    @Test("every built-in profile loads with no diagnostic, under its own name")
    func builtIns() throws {
        #expect(BuiltInProfiles.names.first == "generic")
        for name in BuiltInProfiles.names {
            let bytes = try #require(BuiltInProfiles.documents[name])
            let (profile, diagnostics) = ProfileDecoder.decode(bytes, file: "built-in")
            #expect(diagnostics.isEmpty, "\(name): \(diagnostics.map(\.message))")
            #expect(profile?.name == name)
            #expect(BuiltInProfiles.named(name) == profile)
        }
        #expect(BuiltInProfiles.named("generic") == ProviderProfile.generic)
        let qase = try #require(BuiltInProfiles.named("qase"))
        #expect(qase.userNameIsEmail && qase.duplicateUserNameStatus == 400 && qase.opCasing == .capitalized)
        #expect(qase.maxLength == ["name.givenName": 60, "name.familyName": 60])
        #expect(qase.allowedValues["userType"] == ["regular", "read-only", "billing"])
        let aws = try #require(BuiltInProfiles.named("aws"))
        #expect(aws.requiredAttributes == ["displayName", "name.givenName", "name.familyName"])
        #expect(aws.membershipRead == .byUserFilter && aws.paging == .cursor && aws.pageSize == 100)
        #expect(aws.filterOperators == ["eq", "and"])
        #expect(BuiltInProfiles.named("slack")?.deleteDeactivates == true)
        #expect(BuiltInProfiles.named("entra")?.maxMembersRemovedPerPatch == 1)
    }

    @Test(
        "the committed profile schema is the one generated from the reader's key tables, limits and the attribute table"
    )
    func schemaGenerated() throws {
        let file = PackagePaths.root.appendingPathComponent("schema/profile.schema.json")
        let generated = SchemaGenerator.profile()
        if ProcessInfo.processInfo.environment["SCIMCTL_RECORD_GOLDEN"] == "1" {
            try generated.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(
            try String(contentsOf: file, encoding: .utf8) == generated,
            "schema/profile.schema.json is stale: run SCIMCTL_RECORD_GOLDEN=1 swift test --filter Provider.profiles")
        // What the generation guarantees, read back from the file: every mapping closed, with the reader's
        // keys; the attribute paths listed once, and every place that takes one refers to that list.
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(generated.utf8)) as? [String: Any])
        let definitions = try #require(schema["$defs"] as? [String: [String: Any]])
        for mapping in MappingKeys.profileAll {
            let object = try #require(mapping.schemaDefinition.map { definitions[$0] } ?? schema)
            let properties = try #require(object["properties"] as? [String: Any])
            #expect(Set(properties.keys) == Set(mapping.keys), "keys of \(mapping.name)")
            #expect(object["additionalProperties"] as? Bool == false)
        }
        let paths = try #require(definitions["userAttributePath"]?["enum"] as? [String])
        #expect(paths == AttributeTable.userStrings.map(\.path))
        let users = try #require(definitions["users"]?["properties"] as? [String: [String: Any]])
        let reference = "#/$defs/userAttributePath"
        #expect((users["required"]?["items"] as? [String: Any])?["$ref"] as? String == reference)
        #expect((users["maxLength"]?["propertyNames"] as? [String: Any])?["$ref"] as? String == reference)
        #expect((users["allowedValues"]?["propertyNames"] as? [String: Any])?["$ref"] as? String == reference)
    }

    @Test("the built-in profiles validate against schema/profile.schema.json, and a broken one does not")
    func schemaValidates() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-profiles-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [URL] = []
        for name in BuiltInProfiles.names {
            let text = String(decoding: try #require(BuiltInProfiles.documents[name]), as: UTF8.self)
            let file = folder.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: try #require(try YAMLReader.read(text)).json).write(to: file)
            files.append(file)
        }
        let schema = PackagePaths.root.appendingPathComponent("schema/profile.schema.json")
        let result = try await JSONSchemaCheck.validate(files, against: schema)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let broken = try String(
            contentsOf: PackagePaths.fixtures.appendingPathComponent("profiles/broken.yaml"), encoding: .utf8)
        let brokenFile = folder.appendingPathComponent("broken.json")
        try JSONSerialization.data(withJSONObject: try #require(try YAMLReader.read(broken)).json).write(to: brokenFile)
        #expect(try await JSONSchemaCheck.validate([brokenFile], against: schema).status == 1)
    }

    @Test(
        "insistsOn: every kind of value read; names scimctl writes, bad names, ambiguous or non-empty values refused at their place"
    )
    func insistsOn() async throws {
        let good = """
            profile: 1
            name: insisting
            users:
              insistsOn: {active: true, emails: [], nickName: "", x-seats: 0, urn_settings: {}, title: "no"}
            groups:
              insistsOn: {members: [], description: none}

            """
        let (profile, diagnostics) = ProfileDecoder.decode(Array(good.utf8), file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(
            profile?.usersInsistOn == [
                "active": .bool(true), "emails": .emptyList, "nickName": .string(""), "x-seats": .integer(0),
                "urn_settings": .emptyObject, "title": .string("no"),
            ])
        #expect(profile?.groupsInsistOn == ["members": .emptyList, "description": .string("none")])

        let bad = """
            profile: 1
            name: insisting
            users:
              insistsOn:
                id: ""
                Meta: {}
                2fa: true
                active: yes
                emails: [a@x.io]
                ratio: 0.5
                nickName: x
                NICKNAME: y
            groups:
              insistsOn: [members]

            """
        let (refused, problems) = ProfileDecoder.decode(Array(bad.utf8), file: "p.yaml")
        #expect(refused == nil)
        let messages = problems.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(messages.contains("5:5 users.insistsOn cannot set 'id': scimctl writes it"), "\(messages)")
        #expect(messages.contains("6:5 users.insistsOn cannot set 'Meta': scimctl writes it"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("7:5 '2fa' is not a SCIM attribute name") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("8:13 users.insistsOn.active must be true or false, not 'yes'") })
        #expect(messages.contains { $0.hasPrefix("9:13 users.insistsOn.emails must be a string, true or false") })
        #expect(messages.contains { $0.hasPrefix("10:12 users.insistsOn.ratio must be a string") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("12:5 'NICKNAME' is given twice in users.insistsOn") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("14:14 groups.insistsOn must be a mapping") }, "\(messages)")
        #expect(messages.count == 8, "\(messages)")

        // The editor schema agrees on both.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-insists-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let schema = PackagePaths.root.appendingPathComponent("schema/profile.schema.json")
        for (text, status) in [(good, 0), (bad, 1)] {
            let file = folder.appendingPathComponent("\(status).json")
            try JSONSerialization.data(withJSONObject: try #require(try YAMLReader.read(text)).json).write(to: file)
            let result = try await JSONSchemaCheck.validate([file], against: schema)
            #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        }
    }

    @Test("a profile file's rules apply to validate, located in the org")
    func fileRules() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-profile-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        profile: 1
        name: strict
        users:
          userNameIsEmail: true
          required: [title]
          allowedValues: {userType: [staff]}

        """.write(to: folder.appendingPathComponent("strict.yaml"), atomically: true, encoding: .utf8)
        let org = folder.appendingPathComponent("org.yaml")
        try """
        version: 1
        target: {url: "sandbox:s.sqlite", profile: strict.yaml}
        users:
          - userName: not-an-email
            userType: boss

        """.write(to: org, atomically: true, encoding: .utf8)
        let loaded = DesiredStateLoader().load(paths: [org.path])
        #expect(loaded.state == nil)
        let messages = loaded.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(messages.count == 3, "\(messages)")
        #expect(messages.contains("4:15 the strict provider needs userName to be an email address, not 'not-an-email'"))
        #expect(messages.contains("4:5 the strict provider requires title for 'not-an-email'"))
        #expect(messages.contains("5:15 the strict provider accepts userType 'staff', not 'boss'"), "\(messages)")
    }

    @Test("a profile that is a FIFO, a folder or missing is a located error at once, never a wait")
    func unreadableProfiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-profile-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(mkfifo(folder.appendingPathComponent("fifo.yaml").path, 0o600) == 0)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("dir.yaml"), withIntermediateDirectories: true)
        for (name, code) in [
            ("fifo.yaml", DiagnosticCode.notARegularFile), ("dir.yaml", .notARegularFile),
            ("missing.yaml", .fileUnreadable),
        ] {
            let org = folder.appendingPathComponent("org.yaml")
            try "version: 1\ntarget: {url: \"sandbox:s.sqlite\", profile: \(name)}\n".write(
                to: org, atomically: true, encoding: .utf8)
            let loaded = DesiredStateLoader().load(paths: [org.path])
            #expect(loaded.state == nil)
            #expect(loaded.diagnostics.map(\.code).contains(code), "\(name): \(loaded.diagnostics.map(\.message))")
            #expect(loaded.diagnostics.contains { $0.location.file == org.path && $0.location.line == 2 })
        }
    }
}
