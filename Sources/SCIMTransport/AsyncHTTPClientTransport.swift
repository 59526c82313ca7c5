import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
public import SCIM
import Synchronization

/// The transport `scimctl` talks to real providers through: AsyncHTTPClient on SwiftNIO. TLS is verified,
/// redirects are handed back unfollowed (the client decides, and never sends the token elsewhere), and
/// a connection that closes without an answer is reported at once.
///
/// Why not `URLSessionTransport`: on Linux, URLSession is libcurl underneath, and when a provider closes
/// the connection after a POST it was sent (a lost response, which `scimctl serve --drop-rate` injects)
/// the request spins until its timeout — a minute of CPU per lost create — before the applier can look
/// the user up. AsyncHTTPClient fails the request the moment the connection goes.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// One connection pool per trust configuration, for the process: providers are few, and a pool
    /// kept for the process needs no shutdown. A connection that cannot be made fails the request at
    /// once (no silent re-connecting until a timeout): the client decides what is worth another try.
    private static let clients = Mutex<[String: HTTPClient]>([:])

    private static func client(caFile: String?, proxy: ProxySettings?) throws(TransportError) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else {
                    throw TransportError("the CA file \(caFile) holds no PEM certificate", kind: .tls)
                }
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch let error as TransportError {
                throw error
            } catch {
                throw TransportError(
                    "the CA file \(caFile) cannot be read as PEM certificates (--ca-file or SSL_CERT_FILE)", kind: .tls)
            }
        }
        let key = "\(caFile ?? "")|\(proxy.map { "\($0.host):\($0.port):\($0.username ?? "")" } ?? "")"
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)),
                decompression: .disabled)
            configuration.connectionPool.retryConnectionEstablishment = false
            if let proxy {
                configuration.proxy = .server(
                    host: proxy.host, port: proxy.port,
                    authorization: proxy.username.map { .basic(username: $0, password: proxy.password ?? "") })
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// The largest response body read (a page of 1,000 users is a few MB).
    static let maxBodySize = 256 << 20

    private let timeout: TimeAmount
    private let client: HTTPClient
    private let proxy: ProxySettings?

    /// - Parameters:
    ///   - timeout: the most one request may take, in seconds, from sending it to the last byte of the
    ///     answer (a provider that trickles its body is cut off too).
    ///   - caFile: PEM certificates trusted besides the system's (a private CA): `--ca-file`, else
    ///     `SSL_CERT_FILE`.
    ///   - proxy: the HTTP proxy to tunnel through (`ProxySettings.forTarget`), or nil for direct.
    /// - Throws: when `caFile` cannot be read as PEM certificates.
    public init(timeout: TimeInterval = 30, caFile: String? = nil, proxy: ProxySettings? = nil) throws(TransportError) {
        self.timeout = .milliseconds(Int64(timeout * 1000))
        self.proxy = proxy
        self.client = try Self.client(caFile: caFile, proxy: proxy)
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .init(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        let host = request.url.host ?? "the provider"
        // host:port, as a refused connection is reported (the port is half of what may be wrong).
        let origin = request.url.port.map { "\(host):\($0)" } ?? host
        let deadline = timeout
        let prepared = outgoing
        let client = client
        do {
            return try await Self.within(deadline) {
                let response = try await client.execute(prepared, timeout: deadline)
                var headers: [String: String] = [:]
                for field in response.headers {
                    // Repeated fields join with commas (RFC 9110 §5.3).
                    headers[field.name] = headers[field.name].map { "\($0), \(field.value)" } ?? field.value
                }
                let body = try await response.body.collect(upTo: Self.maxBodySize)
                return HTTPResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
            }
        } catch let error as TransportError {
            throw error
        } catch is NIOTooManyBytesError {
            throw TransportError("the response is larger than \(Self.maxBodySize >> 20) MiB")
        } catch {
            throw Self.classify(error, host: host, origin: origin, proxy: proxy, timeout: deadline)
        }
    }

    /// Runs `body`, or fails with a timeout once `timeout` has passed: the whole exchange, body included.
    private static func within<T: Sendable>(
        _ timeout: TimeAmount, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TransportError(
                    "no complete response within \(seconds(timeout)) s (--timeout)", kind: .timeout)
            }
            return value
        }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let value = Double(amount.nanoseconds) / 1e9
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// AsyncHTTPClient's and SwiftNIO's errors in words, classified (their descriptions are type names,
    /// and TLS errors carry paths of the build).
    private static func classify(
        _ error: any Error, host: String, origin: String, proxy: ProxySettings?, timeout: TimeAmount
    ) -> TransportError {
        // Through a proxy, a refused or unresolvable connection is the proxy's.
        let origin = proxy.map { "\($0.host):\($0.port), \($0) to \(origin)," } ?? origin
        let host = proxy.map { "\($0.host) (\($0))" } ?? host
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed:
                return TransportError("the connection closed before a response arrived")
            case .deadlineExceeded, .readTimeout:
                return TransportError("no complete response within \(seconds(timeout)) s (--timeout)", kind: .timeout)
            case .proxyAuthenticationRequired:
                return TransportError(
                    "\(proxy.map(\.description) ?? "the proxy") asks for credentials (HTTP 407): give them in the "
                        + "proxy URL, http://USER:PASSWORD@HOST:PORT",
                    kind: .proxy)
            case .invalidProxyResponse, .httpProxyHandshakeTimeout:
                return TransportError(
                    "\(proxy.map(\.description) ?? "the proxy") did not open a tunnel to \(origin) (CONNECT refused); "
                        + "is the provider's host allowed through it?",
                    kind: .proxy)
            case .connectTimeout:
                return TransportError("could not connect to \(host) within 10 s", kind: .timeout)
            default:
                break
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return TransportError("cannot resolve the host name \(host)", kind: .unresolvable)
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return TransportError(
                    "connection refused by \(origin); is the URL right and the provider up?", kind: .connectionRefused)
            }
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return TransportError(
                "connection refused by \(origin); is the URL right and the provider up?", kind: .connectionRefused)
        }
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("SocketAddressError") {
            return TransportError("cannot resolve the host name \(host)", kind: .unresolvable)
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return TransportError(
                "the TLS certificate of \(host) is issued for another host name: is the URL's host the provider's?",
                kind: .tls)
        }
        if type.contains("NIOSSL") || type.contains("BoringSSL") {
            return TransportError(
                "the TLS certificate of \(host) is not trusted (or has expired): if the provider uses a private CA, "
                    + "pass --ca-file FILE or set SSL_CERT_FILE",
                kind: .tls)
        }
        if error is CancellationError {
            return TransportError("cancelled")
        }
        // The last resort names the type only: descriptions of some errors carry paths of the build.
        return TransportError("the request failed (\(type.split(separator: ".").last ?? "error"))")
    }
}
