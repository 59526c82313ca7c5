import Crypto
public import Foundation
public import SCIM

/// The provider's users and groups as read at one moment: complete, or not at all (the reader refuses
/// partial listings), with each object's version for stale-plan checks.
public struct LiveSnapshot: Sendable {
    public let users: [SCIMUser]
    public let groups: [SCIMGroup]
    /// Whether groups were read (they are not when the org manages none).
    public let groupsRead: Bool
    /// Each user's and group's version, by position: computed once, as reading them may mean hashing.
    public let userVersions: [String]
    public let groupVersions: [String]

    public init(users: [SCIMUser], groups: [SCIMGroup], groupsRead: Bool = true) {
        self.users = users
        self.groups = groups
        self.groupsRead = groupsRead
        userVersions = users.map(Self.version(of:))
        groupVersions = groups.map(Self.version(of:))
    }

    /// Reads every user and, when `includeGroups`, every group with its members.
    public static func read(from reader: any SCIMReader, includeGroups: Bool) async throws(SCIMError) -> LiveSnapshot {
        do {
            // Users and groups are read at the same time; either failing fails the snapshot.
            async let users = reader.listUsers()
            let groups = includeGroups ? try await reader.listGroups() : []
            return LiveSnapshot(users: try await users, groups: groups, groupsRead: includeGroups)
        } catch let error as SCIMError {
            throw error
        } catch {
            throw SCIMError(.transport, "cancelled")
        }
    }

    /// The version of a user: its ETag (`meta.version`) where the provider has them, else a hash of its
    /// content, so that any change to it is seen.
    public static func version(of user: SCIMUser) -> String {
        user.meta?.version ?? ContentDigest.sha256(user.json.serialized())
    }

    public static func version(of group: SCIMGroup) -> String {
        var content = group
        content.members = group.members?.sorted { $0.value < $1.value }
        return group.meta?.version ?? ContentDigest.sha256(content.json.serialized())
    }

    /// Every object's version by id.
    public var versions: [String: String] {
        var versions: [String: String] = [:]
        versions.reserveCapacity(users.count + groups.count)
        for (user, version) in zip(users, userVersions) { if let id = user.id { versions["User/" + id] = version } }
        for (group, version) in zip(groups, groupVersions) {
            if let id = group.id { versions["Group/" + id] = version }
        }
        return versions
    }
}

/// `sha256:` digests, as plans and approvals show them.
public enum ContentDigest {
    public static func sha256(_ data: Data) -> String {
        "sha256:"
            + SHA256.hash(data: data).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
}
