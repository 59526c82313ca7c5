import Catalog
import DesiredState
import Foundation
import Logging
import SCIM
import SCIMTransport
import SafeText
import ScimctlTestSupport
import Testing

@Suite("SCIM client with a scripted provider", .timeLimit(.minutes(10)))
struct ClientTests {
    /// A provider of `total` users that serves `startIndex`/`count` pages, capping count at `cap`.
    static func indexPaging(total: Int, cap: Int, claimedTotal: Int? = nil)
        -> @Sendable (HTTPRequest) -> HTTPResponse
    {
        { request in
            let start = Int(request.query("startIndex") ?? "1") ?? 1
            let count = min(Int(request.query("count") ?? "100") ?? 100, cap)
            let items = (start..<max(start, min(start + count, total + 1))).map(userJSON)
            return .json(200, listJSON(total: claimedTotal ?? total, start: start, items))
        }
    }

    @Test("index paging reads 2,500 users in ceil(2500/1000) requests, pages fetched concurrently")
    func indexPagingConcurrent() async throws {
        // Pages two and three are held until both are in flight: they meet only if sent concurrently.
        let (client, transport) = try await scriptedClient(
            rendezvous: .init(count: 2) { $0.url.path.hasSuffix("/Users") && $0.query("startIndex") != "1" },
            Self.indexPaging(total: 2500, cap: 1000))
        let users = try await client.listUsers()
        #expect(users.count == 2500)
        #expect(Set(users.map(\.id)).count == 2500)
        let pages = work(transport)
        #expect(pages.count == 3)
        // The first page comes first; the other two are in flight together, so either may be sent first.
        #expect(pages.first?.query("startIndex") == "1")
        #expect(Set(pages.map { $0.query("startIndex") }) == ["1", "1001", "2001"])
        #expect(pages.allSatisfy { $0.query("count") == "1000" })
        #expect(transport.rendezvousMet)
    }

    @Test("a provider that returns shorter pages than asked is read by what it returns")
    func shortPages() async throws {
        let (client, transport) = try await scriptedClient(Self.indexPaging(total: 950, cap: 200))
        let users = try await client.listUsers()
        #expect(users.count == 950)
        #expect(work(transport).map { $0.query("startIndex") } == ["1", "201", "401", "601", "801"])
    }

    @Test("a totalResults larger than what the pages hold fails the read")
    func wrongTotal() async throws {
        let (client, _) = try await scriptedClient(Self.indexPaging(total: 150, cap: 100, claimedTotal: 300))
        let error = await #expect(throws: SCIMError.self) { try await client.listUsers() }
        #expect(error?.kind == .inconsistentRead)
        #expect(error?.description.contains("refusing to act on a partial read") == true)
    }

    @Test("a page that repeats resources already read fails the read")
    func repeatedPage() async throws {
        let (client, _) = try await scriptedClient { _ in
            // Paging ignored: every page is the first.
            .json(200, listJSON(total: 4, start: 1, [userJSON(1), userJSON(2)]))
        }
        let error = await #expect(throws: SCIMError.self) { try await client.listUsers() }
        #expect(error?.kind == .inconsistentRead)
        #expect(error?.message.contains("repeats") == true)
    }

    @Test("without totalResults, pages are read until an empty one")
    func noTotal() async throws {
        let (client, transport) = try await scriptedClient { request in
            let start = Int(request.query("startIndex") ?? "1") ?? 1
            let items = (start..<min(start + 1000, 1_501)).map(userJSON)
            return .json(200, listJSON(total: nil, start: start, items, key: "resources"))
        }
        #expect(try await client.listUsers().count == 1500)
        #expect(work(transport).count == 3)
    }

    @Test("cursor paging follows nextCursor until it ends, and checks the total")
    func cursorPaging() async throws {
        let (client, transport) = try await scriptedClient(config: serviceProviderConfig(maxResults: 100, cursor: true))
        { request in
            let cursor = request.query("cursor") ?? ""
            let page = cursor.isEmpty ? 0 : Int(cursor.dropFirst(1))!
            let items = (page * 100 + 1...min(page * 100 + 100, 250)).map(userJSON)
            return .json(200, listJSON(total: 250, start: 1, items, cursor: page < 2 ? "c\(page + 1)" : nil))
        }
        #expect(try await client.listUsers().count == 250)
        #expect(work(transport).map { $0.query("cursor") } == ["", "c1", "c2"])
        #expect(work(transport).allSatisfy { $0.query("startIndex") == nil })
    }

