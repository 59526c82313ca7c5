import Applier
import Catalog
import DesiredState
import Foundation
import Planner
import SCIM
import ScimctlTestSupport
import Synchronization
import Testing

private func user(_ id: String, _ name: String, active: Bool = true) -> SCIMUser {
    var user = SCIMUser(userName: name)
    user.id = id
    user.active = active
    return user
}

private func group(_ id: String, _ name: String, members: [String] = []) -> SCIMGroup {
    var group = SCIMGroup(displayName: name, members: members.map { SCIMMember(value: $0) })
    group.id = id
    return group
}

/// Plans `yaml` (without its `version: 1`) against what the fake provider holds, on 2026-11-29.
func makePlan(_ yaml: String, on provider: FakeProvider) async throws -> Plan {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-apply-\(UUID()).yaml")
    try ("version: 1\n" + yaml).write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let loaded = DesiredStateLoader().load(paths: [file.path])
    let desired = try #require(loaded.state, "\(loaded.diagnostics)")
    let live = LiveSnapshot(users: try await provider.listUsers(), groups: try await provider.listGroups())
    return try Diff(
        desired: desired, live: live, today: CalendarDay("2026-11-29")!,
        target: .init(url: "https://fake.example/v2", provider: "generic"), desiredDigest: "sha256:x"
    ).plan()
}

private let org = """
    policy: {unmanaged: delete}
    safety: {maxDestructivePercent: 100}
    users:
      - {userName: boss@x.io}
      - {userName: new@x.io, enterprise: {manager: boss@x.io}, groups: [qa]}
      - {userName: keep@x.io, title: Lead}
      - {userName: off@x.io, active: false}
    groups:
      - {displayName: qa, members: [keep@x.io]}
      - {displayName: eng}
    """

@Suite("PlanExecutor", .timeLimit(.minutes(10)))
struct ApplierTests {
    private func seeded() async -> FakeProvider {
        let provider = FakeProvider()
        await provider.store.seed(user("1", "keep@x.io"))
        await provider.store.seed(user("2", "off@x.io"))
        await provider.store.seed(user("3", "gone@x.io"))
        await provider.store.seed(group("g1", "eng", members: ["3"]))
        return provider
    }

