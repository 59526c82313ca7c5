import Foundation
import SafeText

/// `apply --journal FILE`: one JSON line per action, appended, through the same redaction as the
/// terminal (an entry's detail may quote a provider's answer), so the audit trail never holds a secret.
public final class Journal: Sendable {
    private let handle: FileHandle
    private let warn: @Sendable (String) -> Void

    /// Opens `path` for appending (created if missing); nil when it cannot be opened.
    public init?(path: String, warn: @escaping @Sendable (String) -> Void) {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        self.handle = handle
        self.warn = warn
    }

    public func append(_ entry: LedgerEntry) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let encoded = try? encoder.encode(entry) else { return }
        var line = Secrets.redact(Array(encoded))
        line.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: line)
        } catch {
            warn("cannot write to the journal: \(error.localizedDescription)")
        }
    }

    public func close() {
        try? handle.close()
    }
}
