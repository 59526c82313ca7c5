import Applier
import Catalog
import Commands
import DesiredState
import Foundation
import SCIM
import Sandbox
import ScimctlTestSupport
import Synchronization
import Testing

@testable import Planner

/// The embedded sandbox (a real SCIM provider, in process) behind a transport that lies on demand: it
/// rewrites a request before the provider sees it, or the answer after. Bad reads must fail the plan;
/// writes the provider did not carry out must fail their action.
final class LyingTransport: HTTPTransport, @unchecked Sendable {
    // `@unchecked Sendable`: `lie` is set before use and only read afterwards, under `lock`.
    typealias Lie = @Sendable (HTTPRequest, _ forward: (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse
    private let lock = NSLock()
    private var currentLie: Lie?
    let provider: SandboxProvider

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-hostile-\(UUID()).sqlite")
        provider = try SandboxProvider(path: path.path)
    }

    var lie: Lie? {
        get { lock.withLock { currentLie } }
        set { lock.withLock { currentLie = newValue } }
    }

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        guard let lie else { return await provider.handle(request) }
        return await lie(request) { await provider.handle($0) }
    }

    func client(profile: ProviderProfile = .generic, retry: RetryPolicy = RetryPolicy()) async throws -> SCIMClient {
        try await SCIMClient.connect(
            try SCIMConnection(
                baseURL: URL(string: provider.baseURL)!, token: nil, transport: self, profile: profile, retry: retry))
    }
}

extension HTTPRequest {
    var isUserWrite: Bool { url.path.contains("/Users") && method != "GET" }
    /// The PATCH body with the operations on `path` left out, as a provider that ignores them would.
    func droppingOperations(on path: String) -> HTTPRequest {
        guard var object = body.flatMap({ try? JSONValue.parse($0) })?.objectValue,
            let operations = object["Operations"]?.arrayValue
        else { return self }
        object["Operations"] = .array(operations.filter { $0.objectValue?["path"]?.stringValue != path })
        var copy = self
        copy.body = JSONValue.object(object).serialized()
        return copy
    }
}

@Suite("A provider that lies", .timeLimit(.minutes(10)))
struct HostileProviderTests {
    private func desired(_ yaml: String) throws -> DeclaredOrg {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-hostile-\(UUID()).yaml")
        try ("version: 1\n" + yaml).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let loaded = DesiredStateLoader().load(paths: [file.path])
        return try #require(loaded.state, "\(loaded.diagnostics)")
    }

    private func plan(_ yaml: String, _ client: SCIMClient) async throws -> Plan {
        let state = try desired(yaml)
        let live = try await LiveSnapshot.read(from: client, includeGroups: Diff.managesGroups(state))
        return try Diff(
            desired: state, live: live, today: CalendarDay("2026-11-29")!,
            target: .init(url: "sandbox:test", provider: "generic"), desiredDigest: "sha256:x"
        ).plan()
    }

    private static let start = """
        safety: {maxDestructivePercent: 100}
        users:
          - {userName: ann@x.io, title: Lead}
          - {userName: ben@x.io, title: Dev}
          - {userName: cat@x.io, title: Dev}
        groups:
          - {displayName: team, members: [ann@x.io, ben@x.io]}

        """

    /// A sandbox holding `start`, applied honestly.
    private func seeded() async throws -> (LyingTransport, SCIMClient) {
        let transport = try LyingTransport()
        let client = try await transport.client()
        let result = await PlanExecutor(client: client).apply(try await plan(Self.start, client))
        #expect(result.failed == 0 && result.skipped == 0, "\(result.entries)")
        return (transport, client)
    }

    private func failures(_ result: ApplyResult) -> [String] {
        result.entries.filter { $0.outcome != .done }.map { "\($0.outcome.rawValue) \($0.key): \($0.detail ?? "")" }
    }

    // MARK: Writes

