import Foundation
import YAML

/// The outcome of loading: the model when it is valid, and every diagnostic either way.
public struct LoadedState: Sendable {
    /// The merged desired state, or nil when any error was found.
    public var state: DeclaredOrg?
    /// The merged desired state when the only errors are rules' violations (`validate --format state`
    /// prints it, so a policy engine can see what broke the rules); nil on any other error.
    public var resolved: DeclaredOrg?
    /// Every problem found, sorted by file, line and column.
    public var diagnostics: [Diagnostic]
    /// The text of every file read, for showing the offending lines.
    public var sources: SourceFiles
}

/// The bytes of the files that were read, to quote the line a diagnostic points at.
public struct SourceFiles: Sendable {
    private var contents: [String: [UInt8]] = [:]
    private var secretLines: [String: Set<Int>] = [:]

    public init() {}

    public mutating func add(_ bytes: [UInt8], for file: String) {
        contents[file] = bytes
    }

    /// Marks lines of `file` that hold a secret: they are never quoted.
    mutating func markSecret(_ lines: Set<Int>, in file: String) {
        guard !lines.isEmpty else { return }
        secretLines[file, default: []].formUnion(lines)
    }

    public func bytes(of file: String) -> [UInt8]? {
        contents[file]
    }

    /// Whether line `line` of `file` holds a secret.
    public func holdsSecret(_ file: String, line: Int) -> Bool {
        secretLines[file]?.contains(line) ?? false
    }

    /// The files read, sorted.
    public var files: [String] { contents.keys.sorted() }
}

/// Reads YAML files and directories into a validated `DeclaredOrg`.
public struct DesiredStateLoader: Sendable {
    /// Files larger than this are refused before parsing (the 100,000-user benchmark org is 16 MB).
    public var maxFileSize: Int
    /// The most nodes YAML aliases may add by expansion in one file.
    public var maxAliasExpansion: Int

    /// Files at least this large are decoded on a second thread while they are parsed.
    public var parallelDecodingThreshold: Int
    /// The day `rules:` are checked on (the plan's day, `--now`); nil for today (UTC).
    public var today: CalendarDay?

    public init(maxFileSize: Int = 64 << 20, maxAliasExpansion: Int = 100_000, parallelDecodingThreshold: Int = 1 << 20)
    {
        self.maxFileSize = maxFileSize
        self.maxAliasExpansion = maxAliasExpansion
        self.parallelDecodingThreshold = parallelDecodingThreshold
    }

    /// Loads `paths` (files, or directories searched for `*.yaml` / `*.yml`), merges and validates them.
    public func load(paths: [String]) -> LoadedState {
        var diagnostics: [Diagnostic] = []
        let files = YAMLFileFinder.files(in: paths, diagnostics: &diagnostics)
        var texts: [(name: String, bytes: [UInt8])] = []
        for file in files {
            guard let bytes = read(file, diagnostics: &diagnostics) else { continue }
            texts.append((file, bytes))
        }
        return load(texts, diagnostics: diagnostics, readsProfileFiles: true)
    }

    /// Loads texts already in memory, as if read from files of these names (the fuzzer's entry point).
    public func load(texts: [(name: String, bytes: [UInt8])]) -> LoadedState {
        var diagnostics: [Diagnostic] = []
        var checked: [(name: String, bytes: [UInt8])] = []
        for (name, bytes) in texts {
            if bytes.count > maxFileSize {
                diagnostics.append(Diagnostic(.fileTooLarge, "the text is over the size cap", at: .file(name)))
            } else if let problem = Self.utf8Problem(bytes, file: name) {
                diagnostics.append(problem)
            } else {
                checked.append((name, bytes))
            }
        }
        return load(checked, diagnostics: diagnostics, readsProfileFiles: false)
    }

