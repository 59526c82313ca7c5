import Catalog
import Foundation
import SCIM
import ScimctlTestSupport
import Testing

/// The providers the end-to-end suite runs against, both over HTTP on loopback.
enum Provider: String, CaseIterable, CustomTestStringConvertible {
    /// scim2-server (PyPI), the reference implementation.
    case scim2Server = "scim2-server"
    /// The embedded sandbox, served by `scimctl serve` behind a token.
    case sandbox = "scimctl serve"

    var testDescription: String { rawValue }
}

/// A fresh, empty tenant of a provider, with a client to look at it and a scratch folder; `close()`
/// stops its server (if the test started one) and removes the folder.
struct Tenant {
    var url: URL
    var token: String
    var client: SCIMClient
    var folder: URL
    var server: ServeProcess?

    /// scim2-server: a new tenant of the suite's server (the suite needs the `.scim2Server` trait);
    /// the sandbox: its own `scimctl serve` behind a random token.
    init(_ provider: Provider) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("scimctl-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch provider {
        case .scim2Server:
            let server = try #require(SCIM2Server.current)
            (url, token) = (server.newTenant(), server.token)
        case .sandbox:
            token = "sandbox-\(UUID().uuidString)"
            let server = try await ServeProcess.start([
                "--db", folder.appendingPathComponent("sandbox.sqlite").path, "--token", token,
            ])
            (url, self.server) = (server.baseURL, server)
        }
        client = try await SCIMClient.connect(try SCIMConnection(baseURL: url, token: BearerToken(token)))
    }

    func close() {
        server?.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

extension Tenant {
    /// Every user and group with its version: any write at all changes it.
    func fingerprint() async throws -> String {
        let users = try await client.listUsers().map {
            String(decoding: $0.json.serialized(), as: UTF8.self) + ($0.meta?.version ?? "")
        }
        var groups: [String] = []
        for var group in try await client.listGroups() {
            group.members = group.members?.sorted { $0.value < $1.value }
            groups.append(String(decoding: group.json.serialized(), as: UTF8.self) + (group.meta?.version ?? ""))
        }
        return (users.sorted() + groups.sorted()).joined(separator: "\n")
    }
}