    @Test("phases run in order, and ids of objects created in the run reach later steps")
    func orderAndIds() async throws {
        let provider = await seeded()
        let result = await PlanExecutor(client: provider, parallelism: 1).apply(try await makePlan(org, on: provider))
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries)")
        let calls = await provider.store.calls
        let boss = try #require(await provider.store.users.values.first { $0.userName == "boss@x.io" }?.id)
        let new = try #require(await provider.store.users.values.first { $0.userName == "new@x.io" }?.id)
        let qa = try #require(await provider.store.groups.values.first { $0.displayName == "qa" }?.id)
        #expect(
            calls == [
                "createUser boss@x.io", "createUser new@x.io", "createGroup qa",
                "addMembers \(qa) \([new, "1"].sorted().joined(separator: ","))",
                "patchUser \(new) replace:\(SCIMSchema.enterpriseUser):manager", "patchUser 1 replace:title",
                "removeMembers g1 3", "patchUser 2 replace:active", "deleteUser 3",
            ])
        #expect(await provider.store.users[new]?.managerId == boss)
        // Converged: planning again finds nothing to do.
        let again = try await makePlan(org, on: provider).actions.map { "\($0.action) \($0.key)" }
        #expect(again == [])
    }

    @Test("a 501 to a membership PATCH switches membership to GET + PUT of the group, for the rest of the run")
    func membershipNotImplemented() async throws {
        let provider = FakeProvider()
        for (id, name) in [("1", "a@x.io"), ("2", "b@x.io"), ("3", "c@x.io")] {
            await provider.store.seed(user(id, name))
        }
        await provider.store.seed(group("g1", "alpha", members: ["1"]))
        await provider.store.seed(group("g2", "beta", members: []))
        let yaml = """
            users:
              - {userName: a@x.io}
              - {userName: b@x.io}
              - {userName: c@x.io}
            groups:
              - {displayName: alpha, members: [a@x.io, b@x.io, c@x.io]}
              - {displayName: beta, members: [a@x.io]}
            """
        let planned = try await makePlan(yaml, on: provider)
        await provider.store.fail(
            "addMembers g1 2,3", with: SCIMError(.unsupported, "not implemented", status: 501))
        let result = await PlanExecutor(client: provider, parallelism: 1).apply(planned)
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries)")
        let calls = await provider.store.calls
        #expect(calls.contains("addMembers g1 2,3") && calls.contains("replaceGroup g1"))
        // Learnt once: beta's member goes by PUT at once.
        #expect(calls.contains("replaceGroup g2") && !calls.contains { $0.hasPrefix("addMembers g2") })
        #expect(Set(await provider.store.groups["g1"]?.members?.map(\.value) ?? []) == ["1", "2", "3"])
        #expect(await provider.store.groups["g2"]?.members?.map(\.value) == ["1"])
        #expect(try await makePlan(yaml, on: provider).actions.isEmpty)
    }

    @Test("a 501 to a PATCH or a filter-path removal switches to GET + PUT or a value list, for the rest of the run")
    func notImplementedFallsBack() async throws {
        let provider = FakeProvider()
        for (id, name) in [("1", "a@x.io"), ("2", "b@x.io"), ("3", "c@x.io"), ("4", "d@x.io")] {
            await provider.store.seed(user(id, name))
        }
        await provider.store.seed(group("g1", "eng", members: ["3", "4"]))
        let yaml = """
            safety: {maxDestructivePercent: 100}
            users:
              - {userName: a@x.io, title: Lead}
              - {userName: b@x.io, title: Lead}
              - {userName: c@x.io}
              - {userName: d@x.io}
            groups:
              - {displayName: engineering, previously: [eng], members: []}
            """
        let planned = try await makePlan(yaml, on: provider)
        let notImplemented = SCIMError(.unsupported, "not implemented", status: 501)
        await provider.store.fail("patchUser 1 replace:title", with: notImplemented)
        await provider.store.fail("patchGroup g1", with: notImplemented)
        await provider.store.fail("removeMembers g1 3", with: notImplemented)
        let result = await PlanExecutor(client: provider, parallelism: 1).apply(planned)
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries)")
        let calls = await provider.store.calls
        #expect(calls.contains("patchUser 1 replace:title") && calls.contains("replaceUser 1"))
        // Learnt once: the second user goes by PUT at once, the second member by value list at once.
        #expect(calls.contains("replaceUser 2") && !calls.contains { $0.hasPrefix("patchUser 2") })
        #expect(calls.contains("patchGroup g1") && calls.contains("replaceGroup g1"))
        #expect(
            calls.filter { $0.hasPrefix("removeMembers") } == [
                "removeMembers g1 3", "removeMembers g1 3 by valueList", "removeMembers g1 4 by valueList",
            ])
        #expect(await provider.store.users["1"]?.attributes[path: "title"] == "Lead")
        #expect(await provider.store.users["2"]?.attributes[path: "title"] == "Lead")
        #expect(await provider.store.groups["g1"]?.displayName == "engineering")
        #expect(await provider.store.groups["g1"]?.members?.isEmpty == true)
        let notes = result.entries.compactMap(\.detail)
        #expect(notes.contains { $0.contains("written by GET + PUT") })
        #expect(notes.contains { $0.contains("by value list") })
        #expect(try await makePlan(yaml, on: provider).actions.isEmpty)
    }

    @Test("a 501 is not retried in another form where none exists: a create fails with the provider's answer")
    func notImplementedCreate() async throws {
        let provider = FakeProvider()
        await provider.store.fail(
            "createUser a@x.io", with: SCIMError(.unsupported, "not implemented", status: 501, detail: "no POST"))
        let result = await PlanExecutor(client: provider).apply(
            try await makePlan("users:\n  - {userName: a@x.io}\n", on: provider))
        #expect(result.failed == 1)
        #expect(await provider.store.calls == ["createUser a@x.io"])
        #expect(result.entries.first?.detail?.contains("no POST") == true)
    }

    @Test("a create whose response was lost is found by lookup, not created twice")
    func lostCreate() async throws {
        let provider = await seeded()
        await provider.store.loseResponse("createUser new@x.io")
        let result = await PlanExecutor(client: provider).apply(try await makePlan(org, on: provider))
        #expect(result.failed == 0, "\(result.entries)")
        #expect(await provider.store.users.values.count { $0.userName == "new@x.io" } == 1)
        #expect(
            result.entries.first { $0.key == "new@x.io" && $0.action == .create }?.detail
                == "created (the first response was lost)")
        #expect(await provider.store.calls.contains("findUsers new@x.io"))
    }

    @Test("a create that conflicts adopts the existing user and continues with its id")
    func conflictAdopts() async throws {
        let provider = await seeded()
        let yaml =
            "policy: {unmanaged: ignore}\nusers:\n  - {userName: dup@x.io, title: T, groups: [qa]}\ngroups:\n  - {displayName: qa}\n"
        let planned = try await makePlan(yaml, on: provider)
        await provider.store.seed(user("9", "DUP@x.io"))  // appears between plan and apply
        let result = await PlanExecutor(client: provider).apply(planned)
        #expect(result.failed == 0, "\(result.entries)")
        #expect(result.entries.first { $0.key == "dup@x.io" }?.detail == "already existed; adopted")
        #expect(await provider.store.groups.values.first { $0.displayName == "qa" }?.members?.map(\.value) == ["9"])
    }

    @Test("a delete or deactivate of a user that vanished counts as done")
    func vanished() async throws {
        let provider = await seeded()
        let planned = try await makePlan(org, on: provider)
        _ = await provider.store.removeUser("3")
        _ = await provider.store.removeUser("2")
        let result = await PlanExecutor(client: provider).apply(planned)
        #expect(result.failed == 0, "\(result.entries)")
        #expect(result.entries.filter { $0.detail == "already gone" }.map(\.key).sorted() == ["gone@x.io", "off@x.io"])
    }

    @Test("a failed action does not stop independent ones; what depends on it is skipped with the reason")
    func failureIsolation() async throws {
        let provider = await seeded()
        await provider.store.fail(
            "createUser boss@x.io", with: SCIMError(.clientError, "refused", status: 400, detail: "bad"))
        let result = await PlanExecutor(client: provider).apply(try await makePlan(org, on: provider))
        #expect(result.failed == 1)
        let manager = try #require(
            result.entries.first { $0.key == "new@x.io" && $0.detail?.hasPrefix("manager set") == true })
        #expect(manager.outcome == .skipped)
        #expect(manager.detail?.contains("its manager 'boss@x.io' was not created") == true)
        #expect(result.entries.first { $0.key == "gone@x.io" }?.outcome == .done)
        #expect(result.entries.first { $0.key == "keep@x.io" }?.outcome == .done)
        let failure = try #require(result.entries.first { $0.outcome == .failed })
        #expect(failure.status == 400)
        #expect(failure.detail?.contains("bad") == true)
        // A re-run applies what is left, and nothing twice.
        let rerun = await PlanExecutor(client: provider).apply(try await makePlan(org, on: provider))
        #expect(rerun.failed == 0, "\(rerun.entries)")
        #expect(await provider.store.users.values.count { $0.userName == "new@x.io" } == 1)
        #expect(try await makePlan(org, on: provider).actions.isEmpty)
    }

    @Test("an interruption stops new actions; those not started are skipped")
    func interrupted() async throws {
        let provider = await seeded()
        let result = await PlanExecutor(client: provider, isInterrupted: { true }).apply(
            try await makePlan(org, on: provider))
        #expect(result.interrupted)
        #expect(
            result.entries.allSatisfy {
                $0.outcome == .skipped && $0.detail?.hasSuffix("interrupted before it started") == true
            })
        #expect(await provider.store.calls.isEmpty)
    }

    @Test("a blocked plan and a plan touching a protected user are refused before any write")
    func refusals() async throws {
        let provider = await seeded()
        var blocked = try await makePlan(org, on: provider)
        blocked.budget.cap = 0
        #expect(throws: ApplyRefusal.blocked(blocked.budget)) { try PlanExecutor.check(blocked) }
        var tampered = try await makePlan(org, on: provider)
        tampered.protectPatterns = ["gone@x.io"]
        #expect(throws: ApplyRefusal.touchesProtected("gone@x.io")) { try PlanExecutor.check(tampered) }
        // apply itself refuses both, whoever calls it: nothing is sent.
        for plan in [blocked, tampered] {
            let result = await PlanExecutor(client: provider).apply(plan)
            #expect(result.refusal != nil && result.entries.isEmpty)
        }
        #expect(await provider.store.calls.isEmpty)
    }

    @Test("the journal entries carry time, action, type, key, id, outcome, status and attempts")
    func journalShape() async throws {
        let provider = await seeded()
        let entries = Mutex<[LedgerEntry]>([])
        let applier = PlanExecutor(client: provider, record: { entry in entries.withLock { $0.append(entry) } })
        let result = await applier.apply(try await makePlan(org, on: provider))
        #expect(entries.withLock { $0.count } == result.entries.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let line = String(decoding: try encoder.encode(result.entries[0]), as: UTF8.self)
        for key in [
            "\"action\"", "\"attempts\"", "\"id\"", "\"key\"", "\"outcome\"", "\"status\"", "\"time\"", "\"type\"",
        ] {
            #expect(line.contains(key), "\(line)")
        }
    }
}