    /// `readsProfileFiles`: whether a `target.profile` file is read from disk (not for texts given in
    /// memory, the fuzzer's, which must not reach files a text names).
    private func load(
        _ texts: [(name: String, bytes: [UInt8])], diagnostics: [Diagnostic], readsProfileFiles: Bool
    ) -> LoadedState {
        var diagnostics = diagnostics
        var sources = SourceFiles()
        var decoded: [(path: String, contents: FileContents)] = []
        for (file, bytes) in texts {
            var bytes = bytes
            // A UTF-8 byte order mark (Windows editors write one) is not content: libyaml, told the text is
            // UTF-8, would read it as a character. Dropped here, so positions count from the text after it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            sources.add(bytes, for: file)
            var secretLines = Set<Int>()
            if let contents = decode(bytes, file: file, diagnostics: &diagnostics, secretLines: &secretLines) {
                decoded.append((file, contents))
            }
            sources.markSecret(secretLines, in: file)
        }
        // A profile file named by target.profile is read now, so its rules apply to the checks below and
        // its problems are located in it.
        for index in decoded.indices {
            guard let file = decoded[index].contents.target?.profileFile else { continue }
            guard readsProfileFiles else {
                diagnostics.append(
                    Diagnostic(
                        .invalidValue, "a profile file is not read for a text given in memory", at: file.location))
                continue
            }
            let (profile, problems, bytes) = ProfileDecoder.load(path: file.value)
            if !bytes.isEmpty { sources.add(bytes, for: file.value) }
            diagnostics += problems
            if let profile {
                decoded[index].contents.target?.profile = Located(profile, at: file.location)
            } else if !problems.hasErrors {
                diagnostics.append(Diagnostic(.invalidValue, "the profile could not be read", at: file.location))
            } else {
                diagnostics.append(
                    Diagnostic(.invalidValue, "target.profile names a profile with errors (above)", at: file.location))
            }
        }
        var validator = OrgValidator()
        validator.today = today ?? .today
        let state = validator.merge(decoded)
        diagnostics += validator.diagnostics
        diagnostics.sort()
        // A rule checked once per target may find one problem in a line every target shares.
        diagnostics = diagnostics.enumerated().filter { $0.offset == 0 || diagnostics[$0.offset - 1] != $0.element }
            .map(\.element)
        let brokenBeyondRules = diagnostics.contains { $0.severity == .error && $0.code != .rule }
        return LoadedState(
            state: diagnostics.hasErrors ? nil : state, resolved: brokenBeyondRules ? nil : state,
            diagnostics: diagnostics, sources: sources)
    }

