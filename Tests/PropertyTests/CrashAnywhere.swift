import Applier
import DesiredState
import Foundation
import Identity
import Planner
import PropertyBased
import SCIM
import Sandbox
import Synchronization
import Testing

/// A transport that stops for good at the k-th write: either after the provider processed it (the
/// response is lost, as when the process is killed while the answer is on the wire) or before it
/// reaches the provider. Every request after that fails as a dead process's would.
final class CrashingTransport: HTTPTransport {
    enum Moment: Sendable { case afterProcessing, beforeSending }

    private let inner: any HTTPTransport
    private let crashAt: Int
    private let moment: Moment
    private let writes = Mutex(0)

    init(_ inner: any HTTPTransport, crashAtWrite crashAt: Int, _ moment: Moment) {
        self.inner = inner
        self.crashAt = crashAt
        self.moment = moment
    }

    /// Whether the crash happened (the plan had at least `crashAt` + 1 writes).
    var crashed: Bool { writes.withLock { $0 > crashAt } }

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let isWrite = request.method != "GET" && !request.url.path.hasSuffix("/.search")
        let index: Int = writes.withLock { count in
            defer { if isWrite { count += 1 } }
            return count
        }
        if index > crashAt { throw TransportError("the process is gone", kind: .connectionRefused) }
        guard isWrite, index == crashAt else { return try await inner.send(request) }
        if moment == .afterProcessing { _ = try await inner.send(request) }
        throw TransportError("connection reset by peer", kind: .other)
    }
}

@Suite("Crash-anywhere convergence", .timeLimit(.minutes(10)))
struct CrashAnywhere {
    static var cases: Int {
        max(20, (ProcessInfo.processInfo.environment["SCIMCTL_PROPERTY_CASES"].flatMap(Int.init) ?? 500) / 25)
    }

    @Test(
        "an apply cut at its k-th write, for every k, before or after the provider processed it: the next apply converges, with no duplicate and nobody lost"
    )
    func everyCut() async {
        let cuts = Mutex(0)
        await propertyCheck(count: Self.cases, input: ConvergenceProperties.worlds) { world in
            var k = 0
            while true {
                let lost = try await Self.cut(world, at: k, .afterProcessing)
                let unsent = try await Self.cut(world, at: k, .beforeSending)
                guard lost || unsent else { break }
                cuts.withLock { $0 += (lost ? 1 : 0) + (unsent ? 1 : 0) }
                k += 1
            }
        }
        print("crash-anywhere: \(cuts.withLock { $0 }) interrupted applies over \(Self.cases) generated plans")
        #expect(cuts.withLock { $0 } >= Self.cases, "too few plans with writes to cut")
    }

    /// Seeds the world, applies its plan with a crash at write `k`, then applies again normally and
    /// checks convergence. Returns whether the crash happened (false: the plan has at most k writes).
    static func cut(_ world: World, at k: Int, _ moment: CrashingTransport.Moment) async throws -> Bool {
        let sandbox = try await world.seed()
        defer { sandbox.remove() }
        let client = try await sandbox.client()
        guard var plan = try? await ConvergenceProperties.plan(world, client) else { return false }
        if plan.budget.blocked {
            plan = try await ConvergenceProperties.plan(world, client, approving: [plan.budget.digest])
        }
        guard !plan.actions.isEmpty else { return false }

        var crashing: CrashingTransport?
        let dying = try await sandbox.client(wrap: { inner in
            let transport = CrashingTransport(inner, crashAtWrite: k, moment)
            crashing = transport
            return transport
        })
        _ = await PlanExecutor(client: dying).apply(plan)
        guard let crashing, crashing.crashed else { return false }

        // The next run, from scratch: plan (approving what it must, as a reviewer would) and apply.
        var next = try await ConvergenceProperties.plan(world, client)
        if next.budget.blocked {
            next = try await ConvergenceProperties.plan(world, client, approving: [next.budget.digest])
        }
        let result = await PlanExecutor(client: client).apply(next)
        #expect(result.failed == 0 && result.skipped == 0, "cut at write \(k) \(moment): \(result.entries)\(world)")
        let again = try await ConvergenceProperties.plan(world, client)
        #expect(
            again.actions.isEmpty,
            "cut at write \(k) \(moment): \(again.actions.map { "\($0.action) \($0.key)" })\(world)")

        // No duplicates, nobody lost.
        let groups = try await client.listGroups().map(\.displayName.caseFolded)
        #expect(Set(groups).count == groups.count, "duplicate groups \(groups.sorted()): \(world)")
        let users = try await client.listUsers()
        let desired = try world.desired()
        let protected = try world.protectPattern.map { try GlobPattern($0) }
        // A protected live account is never touched, under its name or one in `previously`.
        for user in desired.users
        where ([user.userName.value] + user.previously.map(\.value)).allSatisfy({ protected?.matches($0) != true }) {
            let deleteDue = user.deleteAfter.map { World.today > $0.value } ?? false
            let inactive = user.active.value == false || (user.expires.map { World.today >= $0.value } ?? false)
            let live = users.first { $0.userName.caseFolded == user.userName.value.caseFolded }
            if deleteDue {
                #expect(live == nil, "\(user.userName.value) should be deleted: \(world)")
            } else if !inactive {
                #expect(live?.active == true, "\(user.userName.value) lost: \(world)")
            }
        }
        return true
    }
}