    @Test("a cursor that comes back again fails the read")
    func cursorLoop() async throws {
        let (client, _) = try await scriptedClient(config: serviceProviderConfig(cursor: true)) { request in
            let start = request.query("cursor") == "" ? 1 : 3
            return .json(200, listJSON(total: nil, start: 1, [userJSON(start), userJSON(start + 1)], cursor: "same"))
        }
        let error = await #expect(throws: SCIMError.self) { try await client.listUsers() }
        #expect(error?.kind == .inconsistentRead)
    }

    @Test("lookups send an escaped eq filter")
    func lookups() async throws {
        let (client, transport) = try await scriptedClient { request in
            request.url.path.hasSuffix("/Groups")
                ? .json(200, listJSON(total: 1, start: 1, [#"{"id": "g1", "displayName": "QA Team"}"#]))
                : .json(200, listJSON(total: 1, start: 1, [userJSON(1)]))
        }
        _ = try await client.findUsers(userName: #"o"brien@example.com"#)
        _ = try await client.findGroups(displayName: "QA Team")
        #expect(
            work(transport).map { $0.query("filter") } == [
                #"userName eq "o\"brien@example.com""#, #"displayName eq "QA Team""#,
            ])
    }

    @Test("PATCH accepts 200 with the resource and 204 with no body")
    func patchBodies() async throws {
        let (client, transport) = try await scriptedClient { request in
            request.url.path.hasSuffix("/u1") ? .json(200, userJSON(1)) : HTTPResponse(status: 204)
        }
        let operations = [PatchOperation(.replace, path: "title", value: .string("Lead"))]
        #expect(try await client.patchUser(id: "u1", operations, version: #"W/"1""#)?.id == "u1")
        #expect(try await client.patchUser(id: "u2", operations, version: nil) == nil)
        let first = try #require(work(transport).first)
        #expect(first.method == "PATCH")
        #expect(first.headers["If-Match"] == #"W/"1""#)
        #expect(first.headers["Content-Type"] == "application/scim+json")
        #expect(first.bodyText.contains(#""op":"replace""#))
        #expect(first.bodyText.contains(SCIMSchema.patchOp))
    }

    @Test("the qase profile spells ops capitalised and reads a 400 'not unique' as a conflict")
    func qaseQuirks() async throws {
        let (client, transport) = try await scriptedClient(profile: BuiltInProfiles.named("qase")!) { request in
            request.method == "POST"
                ? .json(
                    400,
                    #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "invalidValue", "detail": "User with this email is not unique"}"#
                )
                : HTTPResponse(status: 204)
        }
        _ = try await client.patchUser(
            id: "u1", [PatchOperation(.replace, path: "active", value: .bool(false))], version: nil)
        #expect(work(transport)[0].bodyText.contains(#""op":"Replace""#))
        let error = await #expect(throws: SCIMError.self) { try await client.createUser(SCIMUser(userName: "a@b.io")) }
        #expect(error?.kind == .conflict)
        #expect(error?.status == 400)
        #expect(error?.detail == "User with this email is not unique")
        #expect(
            error?.description.hasPrefix("POST https://scim.example.com/v2/Users: the object already exists") == true)
    }

    @Test(
        "429 waits as Retry-After says, in seconds or as an HTTP date",
        arguments: ["7", "Sun, 29 Nov 2026 08:00:09 GMT"])
    func rateLimited(retryAfter: String) async throws {
        let recorder = SleepRecorder()
        let now = try #require(RetryPolicyTestClock.date("Sun, 29 Nov 2026 08:00:02 GMT"))
        let (client, transport) = try await scriptedClient(retry: recorder.policy(now: now)) { _, index in
            index == 0
                ? .json(429, #"{"status": "429", "detail": "slow down"}"#, headers: ["Retry-After": retryAfter])
                : .json(200, userJSON(1))
        }
        #expect(try await client.getUser(id: "u1").id == "u1")
        #expect(work(transport).count == 2)
        #expect(recorder.sleeps == [.seconds(7)])
    }

    @Test("a Retry-After beyond the bound fails at once instead of stalling")
    func retryAfterTooLong() async throws {
        let recorder = SleepRecorder()
        let (client, _) = try await scriptedClient(retry: recorder.policy()) { _ in
            .json(429, #"{"status": 429}"#, headers: ["Retry-After": "3600"])
        }
        let error = await #expect(throws: SCIMError.self) { try await client.getUser(id: "u1") }
        #expect(error?.kind == .rateLimited)
        #expect(recorder.sleeps.isEmpty)
    }

    @Test("503 then success: a read is retried with backoff")
    func unavailableThenSuccess() async throws {
        let recorder = SleepRecorder()
        let (client, transport) = try await scriptedClient(retry: recorder.policy()) { _, index in
            index < 2 ? .json(503, #"{"status": "503"}"#) : .json(200, userJSON(1))
        }
        #expect(try await client.getUser(id: "u1").id == "u1")
        #expect(work(transport).count == 3)
        #expect(recorder.sleeps == [.milliseconds(125), .milliseconds(250)])
    }

    @Test("a create is never retried blindly: 503 and lost responses surface to the caller")
    func createNotRetried() async throws {
        let recorder = SleepRecorder()
        let (client, transport) = try await scriptedClient(retry: recorder.policy()) { request throws(TransportError) in
            if request.url.path.hasSuffix("/Groups") { throw TransportError("connection reset") }
            return .json(503, #"{"status": "503"}"#)
        }
        let unavailable = await #expect(throws: SCIMError.self) {
            try await client.createUser(SCIMUser(userName: "a@b.io"))
        }
        #expect(unavailable?.kind == .unavailable)
        let lost = await #expect(throws: SCIMError.self) { try await client.createGroup(SCIMGroup(displayName: "qa")) }
        #expect(lost?.kind == .transport)
        #expect(work(transport).count == 2)
        #expect(recorder.sleeps.isEmpty)
    }

    @Test("transport failures on reads are retried up to the bound, then reported with the attempt count")
    func transportRetries() async throws {
        let (client, transport) = try await scriptedClient(retry: SleepRecorder().policy(maxAttempts: 3)) {
            _ throws(TransportError) in
            throw TransportError("connection refused")
        }
        let error = await #expect(throws: SCIMError.self) { try await client.getUser(id: "u1") }
        #expect(error?.kind == .transport)
        #expect(error?.attempts == 3)
        #expect(work(transport).count == 3)
    }

    @Test("a redirect to another host is refused and the token never goes there")
    func redirectElsewhere() async throws {
        let (client, transport) = try await scriptedClient { request in
            request.url.host == "scim.example.com"
                ? HTTPResponse(status: 302, headers: ["Location": "https://evil.example.net/v2/Users/u1"])
                : .json(200, userJSON(1))
        }
        let error = await #expect(throws: SCIMError.self) { try await client.getUser(id: "u1") }
        #expect(error?.kind == .refused)
        #expect(error?.message.contains("https://evil.example.net") == true)
        #expect(transport.requests.allSatisfy { $0.url.host == "scim.example.com" })
    }

    @Test("a same-host redirect of a read is followed")
    func redirectSameHost() async throws {
        let (client, transport) = try await scriptedClient { request in
            request.url.path.hasSuffix("/u1")
                ? HTTPResponse(status: 301, headers: ["Location": "/v2/Users/moved-u1"]) : .json(200, userJSON(1))
        }
        #expect(try await client.getUser(id: "u1").id == "u1")
        #expect(work(transport).map(\.url.path) == ["/v2/Users/u1", "/v2/Users/moved-u1"])
    }

    @Test("the token is in the Authorization header and in no error, description or trace")
    func tokenNeverLeaks() async throws {
        let captured = CapturedLog()
        let logger = Logger(label: "trace") { _ in captured }
        let (client, transport) = try await scriptedClient(logger: logger) { request in
            .json(401, #"{"status": "401", "detail": "bad token"}"#)
        }
        let error = await #expect(throws: SCIMError.self) { try await client.getUser(id: "u1") }
        #expect(error?.kind == .unauthorized)
        #expect(transport.requests.allSatisfy { $0.headers["Authorization"] == "Bearer \(secret)" })
        let everything =
            "\(String(describing: error)) \(String(reflecting: error)) \(client) \(client.connection) \(captured.text)"
        #expect(!everything.contains(secret))
        #expect(captured.text.contains("GET https://scim.example.com/v2/Users/u1 → 401"))
    }

    @Test("member changes go per member, chunked to the profile's limits")
    func memberChunks() async throws {
        let (client, transport) = try await scriptedClient { _ in HTTPResponse(status: 204) }
        _ = try await client.addMembers(groupId: "g1", memberIds: (1...250).map { "u\($0)" })
        _ = try await client.removeMembers(groupId: "g1", memberIds: ["u1", "u2"])
        let patches = work(transport)
        #expect(patches.count == 4)
        #expect(patches[0].bodyText.components(separatedBy: #""value":"u"#).count - 1 == 100)
        #expect(patches[2].bodyText.components(separatedBy: #""value":"u"#).count - 1 == 50)
        #expect(patches[3].bodyText.contains(#"members[value eq \"u1\"]"#))
        #expect(patches[3].bodyText.contains(#"members[value eq \"u2\"]"#))
        #expect(!patches.contains { $0.bodyText.contains(#""op":"replace""#) })

        // The value-list form: one operation per PATCH listing the chunk's members.
        _ = try await client.removeMembers(groupId: "g1", memberIds: ["u3", "u4"], form: .valueList)
        let valueList = try #require(work(transport).last)
        #expect(valueList.bodyText.contains(#""path":"members""#))
        #expect(valueList.bodyText.contains(#"{"value":"u3"}"#) && valueList.bodyText.contains(#"{"value":"u4"}"#))
        #expect(valueList.bodyText.components(separatedBy: #""op":"remove""#).count - 1 == 1)

        let (entra, entraTransport) = try await scriptedClient(profile: BuiltInProfiles.named("entra")!) { _ in
            HTTPResponse(status: 204)
        }
        _ = try await entra.removeMembers(groupId: "g1", memberIds: ["u1", "u2", "u3"])
        #expect(work(entraTransport).count == 3)
    }

    @Test("a provider without Groups says so clearly")
    func noGroups() async throws {
        let usersOnly = #"{"totalResults": 1, "Resources": [{"name": "User", "endpoint": "/Users"}]}"#
        let (client, _) = try await scriptedClient(resourceTypes: usersOnly) { _ in
            .json(200, listJSON(total: 0, start: 1, []))
        }
        #expect(!client.capabilities.groupsSupported)
        let error = await #expect(throws: SCIMError.self) { try await client.listGroups() }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("has no Groups") == true)
    }

    @Test("membership is read per group when the profile says groups come without members")
    func membershipByUserFilter() async throws {
        let (client, transport) = try await scriptedClient(
            profile: BuiltInProfiles.named("aws")!, config: serviceProviderConfig(cursor: true)
        ) {
            request in
            if request.url.path.hasSuffix("/Groups") {
                return .json(200, listJSON(total: 1, start: 1, [#"{"id": "g1", "displayName": "qa"}"#]))
            }
            return .json(200, listJSON(total: 2, start: 1, [userJSON(1), userJSON(2)]))
        }
        let groups = try await client.listGroups()
        #expect(groups.first?.members?.map(\.value) == ["u1", "u2"])
        #expect(work(transport).contains { $0.query("filter") == #"groups.value eq "g1""# })
        #expect(work(transport).first?.query("excludedAttributes") == "members")
    }

    @Test("the request budget bounds requests in flight")
    func parallelismBound() async throws {
        // The first two pages after the first meet (so two do run at once); none is ever a third.
        let (client, transport) = try await scriptedClient(
            parallelism: 2, delay: .milliseconds(5),
            rendezvous: .init(count: 2) { $0.url.path.hasSuffix("/Users") && $0.query("startIndex") != "1" },
            Self.indexPaging(total: 1000, cap: 100))
        #expect(try await client.listUsers().count == 1000)
        #expect(transport.rendezvousMet)
        #expect(transport.peakConcurrency <= 2)
    }
}

enum RetryPolicyTestClock {
    static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

@Suite("Request budget", .timeLimit(.minutes(10)))
struct RequestLimiterTests {
    @Test("--rate-limit spaces request starts: 6 starts at 50/s cannot take less than 5 intervals")
    func rateLimit() async {
        let limiter = RequestLimiter(parallelism: 8, ratePerSecond: 50)
        let started = ContinuousClock.now
        for _ in 0..<6 {
            await limiter.acquire()
            await limiter.release()
        }
        // A lower bound only: a slow machine can take longer, never shorter.
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }

    @Test("a released slot goes to the next waiter, and parallelism is never exceeded")
    func slots() async {
        let limiter = RequestLimiter(parallelism: 2)
        let transport = ScriptedTransport(delay: .milliseconds(5), rendezvous: .init(count: 2) { _ in true }) { _, _ in
            HTTPResponse(status: 200)
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    await limiter.acquire()
                    _ = try? await transport.send(HTTPRequest(method: "GET", url: URL(string: "https://x.example")!))
                    await limiter.release()
                }
            }
        }
        #expect(transport.requests.count == 10)
        #expect(transport.rendezvousMet)
        #expect(transport.peakConcurrency <= 2)
    }
}

@Suite("Endpoint resolution", .timeLimit(.minutes(10)))
struct EndpointResolutionTests {
    private func types(_ usersEndpoint: String) -> String {
        """
        {"Resources": [{"name": "User", "endpoint": "\(usersEndpoint)"},
                       {"name": "Group", "endpoint": "Groups"}]}
        """
    }

    @Test(
        "each form providers write resolves under the base URL (RFC 7643 §6 says relative; practice differs)",
        arguments: [
            "Users", "/Users", "/v2/Users", "https://scim.example.com/v2/Users", "HTTPS://SCIM.example.com/v2/Users/",
            " /Users ",
        ])
    func forms(endpoint: String) async throws {
        let (client, transport) = try await scriptedClient(resourceTypes: types(endpoint)) { request in
            request.url.path.hasSuffix("/Groups")
                ? .json(200, listJSON(total: 0, start: 1, [])) : .json(200, listJSON(total: 1, start: 1, [userJSON(1)]))
        }
        _ = try await client.listUsers()
        _ = try await client.listGroups()
        #expect(work(transport).map(\.url.path) == ["/v2/Users", "/v2/Groups"])
    }

    @Test(
        "an endpoint on another origin, outside the base path, or not a path is refused before any request to it",
        arguments: [
            ("https://evil.example.net/v2/Users", "another origin"),
            ("http://scim.example.com/v2/Users", "another origin"),
            ("https://scim.example.com:8443/v2/Users", "another origin"),
            ("https://scim.example.com/other/Users", "outside"),
            ("../Users", "not a resource path"), ("/", "not a resource path"), ("Users?x=1", "not a resource path"),
        ])
    func refused(endpoint: String, reason: String) async throws {
        let failure = await #expect(throws: SCIMError.self) {
            _ = try await scriptedClient(resourceTypes: types(endpoint)) { _ in .json(200, "{}") }
        }
        #expect(failure?.description.contains(reason) == true, "\(String(describing: failure))")
        #expect(failure?.url?.hasSuffix("/ResourceTypes") == true)
    }
}

@Suite("OAuth2 client credentials, scripted", .timeLimit(.minutes(10)))
struct OAuth2ClientTests {
    @Test("a token revoked early: the 401 fetches one more token, once, and the request goes through")
    func refetchAfter401() async throws {
        let issued = ScriptedTransport { request, index throws(TransportError) in
            #expect(request.header("Authorization")?.hasPrefix("Basic ") == true)
            #expect(
                String(decoding: request.body ?? Data(), as: UTF8.self) == "grant_type=client_credentials&scope=scim")
            return .json(200, #"{"access_token": "token-\#(index)", "token_type": "Bearer", "expires_in": 3600}"#)
        }
        let oauth = try OAuth2ClientCredentials(
            tokenURL: URL(string: "https://idp.example.com/oauth/token")!, clientId: "id",
            clientSecret: "secret-\(UUID())", scope: "scim", origin: "$ID and $SECRET", transport: issued)
        let provider = ScriptedTransport { request, _ throws(TransportError) in
            if request.url.path.hasSuffix("/ServiceProviderConfig") { return .json(200, serviceProviderConfig()) }
            if request.url.path.hasSuffix("/ResourceTypes") { return .json(200, resourceTypesBoth) }
            // The first token was revoked; only the second is accepted.
            guard request.header("Authorization") == "Bearer token-1" else { return .json(401, #"{"status": "401"}"#) }
            return .json(200, userJSON(1))
        }
        let connection = try SCIMConnection(
            baseURL: base, token: nil, oauth: oauth, transport: provider, retry: SleepRecorder().policy())
        let client = try await SCIMClient.connect(connection)
        #expect(try await client.getUser(id: "u1").id == "u1")
        #expect(await oauth.fetches == 2)
        #expect(issued.requests.count == 2)
        // Refused again with the fresh token: an error, not a loop.
        let stubborn = ScriptedTransport { _, _ throws(TransportError) in .json(401, #"{"status": "401"}"#) }
        let failing = try SCIMConnection(
            baseURL: base, token: nil, oauth: oauth, transport: stubborn, retry: SleepRecorder().policy())
        let error = await #expect(throws: SCIMError.self) { try await SCIMClient.connect(failing) }
        #expect(error?.status == 401)
        #expect(stubborn.requests.count == 2)
    }

    @Test("the token endpoint's refusal names where the credentials came from, never the secret")
    func refusal() async throws {
        let secret = "secret-\(UUID())"
        let endpoint = ScriptedTransport { _, _ throws(TransportError) in
            .json(401, #"{"error": "invalid_client", "error_description": "bad secret \#(secret)"}"#)
        }
        let oauth = try OAuth2ClientCredentials(
            tokenURL: URL(string: "https://idp.example.com/oauth/token")!, clientId: "id", clientSecret: secret,
            scope: nil, origin: "$ID and $SECRET", transport: endpoint)
        let error = await #expect(throws: SCIMError.self) { try await oauth.token() }
        #expect(error?.kind == .unauthorized)
        #expect(
            error?.description.contains("refused the client credentials from $ID and $SECRET (invalid_client") == true)
        #expect(error?.description.contains(secret) == false)
        #expect(throws: SCIMError.self) {
            try OAuth2ClientCredentials(
                tokenURL: URL(string: "http://idp.example.com/token")!, clientId: "id", clientSecret: secret,
                scope: nil, origin: "x", transport: endpoint)
        }
    }
}

@Suite("Proxy settings from the environment", .timeLimit(.minutes(10)))
struct ProxySettingsTests {
    private let target = URL(string: "https://scim.example.com/v2")!

    @Test(
        "NO_PROXY as curl reads it: names with subdomains, a leading dot, IPs, host:port, *",
        arguments: [
            ("scim.example.com", true), ("example.com", true), (".example.com", true), ("*", true),
            ("other.com, example.com", true), ("scim.example.com:443", true), ("scim.example.com:8443", false),
            ("ample.com", false), ("other.example.com", false), ("", false),
        ])
    func noProxy(list: String, bypassed: Bool) throws {
        let settings = try ProxySettings.forTarget(
            target, environment: ["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": list])
        #expect((settings == nil) == bypassed)
    }

    @Test("the proxy URL: lowercase first, a port default, credentials decoded and registered, unusable kinds refused")
    func proxyURL() throws {
        let password = "p@ss-\(UUID())"
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let settings = try #require(
            try ProxySettings.forTarget(
                target,
                environment: ["https_proxy": "http://bob:\(encoded)@proxy.corp", "HTTPS_PROXY": "http://other:1"]))
        #expect(settings.host == "proxy.corp" && settings.port == 80 && settings.variable == "https_proxy")
        #expect(settings.username == "bob" && settings.password == password)
        #expect(!settings.description.contains(password))
        #expect(Secrets.redact("x \(password) y") == "x <redacted> y")
        #expect(try ProxySettings.forTarget(target, environment: ["HTTPS_PROXY": "proxy.corp:8080"])?.port == 8080)
        #expect(throws: TransportError.self) {
            try ProxySettings.forTarget(target, environment: ["HTTPS_PROXY": "socks5://proxy.corp:1080"])
        }
        // Plain http targets (loopback only) never use a proxy: the token would cross it in clear text.
        #expect(
            try ProxySettings.forTarget(
                URL(string: "http://127.0.0.1:8080/v2")!, environment: ["HTTPS_PROXY": "http://proxy.corp:3128"]) == nil
        )
    }
}

@Suite("Answers that are not faults", .timeLimit(.minutes(10)))
struct NotImplementedTests {
    @Test("501 Not Implemented is an answer: not retried", arguments: [501, 505])
    func notRetried(status: Int) async throws {
        let recorder = SleepRecorder()
        let (client, transport) = try await scriptedClient(retry: recorder.policy()) { _ in
            .json(status, #"{"status": "\#(status)", "detail": "Not Implemented"}"#)
        }
        let error = await #expect(throws: SCIMError.self) { try await client.getUser(id: "u1") }
        #expect(error?.status == status)
        #expect(work(transport).count == 1)
        #expect(recorder.sleeps.isEmpty)
        // 501 says "another form may work" (the applier then sends PUT or a value list); 505 does not.
        #expect(error?.isNotImplemented == (status == 501))
        #expect(error?.kind == (status == 501 ? .unsupported : .unavailable))
    }
}