    /// Reads a file whole. The size cap is checked on what was opened (the target of a link, not the
    /// link), and only regular files are read: a FIFO or a device would never end.
    func read(_ file: String, diagnostics: inout [Diagnostic]) -> [UInt8]? {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            diagnostics.append(Diagnostic(.fileUnreadable, "the file cannot be read: \(reason)", at: .file(file)))
            return nil
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            diagnostics.append(
                Diagnostic(
                    .notARegularFile, "not a regular file (a FIFO, a device or a socket); name a YAML file",
                    at: .file(file)))
            return nil
        }
        let size = Int(status.st_size)
        if size > maxFileSize {
            diagnostics.append(
                Diagnostic(
                    .fileTooLarge,
                    "the file is \(size / (1 << 20)) MiB; files over \(maxFileSize / (1 << 20)) MiB are refused "
                        + "(split the org across files)",
                    at: .file(file)))
            return nil
        }
        // Read to the end but never past the cap, in case the file grows while it is read.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= maxFileSize else { break }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, maxFileSize + 1 - bytes.count))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                Foundation.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                let reason = String(cString: strerror(errno))
                diagnostics.append(Diagnostic(.fileUnreadable, "the file cannot be read: \(reason)", at: .file(file)))
                return nil
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= maxFileSize else {
            diagnostics.append(
                Diagnostic(
                    .fileTooLarge, "the file grew past \(maxFileSize / (1 << 20)) MiB while it was read",
                    at: .file(file)))
            return nil
        }
        bytes.removeSubrange(filled...)
        if let problem = Self.utf8Problem(bytes, file: file) {
            diagnostics.append(problem)
            return nil
        }
        return bytes
    }

    /// The located diagnostic for text that is not UTF-8 (or holds a NUL), if it is not.
    private static func utf8Problem(_ bytes: [UInt8], file: String) -> Diagnostic? {
        guard let offset = firstNonUTF8Byte(bytes) else { return nil }
        let (line, column) = LineIndex(bytes).position(ofByte: offset, in: bytes)
        let problem = bytes[offset] == 0 ? "a NUL byte (is the file UTF-16?)" : "a byte that is not UTF-8"
        return Diagnostic(
            .notUTF8, "the file has \(problem); save it as UTF-8",
            at: SourceLocation(file: file, line: line, column: column))
    }

    private func decode(
        _ bytes: [UInt8], file: String, diagnostics: inout [Diagnostic], secretLines: inout Set<Int>
    ) -> FileContents? {
        let limits = YAMLLimits(maxAliasExpansion: maxAliasExpansion)
        let positions = EditorPositions(bytes)
        var decoder = DocumentDecoder(file: file, positions: positions)
        let pipeline = bytes.count >= parallelDecodingThreshold ? DecodingPipeline(decoder: decoder) : nil
        let parsed = bytes.withUnsafeBytes { buffer in
            Result { () throws(YAMLError) in
                try YAMLReader.read(buffer, limits: limits, streaming: DocumentDecoder.streamedKeys) { key, item in
                    if let pipeline {
                        pipeline.add(key: key, item: item)
                    } else {
                        decoder.decodeItem(of: key, item)
                    }
                }
            }
        }
        if let pipeline { decoder = pipeline.finish() }
        let root: Node?
        switch parsed {
        case .success(let node):
            root = node
        case .failure(let error):
            let code: DiagnosticCode =
                switch error.kind {
                case .syntax: .yamlSyntax
                case .unknownAnchor: .unknownAnchor
                case .aliasExpansion: .aliasLimit
                case .tooDeep: .tooDeep
                case .multipleDocuments: .multipleDocuments
                case .unsupportedTag: .unsupportedTag
                }
            func location(_ mark: Mark) -> SourceLocation {
                let (line, column) = positions?.map(line: mark.line, column: mark.column) ?? (mark.line, mark.column)
                return SourceLocation(file: file, line: line, column: column)
            }
            diagnostics.append(
                Diagnostic(code, Self.explain(error, in: bytes, positions: positions), at: location(error.mark)))
            // Every other tag refused in the same file, each at its place.
            for other in error.others {
                diagnostics.append(
                    Diagnostic(
                        .unsupportedTag, Self.explain(other, in: bytes, positions: positions), at: location(other.mark))
                )
            }
            secretLines = decoder.secretLines
            return nil
        }
        guard let root else {
            diagnostics.append(
                Diagnostic(
                    .emptyFile, "the file is empty; a desired-state file starts with 'version: 1'", at: .file(file)))
            return nil
        }
        let contents = decoder.decode(root)
        diagnostics += decoder.diagnostics
        secretLines = decoder.secretLines
        return contents
    }

    /// libyaml's message, with a plainer word for the mistakes people make most.
    private static func explain(_ error: YAMLError, in bytes: [UInt8], positions: EditorPositions?) -> String {
        // A character YAML 1.1 reads as a line break ends a comment or a plain scalar where an editor shows
        // none: the error after it is libyaml's, the cause is the character.
        if error.kind == .syntax, let positions, let found = EditorPositions.firstYAMLOnlyBreak(in: bytes) {
            let (line, column) = positions.editorPosition(ofByte: found.offset)
            return "\(error.message); the file holds \(found.name) at line \(line), column \(column), which YAML reads "
                + "as a line break (ending a comment or a value there) though editors show none: remove it, or write "
                + "it escaped inside a double-quoted string"
        }
        guard error.kind == .syntax,
            let offset = LineIndex(bytes, breaks: .yaml).byteOffset(
                line: error.mark.line, column: error.mark.column, in: bytes),
            offset < bytes.count, bytes[offset] == UInt8(ascii: "\t")
        else { return error.message }
        return "a tab cannot indent YAML; indent with spaces (\(error.message))"
    }

    /// The offset of the first byte that is not part of valid UTF-8, or of the first NUL.
    static func firstNonUTF8Byte(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        let count = bytes.count
        while offset < count {
            let byte = bytes[offset]
            if byte == 0 { return offset }
            if byte < 0x80 {
                offset += 1
                continue
            }
            let length: Int
            let lowest: UInt32
            switch byte {
            case 0xC2...0xDF: (length, lowest) = (2, 0x80)
            case 0xE0...0xEF: (length, lowest) = (3, 0x800)
            case 0xF0...0xF4: (length, lowest) = (4, 0x10000)
            default: return offset
            }
            guard offset + length <= count else { return offset }
            var scalar = UInt32(byte) & (0xFF >> (length + 1))
            for next in bytes[(offset + 1)..<(offset + length)] {
                guard next & 0xC0 == 0x80 else { return offset }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            guard scalar >= lowest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return offset }
            offset += length
        }
        return nil
    }

}

