import Catalog
public import Planner
public import SCIM

extension LiveSnapshot {
    /// Reads every user and, when `includeGroups`, every group with its members.
    /// Reads `/Schemas` too when `includeSchemas` (the org declares custom extensions).
    public static func read(
        from reader: any SCIMReader, includeGroups: Bool, includeSchemas: Bool = false
    ) async throws(SCIMError) -> LiveSnapshot {
        do {
            // Users and groups are read at the same time; either failing fails the snapshot.
            async let users = reader.listUsers()
            async let schemas = includeSchemas ? reader.schemas() : nil
            let groups = includeGroups ? try await reader.listGroups() : []
            let snapshot = LiveSnapshot(
                users: try await users, groups: groups, groupsRead: includeGroups,
                danglingMembersAllowed: reader.capabilities.profile.keepsMembersOfDeletedUsers,
                schemas: try await schemas)
            if let problem = snapshot.danglingMember() {
                throw SCIMError(
                    .inconsistentRead,
                    "the group \(problem.group) lists the member id '\(problem.member)', which names no user or "
                        + "group in the listings of Users and Groups; refusing to act on a read that does not add up "
                        + "(nothing was planned)",
                    method: "GET", url: reader.capabilities.groupsEndpoint)
            }
            return snapshot
        } catch let error as SCIMError {
            throw error
        } catch {
            throw SCIMError(.transport, "cancelled")
        }
    }
}
