import Catalog
import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SCIM
import ScimctlTestSupport
import Testing

/// Loads a desired state from YAML text (through the real loader, so the tests see what users write).
func desired(_ yaml: String) throws -> DeclaredOrg {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-diff-\(UUID()).yaml")
    try yaml.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let loaded = DesiredStateLoader().load(paths: [file.path])
    return try #require(loaded.state, "\(loaded.diagnostics)")
}

func liveUser(
    _ id: String, _ userName: String, externalId: String? = nil, active: Bool = true, title: String? = nil,
    given: String? = nil, family: String? = nil
) -> SCIMUser {
    var user = SCIMUser(userName: userName)
    user.id = id
    user.externalId = externalId
    user.active = active
    user.attributes[path: "title"] = title
    user.attributes[path: "name.familyName"] = family
    user.attributes[path: "name.givenName"] = given
    return user
}

func liveGroup(_ id: String, _ name: String, members: [String] = [], externalId: String? = nil) -> SCIMGroup {
    var group = SCIMGroup(displayName: name, members: members.map { SCIMMember(value: $0) })
    group.id = id
    group.externalId = externalId
    return group
}

func plan(
    _ yaml: String, users: [SCIMUser] = [], groups: [SCIMGroup] = [], today: String = "2026-11-29",
    approvals: [String] = [], danglingMembersAllowed: Bool = false
) throws -> Plan {
    let state = try desired("version: 1\n" + yaml)
    return try Diff(
        desired: state,
        live: LiveSnapshot(
            users: users, groups: groups, groupsRead: true, danglingMembersAllowed: danglingMembersAllowed),
        today: CalendarDay(today)!, target: .init(url: "https://scim.example.com/v2", provider: "generic"),
        desiredDigest: "sha256:dd56de4137951d9c92681b03416ec15f886b4482a27e3a517d32f085244cbe5d",
        extraApprovals: approvals
    ).plan()
}

/// `symbol type key` for each action, the way a reviewer reads the plan.
func summary(_ plan: Plan) -> [String] {
    plan.actions.map { "\($0.action.symbol) \($0.type.rawValue) \($0.key)" }
}