/// Expands the paths given on the command line into the YAML files to read.
enum YAMLFileFinder {
    /// Files named directly are read whatever their extension; directories are searched recursively for
    /// `*.yaml` and `*.yml`, skipping hidden entries (`.git`, `.github` workflows). Symbolic links are
    /// followed (a linked directory is searched, each real directory once); a link that leads nowhere is
    /// an error, not a skip, since the users it was meant to declare would otherwise be offboarded.
    /// Sorted, without repeats.
    static func files(in paths: [String], diagnostics: inout [Diagnostic]) -> [String] {
        var found: [String] = []
        var visited = Set<String>()
        for path in paths {
            switch kind(of: path) {
            case .missing:
                diagnostics.append(Diagnostic(.fileUnreadable, "no such file or directory", at: .file(path)))
            case .danglingLink:
                diagnostics.append(
                    Diagnostic(.fileUnreadable, "a symbolic link to nothing (its target is gone)", at: .file(path)))
            case .file, .other:
                found.append(path)
            case .directory:
                let base = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
                var inDirectory: [String] = []
                search(base, into: &inDirectory, visited: &visited, diagnostics: &diagnostics)
                if inDirectory.isEmpty {
                    diagnostics.append(
                        Diagnostic(.noYAMLFiles, "no *.yaml or *.yml files in this directory", at: .file(path)))
                }
                found += inDirectory.sorted()
            }
        }
        // One file read once, however it is reached (`a.yaml` and `./a.yaml`, a link beside its target):
        // read twice, every user in it would be declared twice.
        var seen = Set<String>()
        return found.filter {
            seen.insert(URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardized.path).inserted
        }
    }

    private enum Kind { case missing, danglingLink, file, directory, other }

    /// What `path` is, following links.
    private static func kind(of path: String) -> Kind {
        var status = stat()
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFDIR: return .directory
            case S_IFREG: return .file
            default: return .other
            }
        }
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK ? .danglingLink : .missing
    }

    private static func search(
        _ directory: String, into found: inout [String], visited: inout Set<String>, diagnostics: inout [Diagnostic]
    ) {
        // Each real directory once: a link back up the tree must not loop.
        let real = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard visited.insert(real).inserted else { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            diagnostics.append(Diagnostic(.fileUnreadable, "the directory cannot be read", at: .file(directory)))
            return
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let full = directory == "." ? name : directory + "/" + name
            let isYAML = name.hasSuffix(".yaml") || name.hasSuffix(".yml")
            switch kind(of: full) {
            case .directory:
                search(full, into: &found, visited: &visited, diagnostics: &diagnostics)
            case .file where isYAML:
                found.append(full)
            case .danglingLink where isYAML:
                diagnostics.append(
                    Diagnostic(
                        .fileUnreadable, "a symbolic link to nothing (its target is gone); its users would be missing",
                        at: .file(full)))
            case .other where isYAML:
                diagnostics.append(
                    Diagnostic(
                        .notARegularFile, "not a regular file (a FIFO, a device or a socket); it is not read",
                        at: .file(full)))
            default:
                continue
            }
        }
    }
}
