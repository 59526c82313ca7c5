import Foundation
import YAML

/// The `target` of a desired state, read from the head of its files before the whole state is loaded,
/// so that `plan` can connect and start listing while the users are still being parsed. Only a guess:
/// the caller uses what it started only if the fully loaded state names the same target, and discards
/// it otherwise. It is found only where it is cheap and certain: a block that starts at the top of a
/// file (before any `users:` or `groups:`), with no diagnostic, built-in profile.
public enum TargetProbe {
    /// The largest head of a file read for it.
    static let maxHead = 64 << 10

    /// A desired state holding only the target, or nil when there is no cheap, clean one.
    public static func read(paths: [String]) -> DeclaredOrg? {
        var ignored: [Diagnostic] = []
        for file in YAMLFileFinder.files(in: paths, diagnostics: &ignored) {
            guard let head = head(of: file) else { return nil }
            guard let target = target(in: head, file: file) else { continue }
            guard target.profileFile == nil else { return nil }
            return DeclaredOrg(target: target)
        }
        return nil
    }

    /// The lines of a file up to the end of its top-level `target` block; nil when that block is not in
    /// the first `maxHead` bytes or comes after the users or groups.
    private static func head(of file: String) -> String? {
        // As the loader reads: never blocking on a FIFO or a device, regular files only.
        let descriptor = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        guard let data = try? handle.read(upToCount: maxHead) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var lines: [Substring] = []
        var inTarget = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let topLevel = line.first.map { !$0.isWhitespace && $0 != "#" } ?? false
            if inTarget && topLevel { return lines.joined(separator: "\n") + "\n" }
            if topLevel && (line.hasPrefix("users:") || line.hasPrefix("groups:")) { return nil }
            if topLevel && line.hasPrefix("target:") { inTarget = true }
            lines.append(line)
        }
        // The block runs to the end of what was read: certain only if that was the whole file.
        return inTarget && data.count < maxHead ? text : nil
    }

    private static func target(in head: String, file: String) -> Target? {
        guard let root = try? YAMLReader.read(head) else { return nil }
        var decoder = DocumentDecoder(file: file)
        let contents = decoder.decode(root)
        guard !decoder.diagnostics.hasErrors else { return nil }
        return contents.target
    }
}
