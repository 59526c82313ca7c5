import Catalog
import Foundation
import Logging
import SafeText
import Synchronization

/// The reads the planner makes. Fakes implement it in tests; `SCIMClient` against real providers.
public protocol SCIMReader: Sendable {
    var capabilities: ProviderCapabilities { get }
    /// Every user, or an error: never a partial list.
    func listUsers() async throws(SCIMError) -> [SCIMUser]
    /// Every group with its members, or an error: never a partial list.
    func listGroups() async throws(SCIMError) -> [SCIMGroup]
    func getUser(id: String) async throws(SCIMError) -> SCIMUser
    func getGroup(id: String) async throws(SCIMError) -> SCIMGroup
    /// Users whose userName equals `userName`, ignoring case as the provider does.
    func findUsers(userName: String) async throws(SCIMError) -> [SCIMUser]
    func findGroups(displayName: String) async throws(SCIMError) -> [SCIMGroup]
    /// Every group without its members (`excludedAttributes=members`; a provider may send them anyway):
    /// ids and names, for many look-ups by name in one listing. Never a partial list.
    func listGroupNames() async throws(SCIMError) -> [SCIMGroup]
    /// The schemas the provider publishes at `/Schemas` (RFC 7643 §7); nil when it publishes none.
    func schemas() async throws(SCIMError) -> [SchemaDefinition]?
}

/// The writes the applier makes.
public protocol SCIMWriter: Sendable {
    var capabilities: ProviderCapabilities { get }
    func createUser(_ user: SCIMUser) async throws(SCIMError) -> SCIMUser
    /// PUT: the whole resource; `version` is sent as If-Match when the provider has ETags.
    func replaceUser(id: String, with user: SCIMUser, version: String?) async throws(SCIMError) -> SCIMUser
    /// PATCH; nil when the provider answered 204 with no body (re-read with `getUser` if needed).
    func patchUser(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError) -> SCIMUser?
    func deleteUser(id: String) async throws(SCIMError)
    func createGroup(_ group: SCIMGroup) async throws(SCIMError) -> SCIMGroup
    func replaceGroup(id: String, with group: SCIMGroup, version: String?) async throws(SCIMError) -> SCIMGroup
    func patchGroup(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError) -> SCIMGroup?
    func deleteGroup(id: String) async throws(SCIMError)
    /// Adds members by id, in PATCHes of at most the profile's limit; the last PATCH's answer (nil for 204).
    func addMembers(groupId: String, memberIds: [String]) async throws(SCIMError) -> SCIMGroup?
    /// Removes members by id in PATCHes of at most the profile's limit, in the form given; the last
    /// PATCH's answer (nil for 204).
    func removeMembers(groupId: String, memberIds: [String], form: MemberRemovalForm) async throws(SCIMError)
        -> SCIMGroup?
}

/// How a PATCH names the members it removes. RFC 7644 §3.5.2.2 defines the filter path; some providers
/// implement only the value list (django-scim2 answers 501 to a filter path; scim2-server refuses a
/// value list).
public enum MemberRemovalForm: String, Sendable, Hashable {
    /// `{"op": "remove", "path": "members[value eq \"id\"]"}`, one operation per member.
    case filterPath
    /// `{"op": "remove", "path": "members", "value": [{"value": "id"}, …]}`.
    case valueList
}

extension SCIMWriter {
    /// Removes members by filter path, the form RFC 7644 defines.
    public func removeMembers(groupId: String, memberIds: [String]) async throws(SCIMError) -> SCIMGroup? {
        try await removeMembers(groupId: groupId, memberIds: memberIds, form: .filterPath)
    }
}

/// A SCIM 2.0 client for one provider: discovery once at connect, then reads and writes through one
/// `SCIMConnection`.
public struct SCIMClient: SCIMReader, SCIMWriter {
    public let connection: SCIMConnection
    public let capabilities: ProviderCapabilities
    /// The most pages one listing may take before it is refused as runaway.
    public var maxPages = 10_000
    /// The longest one listing may take: a provider that pages forever is stopped, not waited on.
    public var maxListingTime: Duration = .seconds(600)
    /// The most response bytes one listing may read (100,000 users are about 80 MB of JSON).
    public var maxListingBytes = 512 << 20

