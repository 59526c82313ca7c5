import Catalog
import DesiredState
import Foundation
import Planner
import SCIM
import Sandbox

/// One generated case: a desired org (as YAML) and a live state (seeded into a fresh sandbox), built
/// from small integers so that PropertyBased shrinks a failure to few users, few groups, low indices.
struct World: Sendable, CustomStringConvertible {
    /// A declared user: `u\(user)@x.io`.
    struct Declared: Sendable {
        var user: Int  // 0...7
        var title: Int  // 0: none, 1: Engineer, 2: Lead
        /// 0 active, 1 `active: false`, 2 expired, 3 expires later, 4 inactive and deleteAfter passed,
        /// 5 deleteAfter later.
        var state: Int
        /// `previously: [u\(rename)@x.io]`; 8 and above: none.
        var rename: Int
        /// Groups g0…g3 it declares membership of (only declared groups are kept).
        var groups: Int
    }

    /// A live user: `u\(user)@x.io`.
    struct Live: Sendable {
        var user: Int  // 0...9
        var title: Int
        var active: Bool
        /// Live groups g0…g3 (and bit 4: the undeclared `legacy`) it is a member of.
        var groups: Int
    }

    var declared: [Declared]
    var live: [Live]
    /// Bits 0…3: g0…g3 declared.
    var declaredGroups: Int
    /// Bit k: declared g\(k) has g\(k+1) as a member (when both are declared).
    var nesting: Int
    /// Bits 0…3: g0…g3 exist live; bit 4: `legacy`, an undeclared group.
    var liveGroups: Int
    var unmanaged: Int  // 0 ignore, 1 deactivate, 2 delete
    var unmanagedGroups: Int  // 0 ignore, 1 delete
    var protect: Int  // 0 none, 1 u0@x.io, 2 "u9*"
    var maxDestructive: Int
    /// Whether a blocked plan is then approved by its digest.
    var approve: Bool

    static let today = CalendarDay("2026-11-29")!
    static let unmanagedWords = ["ignore", "deactivate", "delete"]

    var protectPattern: String? { [nil, "u0@x.io", "u9*"][protect] }

    /// The declared users after the rules a valid YAML must keep: one entry per name, a `previously`
    /// that names no declared user and no other entry's old name.
    var declaredUsers: [Declared] {
        var seen = Set<Int>()
        var result: [Declared] = []
        for entry in declared where seen.insert(entry.user).inserted { result.append(entry) }
        let names = Set(result.map(\.user))
        var olds = Set<Int>()
        for index in result.indices {
            let old = result[index].rename
            if old >= 8 || names.contains(old) || !olds.insert(old).inserted { result[index].rename = 8 }
        }
        return result
    }

    var yaml: String {
        var text = "version: 1\n"
        text += "policy:\n  unmanaged: \(Self.unmanagedWords[unmanaged])\n"
        text += "  unmanagedGroups: \(unmanagedGroups == 0 ? "ignore" : "delete")\n"
        if let protectPattern { text += "  protect: [\"\(protectPattern)\"]\n" }
        text += "safety: {maxDestructive: \(maxDestructive), maxDestructivePercent: 100}\n"
        text += "users:\n"
        let users = declaredUsers
        if users.isEmpty { text += "  []\n" }
        for entry in users {
            var fields = ["userName: u\(entry.user)@x.io", "name: {givenName: G\(entry.user), familyName: F}"]
            if entry.title > 0 { fields.append("title: \(entry.title == 1 ? "Engineer" : "Lead")") }
            switch entry.state {
            case 1: fields.append("active: false")
            case 2: fields.append("expires: 2026-11-01")
            case 3: fields.append("expires: 2027-06-01")
            case 4: fields += ["active: false", "deleteAfter: 2026-11-01"]
            case 5: fields.append("deleteAfter: 2027-06-01")
            default: break
            }
            if entry.rename != 8 { fields.append("previously: [u\(entry.rename)@x.io]") }
            let groups = (0..<4).filter { entry.groups & declaredGroups & (1 << $0) != 0 }.map { "g\($0)" }
            if !groups.isEmpty { fields.append("groups: [\(groups.joined(separator: ", "))]") }
            text += "  - {\(fields.joined(separator: ", "))}\n"
        }
        text += "groups:\n"
        let groups = (0..<4).filter { declaredGroups & (1 << $0) != 0 }
        if groups.isEmpty { text += "  []\n" }
        for group in groups {
            let nested = group < 3 && nesting & (1 << group) != 0 && declaredGroups & (1 << (group + 1)) != 0
            text += "  - {displayName: g\(group)\(nested ? ", members: [g\(group + 1)]" : "")}\n"
        }
        return text
    }