@Suite("PlanExecutor writes every attribute", .timeLimit(.minutes(10)))
struct EveryAttributeTests {
    @Test("an org using every attribute of the format is created as declared: planning again finds nothing")
    func everyAttribute() async throws {
        let provider = FakeProvider()
        let text = try String(
            contentsOf: ScimctlTestSupport.PackagePaths.fixtures.appendingPathComponent("valid/every-attribute.yaml"),
            encoding: .utf8)
        let yaml = text.replacingOccurrences(of: "version: 1\n", with: "").replacingOccurrences(
            of: "unmanaged: delete", with: "unmanaged: ignore")
        let first = try await makePlan(yaml, on: provider)
        #expect(first.count(.create) == 4)
        let result = await PlanExecutor(client: provider).apply(first)
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries)")
        let again = try await makePlan(yaml, on: provider).actions.map {
            "\($0.action) \($0.key) \($0.changes.map(\.attribute))"
        }
        #expect(again == [])
        let alice = try #require(await provider.store.users.values.first { $0.userName == "alice@example.com" })
        #expect(alice.attributes[path: "name.honorificSuffix"] == "PhD")
        #expect(alice.attributes[path: "enterprise.costCenter"] == "CC-42")
        #expect(alice.contacts[AttributeTable.contacts(at: "phoneNumbers")!]?.first?.value == "+44 20 7946 0958")
        #expect(alice.attributes[path: "timezone"] == "Europe/London")
    }
}
