import Foundation
import YAML

/// The outcome of loading: the model when it is valid, and every diagnostic either way.
public struct LoadedState: Sendable {
    /// The merged desired state, or nil when any error was found.
    public var state: DesiredState?
    /// Every problem found, sorted by file, line and column.
    public var diagnostics: [Diagnostic]
    /// The text of every file read, for showing the offending lines.
    public var sources: SourceFiles
}

/// The bytes of the files that were read, to quote the line a diagnostic points at.
public struct SourceFiles: Sendable {
    private var contents: [String: [UInt8]] = [:]

    public init() {}

    mutating func add(_ bytes: [UInt8], for file: String) {
        contents[file] = bytes
    }

    public func bytes(of file: String) -> [UInt8]? {
        contents[file]
    }

    /// The files read, sorted.
    public var files: [String] { contents.keys.sorted() }
}

/// Reads YAML files and directories into a validated `DesiredState`.
public struct DesiredStateLoader: Sendable {
    /// Files larger than this are refused before parsing (the 100,000-user benchmark org is 16 MB).
    public var maxFileSize: Int
    /// The most nodes YAML aliases may add by expansion in one file.
    public var maxAliasExpansion: Int

    /// Files at least this large are decoded on a second thread while they are parsed.
    public var parallelDecodingThreshold: Int

    public init(maxFileSize: Int = 64 << 20, maxAliasExpansion: Int = 100_000, parallelDecodingThreshold: Int = 1 << 20)
    {
        self.maxFileSize = maxFileSize
        self.maxAliasExpansion = maxAliasExpansion
        self.parallelDecodingThreshold = parallelDecodingThreshold
    }

    /// Loads `paths` (files, or directories searched for `*.yaml` / `*.yml`), merges and validates them.
    public func load(paths: [String]) -> LoadedState {
        var diagnostics: [Diagnostic] = []
        var sources = SourceFiles()
        let files = YAMLFileFinder.files(in: paths, diagnostics: &diagnostics)
        var decoded: [(path: String, contents: FileContents)] = []
        for file in files {
            guard let bytes = read(file, diagnostics: &diagnostics) else { continue }
            sources.add(bytes, for: file)
            if let contents = decode(bytes, file: file, diagnostics: &diagnostics) {
                decoded.append((file, contents))
            }
        }
        var validator = OrgValidator()
        let state = validator.merge(decoded)
        diagnostics += validator.diagnostics
        diagnostics.sort()
        return LoadedState(state: diagnostics.hasErrors ? nil : state, diagnostics: diagnostics, sources: sources)
    }

    private func read(_ file: String, diagnostics: inout [Diagnostic]) -> [UInt8]? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maxFileSize {
            diagnostics.append(
                Diagnostic(
                    .fileTooLarge,
                    "the file is \(size / (1 << 20)) MiB; files over \(maxFileSize / (1 << 20)) MiB are refused "
                        + "(split the org across files)",
                    at: .file(file)))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            diagnostics.append(Diagnostic(.fileUnreadable, "the file cannot be read", at: .file(file)))
            return nil
        }
        let bytes = [UInt8](data)
        if let offset = Self.firstNonUTF8Byte(bytes) {
            let (line, column) = Self.position(ofByte: offset, in: bytes)
            let problem = bytes[offset] == 0 ? "a NUL byte (is the file UTF-16?)" : "a byte that is not UTF-8"
            diagnostics.append(
                Diagnostic(
                    .notUTF8, "the file has \(problem); save it as UTF-8",
                    at: SourceLocation(file: file, line: line, column: column)))
            return nil
        }
        return bytes
    }

    private func decode(_ bytes: [UInt8], file: String, diagnostics: inout [Diagnostic]) -> FileContents? {
        let limits = YAMLLimits(maxAliasExpansion: maxAliasExpansion)
        var decoder = DocumentDecoder(file: file)
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
                }
            let location = SourceLocation(file: file, line: error.mark.line, column: error.mark.column)
            diagnostics.append(Diagnostic(code, Self.explain(error, in: bytes), at: location))
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
        return contents
    }

    /// libyaml's message, with a plainer word for the mistakes people make most.
    private static func explain(_ error: YAMLError, in bytes: [UInt8]) -> String {
        guard error.kind == .syntax,
            let offset = byteOffset(line: error.mark.line, column: error.mark.column, in: bytes),
            offset < bytes.count, bytes[offset] == UInt8(ascii: "\t")
        else { return error.message }
        return "a tab cannot indent YAML; indent with spaces (\(error.message))"
    }

    /// The byte offset of a 1-based line and character column.
    private static func byteOffset(line: Int, column: Int, in bytes: [UInt8]) -> Int? {
        var offset = 0
        var currentLine = 1
        while currentLine < line {
            guard let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            offset = newline + 1
            currentLine += 1
        }
        var characters = 1
        while characters < column, offset < bytes.count {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            characters += 1
        }
        return offset
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

    /// 1-based line and column (in characters) of a byte offset.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let column = bytes[lineStart..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return (line, column)
    }
}

/// Expands the paths given on the command line into the YAML files to read.
enum YAMLFileFinder {
    /// Files named directly are read whatever their extension; directories are searched recursively for
    /// `*.yaml` and `*.yml`, skipping hidden entries (`.git`, `.github` workflows). Sorted, without repeats.
    static func files(in paths: [String], diagnostics: inout [Diagnostic]) -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(Diagnostic(.fileUnreadable, "no such file or directory", at: .file(path)))
                continue
            }
            guard isDirectory.boolValue else {
                found.append(path)
                continue
            }
            var inDirectory: [String] = []
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            if let enumerator = manager.enumerator(atPath: path) {
                while let relative = enumerator.nextObject() as? String {
                    let name = (relative as NSString).lastPathComponent
                    if name.hasPrefix(".") {
                        enumerator.skipDescendants()
                        continue
                    }
                    if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                        let full = base == "." ? relative : base + "/" + relative
                        var entryIsDirectory: ObjCBool = false
                        if manager.fileExists(atPath: full, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue
                        {
                            inDirectory.append(full)
                        }
                    }
                }
            }
            if inDirectory.isEmpty {
                diagnostics.append(
                    Diagnostic(.noYAMLFiles, "no *.yaml or *.yml files in this directory", at: .file(path)))
            }
            found += inDirectory.sorted()
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0).inserted }
    }
}
