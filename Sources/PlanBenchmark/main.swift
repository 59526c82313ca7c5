// The diff benchmark (scripts/bench-plan): builds a desired org and a live snapshot of N users in G
// groups in memory, then times `Diff.plan()` (best of RUNS) and reports the process's peak memory.
// Target (issue: the planner): 100,000 users and 2,000 groups of 20 members on average in under 0.5 s.

import Catalog
import DesiredState
import Foundation
import Planner
import SCIM

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let userCount = arguments.first ?? 100_000
let groupCount = arguments.dropFirst().first ?? 2_000
let runs = arguments.dropFirst(2).first ?? 5
let membershipsPerGroup = 20

func location(_ line: Int) -> SourceLocation { SourceLocation(file: "bench.yaml", line: line, column: 5) }

/// Declared: every user with a name, title and externalId; memberships declared on the groups.
var desired = DeclaredOrg(
    policy: Policy(unmanaged: .deactivate), safety: Safety(maxDestructive: 1_000_000, maxDestructivePercent: 100))
desired.users.reserveCapacity(userCount)
for index in 0..<userCount {
    var user = DesiredUser(
        userName: Located("user\(index)@bench.example", at: location(index)), location: location(index))
    user.externalId = .set("E\(index)", at: location(index))
    user.sections[.name] = .set(true, at: location(index))
    user.attributes[path: "name.givenName"] = .set("Given\(index % 97)", at: location(index))
    user.attributes[path: "name.familyName"] = .set("Family\(index % 89)", at: location(index))
    user.attributes[path: "title"] = .set(index % 100 == 0 ? "Lead" : "Engineer", at: location(index))
    desired.users.append(user)
}
for group in 0..<groupCount {
    var declared = DesiredGroup(displayName: Located("team-\(group)", at: location(group)), location: location(group))
    declared.members = (0..<membershipsPerGroup).map {
        Located("user\((group * 7919 + $0 * 104_729) % userCount)@bench.example", at: location(group))
    }
    desired.groups.append(declared)
}

/// Live: the same org with drift: 1% of titles differ, 0.5% of users missing, 0.5% undeclared extras,
/// and one membership per group swapped.
var liveUsers: [SCIMUser] = []
liveUsers.reserveCapacity(userCount)
for index in 0..<userCount where index % 200 != 0 {
    var user = SCIMUser(userName: "user\(index)@bench.example")
    user.id = "id-\(index)"
    user.externalId = "E\(index)"
    user.attributes[path: "name.familyName"] = "Family\(index % 89)"
    user.attributes[path: "name.givenName"] = "Given\(index % 97)"
    user.attributes[path: "title"] = index % 100 == 1 ? "Changed" : (index % 100 == 0 ? "Lead" : "Engineer")
    user.active = true
    user.meta = SCIMMeta(json: .object(["version": .string("W/\"\(index)\"")]))
    liveUsers.append(user)
}
for extra in 0..<(userCount / 200) {
    var user = SCIMUser(userName: "extra\(extra)@bench.example")
    user.id = "extra-\(extra)"
    user.active = true
    liveUsers.append(user)
}
var liveGroups: [SCIMGroup] = []
for group in 0..<groupCount {
    var members = (0..<membershipsPerGroup).map { SCIMMember(value: "id-\((group * 7919 + $0 * 104_729) % userCount)") }
    members[0] = SCIMMember(value: "id-\((group * 31) % userCount)")
    var live = SCIMGroup(displayName: "team-\(group)", members: members)
    live.id = "g-\(group)"
    liveGroups.append(live)
}
let snapshot = LiveSnapshot(users: liveUsers, groups: liveGroups, groupsRead: true)

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

let inputsMB = peakMemoryMB()
var best = Duration.seconds(1_000)
var plan: Plan?
for _ in 0..<runs {
    let started = ContinuousClock.now
    plan = try Diff(
        desired: desired, live: snapshot, today: CalendarDay("2026-11-29")!,
        target: .init(url: "https://bench.example/scim/v2", provider: "generic"), desiredDigest: "sha256:bench"
    ).plan()
    best = min(best, ContinuousClock.now - started)
}
let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
print(
    "users: \(userCount), groups: \(groupCount) (\(membershipsPerGroup) members each), live users: \(liveUsers.count)")
print("plan: \(plan!.actions.count) actions, destructive \(plan!.budget.count)")
print(String(format: "diff: %.3f s (best of %d)", seconds, runs))
print(String(format: "peak memory: %.0f MB with inputs built, %.0f MB after planning", inputsMB, peakMemoryMB()))