    public init(connection: SCIMConnection, capabilities: ProviderCapabilities) {
        self.connection = connection
        self.capabilities = capabilities
    }

    /// Reads `/ServiceProviderConfig` and `/ResourceTypes` once and merges them with the profile.
    /// A provider without `/ResourceTypes` (some are) is assumed to have Users and Groups at the usual
    /// endpoints.
    public static func connect(_ connection: SCIMConnection) async throws(SCIMError) -> SCIMClient {
        let config = try decode(
            try await connection.send("GET", "/ServiceProviderConfig", retryable: true), method: "GET",
            path: "/ServiceProviderConfig", connection: connection, ServiceProviderConfig.init(json:))
        var resourceTypes = try await Self.resourceTypes(connection)
        // Endpoints as the provider writes them, resolved once against the base URL.
        for index in resourceTypes?.indices ?? [].indices {
            do {
                resourceTypes![index].endpoint = try connection.endpoint(resourceTypes![index].endpoint)
            } catch {
                var error = error
                (error.method, error.url) = ("GET", connection.url("/ResourceTypes").absoluteString)
                throw error
            }
        }
        let capabilities = ProviderCapabilities(
            profile: connection.profile, config: config, resourceTypes: resourceTypes)
        for note in capabilities.notes { connection.logger.debug("\(note)") }
        return SCIMClient(connection: connection, capabilities: capabilities)
    }

    /// `/Schemas`; nil when the provider has no such endpoint (404, 501). Read only when the org
    /// declares custom extensions, to check them.
    public func schemas() async throws(SCIMError) -> [SchemaDefinition]? {
        try await Self.discoveryList("/Schemas", connection, absentWhenNotImplemented: true, SchemaDefinition.init)
    }

    /// `/ResourceTypes`; nil when the provider has no such endpoint.
    private static func resourceTypes(_ connection: SCIMConnection) async throws(SCIMError) -> [ResourceType]? {
        try await discoveryList("/ResourceTypes", connection, absentWhenNotImplemented: false, ResourceType.init)
    }

    /// A discovery endpoint's entries, as a ListResponse or a bare array; nil when the endpoint is absent
    /// (404, and 501 where `absentWhenNotImplemented`). An entry that does not decode fails the read.
    private static func discoveryList<Entry>(
        _ path: String, _ connection: SCIMConnection, absentWhenNotImplemented: Bool,
        _ make: (JSONValue) throws(SCIMDecodingError) -> Entry
    ) async throws(SCIMError) -> [Entry]? {
        let url = connection.url(path).absoluteString
        let response: HTTPResponse
        do {
            response = try await connection.send("GET", path, retryable: true)
        } catch {
            if error.kind == .notFound || (absentWhenNotImplemented && error.isNotImplemented) { return nil }
            throw error
        }
        let json = try parse(response, method: "GET", url: url)
        let items = json.arrayValue ?? (try? ListPage(json: json))?.resources ?? []
        var entries: [Entry] = []
        for item in items {
            do {
                entries.append(try make(item))
            } catch {
                throw SCIMError(.invalidResponse, "\(path): \(error.message)", method: "GET", url: url)
            }
        }
        return entries
    }

    // MARK: Reading

    public func listUsers() async throws(SCIMError) -> [SCIMUser] {
        try await list(capabilities.usersEndpoint, query: [], of: SCIMUser.self)
    }

    public func listGroups() async throws(SCIMError) -> [SCIMGroup] {
        try requireGroups()
        switch capabilities.membershipRead {
        case .inGroupList:
            return try await groups(query: [])
        case .perGroup:
            var groups = try await groups(query: [("excludedAttributes", "members")])
            let ids = groups.map { $0.id ?? "" }
            let members = try await concurrentMap(ids) { id throws(SCIMError) in
                try await getGroup(id: id).members ?? []
            }
            for index in groups.indices { groups[index].members = members[index] }
            return groups
        case .byUserFilter:
            var groups = try await groups(query: [("excludedAttributes", "members")])
            let ids = groups.map { $0.id ?? "" }
            let members = try await concurrentMap(ids) { id throws(SCIMError) in try await membersByUserFilter(id) }
            for index in groups.indices { groups[index].members = members[index] }
            return groups
        }
    }