@Suite("Diff", .timeLimit(.minutes(10)))
struct DiffTests {
    @Test("a declared user missing live is created with exactly the declared attributes")
    func create() throws {
        let result = try plan("users:\n  - {userName: alice@x.io, title: QA, name: {givenName: Alice}}\n")
        #expect(summary(result) == ["+ User alice@x.io"])
        #expect(
            result.actions[0].changes == [
                AttributeChange("userName", old: nil, new: .string("alice@x.io")),
                AttributeChange("name.givenName", old: nil, new: .string("Alice")),
                AttributeChange("title", old: nil, new: .string("QA")),
            ])
    }

    @Test("a user that matches makes no change; a userName differing only in case is the same user")
    func noChurn() throws {
        let result = try plan(
            "users:\n  - {userName: Alice@X.io, title: QA}\n",
            users: [liveUser("1", "alice@x.io", title: "QA", given: "Someone")])
        #expect(result.actions.isEmpty)
        #expect(!result.hasChanges)
    }

    @Test("attributes the YAML omits are left alone; explicit null clears")
    func managedOnly() throws {
        let result = try plan(
            "users:\n  - {userName: alice@x.io, title: null}\n",
            users: [liveUser("1", "alice@x.io", title: "QA", given: "Alice", family: "N")])
        #expect(summary(result) == ["~ User alice@x.io"])
        #expect(result.actions[0].changes == [AttributeChange("title", old: .string("QA"), new: .null)])
    }

    @Test("a rename by previously is an update of userName on the same id, never delete + create")
    func renameByPreviously() throws {
        let result = try plan(
            "users:\n  - {userName: alice.n@x.io, previously: [alice.t@x.io]}\n",
            users: [liveUser("7", "alice.t@x.io")])
        #expect(summary(result) == ["~ User alice.n@x.io"])
        #expect(result.actions[0].id == "7")
        #expect(
            result.actions[0].changes == [
                AttributeChange("userName", old: .string("alice.t@x.io"), new: .string("alice.n@x.io"))
            ])
    }

    @Test("a rename by externalId is an update too")
    func renameByExternalId() throws {
        let result = try plan(
            "users:\n  - {userName: new@x.io, externalId: E1}\n", users: [liveUser("7", "old@x.io", externalId: "E1")])
        #expect(summary(result) == ["~ User new@x.io"])
        #expect(result.actions[0].changes.map(\.attribute) == [.userName])
    }

    @Test("a rename onto a userName another live user holds is refused, not planned")
    func renameCollision() throws {
        #expect(throws: PlanningError.self) {
            try plan(
                "users:\n  - {userName: new@x.io, externalId: E1}\n",
                users: [liveUser("7", "old@x.io", externalId: "E1"), liveUser("8", "new@x.io")])
        }
    }

    @Test("a live user matched by userName that the YAML gives an externalId is adopted (linked)")
    func adopt() throws {
        let result = try plan(
            "users:\n  - {userName: alice@x.io, externalId: E1}\n", users: [liveUser("1", "alice@x.io")])
        #expect(summary(result) == ["= User alice@x.io"])
        #expect(result.actions[0].changes == [AttributeChange("externalId", old: nil, new: .string("E1"))])
    }

    @Test("active: false deactivates; a deactivated user declared active is reactivated")
    func activation() throws {
        let result = try plan(
            "users:\n  - {userName: a@x.io, active: false}\n  - {userName: b@x.io}\n",
            users: [liveUser("1", "a@x.io"), liveUser("2", "b@x.io", active: false)])
        #expect(summary(result) == ["↺ User b@x.io", "- User a@x.io"])
        #expect(result.actions[1].reason == .declaredInactive)
        #expect(result.budget.count == 1)
    }

    @Test(
        "expires and deleteAfter act on the day given",
        arguments: [
            ("2027-03-30", [String]()), ("2027-03-31", ["- User c@x.io"]), ("2027-04-30", ["- User c@x.io"]),
            ("2027-05-01", ["× User c@x.io"]),
        ])
    func expiry(today: String, expected: [String]) throws {
        let result = try plan(
            "users:\n  - {userName: c@x.io, expires: 2027-03-31, deleteAfter: 2027-04-30}\n",
            users: [liveUser("1", "c@x.io")],
            today: today)
        #expect(summary(result) == expected)
    }

    @Test("someone leaving who is not live is not created")
    func noCreateForLeavers() throws {
        let result = try plan(
            "users:\n  - {userName: a@x.io, active: false}\n  - {userName: b@x.io, expires: 2020-01-01}\n")
        #expect(result.actions.isEmpty)
    }

    @Test(
        "undeclared live users follow the policy (an already inactive one needs no deactivation)",
        arguments: [
            ("ignore", [String]()), ("deactivate", ["- User z@x.io"]),
            ("delete", ["× User gone@x.io", "× User z@x.io"]),
        ])
    func unmanaged(policy: String, expected: [String]) throws {
        let result = try plan(
            "policy: {unmanaged: \(policy)}\nsafety: {maxDestructivePercent: 100}\nusers: []\n",
            users: [liveUser("1", "z@x.io"), liveUser("2", "gone@x.io", active: false)])
        #expect(summary(result) == expected)
        #expect(
            result.actions.allSatisfy {
                !$0.managed && $0.reason == .undeclaredUser(UnmanagedUserPolicy(rawValue: policy)!)
            })
        if policy == "ignore" {
            #expect(result.budget.count == 0)
            #expect(result.unmanagedUsers == ["gone@x.io", "z@x.io"])
            #expect(result.actions.allSatisfy { !$0.managed || !DestructiveBudget.isDestructive($0) })
        }
        // An offboarded user removed from the YAML, already inactive, is where `deactivate` wants it:
        // in sync, not "left alone" (drift would list it on every run).
        #expect(result.inactiveUnmanagedUsers == (policy == "deactivate" ? ["gone@x.io"] : []))
        if policy == "deactivate" {
            #expect(result.unmanagedUsers.isEmpty)
            #expect(!DriftReport(plan: result).unmanagedObjects.contains { $0.key == "gone@x.io" })
        }
    }

    @Test(
        "protected users are never touched, under every policy, declared or not",
        arguments: ["ignore", "deactivate", "delete"])
    func protectedUsers(policy: String) throws {
        let result = try plan(
            """
            policy: {unmanaged: \(policy), protect: [owner@x.io, "*@break-glass.x.io"]}
            safety: {maxDestructivePercent: 100}
            users:
              - {userName: owner@x.io, title: Boss, active: false}
            groups:
              - {displayName: qa, members: []}
            """,
            users: [liveUser("1", "owner@x.io", title: "CEO"), liveUser("2", "ops@break-glass.x.io")],
            groups: [liveGroup("g", "qa", members: ["1", "2"])])
        #expect(result.actions.isEmpty)
        #expect(result.protected.map(\.key) == ["ops@break-glass.x.io", "owner@x.io"])
        #expect(
            result.protected.first { $0.key == "owner@x.io" }.map(Wording.standard.wouldHave)
                == "deactivate (active: false)")
    }

    @Test("members created in the same plan are referenced by key until apply learns their id")
    func pendingMembers() throws {
        let result = try plan(
            "users:\n  - {userName: new@x.io, groups: [qa]}\n  - {userName: old@x.io}\ngroups:\n  - {displayName: qa}\n  - {displayName: all, members: [qa, old@x.io]}\n",
            users: [liveUser("1", "old@x.io")], groups: [liveGroup("g1", "all", members: ["1"])])
        #expect(summary(result) == ["+ User new@x.io", "+ Group qa", "~ Group all"])
        #expect(result.actions[1].members?.add == [MemberReference(.user, key: "new@x.io", id: nil)])
        #expect(result.actions[2].members?.add == [MemberReference(.group, key: "qa", id: nil)])
        #expect(result.actions[2].members?.remove == [])
    }

    @Test("membership declared on users and groups is unioned; removals are destructive")
    func membership() throws {
        let result = try plan(
            """
            safety: {maxDestructivePercent: 100}
            users:
              - {userName: a@x.io, groups: [qa]}
              - {userName: b@x.io}
              - {userName: c@x.io}
            groups:
              - {displayName: qa, members: [b@x.io]}
            """,
            users: [liveUser("1", "a@x.io"), liveUser("2", "b@x.io"), liveUser("3", "c@x.io")],
            groups: [liveGroup("g", "qa", members: ["2", "3"])])
        #expect(summary(result) == ["~ Group qa"])
        #expect(
            result.actions[0].members
                == MembershipChange(
                    add: [MemberReference(.user, key: "a@x.io", id: "1")],
                    remove: [MemberReference(.user, key: "c@x.io", id: "3")]))
        #expect(result.budget.count == 1)
    }

    @Test("a deleted user leaves its groups too, shown and in the digest, counted once with its deletion")
    func deletedMembers() throws {
        let yaml =
            "policy: {unmanaged: delete}\nsafety: {maxDestructivePercent: 100}\ngroups:\n  - {displayName: qa}\n  - {displayName: qb}\n"
        let result = try plan(
            yaml, users: [liveUser("1", "z@x.io")],
            groups: [liveGroup("g", "qa", members: ["1"]), liveGroup("h", "qb", members: ["1"])])
        #expect(summary(result) == ["~ Group qa", "~ Group qb", "× User z@x.io"])
        #expect(result.actions[0].members?.remove == [MemberReference(.user, key: "z@x.io", id: "1")])
        #expect(result.budget.count == 1)
        // The removals are in the digest: the same deletion without them is another set.
        let alone = try plan(
            yaml, users: [liveUser("1", "z@x.io")], groups: [liveGroup("g", "qa"), liveGroup("h", "qb")])
        #expect(alone.budget.count == 1)
        #expect(alone.budget.digest != result.budget.digest)
    }

    @Test("a member id that names no live user fails the plan, unless the profile allows such members")
    func danglingMembers() throws {
        let yaml = "safety: {maxDestructivePercent: 100}\ngroups:\n  - {displayName: qa}\n  - {displayName: qb}\n"
        let groups = [liveGroup("g", "qa", members: ["ghost", "1"]), liveGroup("h", "qb", members: ["ghost"])]
        #expect(throws: PlanningError.self) {
            try plan(yaml, users: [liveUser("1", "z@x.io")], groups: groups)
        }
        let allowed = try plan(yaml, users: [liveUser("1", "z@x.io")], groups: groups, danglingMembersAllowed: true)
        #expect(summary(allowed) == ["~ Group qa", "~ Group qb", "- User z@x.io"])
        #expect(allowed.actions[0].members?.remove.map(\.dangling) == [true, nil])
        // z (deactivated and removed) counts once; the dangling id counts once, in however many groups.
        #expect(allowed.budget.count == 2)
    }

    @Test("emails compare as a set of value and type, with the primary respected")
    func emails() throws {
        var live = liveUser("1", "a@x.io")
        live.emails = [
            SCIMMultiValue(value: "home@x.io", type: "home"),
            SCIMMultiValue(value: "A@x.io", type: "work", primary: true),
        ]
        let same = try plan(
            "users:\n  - userName: a@x.io\n    emails: [{value: a@x.io, type: work, primary: true}, {value: home@x.io, type: home}]\n",
            users: [live])
        #expect(same.actions.isEmpty)
        let primaryMoved = try plan(
            "users:\n  - userName: a@x.io\n    emails: [{value: a@x.io, type: work}, {value: home@x.io, type: home, primary: true}]\n",
            users: [live])
        #expect(primaryMoved.actions.first?.changes.map(\.attribute) == [.contacts(AttributeTable.emails)])
    }

    @Test("the manager is compared through ids, including a manager created in the same plan")
    func manager() throws {
        var live = liveUser("2", "b@x.io")
        live.managerId = "1"
        let same = try plan(
            "users:\n  - {userName: a@x.io}\n  - {userName: b@x.io, enterprise: {manager: A@x.io}}\n",
            users: [liveUser("1", "a@x.io"), live])
        #expect(same.actions.isEmpty)
        let newBoss = try plan(
            "users:\n  - {userName: boss@x.io}\n  - {userName: b@x.io, enterprise: {manager: boss@x.io}}\n",
            users: [liveUser("1", "a@x.io"), live])
        #expect(summary(newBoss).prefix(2) == ["+ User boss@x.io", "~ User b@x.io"])
        #expect(
            newBoss.actions[1].changes == [
                AttributeChange("enterprise.manager", old: .string("a@x.io"), new: .string("boss@x.io"))
            ])
    }

    @Test("groups: rename by previously, nested members, undeclared groups by policy")
    func groups() throws {
        let result = try plan(
            "policy: {unmanagedGroups: delete}\nsafety: {maxDestructivePercent: 100, maxDestructive: 5}\ngroups:\n  - {displayName: qa-team, previously: [qa]}\n  - {displayName: eng, members: [qa-team]}\n",
            users: [liveUser("1", "a@x.io")],
            groups: [liveGroup("g1", "qa"), liveGroup("g2", "eng"), liveGroup("g3", "old")])
        #expect(summary(result) == ["~ Group eng", "~ Group qa-team", "- User a@x.io", "× Group old"])
        #expect(result.actions[0].members?.add == [MemberReference(.group, key: "qa-team", id: "g1")])
        #expect(
            result.actions[1].changes == [AttributeChange(.groupName, old: .string("qa"), new: .string("qa-team"))])
    }

    @Test("duplicate live groups of a declared name: the fullest is kept, the others deleted, counted and named")
    func duplicateGroups() throws {
        let yaml =
            "safety: {maxDestructive: 5, maxDestructivePercent: 100}\nusers:\n  - {userName: a@x.io}\n  - {userName: b@x.io}\ngroups:\n  - {displayName: qa, members: [a@x.io, b@x.io]}\n"
        let users = [liveUser("1", "a@x.io"), liveUser("2", "b@x.io")]
        let result = try plan(
            yaml, users: users,
            groups: [
                liveGroup("g1", "qa", members: ["1"]), liveGroup("g2", "QA", members: ["1", "2"]),
                liveGroup("g3", "qa"),
            ])
        #expect(summary(result) == ["× Group qa", "× Group qa"])
        #expect(Set(result.actions.compactMap(\.id)) == ["g1", "g3"])
        #expect(
            result.actions.allSatisfy {
                guard case .duplicateGroup(let name, _, let keeper) = $0.reason else { return false }
                return name == "qa" && keeper == .init(id: "g2", members: 2)
            })
        #expect(result.actions.allSatisfy { Wording.standard.reason($0.reason!).contains("keeping id g2 with 2") })
        #expect(result.budget.count == 2)
        // Once the duplicates are gone, the kept group is the declared one: no changes.
        let after = try plan(yaml, users: users, groups: [liveGroup("g2", "QA", members: ["1", "2"])])
        #expect(after.actions.isEmpty)
        // An externalId tells them apart: no deletion.
        let tagged = try plan(
            "groups:\n  - {displayName: qa, externalId: X}\n",
            groups: [liveGroup("g1", "qa"), liveGroup("g2", "qa", externalId: "X")])
        #expect(tagged.actions.isEmpty)
    }

    // MARK: Budget

    private func offboarding(_ count: Int, max: Int, approve: [String] = []) throws -> Plan {
        let approvals = approve.isEmpty ? "" : ", approve: [\(approve.map { "\"\($0)\"" }.joined(separator: ", "))]"
        return try plan(
            "policy: {unmanaged: deactivate}\nsafety: {maxDestructive: \(max), maxDestructivePercent: 100\(approvals)}\nusers: []\n",
            users: (1...count).map { liveUser("\($0)", "u\($0)@x.io") })
    }

    @Test("a plan exactly at the cap runs; one over is blocked and names its digest")
    func budget() throws {
        let atCap = try offboarding(3, max: 3)
        #expect(atCap.budget.count == 3)
        #expect(!atCap.budget.blocked)
        let over = try offboarding(4, max: 3)
        #expect(over.budget.blocked)
        #expect(over.budget.digest.hasPrefix("sha256:") && over.budget.digest.count == 71)
        #expect(PlanRenderer().text(over).contains("BLOCKED: this plan takes access away from 4 (people and groups)"))
    }

    @Test("the percentage cap applies to live managed users, and the lower cap wins")
    func percentCap() throws {
        let result = try plan(
            "policy: {unmanaged: deactivate}\nsafety: {maxDestructive: 10, maxDestructivePercent: 20}\nusers: []\n",
            users: (1...10).map { liveUser("\($0)", "u\($0)@x.io") })
        #expect(result.budget.cap == 2)
        #expect(result.budget.blocked)
    }

    @Test("an approved digest lets exactly that set through; a changed set needs a new approval")
    func approval() throws {
        let digest = try offboarding(4, max: 3).budget.digest
        let approved = try offboarding(4, max: 3, approve: [digest])
        #expect(approved.budget.approved)
        #expect(!approved.budget.blocked)
        let stale = try offboarding(5, max: 3, approve: [digest])
        #expect(stale.budget.blocked)
        #expect(stale.budget.digest != digest)
        let flag = try plan(
            "policy: {unmanaged: deactivate}\nsafety: {maxDestructive: 3, maxDestructivePercent: 100}\nusers: []\n",
            users: (1...4).map { liveUser("\($0)", "u\($0)@x.io") }, approvals: [digest])
        #expect(!flag.budget.blocked)
    }

    @Test("actions come in execution order: creates, group creates, updates, deactivations, deletions")
    func order() throws {
        let result = try plan(
            """
            policy: {unmanaged: delete}
            safety: {maxDestructivePercent: 100}
            users:
              - {userName: z-new@x.io}
              - {userName: upd@x.io, title: B}
              - {userName: off@x.io, active: false}
            groups:
              - {displayName: g-new}
            """,
            users: [liveUser("1", "upd@x.io", title: "A"), liveUser("2", "off@x.io"), liveUser("3", "gone@x.io")])
        #expect(
            summary(result) == [
                "+ User z-new@x.io", "+ Group g-new", "~ User upd@x.io", "- User off@x.io", "× User gone@x.io",
            ])
    }

    @Test("a saved plan reads back as the same plan")
    func roundTrip() throws {
        let original = try plan(
            "safety: {maxDestructivePercent: 100}\nusers:\n  - {userName: a@x.io, groups: [qa], title: T}\ngroups:\n  - {displayName: qa}\n",
            users: [liveUser("9", "b@x.io")], groups: [liveGroup("g", "qa", members: ["9"])])
        let decoded = try SavedPlan.decode(original.jsonData())
        #expect(decoded.actions == original.actions)
        #expect(decoded.desiredDigest == original.desiredDigest)
        try decoded.check(original)
    }
}

extension AttributeChange {
    /// A change to a user's attribute named by its plan path, as the plan file writes it.
    init(_ planPath: String, old: JSONValue?, new: JSONValue?) {
        self.init(AttributePath(planPath: planPath, of: .user)!, old: old, new: new)
    }
}