    /// The live users after the sandbox's rule: one per userName.
    var liveUsers: [Live] {
        var seen = Set<Int>()
        return live.filter { seen.insert($0.user).inserted }
    }

    var description: String {
        var text = "\n--- org.yaml\n" + yaml + "--- live\n"
        for user in liveUsers {
            text +=
                "  u\(user.user)@x.io title \(user.title) active \(user.active) groups \(user.groups & liveGroups)\n"
        }
        text += "  groups: \((0..<5).filter { liveGroups & (1 << $0) != 0 }.map { $0 == 4 ? "legacy" : "g\($0)" })\n"
        text += "--- a blocked plan is \(approve ? "approved by its digest" : "left blocked")\n"
        return text
    }

    /// Loads the YAML as scimctl would.
    func desired() throws -> DeclaredOrg {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", Array(yaml.utf8))])
        guard let state = loaded.state else {
            throw GenerationError(description: "the generated YAML does not load: \(loaded.diagnostics)\n\(yaml)")
        }
        return state
    }

    /// Seeds a fresh sandbox with the live state; returns it with a client on it.
    func seed() async throws -> Sandbox {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-property-\(UUID())")
        let provider = try SandboxProvider(path: folder.appendingPathComponent("live.sqlite").path)
        let sandbox = Sandbox(folder: folder, provider: provider)
        let client = try await sandbox.client()
        var ids: [Int: String] = [:]
        for user in liveUsers {
            var resource = SCIMUser(userName: "u\(user.user)@x.io")
            resource.attributes[path: "name.familyName"] = "F"
            resource.attributes[path: "name.givenName"] = "G\(user.user)"
            resource.attributes[path: "title"] = [nil, "Engineer", "Lead"][user.title]
            resource.active = user.active
            ids[user.user] = try await client.createUser(resource).id
        }
        var groupIds: [Int: String] = [:]
        for group in (0..<5).reversed() where liveGroups & (1 << group) != 0 {
            var members = liveUsers.filter { $0.groups & (1 << group) != 0 }.compactMap { ids[$0.user] }.map {
                SCIMMember(value: $0)
            }
            // Live nesting as declared, where both exist: a nested group already in place.
            if group < 3, nesting & (1 << group) != 0, let inner = groupIds[group + 1] {
                members.append(SCIMMember(value: inner))
            }
            let created = try await client.createGroup(
                SCIMGroup(displayName: group == 4 ? "legacy" : "g\(group)", members: members))
            groupIds[group] = created.id
        }
        return sandbox
    }
}

struct GenerationError: Error, CustomStringConvertible {
    var description: String
}

/// A fresh sandbox store in its own folder, reached in process.
struct Sandbox: Sendable {
    let folder: URL
    let provider: SandboxProvider

    func client(
        retry: RetryPolicy = RetryPolicy(sleep: { _ in }), wrap: (any HTTPTransport) -> any HTTPTransport = { $0 }
    )
        async throws -> SCIMClient
    {
        let connection = try SCIMConnection(
            baseURL: URL(string: provider.baseURL)!, token: nil, transport: wrap(SandboxTransport(provider)),
            retry: retry)
        return try await SCIMClient.connect(connection)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
