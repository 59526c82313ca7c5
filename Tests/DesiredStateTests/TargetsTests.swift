import Catalog
import DesiredState
import Testing

/// A people directory (`targets:`): each person once, each target's org as that target sees it, and
/// every cross-target mistake a located error.
@Suite("Many targets")
struct TargetsTests {
    private func load(_ text: String, file: String = "org.yaml") -> LoadedState {
        DesiredStateLoader().load(texts: [(file, Array(("version: 1\n" + text).utf8))])
    }

    private let twoTargets = """
        targets:
          qase:
            url: sandbox:qase.sqlite
            provider: generic
            policy: {protect: [owner@example.com]}
            safety: {maxDestructive: 5}
          aws: {url: "sandbox:aws.sqlite", provider: generic, tokenEnv: AWS_SCIM_TOKEN}
        policy: {unmanaged: deactivate, unmanagedGroups: delete}
        safety: {maxDestructive: 2, maxDestructivePercent: 50}

        """

    private func scope(_ state: DeclaredOrg?, _ name: String) -> DeclaredOrg? {
        state?.scopes.first { $0.name == name }?.org
    }

    private func messages(_ loaded: LoadedState) -> [String] {
        loaded.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.code.rawValue) \($0.message)" }
    }

    @Test("a person is declared once: top-level attributes everywhere, access.T's over them in T alone")
    func projection() throws {
        let loaded = load(
            twoTargets + """
                users:
                  - userName: alice@example.com
                    name: {givenName: Alice, familyName: Nguyen}
                    title: QA Lead
                    expires: 2027-06-30
                    access:
                      qase: {groups: [qa-team], userType: regular}
                      aws: {groups: [admins], userName: alice.nguyen, title: Admin, expires: 2027-12-31}
                  - userName: bob@example.com
                    name: {givenName: Bob, familyName: Li}
                    enterprise: {manager: alice@example.com}
                    access: {qase: {}}
                groups:
                  - {displayName: qa-team, target: qase, members: [bob@example.com]}
                  - {displayName: admins, target: aws}
                """)
        #expect(loaded.diagnostics.isEmpty, "\(messages(loaded))")
        let state = try #require(loaded.state)
        #expect(state.scopes.map(\.name) == ["qase", "aws"])
        let qase = try #require(scope(state, "qase"))
        let aws = try #require(scope(state, "aws"))
        #expect(qase.users.map(\.userName.value) == ["alice@example.com", "bob@example.com"])
        #expect(aws.users.map(\.userName.value) == ["alice.nguyen"])
        let alice = aws.users[0]
        #expect(alice.attributes[path: "title"]?.value == "Admin")
        #expect(alice.attributes[path: "name.givenName"]?.value == "Alice")
        // The person's end holds in every target, whatever an access entry says.
        #expect(alice.expires?.value == CalendarDay("2027-06-30"))
        #expect(alice.groups.map(\.value) == ["admins"])
        #expect(qase.users[0].attributes[path: "userType"]?.value == "regular")
        #expect(qase.users[0].attributes[path: "title"]?.value == "QA Lead")
        // Policy and safety: the target's own keys over the directory's.
        #expect(qase.policy.unmanaged == .deactivate && qase.policy.unmanagedGroups == .delete)
        #expect(qase.policy.protect.map(\.value.text) == ["owner@example.com"])
        #expect(aws.policy.protect.isEmpty)
        #expect(qase.safety.maxDestructive == 5 && qase.safety.maxDestructivePercent == 50)
        #expect(aws.safety.maxDestructive == 2)
        #expect(qase.target?.url?.value == "sandbox:qase.sqlite" && aws.target?.tokenEnv?.value == "AWS_SCIM_TOKEN")
        // Groups in their own target; the manager by the target's userName.
        #expect(
            qase.groups.map(\.displayName.value) == ["qa-team"] && aws.groups.map(\.displayName.value) == ["admins"])
        #expect(qase.users[1].manager.value == "alice@example.com")
    }

    @Test("offboarding: the person's active: false holds in every target; access.T.active: false in T alone")
    func offboarding() throws {
        let loaded = load(
            twoTargets + """
                users:
                  - userName: carol@example.com
                    active: false
                    access: {qase: {}, aws: {}}
                  - userName: dan@example.com
                    access: {qase: {active: false}, aws: {}}
                """)
        let state = try #require(loaded.state, "\(messages(loaded))")
        for target in ["qase", "aws"] {
            #expect(
                scope(state, target)?.users.first { $0.userName.value == "carol@example.com" }?.active.value == false)
        }
        #expect(scope(state, "qase")?.users.first { $0.userName.value == "dan@example.com" }?.active.value == false)
        #expect(scope(state, "aws")?.users.first { $0.userName.value == "dan@example.com" }?.active.value == nil)
        // An access entry cannot keep an offboarded person's account open.
        let reopened = load(
            twoTargets + """
                users:
                  - userName: carol@example.com
                    active: false
                    access: {qase: {active: true}}
                """)
        #expect(reopened.state == nil)
        #expect(
            messages(reopened).contains {
                $0.hasPrefix("14:29 invalid-value") && $0.contains("cannot keep an account open")
            })
    }

    @Test("unknown targets are located errors naming the known ones, in access, a group and near misses")
    func unknownTargets() {
        let loaded = load(
            twoTargets + """
                users:
                  - userName: a@example.com
                    access: {qas: {}, slack: {}}
                groups:
                  - {displayName: g, target: github}
                """)
        #expect(loaded.state == nil)
        let found = messages(loaded)
        #expect(found.contains { $0.hasPrefix("13:14 unknown-target") && $0.contains("did you mean 'qase'?") })
        #expect(found.contains { $0.hasPrefix("13:23 unknown-target") && $0.contains("the targets are qase, aws") })
        #expect(found.contains { $0.hasPrefix("15:30 unknown-target") && $0.contains("'github'") })
        // And in a one-target directory, access and a group's target are errors of their own.
        let single = load(
            """
            target: {url: "sandbox:x.sqlite"}
            users:
              - {userName: a@example.com, access: {qase: {}}}
            groups:
              - {displayName: g, target: qase}
            """)
        #expect(single.diagnostics.filter { $0.code == .unknownTarget }.count == 2)
    }

    @Test("a group member or a person's group without access to its target, and a group's target left out")
    func withoutAccess() {
        let loaded = load(
            twoTargets + """
                users:
                  - userName: a@example.com
                    groups: [admins]
                    access: {qase: {}}
                  - userName: b@example.com
                    access: {qase: {groups: [admins]}}
                groups:
                  - {displayName: admins, target: aws, members: [b@example.com]}
                  - {displayName: loose, members: []}
                """)
        #expect(loaded.state == nil)
        let found = messages(loaded)
        #expect(found.contains { $0.hasPrefix("13:14 no-access") && $0.contains("has no access to aws") })
        #expect(found.contains { $0.hasPrefix("16:30 unknown-group") && $0.contains("it is a group of aws") })
        #expect(found.contains { $0.hasPrefix("18:50 no-access") && $0.contains("'b@example.com'") })
        #expect(found.contains { $0.hasPrefix("19:5 missing-key") && $0.contains("names no target") })
        #expect(found.count == 4)
    }

    @Test("per target: a userName the target's profile refuses, and two people with one userName there")
    func perTargetRules() {
        let loaded = load(
            """
            targets:
              qase: {url: "sandbox:q.sqlite", provider: qase}
              aws: {url: "sandbox:a.sqlite", provider: generic}
            users:
              - userName: alice@example.com
                name: {givenName: Alice, familyName: Nguyen}
                access: {qase: {userName: alice}, aws: {userName: shared}}
              - userName: bob@example.com
                access: {aws: {userName: SHARED}}
            """)
        #expect(loaded.state == nil)
        let found = messages(loaded)
        // Qase wants an email address; aws has two people called 'shared'; each message names its target.
        #expect(found.contains { $0.hasPrefix("8:31 provider-limit target qase:") && $0.contains("email address") })
        #expect(found.contains { $0.hasPrefix("10:30 duplicate-user target aws:") })
        #expect(found.count == 2)
    }

    @Test("a person with no access at all is a warning, not an account anywhere")
    func noAccessAnywhere() throws {
        let loaded = load(twoTargets + "users:\n  - {userName: x@example.com}\n")
        let state = try #require(loaded.state)
        #expect(loaded.diagnostics.map(\.code) == [.noAccess])
        #expect(state.scopes.allSatisfy { $0.org.users.isEmpty })
    }

    @Test("a one-target directory is one unnamed scope: the directory itself")
    func oneTarget() throws {
        let loaded = load("target: {url: \"sandbox:x.sqlite\"}\nusers:\n  - {userName: a@example.com}\n")
        let state = try #require(loaded.state)
        #expect(state.scopes.count == 1 && state.scopes[0].name == nil)
        #expect(state.scopes[0].org.users == state.users && state.scopes[0].org.target == state.target)
    }

    @Test("target and targets together, a bad target name, tokenCommand's shape")
    func shapes() {
        let loaded = load(
            """
            target: {url: "sandbox:x.sqlite"}
            targets:
              9lives: {url: "sandbox:y.sqlite"}
              ok: {url: "sandbox:z.sqlite", tokenCommand: "op read x"}
              also: {url: "https://scim.example/v2", tokenCommand: [], tokenEnv: X}
            """)
        let found = messages(loaded)
        #expect(found.contains { $0.hasPrefix("4:3 duplicate-section") })
        #expect(found.contains { $0.hasPrefix("4:3 invalid-value") && $0.contains("not a target name") })
        #expect(found.contains { $0.hasPrefix("5:47 wrong-type") && $0.contains("run without a shell") })
        #expect(found.contains { $0.contains("tokenCommand is empty") })
        #expect(found.contains { $0.contains("names both tokenEnv and tokenCommand") })
    }
}
