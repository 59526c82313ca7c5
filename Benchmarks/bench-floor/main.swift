import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The floor `scripts/bench` compares scimctl with: the same requests, sent by the same HTTP stack at
/// the same parallelism, with no processing at all — each body read and dropped. Reads a job from the
/// JSON file named first:
///   {"base": "http://127.0.0.1:PORT", "token": "…", "parallelism": 4,
///    "discovery": [target…], "listings": [[target…]…], "posts": {"path": "/v2/Users", "bodies": [json…]}}
/// GETs: discovery in order, then each listing's first page at once, then the rest; POSTs: all at once,
/// `parallelism` in flight. Prints the seconds it took.
struct Job: Decodable {
    struct Posts: Decodable {
        var path: String
        var bodies: [String]
    }

    var base: String
    var token: String
    var parallelism: Int
    var discovery: [String]?
    var listings: [[String]]?
    var posts: Posts?
}

let job = try JSONDecoder().decode(Job.self, from: try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1])))
let client = HTTPClient(eventLoopGroupProvider: .singleton)

func send(_ method: HTTPMethod, _ target: String, body: String? = nil) async throws {
    var request = HTTPClientRequest(url: job.base + target)
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(job.token)")
    request.headers.add(name: "Accept", value: "application/scim+json")
    if let body {
        request.headers.add(name: "Content-Type", value: "application/scim+json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await client.execute(request, timeout: .seconds(120))
    for try await _ in response.body {}
    guard response.status.code < 300 else {
        throw NSError(
            domain: "bench-floor", code: Int(response.status.code),
            userInfo: [NSLocalizedDescriptionKey: "\(method) \(target) answered \(response.status.code)"])
    }
}

/// Sends every item, at most `width` in flight.
func all(_ items: [String], _ operation: @escaping @Sendable (String) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < min(job.parallelism, items.count) {
            let item = items[next]
            group.addTask { try await operation(item) }
            next += 1
        }
        while try await group.next() != nil {
            if next < items.count {
                let item = items[next]
                group.addTask { try await operation(item) }
                next += 1
            }
        }
    }
}

let start = ContinuousClock.now
do {
    for target in job.discovery ?? [] { try await send(.GET, target) }
    if let listings = job.listings {
        try await all(listings.compactMap(\.first)) { try await send(.GET, $0) }
        try await all(listings.flatMap { $0.dropFirst() }) { try await send(.GET, $0) }
    }
    if let posts = job.posts {
        try await all(posts.bodies) { try await send(.POST, posts.path, body: $0) }
    }
} catch {
    FileHandle.standardError.write(Data("bench-floor: \(error)\n".utf8))
    try await client.shutdown()
    exit(1)
}
let elapsed = ContinuousClock.now - start
try await client.shutdown()
print(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
