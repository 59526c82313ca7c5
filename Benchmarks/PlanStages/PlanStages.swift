import Benchmark
import Catalog
import DesiredState
import Foundation
import Planner
import Rendering
import SCIM

/// The stages of one `scimctl plan`, each measured in process with its allocations, so that a
/// regression in one shows up by name (`scripts/bench-stages`), not only as an end-to-end figure
/// (`scripts/bench`). Inputs are built once, outside the measured part.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(3), maxIterations: 50)

    let users = 10_000
    let groups = 200

    Benchmark("YAML load: \(users) users, \(groups) groups") { benchmark, yaml in
        for _ in benchmark.scaledIterations {
            blackHole(DesiredStateLoader().load(texts: [("org.yaml", yaml)]))
        }
    } setup: {
        Inputs.yaml(users: users, groups: groups)
    }

    // A listing reads each page straight from its bytes; the reference reader (a JSON tree, then the
    // strict decode) reads the pages the fast one leaves to it. Both measured, on the same page.
    Benchmark("Page decode: 1,000 users from a ListResponse, straight from bytes") { benchmark, page in
        for _ in benchmark.scaledIterations {
            blackHole(PageReaders.users(page)!)
        }
    } setup: {
        Inputs.page(count: 1000)
    }

    Benchmark("Page decode: 1,000 users from a ListResponse, by the reference reader") { benchmark, page in
        for _ in benchmark.scaledIterations {
            let list = try ListPage(json: try JSONValue.parse(page))
            blackHole(try list.resources.map(SCIMUser.init(json:)))
        }
    } setup: {
        Inputs.page(count: 1000)
    }

    Benchmark("Diff: \(users) users, \(groups) groups") { benchmark, inputs in
        for _ in benchmark.scaledIterations {
            blackHole(try Inputs.planner(inputs.0, inputs.1).plan())
        }
    } setup: {
        (Inputs.desired(users: users, groups: groups), Inputs.live(users: users, groups: groups))
    }

    // The diff at scale, with drift (1% of titles changed, 0.5% of users missing, 0.5% undeclared extras,
    // one member per group swapped): at a quarter, a half and all of 100,000 users and 2,000 groups, so
    // that growth shows (target: under 0.5 s at the full size, memory linear in the input).
    for scale in [4, 2, 1] {
        let (users, groups) = (100_000 / scale, 2_000 / scale)
        Benchmark(
            "Diff at scale: \(users) users, \(groups) groups, 1% drift",
            configuration: .init(
                metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 5)
        ) { benchmark, inputs in
            for _ in benchmark.scaledIterations {
                blackHole(try Inputs.planner(inputs.0, inputs.1).plan())
            }
        } setup: {
            (Inputs.desired(users: users, groups: groups), Inputs.live(users: users, groups: groups, drift: true))
        }
    }

    Benchmark("Render: a plan of \(users / 10) changes") { benchmark, plan in
        for _ in benchmark.scaledIterations {
            blackHole(PlanRenderer().text(plan as Plan))
        }
    } setup: {
        var desired = Inputs.desired(users: users / 10, groups: 0)
        for index in desired.users.indices {
            desired.users[index].attributes[path: "title"] = .set("Changed", at: .file("org.yaml"))
        }
        return try Inputs.planner(desired, Inputs.live(users: users / 10, groups: 0)).plan()
    }
}

/// Orgs built in memory: every user has a name and a title; each group about 20 members.
enum Inputs {
    static func yaml(users: Int, groups: Int) -> [UInt8] {
        var text = "version: 1\ntarget: {url: \"sandbox:bench.sqlite\", provider: qase}\nusers:\n"
        for index in 0..<users {
            text += "  - userName: user\(index)@bench.example\n    externalId: E\(index)\n"
            text += "    name: {givenName: Given\(index % 97), familyName: Family\(index % 89)}\n    title: Engineer\n"
            if groups > 0 && index % 5 < 2 { text += "    groups: [team-\(index % groups)]\n" }
        }
        if groups > 0 { text += "groups:\n" }
        for group in 0..<groups { text += "  - displayName: team-\(group)\n" }
        return Array(text.utf8)
    }

    static func desired(users: Int, groups: Int) -> DeclaredOrg {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", yaml(users: users, groups: groups))])
        guard let state = loaded.state else { fatalError("the generated org does not load: \(loaded.diagnostics)") }
        return state
    }

    static func user(_ index: Int) -> SCIMUser {
        var user = SCIMUser(userName: "user\(index)@bench.example")
        user.id = "id-\(index)"
        user.externalId = "E\(index)"
        user.attributes[path: "name.givenName"] = "Given\(index % 97)"
        user.attributes[path: "name.familyName"] = "Family\(index % 89)"
        user.attributes[path: "title"] = "Engineer"
        user.active = true
        return user
    }

    /// The live side of `desired(users:groups:)`: the same, or with drift (1% of titles changed, 0.5% of
    /// users missing, 0.5% undeclared extras, each group's first member swapped).
    static func live(users: Int, groups: Int, drift: Bool = false) -> LiveSnapshot {
        var members: [[SCIMMember]] = Array(repeating: [], count: groups)
        for index in 0..<users where groups > 0 && index % 5 < 2 {
            members[index % groups].append(SCIMMember(value: "id-\(index)", type: "User"))
        }
        let liveGroups = (0..<groups).map { group in
            var live = SCIMGroup(displayName: "team-\(group)", members: members[group])
            if drift, !members[group].isEmpty {
                live.members?[0] = SCIMMember(value: "id-\((group * 31 + 2) % users)", type: "User")
            }
            live.id = "g-\(group)"
            return live
        }
        guard drift else {
            return LiveSnapshot(users: (0..<users).map(user), groups: liveGroups, groupsRead: groups > 0)
        }
        var liveUsers = (0..<users).filter { $0 % 200 != 0 }.map { index in
            var held = user(index)
            if index % 100 == 1 { held.attributes[path: "title"] = "Changed" }
            return held
        }
        for extra in 0..<(users / 200) {
            var held = SCIMUser(userName: "extra\(extra)@bench.example")
            held.id = "extra-\(extra)"
            held.active = true
            liveUsers.append(held)
        }
        return LiveSnapshot(users: liveUsers, groups: liveGroups, groupsRead: groups > 0)
    }

    /// A page as a provider sends it: each user with its `meta`.
    static func page(count: Int) -> Data {
        let resources = (0..<count).map { index in
            guard case .object(var object) = user(index).json else { fatalError("a user is an object") }
            object["meta"] = .object([
                "resourceType": .string("User"), "created": .string("2026-11-01T09:00:00.000Z"),
                "lastModified": .string("2026-11-02T10:30:00.000Z"), "version": .string("W/\"\(index)-1\""),
                "location": .string("http://127.0.0.1:8080/v2/Users/id-\(index)"),
            ])
            return JSONValue.object(object)
        }
        return JSONValue.object([
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(count)),
            "startIndex": .number(1), "itemsPerPage": .number(Double(count)), "Resources": .array(resources),
        ]).serialized()
    }

    static func planner(_ desired: DeclaredOrg, _ live: LiveSnapshot) -> Diff {
        Diff(
            desired: desired, live: live, today: CalendarDay("2026-11-29")!,
            target: .init(url: "https://bench.example/scim/v2", provider: "qase"), desiredDigest: "sha256:bench")
    }
}
