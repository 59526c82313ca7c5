import Catalog
import Crypto
public import DesiredState
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
    /// Whether a group member may name no live user or group (the provider profile says it keeps members
    /// of deleted users); each such member is then a counted removal. Otherwise such a read fails.
    public let danglingMembersAllowed: Bool
    /// The provider's `/Schemas`, read when the org declares custom extensions; nil when not read or
    /// not published (the extensions are then not checked before apply).
    public var schemas: [SchemaDefinition]?

    public init(
        users: [SCIMUser], groups: [SCIMGroup], groupsRead: Bool = true, danglingMembersAllowed: Bool = false,
        schemas: [SchemaDefinition]? = nil
    ) {
        self.schemas = schemas
        self.users = users
        self.groups = groups
        self.groupsRead = groupsRead
        self.danglingMembersAllowed = danglingMembersAllowed
        userVersions = users.map(Self.version(of:))
        groupVersions = groups.map(Self.version(of:))
    }

    /// The first group member that names no listed user or group, where the profile does not allow such
    /// members: a sign that the user listing is incomplete, or that the provider is inconsistent.
    public func danglingMember() -> (group: String, member: String)? {
        guard groupsRead, !danglingMembersAllowed else { return nil }
        var ids = Set<String>(minimumCapacity: users.count + groups.count)
        for user in users { if let id = user.id { ids.insert(id) } }
        for group in groups { if let id = group.id { ids.insert(id) } }
        for group in groups {
            for member in group.members ?? [] where !ids.contains(member.value) {
                return ("'\(group.displayName)' (id '\(group.id ?? "")')", member.value)
            }
        }
        return nil
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

extension ContentDigest {
    /// The digest of a desired state: every file's path and bytes, in order. A saved plan carries it,
    /// and `apply --plan` refuses YAML that changed since.
    public static func desiredState(_ sources: SourceFiles) -> String {
        var content = Data()
        for file in sources.files {
            content.append(Data(file.utf8))
            content.append(0)
            content.append(contentsOf: sources.bytes(of: file) ?? [])
            content.append(0)
        }
        return sha256(content)
    }
}