    @Test("a POST answered with a different user fails the create, and what depends on it is skipped")
    func createAnsweredWithAnotherUser() async throws {
        let (transport, client) = try await seeded()
        let ann = try #require(try await client.findUsers(userName: "ann@x.io").first)
        transport.lie = { request, forward in
            let response = await forward(request)
            guard request.method == "POST", request.url.path.hasSuffix("/Users") else { return response }
            return HTTPResponse(status: 201, body: ann.json.serialized())
        }
        let yaml = Self.start.replacingOccurrences(
            of: "members: [ann@x.io, ben@x.io]", with: "members: [ann@x.io, ben@x.io, dan@x.io]")
        let result = await PlanExecutor(client: client).apply(
            try await plan(
                yaml.replacingOccurrences(of: "users:\n", with: "users:\n  - {userName: dan@x.io}\n"), client))
        let lines = failures(result)
        #expect(
            lines.contains { $0.hasPrefix("failed dan@x.io: the provider answered with a different user ('ann@x.io'") },
            "\(lines)")
        #expect(lines.contains { $0 == "skipped team: added 0; skipped dan@x.io: not created" }, "\(lines)")
        #expect(lines.count == 2)
    }

    @Test(
        "a change a provider silently drops is caught for every kind of attribute the plan writes",
        arguments: [
            ("title: Lead", "title: Boss", "title", "title"),
            ("title: Lead", "title: Lead, externalId: E-9", "externalId", "externalId"),
            ("title: Lead", "title: Lead, name: {givenName: Ann}", "name.givenName", "name.givenName"),
            ("title: Lead", "title: Lead, emails: [{value: ann@x.io, type: work, primary: true}]", "emails", "emails"),
            (
                "title: Lead", "title: Lead, enterprise: {department: QA}",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "enterprise.department"
            ),
        ])
    func droppedChangeOfEveryKind(from: String, to: String, scimPath: String, planPath: String) async throws {
        let (transport, client) = try await seeded()
        transport.lie = { request, forward in
            guard request.method == "PATCH", request.url.path.contains("/Users/") else { return await forward(request) }
            _ = await forward(request.droppingOperations(on: scimPath))
            return HTTPResponse(status: 200, body: await forward(HTTPRequest(method: "GET", url: request.url)).body)
        }
        let edited = Self.start.replacingOccurrences(of: from, with: to)
        let lines = failures(await PlanExecutor(client: client).apply(try await plan(edited, client)))
        #expect(
            lines.count == 1 && lines[0].hasPrefix("failed ann@x.io: the provider did not keep `\(planPath)`"),
            "\(lines)")
        transport.lie = nil
        #expect(failures(await PlanExecutor(client: client).apply(try await plan(edited, client))).isEmpty)
        #expect(try await plan(edited, client).actions.isEmpty)
    }

    @Test(
        "a PATCH answered with another resource, or without the change, fails its action",
        arguments: ["another user", "change dropped, 200 with the resource", "change dropped, 204"])
    func patchLies(lie: String) async throws {
        let (transport, client) = try await seeded()
        let cat = try #require(try await client.findUsers(userName: "cat@x.io").first)
        transport.lie = { request, forward in
            guard request.method == "PATCH", request.url.path.contains("/Users/") else { return await forward(request) }
            switch lie {
            case "another user":
                _ = await forward(request)
                return HTTPResponse(status: 200, body: cat.json.serialized())
            case "change dropped, 200 with the resource":
                _ = await forward(request.droppingOperations(on: "title"))
                return HTTPResponse(status: 200, body: await forward(HTTPRequest(method: "GET", url: request.url)).body)
            default:
                let response = await forward(request.droppingOperations(on: "title"))
                return HTTPResponse(status: 204, headers: response.headers)
            }
        }
        let result = await PlanExecutor(client: client).apply(
            try await plan(Self.start.replacingOccurrences(of: "title: Lead", with: "title: Boss"), client))
        let lines = failures(result)
        let expected =
            switch lie {
            case "another user": "failed ann@x.io: the provider answered with a different user ('cat@x.io'"
            case "change dropped, 200 with the resource": "failed ann@x.io: the provider did not keep `title`"
            default: "failed ann@x.io: checked after apply: the provider did not keep `title`"
            }
        #expect(lines.count == 1 && lines[0].hasPrefix(expected), "\(lines)")
        // An honest run afterwards converges.
        transport.lie = nil
        #expect(
            failures(
                await PlanExecutor(client: client).apply(
                    try await plan(Self.start.replacingOccurrences(of: "title: Lead", with: "title: Boss"), client))
            ).isEmpty)
        #expect(
            try await plan(Self.start.replacingOccurrences(of: "title: Lead", with: "title: Boss"), client).actions
                .isEmpty)
    }

    @Test("a member change or a DELETE answered 204 but not done is found by the re-read at the end")
    func ignoredWrites() async throws {
        let (transport, client) = try await seeded()
        transport.lie = { request, forward in
            if request.method == "DELETE" { return HTTPResponse(status: 204) }
            if request.method == "PATCH" && request.url.path.contains("/Groups/") {
                return HTTPResponse(status: 204)
            }
            return await forward(request)
        }
        let yaml = """
            policy: {unmanaged: delete}
            safety: {maxDestructivePercent: 100}
            users:
              - {userName: ann@x.io, title: Lead}
              - {userName: ben@x.io, title: Dev}
            groups:
              - {displayName: team, members: [ann@x.io]}
            """
        let result = await PlanExecutor(client: client).apply(try await plan(yaml, client))
        let lines = failures(result)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "failed team: members removed; checked after apply: the provider still lists the member removed")
            }, "\(lines)")
        #expect(
            lines.contains {
                $0.hasPrefix("failed cat@x.io: checked after apply: the provider still has the user after the DELETE")
            },
            "\(lines)")
        transport.lie = nil
        #expect(try await plan(yaml, client).actions.count == 2)
    }

    @Test("a conflict never adopts a user the same plan deactivates")
    func noAdoptionOfRemoved() async throws {
        let (_, client) = try await seeded()
        let ben = try #require(try await client.findUsers(userName: "ben@x.io").first)
        // A plan (as a lying read could make) that creates ben while deactivating him under another key.
        let plan = Plan(
            target: .init(url: "sandbox:test", provider: "generic"),
            actions: [
                PlannedAction(
                    .create, .user, key: "ben@x.io",
                    changes: [AttributeChange(.userName, old: nil, new: .string("ben@x.io"))]),
                PlannedAction(.deactivate, .user, key: "ben-old@x.io", id: ben.id),
            ],
            protected: [], unmanagedUsers: [], unmanagedGroups: [],
            budget: DestructiveBudget.assess([], safety: Safety(), liveManagedUsers: 3, approvals: []),
            desiredDigest: "sha256:x", liveVersions: [:], day: "2026-11-29")
        let lines = failures(await PlanExecutor(client: client).apply(plan))
        #expect(
            lines.contains { $0.contains("failed ben@x.io") && $0.contains("this plan deactivates it") }, "\(lines)")
    }

    @Test("the journal records the true attempts and the last status of every action, failed ones too")
    func trueAttempts() async throws {
        let (transport, _) = try await seeded()
        let client = try await transport.client(
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
        let unavailable = HTTPResponse(status: 503, body: Data(#"{"status":"503","detail":"busy"}"#.utf8))
        let patches = Counted()
        transport.lie = { request, forward in
            guard request.method == "PATCH" else { return await forward(request) }
            let key = request.bodyText.contains("Boss") ? "ann" : "ben"
            // ann's PATCH succeeds on the third try; ben's never does.
            if key == "ben" || patches.next(key) < 2 { return unavailable }
            return await forward(request)
        }
        let yaml = Self.start.replacingOccurrences(of: "title: Lead", with: "title: Boss")
            .replacingOccurrences(of: "ben@x.io, title: Dev", with: "ben@x.io, title: Ops")
        let journal = Journal()
        let result = await PlanExecutor(client: client, record: { journal.append($0) }).apply(
            try await plan(yaml, client))
        let entries = journal.entries
        let ann = try #require(entries.first { $0.key == "ann@x.io" })
        #expect(ann.outcome == .done && ann.attempts == 3 && ann.status == 200, "\(ann)")
        let ben = try #require(entries.first { $0.key == "ben@x.io" })
        #expect(ben.outcome == .failed && ben.attempts == 3 && ben.status == 503, "\(ben)")
        #expect(result.entries.count == entries.count)
    }

    // MARK: Reads

    @Test(
        "a read that cannot be understood fails the plan, naming the request and the object",
        arguments: [
            ("invalid UTF-8 in a userName", "invalid UTF-8"),
            ("emails that is not a list", "`emails` is a string, not a list"),
            ("active that is a number", "`active` is a number, not true or false"),
            ("a member that is not an object", "`members[0]` is a string, not an object"),
            ("a member id that names no user", "names no user or group"),
        ])
    func badReads(lie: String, says: String) async throws {
        let (transport, client) = try await seeded()
        transport.lie = { request, forward in
            let response = await forward(request)
            guard request.method == "GET" else { return response }
            var text = String(decoding: response.body, as: UTF8.self)
            switch lie {
            case "invalid UTF-8 in a userName":
                guard request.url.path.hasSuffix("/Users") else { return response }
                var bytes = Array(response.body)
                let marker = Array("ben@x.io".utf8)
                if let at = (0...(bytes.count - marker.count)).first(where: {
                    Array(bytes[$0..<$0 + marker.count]) == marker
                }) {
                    bytes[at] = 0xC3
                    bytes[at + 1] = 0x28
                }
                return HTTPResponse(status: response.status, headers: response.headers, body: Data(bytes))
            case "emails that is not a list":
                text = text.replacingOccurrences(
                    of: #""userName":"ben@x.io""#, with: #""userName":"ben@x.io","emails":"ben@x.io""#)
            case "active that is a number":
                text = text.replacingOccurrences(of: #""active":true"#, with: #""active":1"#)
            case "a member that is not an object":
                guard request.url.path.hasSuffix("/Groups") else { return response }
                text = text.replacingOccurrences(of: #""members":[{"#, with: #""members":["oops",{"#)
            default:
                guard request.url.path.hasSuffix("/Groups") else { return response }
                text = text.replacingOccurrences(of: #""members":[{"#, with: #""members":[{"value":"ghost"},{"#)
            }
            return HTTPResponse(status: response.status, headers: response.headers, body: Data(text.utf8))
        }
        let writesBefore = await transport.provider.handle(
            HTTPRequest(method: "GET", url: URL(string: transport.provider.baseURL + "/Users")!)
        ).body
        await #expect {
            _ = try await plan(
                Self.start.replacingOccurrences(
                    of: "ben@x.io, title: Dev}", with: "ben@x.io, title: Dev, active: false}"), client)
        } throws: { error in
            "\(error)".contains(says) && "\(error)".contains("GET ")
        }
        #expect(
            await transport.provider.handle(
                HTTPRequest(method: "GET", url: URL(string: transport.provider.baseURL + "/Users")!)
            ).body == writesBefore)
    }

    @Test("where the profile says dangling members are normal, each counts once as a removal")
    func danglingAllowed() async throws {
        let (transport, _) = try await seeded()
        var profile = ProviderProfile.generic
        profile.keepsMembersOfDeletedUsers = true
        let client = try await transport.client(profile: profile)
        transport.lie = { request, forward in
            let response = await forward(request)
            guard request.method == "GET", request.url.path.hasSuffix("/Groups") else { return response }
            let text = String(decoding: response.body, as: UTF8.self)
                .replacingOccurrences(of: #""members":[{"#, with: #""members":[{"value":"ghost"},{"#)
            return HTTPResponse(status: response.status, headers: response.headers, body: Data(text.utf8))
        }
        let result = try await plan(Self.start, client)
        #expect(result.actions.count == 1)
        #expect(
            result.actions[0].members?.remove == [MemberReference(.user, key: "ghost", id: "ghost", dangling: true)])
        #expect(result.budget.count == 1)
    }
}

/// Counts calls by key, across tasks.
final class Counted: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// How many times `key` was seen before this call.
    func next(_ key: String) -> Int {
        counts.withLock { counts in
            defer { counts[key, default: 0] += 1 }
            return counts[key, default: 0]
        }
    }
}

/// The journal lines an apply wrote, in order.
final class Journal: Sendable {
    private let lines = Mutex<[LedgerEntry]>([])
    var entries: [LedgerEntry] { lines.withLock { $0 } }
    func append(_ entry: LedgerEntry) { lines.withLock { $0.append(entry) } }
}