    public func listGroupNames() async throws(SCIMError) -> [SCIMGroup] {
        try requireGroups()
        return try await groups(query: [("excludedAttributes", "members")])
    }

    private func groups(query: [(String, String)]) async throws(SCIMError) -> [SCIMGroup] {
        try await list(capabilities.groupsEndpoint, query: query, of: SCIMGroup.self)
    }

    public func getUser(id: String) async throws(SCIMError) -> SCIMUser {
        let path = resourcePath(capabilities.usersEndpoint, id)
        return try Self.decode(
            try await connection.send("GET", path, retryable: true), method: "GET", path: path, connection: connection,
            SCIMUser.init(json:))
    }

    /// One group with its members, read as the provider allows (by a user filter where groups never
    /// carry them).
    public func getGroup(id: String) async throws(SCIMError) -> SCIMGroup {
        try requireGroups()
        let path = resourcePath(capabilities.groupsEndpoint, id)
        var group = try Self.decode(
            try await connection.send("GET", path, retryable: true), method: "GET", path: path, connection: connection,
            SCIMGroup.init(json:))
        if capabilities.membershipRead == .byUserFilter { group.members = try await membersByUserFilter(id) }
        return group
    }

    private func membersByUserFilter(_ groupId: String) async throws(SCIMError) -> [SCIMMember] {
        try await list(
            capabilities.usersEndpoint,
            query: [("filter", SCIMFilter.equals("groups.value", groupId)), ("attributes", "id,userName")],
            of: MemberUser.self
        ).map(\.member)
    }

    public func findUsers(userName: String) async throws(SCIMError) -> [SCIMUser] {
        try await list(
            capabilities.usersEndpoint, query: [("filter", SCIMFilter.equals("userName", userName))],
            of: SCIMUser.self)
    }

    public func findGroups(displayName: String) async throws(SCIMError) -> [SCIMGroup] {
        try requireGroups()
        return try await list(
            capabilities.groupsEndpoint, query: [("filter", SCIMFilter.equals("displayName", displayName))],
            of: SCIMGroup.self)
    }

    private func requireGroups() throws(SCIMError) {
        guard capabilities.groupsSupported else {
            throw SCIMError(
                .unsupported,
                "the provider at \(connection.baseURL.absoluteString) has no Groups (its /ResourceTypes lists none); "
                    + "remove the groups from the YAML, or check the provider's plan")
        }
    }

    // MARK: Listing

    /// Every resource at `path`, paged as the provider allows and checked to add up, or an error: never
    /// a partial list. Each page is decoded as it arrives, in the task that read it (so pages decode in
    /// parallel), straight from its bytes (`ReadPage`), or through the reference reader where that
    /// declines it.
    func list<Resource: PageReadable>(
        _ path: String, query: [(String, String)], of type: Resource.Type
    ) async throws(SCIMError) -> [Resource] {
        let budget = ListingBudget(maxTime: maxListingTime, maxBytes: maxListingBytes)
        let listing = Listing<Resource>(client: self, path: path)
        do {
            return try await ListingBudget.$current.withValue(budget) { () async throws(SCIMError) -> [Resource] in
                switch capabilities.paging {
                case .cursor: try await listing.byCursor(query)
                case .index: try await listing.byIndex(query)
                }
            }
        } catch let error as SCIMError {
            throw error
        } catch {
            // The body throws only SCIMError; withValue forgets the type.
            throw SCIMError(.invalidResponse, "\(error)", method: "GET", url: connection.url(path).absoluteString)
        }
    }

    fileprivate func inconsistent(_ path: String, _ message: String) -> SCIMError {
        SCIMError(
            .inconsistentRead, "the listing does not add up: \(message); refusing to act on a partial read",
            method: "GET", url: connection.url(path).absoluteString)
    }

