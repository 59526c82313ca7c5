/// A reader whose user listing was started earlier (while the YAML was still loading): `listUsers`
/// awaits that listing; everything else goes to the client.
public struct PrefetchingReader: SCIMReader {
    public let client: SCIMClient
    private let users: Task<[SCIMUser], any Error>

    /// Starts listing the users now.
    public init(client: SCIMClient) {
        self.client = client
        users = Task { try await client.listUsers() }
    }

    /// Stops the listing, when its result will not be used.
    public func cancel() { users.cancel() }

    public var capabilities: ProviderCapabilities { client.capabilities }

    public func listUsers() async throws(SCIMError) -> [SCIMUser] {
        do {
            return try await users.value
        } catch let error as SCIMError {
            throw error
        } catch {
            throw SCIMError(.transport, "cancelled")
        }
    }

    public func listGroups() async throws(SCIMError) -> [SCIMGroup] { try await client.listGroups() }
    public func getUser(id: String) async throws(SCIMError) -> SCIMUser { try await client.getUser(id: id) }
    public func getGroup(id: String) async throws(SCIMError) -> SCIMGroup { try await client.getGroup(id: id) }
    public func findUsers(userName: String) async throws(SCIMError) -> [SCIMUser] {
        try await client.findUsers(userName: userName)
    }
    public func listGroupNames() async throws(SCIMError) -> [SCIMGroup] { try await client.listGroupNames() }

    public func findGroups(displayName: String) async throws(SCIMError) -> [SCIMGroup] {
        try await client.findGroups(displayName: displayName)
    }
    public func schemas() async throws(SCIMError) -> [SchemaDefinition]? { try await client.schemas() }
}
