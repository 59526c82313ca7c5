public import Foundation
import SafeText

/// A bearer token. It prints as `<redacted>` everywhere (description, debug description, reflection),
/// so no log line, error or plan can show it by accident; only the connection reads the secret.
public struct BearerToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: String

    public init?(_ secret: String) {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        self.secret = trimmed
        // From here on no output can show it, whoever echoes it.
        Secrets.register(trimmed)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "BearerToken(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Where the token comes from, in order: `--token-file`, the variable named by `target.tokenEnv`,
    /// then `SCIM_TOKEN`.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case file(String)
        case environment(String)

        public var description: String {
            switch self {
            case .file(let path): "--token-file \(path)"
            case .environment(let name): "$\(name)"
            }
        }
    }

    /// Why no token could be had; names where it looked, never a value.
    public struct Missing: Error, Sendable, CustomStringConvertible {
        public var looked: [Source]
        public var reason: String

        public var description: String {
            "no SCIM token: \(reason) (looked in \(looked.map(\.description).joined(separator: ", ")))"
        }
    }

    /// Resolves the token from a file or the environment.
    public static func resolve(
        tokenFile: String?, tokenEnv: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Missing) -> BearerToken {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw Missing(looked: [.file(tokenFile)], reason: "the token file cannot be read")
            }
            guard let token = BearerToken(String(decoding: data, as: UTF8.self)) else {
                throw Missing(looked: [.file(tokenFile)], reason: "the token file is empty")
            }
            return token
        }
        var names = [tokenEnv ?? "SCIM_TOKEN"]
        if names[0] != "SCIM_TOKEN" { names.append("SCIM_TOKEN") }
        for name in names {
            if let value = environment[name], let token = BearerToken(value) { return token }
        }
        throw Missing(looked: names.map(Source.environment), reason: "none of these is set")
    }
}