    /// Runs `operation` for each element, at most `parallelism` at once (the limiter bounds requests
    /// anyway; this bounds tasks), keeping the input order.
    func concurrentMap<Element: Sendable, Result: Sendable>(
        _ elements: [Element], _ operation: @escaping @Sendable (Element) async throws(SCIMError) -> Result
    ) async throws(SCIMError) -> [Result] {
        let width = max(1, connection.limiter.parallelism)
        do {
            return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
                var results = [Result?](repeating: nil, count: elements.count)
                var next = 0
                while next < min(width, elements.count) {
                    let index = next
                    group.addTask { (index, try await operation(elements[index])) }
                    next += 1
                }
                while let (index, result) = try await group.next() {
                    results[index] = result
                    if next < elements.count {
                        let index = next
                        group.addTask { (index, try await operation(elements[index])) }
                        next += 1
                    }
                }
                return results.map { $0! }
            }
        } catch let error as SCIMError {
            throw error
        } catch {
            throw SCIMError(.transport, "cancelled")
        }
    }

    // MARK: Writing

    public func createUser(_ user: SCIMUser) async throws(SCIMError) -> SCIMUser {
        var body = user
        body.id = nil
        return try await create(
            capabilities.usersEndpoint, body.json.adding(capabilities.profile.usersInsistOn), SCIMUser.init(json:))
    }

    public func replaceUser(id: String, with user: SCIMUser, version: String?) async throws(SCIMError) -> SCIMUser {
        var body = user
        body.id = id
        return try await replace(
            capabilities.usersEndpoint, id: id, body.json.adding(capabilities.profile.usersInsistOn), version: version,
            SCIMUser.init(json:))
    }

    public func patchUser(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError)
        -> SCIMUser?
    {
        try await patch(capabilities.usersEndpoint, id: id, operations, version: version, SCIMUser.init(json:))
    }

    public func deleteUser(id: String) async throws(SCIMError) {
        _ = try await connection.send("DELETE", resourcePath(capabilities.usersEndpoint, id), retryable: true)
    }

    public func createGroup(_ group: SCIMGroup) async throws(SCIMError) -> SCIMGroup {
        try requireGroups()
        var body = group
        body.id = nil
        return try await create(
            capabilities.groupsEndpoint, body.json.adding(capabilities.profile.groupsInsistOn), SCIMGroup.init(json:))
    }

    public func replaceGroup(id: String, with group: SCIMGroup, version: String?) async throws(SCIMError) -> SCIMGroup {
        try requireGroups()
        var body = group
        body.id = id
        return try await replace(
            capabilities.groupsEndpoint, id: id, body.json.adding(capabilities.profile.groupsInsistOn),
            version: version, SCIMGroup.init(json:))
    }

    public func patchGroup(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError)
        -> SCIMGroup?
    {
        try requireGroups()
        return try await patch(capabilities.groupsEndpoint, id: id, operations, version: version, SCIMGroup.init(json:))
    }

    public func deleteGroup(id: String) async throws(SCIMError) {
        try requireGroups()
        _ = try await connection.send("DELETE", resourcePath(capabilities.groupsEndpoint, id), retryable: true)
    }

    private func resourcePath(_ endpoint: String, _ id: String) -> String {
        "\(endpoint)/\(SCIMConnection.encode(id))"
    }

    /// POST; never retried blindly: a lost response may have created the object, so the caller looks
    /// it up before trying again.
    private func create<Resource>(
        _ endpoint: String, _ body: JSONValue, _ make: (JSONValue) throws(SCIMDecodingError) -> Resource
    ) async throws(SCIMError) -> Resource {
        let response = try await connection.send("POST", endpoint, body: body, retryable: false)
        return try Self.decode(response, method: "POST", path: endpoint, connection: connection, make)
    }

    /// PUT of the whole resource, with If-Match where the provider has ETags.
    private func replace<Resource>(
        _ endpoint: String, id: String, _ body: JSONValue, version: String?,
        _ make: (JSONValue) throws(SCIMDecodingError) -> Resource
    ) async throws(SCIMError) -> Resource {
        let path = resourcePath(endpoint, id)
        let response = try await connection.send(
            "PUT", path, body: body, ifMatch: capabilities.etagSupported ? version : nil, retryable: true)
        return try Self.decode(response, method: "PUT", path: path, connection: connection, make)
    }

    /// PATCH; nil for a 204 with no body.
    private func patch<Resource>(
        _ endpoint: String, id: String, _ operations: [PatchOperation], version: String?,
        _ make: (JSONValue) throws(SCIMDecodingError) -> Resource
    ) async throws(SCIMError) -> Resource? {
        let path = resourcePath(endpoint, id)
        let response = try await patch(path, operations, version: version)
        guard !response.body.isEmpty else { return nil }
        return try Self.decode(response, method: "PATCH", path: path, connection: connection, make)
    }

    public func addMembers(groupId: String, memberIds: [String]) async throws(SCIMError) -> SCIMGroup? {
        var answer: SCIMGroup?
        for chunk in memberIds.chunked(by: capabilities.profile.maxMembersAddedPerPatch) {
            answer = try await patchGroup(id: groupId, [.addMembers(chunk)], version: nil)
        }
        return answer
    }

    public func removeMembers(groupId: String, memberIds: [String], form: MemberRemovalForm) async throws(SCIMError)
        -> SCIMGroup?
    {
        var answer: SCIMGroup?
        for chunk in memberIds.chunked(by: capabilities.profile.maxMembersRemovedPerPatch) {
            let operations =
                switch form {
                case .filterPath: chunk.map(PatchOperation.removeMember)
                case .valueList: [PatchOperation.removeMembers(chunk)]
                }
            answer = try await patchGroup(id: groupId, operations, version: nil)
        }
        return answer
    }

    private func patch(_ path: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError)
        -> HTTPResponse
    {
        guard capabilities.patchSupported else {
            throw SCIMError(
                .unsupported, "the provider does not support PATCH", method: "PATCH",
                url: connection.url(path).absoluteString)
        }
        let casing = capabilities.profile.opCasing
        let body = JSONValue.object([
            "schemas": .array([.string(SCIMSchema.patchOp)]),
            "Operations": .array(
                operations.map { operation in
                    var object: [String: JSONValue] = [
                        "op": .string(
                            casing == .capitalized ? operation.op.rawValue.capitalized : operation.op.rawValue)
                    ]
                    if let path = operation.path { object["path"] = .string(path) }
                    if let value = operation.value { object["value"] = value }
                    return .object(object)
                }),
        ])
        // Our PATCHes are safe to repeat: replace and add are idempotent, and the applier treats a
        // remove that finds nothing (`noTarget`) as done.
        return try await connection.send(
            "PATCH", path, body: body, ifMatch: capabilities.etagSupported ? version : nil, retryable: true)
    }

    // MARK: Decoding

    static func parse(_ response: HTTPResponse, method: String, url: String) throws(SCIMError) -> JSONValue {
        do {
            return try JSONValue.parse(response.body)
        } catch {
            let excerpt = Printable.escape(
                Secrets.redact(String(decoding: response.body.prefix(4096), as: UTF8.self)).prefix(200))
            throw SCIMError(
                .invalidResponse, "the response is not JSON (\(error)): \(excerpt)", method: method, url: url,
                status: response.status)
        }
    }

    static func decode<Resource>(
        _ response: HTTPResponse, method: String, path: String, connection: SCIMConnection,
        _ make: (JSONValue) throws(SCIMDecodingError) -> Resource
    ) throws(SCIMError) -> Resource {
        let url = connection.url(path).absoluteString
        let json = try parse(response, method: method, url: url)
        do {
            return try make(json)
        } catch {
            throw SCIMError(.invalidResponse, error.message, method: method, url: url, status: response.status)
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(by size: Int) -> [[Element]] {
        let size = Swift.max(1, size)
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// What one listing has spent: time since it started and bytes read. A listing that runs past either
/// bound is refused as runaway (a provider paging forever), long before the page limit would stop it.
final class ListingBudget: Sendable {
    @TaskLocal static var current: ListingBudget?

    private let started = ContinuousClock.now
    private let maxTime: Duration
    private let maxBytes: Int
    private let spent = Mutex(0)

    init(maxTime: Duration, maxBytes: Int) {
        self.maxTime = maxTime
        self.maxBytes = maxBytes
    }

    /// Adds a page of `bytes`; the reason to stop, if a bound is passed.
    func charge(_ bytes: Int) -> String? {
        let total = spent.withLock { spent in
            spent += bytes
            return spent
        }
        if total > maxBytes { return "the pages came to more than \(maxBytes >> 20) MiB" }
        if ContinuousClock.now - started > maxTime { return "reading took longer than \(maxTime)" }
        return nil
    }
}

/// One page of a listing, its resources already decoded.
private struct DecodedPage<Resource: Sendable>: Sendable {
    var totalResults: Int?
    var nextCursor: String?
    var resources: [Resource]
    var ids: [String?]
}

/// One listing of one endpoint: pages read (concurrently where the total is known), each decoded as it
/// arrives, the whole checked to add up.
private struct Listing<Resource: PageReadable>: Sendable {
    let client: SCIMClient
    let path: String

    private var capabilities: ProviderCapabilities { client.capabilities }

    func page(_ query: [(String, String)]) async throws(SCIMError) -> DecodedPage<Resource> {
        let connection = client.connection
        let response = try await connection.send("GET", path, query: query, retryable: true)
        let url = connection.url(path, query: query).absoluteString
        if let problem = ListingBudget.current?.charge(response.body.count) {
            throw client.inconsistent(path, problem)
        }
        if let page = ReadPage<Resource>(response.body) {
            return DecodedPage(
                totalResults: page.totalResults, nextCursor: page.nextCursor, resources: page.resources,
                ids: page.resources.map(\.id))
        }
        let page: ListPage
        do {
            page = try ListPage(json: try SCIMClient.parse(response, method: "GET", url: url))
        } catch let error as SCIMError {
            throw error
        } catch {
            throw SCIMError(.invalidResponse, "\(error)", method: "GET", url: url)
        }
        var resources: [Resource] = []
        resources.reserveCapacity(page.resources.count)
        var ids: [String?] = []
        ids.reserveCapacity(page.resources.count)
        for json in page.resources {
            // The id as sent (a number read as text), before the strict decode judges the rest.
            let object = json.objectValue
            let id = object?[attribute: "id"]?.stringValue ?? object?[attribute: "id"]?.intValue.map(String.init)
            guard let id else { throw client.inconsistent(path, "a resource has no id") }
            ids.append(id)
            do {
                resources.append(try Resource(json: json))
            } catch {
                throw SCIMError(
                    .invalidResponse, error.message, method: "GET", url: connection.url(path).absoluteString)
            }
        }
        return DecodedPage(
            totalResults: page.totalResults, nextCursor: page.nextCursor, resources: resources, ids: ids)
    }

    func byIndex(_ query: [(String, String)]) async throws(SCIMError) -> [Resource] {
        let size = capabilities.pageSize
        let first = try await page(query + [("startIndex", "1"), ("count", String(size))])
        var collected = Collected<Resource>(path: path)
        try collected.add(first, client: client)
        guard let total = first.totalResults else {
            return try await continueSequentially(query, collected: collected, total: nil)
        }
        let step = first.resources.count
        if collected.count >= total || step == 0 {
            guard collected.count == total else {
                throw client.inconsistent(
                    path,
                    "totalResults is \(total) but the first page holds \(collected.count) and the next would be empty")
            }
            return collected.resources
        }
        // The total is known: fetch the remaining pages concurrently, each at the offset the first page's
        // size implies. A provider that returns short pages is then read sequentially from the gap.
        let starts = Array(stride(from: 1 + step, through: total, by: step))
        guard starts.count < client.maxPages else {
            throw client.inconsistent(path, "\(total) resources at \(step) per page exceed \(client.maxPages) pages")
        }
        // Room for them all at once (100,000 users grown by doubling held 131,072 slots, 25 MB of a plan),
        // bounded, since the total is the provider's word until the pages add up.
        collected.reserve(min(total, 1_000_000))
        let pages = try await client.concurrentMap(starts) { start throws(SCIMError) in
            try await page(query + [("startIndex", String(start)), ("count", String(step))])
        }
        for (index, page) in pages.enumerated() {
            if let pageTotal = page.totalResults, pageTotal != total {
                throw client.inconsistent(path, "totalResults changed from \(total) to \(pageTotal) while paging")
            }
            let expected = min(step, total - (starts[index] - 1))
            guard page.resources.count == expected else {
                // Short page: keep what is contiguous, then read the rest one page at a time.
                if page.resources.count > expected {
                    throw client.inconsistent(
                        path,
                        "a page at \(starts[index]) holds \(page.resources.count) resources, more than the \(expected) asked"
                    )
                }
                try collected.add(page, client: client)
                return try await continueSequentially(query, collected: collected, total: total)
            }
            try collected.add(page, client: client)
        }
        guard collected.count == total else {
            throw client.inconsistent(path, "totalResults is \(total) but \(collected.count) were read")
        }
        return collected.resources
    }

    /// Reads page after page, advancing by what was received, until the total (or an empty page).
    private func continueSequentially(
        _ query: [(String, String)], collected: consuming Collected<Resource>, total: Int?
    ) async throws(SCIMError) -> [Resource] {
        var collected = collected
        var pages = 1
        while total.map({ collected.count < $0 }) ?? true {
            pages += 1
            guard pages <= client.maxPages else {
                throw client.inconsistent(path, "more than \(client.maxPages) pages")
            }
            let next = try await page(
                query + [("startIndex", String(collected.count + 1)), ("count", String(capabilities.pageSize))])
            if let total, let pageTotal = next.totalResults, pageTotal != total {
                throw client.inconsistent(path, "totalResults changed from \(total) to \(pageTotal) while paging")
            }
            if next.resources.isEmpty { break }
            try collected.add(next, client: client)
        }
        if let total, collected.count != total {
            throw client.inconsistent(path, "totalResults is \(total) but \(collected.count) were read")
        }
        return collected.resources
    }

    func byCursor(_ query: [(String, String)]) async throws(SCIMError) -> [Resource] {
        var collected = Collected<Resource>(path: path)
        var cursor = ""
        var total: Int?
        var pages = 0
        var seenCursors: Set<String> = []
        while true {
            pages += 1
            guard pages <= client.maxPages else {
                throw client.inconsistent(path, "more than \(client.maxPages) pages")
            }
            let next = try await page(query + [("cursor", cursor), ("count", String(capabilities.pageSize))])
            if let pageTotal = next.totalResults {
                if let total, total != pageTotal {
                    throw client.inconsistent(path, "totalResults changed from \(total) to \(pageTotal) while paging")
                }
                total = pageTotal
            }
            try collected.add(next, client: client)
            guard let nextCursor = next.nextCursor, !nextCursor.isEmpty else { break }
            guard seenCursors.insert(nextCursor).inserted else { throw client.inconsistent(path, "the cursor repeats") }
            cursor = nextCursor
        }
        if let total, collected.count != total {
            throw client.inconsistent(path, "totalResults is \(total) but \(collected.count) were read")
        }
        return collected.resources
    }
}

/// Resources read so far, de-duplicated by id; a page whose every resource was already read means the
/// provider's order shifted under the paging, and fails the read.
private struct Collected<Resource: Sendable>: ~Copyable {
    let path: String
    var resources: [Resource] = []
    var ids: Set<String> = []

    init(path: String) {
        self.path = path
    }

    var count: Int { resources.count }

    mutating func reserve(_ count: Int) {
        resources.reserveCapacity(count)
        ids.reserveCapacity(count)
    }

    mutating func add(_ page: DecodedPage<Resource>, client: SCIMClient) throws(SCIMError) {
        var fresh = 0
        for (resource, id) in zip(page.resources, page.ids) {
            guard let id else { throw client.inconsistent(path, "a resource has no id") }
            if ids.insert(id).inserted {
                resources.append(resource)
                fresh += 1
            }
        }
        if !page.resources.isEmpty && fresh < page.resources.count {
            throw client.inconsistent(path, "a page repeats \(page.resources.count - fresh) resource(s) already read")
        }
    }
}
