public import Foundation
import SafeText

/// A bearer token. It prints as `<redacted>` everywhere (description, debug description, reflection),
/// so no log line, error or plan can show it by accident; only the connection reads the secret.
public struct BearerToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: String
    /// Where it was read from, for messages ("the token in $SCIM_TOKEN was refused").
    public private(set) var source: Source?

    public init?(_ secret: String) {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        self.secret = trimmed
        // From here on no output can show it, whoever echoes it.
        Secrets.register(trimmed)
    }

    public var description: String { "<redacted>" }

    /// When the token expires, if it is a JWT with an `exp` claim (RFC 7519 §4.1.4); nil otherwise.
    /// Only the claim is read; the token is not verified (the provider does that).
    public var jwtExpiry: Date? {
        let parts = secret.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let exp = claims["exp"] as? NSNumber
        else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }
    public var debugDescription: String { "BearerToken(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Where the token comes from, in order: `--token-file`, the variable named by `target.tokenEnv`,
    /// then `SCIM_TOKEN`.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case file(String)
        case environment(String)
        /// `tokenCommand`, by its first word only (the rest may name a vault path).
        case command(String)

        public var description: String {
            switch self {
            case .file(let path): "--token-file \(path)"
            case .environment(let name): "$\(name)"
            case .command(let program): "the output of tokenCommand \(program)"
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

    /// Resolves the token from a file or the environment. `fallback`: whether `SCIM_TOKEN` is read when
    /// `tokenEnv` names another variable that is not set (not for a target of several, whose token must
    /// never go to another).
    public static func resolve(
        tokenFile: String?, tokenEnv: String?, fallback: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Missing) -> BearerToken {
        if let tokenFile {
            let source = Source.file(tokenFile)
            let text = try read(tokenFile)
            guard var token = BearerToken(text) else {
                throw Missing(looked: [source], reason: "the token file is empty")
            }
            try check(token, from: source)
            token.source = source
            return token
        }
        var names = [tokenEnv ?? "SCIM_TOKEN"]
        if fallback, names[0] != "SCIM_TOKEN" { names.append("SCIM_TOKEN") }
        for name in names {
            if let value = environment[name], var token = BearerToken(value) {
                try check(token, from: .environment(name))
                token.source = .environment(name)
                return token
            }
        }
        throw Missing(looked: names.map(Source.environment), reason: "none of these is set")
    }

    /// A token from a command's standard output (`tokenCommand`), checked as any other.
    public static func fromCommandOutput(_ output: String, program: String) throws(Missing) -> BearerToken {
        let source = Source.command(program)
        guard var token = BearerToken(output) else {
            throw Missing(looked: [source], reason: "the command printed nothing")
        }
        try check(token, from: source)
        token.source = source
        return token
    }

    /// The most a token file may hold: tokens are a few hundred bytes, JWTs a few kilobytes.
    static let maxFileSize = 64 << 10

    /// Reads a token file, bounded: `/dev/zero` or a FIFO must not hang or fill memory.
    private static func read(_ path: String) throws(Missing) -> String {
        let source = Source.file(path)
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw Missing(looked: [source], reason: "the token file cannot be read")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw Missing(looked: [source], reason: "the token file is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path),
            let data = try? handle.read(upToCount: maxFileSize + 1)
        else {
            throw Missing(looked: [source], reason: "the token file cannot be read")
        }
        try? handle.close()
        guard data.count <= maxFileSize else {
            throw Missing(
                looked: [source], reason: "the token file is over \(maxFileSize >> 10) KiB; it is not a token")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A token is sent in a header: a space, a control character (a line break would end the header and
    /// start another) or a non-ASCII character cannot be in it. Never echoes it.
    private static func check(_ token: BearerToken, from source: Source) throws(Missing) {
        guard token.secret.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Missing(
                looked: [source],
                reason: "the token holds a space, a control character or a non-ASCII character, which a bearer "
                    + "token cannot (was more than the token pasted?)")
        }
    }
}
