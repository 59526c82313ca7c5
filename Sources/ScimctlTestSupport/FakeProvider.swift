import Catalog
import Foundation
import Identity
public import SCIM

/// An in-memory provider for applier unit tests: it records every call in order and fails on demand.
public actor FakeStore {
    public init() {}

    public var users: [String: SCIMUser] = [:]
    public var groups: [String: SCIMGroup] = [:]
    public var calls: [String] = []
    /// Failures to inject, by call ("createUser alice@x.io", "deleteUser 3", …): each is used once.
    public var failures: [String: SCIMError] = [:]
    /// Calls whose effect happens but whose response is lost.
    public var lostResponses: Set<String> = []
    private var nextId = 100
    /// Group names a look-up does not see yet (a provider whose reads lag its writes), each once.
    public var laggingLookups: Set<String> = []
    /// `meta.created` given to the groups this fake creates (nil: none).
    public var createdStamp: String?

    public func fail(_ call: String, with error: SCIMError) { failures[call] = error }
    /// Failures that let `skip` calls through first.
    private var laterFailures: [String: (skip: Int, error: SCIMError)] = [:]
    public func fail(_ call: String, after skip: Int, with error: SCIMError) { laterFailures[call] = (skip, error) }
    public func loseResponse(_ call: String) { lostResponses.insert(call) }

    public func seed(_ user: SCIMUser) { users[user.id!] = user }
    public func seed(_ group: SCIMGroup) { groups[group.id!] = group }
    public func lagLookup(of name: String) { laggingLookups.insert(name.caseFolded) }

    /// Groups another apply creates at the same moment as this one creates a group of the same name:
    /// stored just before that create, once.
    public var racingCreates: [String: SCIMGroup] = [:]
    public func race(_ twin: SCIMGroup) { racingCreates[twin.displayName.caseFolded] = twin }
    /// The racing twin of a group about to be created, stored now; nil when none races it.
    func storeRacingTwin(of name: String) {
        if let twin = racingCreates.removeValue(forKey: name.caseFolded) { store(twin) }
    }
    public func stampCreated(_ stamp: String) { createdStamp = stamp }

    /// Groups another run deletes just before this one's delete of them (which then answers 404), each once.
    public var deletedElsewhere: Set<String> = []
    public func deleteElsewhere(_ id: String) { deletedElsewhere.insert(id) }
    /// Whether group `id` was deleted by another run just now (and is gone).
    func wasDeletedElsewhere(_ id: String) -> Bool {
        guard deletedElsewhere.remove(id) != nil else { return false }
        return groups.removeValue(forKey: id) != nil
    }

    /// Group reads by kind, as a provider would count them: "look-up" (by name), "names" (a listing
    /// without members).
    public var groupReads: [String: Int] = [:]

    /// The groups a look-up by `name` sees: none the first time for a lagging name.
    public func lookUpGroups(_ name: String) -> [SCIMGroup] {
        groupReads["look-up", default: 0] += 1
        if laggingLookups.remove(name.caseFolded) != nil { return [] }
        return groups.values.filter { $0.displayName.caseFolded == name.caseFolded }
    }

    /// Records the call and throws an injected failure for it, if any.
    public func enter(_ call: String) throws(SCIMError) {
        calls.append(call)
        if let error = failures.removeValue(forKey: call) { throw error }
        if let later = laterFailures[call] {
            if later.skip == 0 {
                laterFailures[call] = nil
                throw later.error
            }
            laterFailures[call] = (later.skip - 1, later.error)
        }
    }

    public func leave(_ call: String) throws(SCIMError) {
        if lostResponses.remove(call) != nil { throw SCIMError(.transport, "connection reset after the request") }
    }

    public func newId() -> String {
        nextId += 1
        return String(nextId)
    }

    /// Every group, members left out, counted as one listing.
    public func groupNames() -> [SCIMGroup] {
        groupReads["names", default: 0] += 1
        return groups.values.map { group in
            var listed = group
            listed.members = nil
            return listed
        }
    }

    public func store(_ user: SCIMUser) { users[user.id!] = user }
    public func store(_ group: SCIMGroup) { groups[group.id!] = group }
    public func removeUser(_ id: String) -> Bool { users.removeValue(forKey: id) != nil }
    public func removeGroup(_ id: String) -> Bool { groups.removeValue(forKey: id) != nil }
}

public struct FakeProvider: SCIMReader, SCIMWriter {
    public let store = FakeStore()

    public init() {}
    public let capabilities: ProviderCapabilities = {
        var config = ServiceProviderConfig()
        config.patchSupported = true
        return ProviderCapabilities(profile: .generic, config: config, resourceTypes: nil)
    }()

    private func run<Value>(_ call: String, _ body: () async throws(SCIMError) -> Value) async throws(SCIMError)
        -> Value
    {
        try await store.enter(call)
        let value = try await body()
        try await store.leave(call)
        return value
    }

    private static let notFound = SCIMError(.notFound, "not found", status: 404)

    public func listUsers() async throws(SCIMError) -> [SCIMUser] { await Array(store.users.values) }
    public func listGroups() async throws(SCIMError) -> [SCIMGroup] { await Array(store.groups.values) }

    public func getUser(id: String) async throws(SCIMError) -> SCIMUser {
        guard let user = await store.users[id] else { throw Self.notFound }
        return user
    }

