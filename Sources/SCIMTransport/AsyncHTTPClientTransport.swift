import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import SCIM

/// The transport `scimctl` talks to real providers through: AsyncHTTPClient on SwiftNIO. TLS is verified,
/// redirects are handed back unfollowed (the client decides, and never sends the token elsewhere), and
/// a connection that closes without an answer is reported at once.
///
/// Why not `URLSessionTransport`: on Linux, URLSession is libcurl underneath, and when a provider closes
/// the connection after a POST it was sent (a lost response, which `scimctl serve --drop-rate` injects)
/// the request spins until its timeout — a minute of CPU per lost create — before the applier can look
/// the user up. AsyncHTTPClient fails the request the moment the connection goes.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// One connection pool for the process: providers are few, and a pool needs no shutdown this way.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .disabled))

    /// The largest response body read (a page of 1,000 users is a few MB).
    static let maxBodySize = 256 << 20

    private let timeout: TimeAmount

    /// - Parameter timeout: the most one request may take, in seconds.
    public init(timeout: TimeInterval = 60) {
        self.timeout = .milliseconds(Int64(timeout * 1000))
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .init(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        do {
            let response = try await Self.client.execute(outgoing, timeout: timeout)
            var headers: [String: String] = [:]
            for field in response.headers {
                // Repeated fields join with commas (RFC 9110 §5.3).
                headers[field.name] = headers[field.name].map { "\($0), \(field.value)" } ?? field.value
            }
            let body = try await response.body.collect(upTo: Self.maxBodySize)
            return HTTPResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
        } catch let error as HTTPClientError {
            throw TransportError(Self.describe(error))
        } catch is NIOTooManyBytesError {
            throw TransportError("the response is larger than \(Self.maxBodySize >> 20) MiB")
        } catch {
            throw TransportError("\(error)")
        }
    }

    /// AsyncHTTPClient's errors in words (its descriptions are type names).
    private static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .remoteConnectionClosed: "the connection closed before a response arrived"
        case .deadlineExceeded, .readTimeout: "no response within the timeout"
        case .connectTimeout: "could not connect within the timeout"
        default: "\(error)"
        }
    }
}
