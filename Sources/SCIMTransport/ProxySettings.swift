public import Foundation
public import SCIM
import SafeText

/// The HTTP proxy requests to a provider go through, read from the environment as curl reads it:
/// `https_proxy` / `HTTPS_PROXY` (then `all_proxy` / `ALL_PROXY`) for https targets, unless the host is
/// listed in `no_proxy` / `NO_PROXY`. HTTPS goes through the proxy by CONNECT, so the proxy carries
/// the TLS tunnel and never sees the token. Plain http targets (loopback only) never use a proxy: the
/// token would cross it in clear text.
public struct ProxySettings: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Basic credentials for the proxy (`http://user:password@proxy:3128`), registered as secrets.
    public var username: String?
    public var password: String?
    /// The variable it came from, for messages.
    public var variable: String

    /// `host:port (from HTTPS_PROXY)`: never the credentials.
    public var description: String { "the proxy \(host):\(port) (from \(variable))" }

    /// The proxy for `url`, or nil for a direct connection.
    /// - Throws: a proxy setting scimctl cannot use (an https:// or SOCKS proxy, no host), said plainly.
    public static func forTarget(_ url: URL, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TransportError) -> ProxySettings?
    {
        guard url.scheme?.lowercased() == "https", let host = url.host?.lowercased() else { return nil }
        let names = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        guard let variable = names.first(where: { !(environment[$0] ?? "").isEmpty }),
            let text = environment[variable]
        else { return nil }
        let noProxy = environment["no_proxy"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["NO_PROXY"] ?? ""
        if bypasses(host: host, port: url.port ?? 443, noProxy: noProxy) { return nil }
        // Credentials are secrets from here on, whatever else is wrong with the setting.
        URLCredentials.registerSecrets(in: text.contains("://") ? text : "http://" + text)
        let shown = URLCredentials.stripped(text.contains("://") ? text : "http://" + text)
        guard let parsed = URLComponents(string: text.contains("://") ? text : "http://" + text),
            let proxyHost = parsed.host, !proxyHost.isEmpty
        else {
            throw TransportError("\(variable) is not a proxy URL (\(Printable.escape(shown.prefix(100))))")
        }
        switch parsed.scheme?.lowercased() {
        case "http": break
        case let scheme?:
            throw TransportError(
                "\(variable) names a \(scheme):// proxy; scimctl speaks to proxies over http:// (HTTPS still goes "
                    + "through it end to end, by CONNECT)")
        case nil: break
        }
        var settings = ProxySettings(host: proxyHost, port: parsed.port ?? 80, variable: variable)
        if let user = parsed.percentEncodedUser {
            settings.username = user.removingPercentEncoding ?? user
            settings.password = parsed.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 } ?? ""
            if let password = settings.password { Secrets.register(password) }
        }
        return settings
    }

    /// curl's `no_proxy`: a comma- or space-separated list of host names (a name matches itself and
    /// its subdomains, a leading dot is ignored), IP addresses, optional `:port`, or `*` for every host.
    static func bypasses(host: String, port: Int, noProxy: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        for raw in noProxy.split(whereSeparator: { $0 == "," || $0 == " " }) {
            var entry = raw.lowercased().trimmingCharacters(in: .whitespaces)
            if entry == "*" { return true }
            if let colon = entry.lastIndex(of: ":"), !entry.contains("]"), entry.filter({ $0 == ":" }).count == 1 {
                guard Int(entry[entry.index(after: colon)...]) == port else { continue }
                entry = String(entry[..<colon])
            }
            entry = entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            while entry.hasPrefix(".") { entry.removeFirst() }
            guard !entry.isEmpty else { continue }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }
}
