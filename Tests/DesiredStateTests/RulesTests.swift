import Catalog
import DesiredState
import Testing

/// `rules:` read and checked in memory: shapes refused where they are written, and each requirement's
/// verdicts on a small org, in one target and in several.
@Suite("Rules")
struct RulesTests {
    private func load(_ text: String, today: String = "2026-12-07") -> LoadedState {
        var loader = DesiredStateLoader()
        loader.today = CalendarDay(today)
        return loader.load(texts: [("org.yaml", Array(("version: 1\n" + text).utf8))])
    }

    private func found(_ loaded: LoadedState) -> [String] {
        loaded.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.codeName) \($0.message)" }
    }

    private let people = """
        users:
          - {userName: ann@acme.example, title: Lead, userType: regular, groups: [admins, staff]}
          - {userName: ben@acme.example, userType: regular, groups: [admins], expires: 2027-01-10}
          - {userName: cat@other.example, userType: viewer, enterprise: {organization: Contractors Ltd}}
          - {userName: dan@acme.example, emails: [{value: dan@gmail.example}], active: false}
        groups:
          - {displayName: admins}
          - {displayName: staff}
          - {displayName: owners, members: [ann@acme.example]}

        """

    @Test("shapes: unknown keys and attributes, min above max, a requirement of the other kind, duplicate ids")
    func shapes() {
        let loaded = load(
            people + """
                rules:
                  - id: a
                    users: {where: {titel: Lead}}
                    require: {count: {max: 1}}
                  - id: a
                    groups: {}
                    require: {expiresWithin: 10, members: {min: 1}}
                  - id: "bad id"
                    users: {}
                    require: {set: [nosuch], memberOf: [ghosts]}
                  - id: c
                    users: {where: {target: qase}}
                    groups: {}
                    require: {}
                  - id: d
                    users: {}
                    require: {count: {min: 3, max: 1}, emailDomain: [notadomain], severity: high}
                  - id: e
                    users: {}
                    require: {}
                  - id: f
                    users: {}
                    require: {memberOf: [ghosts]}
                  - id: f
                    users: {where: {target: qase}}
                    require: {count: {max: 9}}
                """)
        let messages = found(loaded)
        #expect(loaded.state == nil)
        #expect(messages.contains { $0.hasPrefix("13:21 unknown-key 'titel' is not a condition of users") })
        #expect(messages.contains { $0.hasPrefix("17:30 invalid-value expiresWithin is a requirement of users rules") })
        #expect(messages.contains { $0.hasPrefix("18:9 invalid-value rule id 'bad id' must be letters") })
        #expect(messages.contains { $0.hasPrefix("20:21 unknown-key 'nosuch' is not an attribute path") })
        #expect(messages.contains { $0.hasPrefix("23:13 invalid-value a rule selects users or groups, not both") })
        #expect(messages.contains { $0.hasPrefix("27:22 invalid-value count: min 3 is above max 1") })
        #expect(messages.contains { $0.hasPrefix("27:53 invalid-value 'notadomain' is not a domain") })
        #expect(messages.contains { $0.hasPrefix("27:67 unknown-key unknown key 'severity' in require") })
        #expect(messages.contains { $0.hasPrefix("30:14 missing-key require: is empty") })
        #expect(messages.contains { $0.hasPrefix("33:25 unknown-group group 'ghosts' is not a declared group") })
        #expect(messages.contains { $0.hasPrefix("34:9 duplicate-key rule id 'f' is declared twice") })
        #expect(
            messages.contains {
                $0.hasPrefix("35:29 unknown-target where.target names 'qase', but this directory declares no targets")
            })
        // A rule with an error in it is not checked: no verdicts beside the errors.
        #expect(!loaded.diagnostics.contains { $0.rule != nil }, "\(messages)")
    }

    @Test("each user requirement, on the plan's day, at the offending value")
    func userRequirements() throws {
        let loaded = load(
            people + """
                rules:
                  - id: expire
                    users: {where: {enterprise.organization: "*"}}
                    require: {expiresWithin: 30}
                  - id: domains
                    users: {}
                    require: {emailDomain: [acme.example]}
                  - id: admins-are-staff
                    users: {where: {memberOf: admins}}
                    require: {memberOf: [staff]}
                  - id: no-owner-admins
                    users: {where: {memberOf: owners}}
                    require: {notMemberOf: [admins]}
                  - id: titled
                    users: {where: {userType: regular, active: true}}
                    require: {set: [title, expires]}
                  - id: types
                    severity: warning
                    users: {}
                    require: {oneOf: {userType: [regular, read-only]}}
                """)
        let messages = found(loaded)
        #expect(messages.contains { $0.hasPrefix("5:16 rule/expire 'cat@other.example' has no end date") })
        #expect(messages.contains { $0.hasPrefix("5:16 rule/domains the userName 'cat@other.example' is outside") })
        #expect(
            messages.contains { $0.hasPrefix("6:43 rule/domains the email 'dan@gmail.example' of 'dan@acme.example'") })
        #expect(
            messages.contains {
                $0.hasPrefix("4:16 rule/admins-are-staff 'ben@acme.example' is not a member of 'staff'")
            })
        #expect(
            messages.contains { $0.hasPrefix("3:75 rule/no-owner-admins 'ann@acme.example' is a member of 'admins'") })
        #expect(messages.contains { $0.hasPrefix("3:16 rule/titled 'ann@acme.example' has no expires") })
        #expect(messages.contains { $0.hasPrefix("4:16 rule/titled 'ben@acme.example' has no title") })
        #expect(messages.contains { $0.hasPrefix("5:45 rule/types userType of 'cat@other.example' is 'viewer'") })
        #expect(messages.count == 8, "\(messages)")
        #expect(loaded.diagnostics.filter { $0.severity == .warning }.map(\.codeName) == ["rule/types"])
    }

    @Test("group requirements and counts; membership through nesting counts")
    func groupRequirements() {
        let loaded = load(
            """
            users:
              - {userName: a@x.io, groups: [inner]}
              - {userName: b@x.io}
            groups:
              - {displayName: outer, members: [inner]}
              - {displayName: inner}
              - {displayName: admins, members: [a@x.io, b@x.io]}
            rules:
              - id: two
                groups: {where: {displayName: "in*"}}
                require: {members: {min: 2}}
              - id: also
                groups: {where: {displayName: admins}}
                require: {membersAlsoIn: outer}
              - id: few
                users: {}
                require: {count: {max: 1}}
            """)
        let messages = found(loaded)
        #expect(
            messages.contains { $0.hasPrefix("7:19 rule/two group 'inner' has 1 member; the rule wants at least 2") })
        #expect(
            messages.contains { $0.hasPrefix("8:45 rule/also 'b@x.io' is a member of 'admins' but not of 'outer'") })
        #expect(messages.contains { $0.hasPrefix("18:22 rule/few 2 users selected; the rule allows at most 1") })
        #expect(messages.count == 3, "\(messages)")
    }

    @Test("with several targets a rule is checked per target, target: picks them, messages name them")
    func perTarget() throws {
        let loaded = load(
            """
            targets:
              qase: {url: "sandbox:q.sqlite"}
              aws: {url: "sandbox:a.sqlite"}
            users:
              - {userName: a@x.io, access: {qase: {userType: regular}, aws: {userType: regular}}}
              - {userName: b@x.io, access: {qase: {userType: regular}}}
            rules:
              - id: seats
                users: {where: {userType: regular, target: qase}}
                require: {count: {max: 1}}
              - id: known
                users: {where: {target: slack}}
                require: {count: {max: 1}}
            """)
        let messages = found(loaded)
        #expect(messages.contains { $0.hasPrefix("11:22 rule/seats target qase: 2 users selected") })
        #expect(messages.contains { $0.contains("unknown-target where.target names 'slack'") })
        #expect(messages.count == 2, "\(messages)")
        #expect(loaded.diagnostics.first { $0.rule == "seats" }?.target == "qase")
    }
}