    public func getGroup(id: String) async throws(SCIMError) -> SCIMGroup {
        guard let group = await store.groups[id] else { throw Self.notFound }
        return group
    }

    public func findUsers(userName: String) async throws(SCIMError) -> [SCIMUser] {
        try await run("findUsers \(userName)") { () async throws(SCIMError) in
            await store.users.values.filter { $0.userName.sameName(as: userName) }
        }
    }

    /// This fake publishes no `/Schemas`, like many providers.
    public func schemas() async throws(SCIMError) -> [SchemaDefinition]? { nil }

    public func findGroups(displayName: String) async throws(SCIMError) -> [SCIMGroup] {
        await store.lookUpGroups(displayName)
    }

    public func listGroupNames() async throws(SCIMError) -> [SCIMGroup] {
        try await run("listGroupNames") { () async throws(SCIMError) in await store.groupNames() }
    }

    public func createUser(_ user: SCIMUser) async throws(SCIMError) -> SCIMUser {
        try await run("createUser \(user.userName)") { () async throws(SCIMError) in
            if await store.users.values.contains(where: { $0.userName.sameName(as: user.userName) }) {
                throw SCIMError(.conflict, "exists", status: 409, scimType: "uniqueness")
            }
            var created = user
            created.id = await store.newId()
            await store.store(created)
            return created
        }
    }

    public func replaceUser(id: String, with user: SCIMUser, version: String?) async throws(SCIMError) -> SCIMUser {
        try await run("replaceUser \(id)") { () async throws(SCIMError) in
            await store.store(user)
            return user
        }
    }

    public func patchUser(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError)
        -> SCIMUser?
    {
        try await run(
            "patchUser \(id) \(operations.map { "\($0.op.rawValue):\($0.path ?? "")" }.joined(separator: ","))"
        ) {
            () async throws(SCIMError) in
            guard var user = await store.users[id] else { throw Self.notFound }
            for operation in operations {
                switch operation.path {
                case "active": user.active = operation.value?.boolValue
                case "title": user.attributes[path: "title"] = operation.value?.stringValue
                case "userName": user.userName = operation.value?.stringValue ?? user.userName
                case SCIMSchema.enterpriseUser + ":manager":
                    user.managerId = operation.value?.objectValue?["value"]?.stringValue
                default: break
                }
            }
            await store.store(user)
            return nil
        }
    }

    public func deleteUser(id: String) async throws(SCIMError) {
        try await run("deleteUser \(id)") { () async throws(SCIMError) in
            guard await store.removeUser(id) else { throw Self.notFound }
        }
    }

    public func createGroup(_ group: SCIMGroup) async throws(SCIMError) -> SCIMGroup {
        try await run("createGroup \(group.displayName)") { () async throws(SCIMError) in
            // As servers that refuse a group created without the attribute ("Field 'members' is required").
            if group.members == nil {
                throw SCIMError(.clientError, "Field 'members' is required", status: 400)
            }
            await store.storeRacingTwin(of: group.displayName)
            var created = group
            created.id = await store.newId()
            if let stamp = await store.createdStamp {
                created.meta = SCIMMeta(json: .object(["created": .string(stamp)]))
            }
            await store.store(created)
            return created
        }
    }

    public func replaceGroup(id: String, with group: SCIMGroup, version: String?) async throws(SCIMError) -> SCIMGroup {
        try await run("replaceGroup \(id)") { () async throws(SCIMError) in
            await store.store(group)
            return group
        }
    }

    public func patchGroup(id: String, _ operations: [PatchOperation], version: String?) async throws(SCIMError)
        -> SCIMGroup?
    {
        try await run("patchGroup \(id)") { () async throws(SCIMError) in
            guard var group = await store.groups[id] else { throw Self.notFound }
            for operation in operations where operation.path == "displayName" {
                group.displayName = operation.value?.stringValue ?? group.displayName
            }
            await store.store(group)
            return nil
        }
    }

    public func deleteGroup(id: String) async throws(SCIMError) {
        try await run("deleteGroup \(id)") { () async throws(SCIMError) in
            guard await !store.wasDeletedElsewhere(id), await store.removeGroup(id) else { throw Self.notFound }
        }
    }

    public func addMembers(groupId: String, memberIds: [String]) async throws(SCIMError) -> SCIMGroup? {
        try await run("addMembers \(groupId) \(memberIds.sorted().joined(separator: ","))") {
            () async throws(SCIMError) in
            guard var group = await store.groups[groupId] else { throw Self.notFound }
            group.members = (group.members ?? []) + memberIds.map { SCIMMember(value: $0) }
            await store.store(group)
            return nil
        }
    }

    public func removeMembers(groupId: String, memberIds: [String], form: MemberRemovalForm) async throws(SCIMError)
        -> SCIMGroup?
    {
        let by = form == .filterPath ? "" : " by \(form.rawValue)"
        return try await run("removeMembers \(groupId) \(memberIds.sorted().joined(separator: ","))\(by)") {
            () async throws(SCIMError) in
            guard var group = await store.groups[groupId] else { throw Self.notFound }
            group.members = group.members?.filter { !memberIds.contains($0.value) }
            await store.store(group)
            return nil
        }
    }
}
