internal import CYAML

/// Why a YAML text could not be read, and where.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// libyaml rejected the text (bad indentation, an unclosed quote, a tab where it is not allowed, …).
        case syntax
        /// An alias names an anchor that was never defined.
        case unknownAnchor
        /// Aliases expand to more nodes than the limit allows (a "billion laughs" document).
        case aliasExpansion
        /// The text nests deeper than the limit allows.
        case tooDeep
        /// The file holds more than one YAML document.
        case multipleDocuments
        /// A tag outside the YAML 1.2 core schema (`!!binary`, `!custom`), or a core tag on a value it
        /// does not fit (`!!int abc`): nothing is read differently from how it is written.
        case unsupportedTag
    }

    public var kind: Kind
    public var message: String
    public var mark: Mark
    /// Further problems found in the same read that do not depend on this one (every unsupported tag of
    /// a file, not only the first), in document order.
    public var others: [YAMLError] = []

    public init(kind: Kind, message: String, mark: Mark) {
        self.kind = kind
        self.message = message
        self.mark = mark
    }

    public var description: String { "\(mark.line):\(mark.column): \(message)" }
}

/// Limits that keep a hostile or broken document from costing unbounded time or memory.
public struct YAMLLimits: Sendable, Hashable {
    /// The most nodes that aliases may add by expansion, summed over every alias in the document.
    public var maxAliasExpansion: Int
    /// The most scalar bytes that aliases may add by expansion: a one-megabyte scalar aliased a thousand
    /// times is a gigabyte to check and to quote, from a file of one megabyte.
    public var maxAliasBytes: Int
    /// The deepest nesting of sequences and mappings.
    public var maxDepth: Int

    public init(maxAliasExpansion: Int = 100_000, maxAliasBytes: Int = 16 << 20, maxDepth: Int = 256) {
        self.maxAliasExpansion = maxAliasExpansion
        self.maxAliasBytes = maxAliasBytes
        self.maxDepth = maxDepth
    }
}

/// Reads one YAML document into marked `Node`s through libyaml's event API.
///
/// This skips the intermediate document tree that libyaml's loader (and Yams' `compose`) would build:
/// nodes are assembled straight from parser events, which keeps a 16 MB file close to libyaml's own
/// parse time.
public enum YAMLReader {
    /// Parses `bytes` (UTF-8). Returns nil for a document that is empty or holds only comments.
    public static func read(_ bytes: UnsafeRawBufferPointer, limits: YAMLLimits = YAMLLimits()) throws(YAMLError)
        -> Node?
    {
        try read(bytes, limits: limits, streaming: [], onItem: { _, _ in })
    }

    /// Parses `bytes` (UTF-8), handing each item of the top-level sequences named in `streaming` to
    /// `onItem` as soon as it is complete instead of keeping it in the tree: those sequences come back
    /// empty. A large file of users then never holds all its nodes at once.
    public static func read(
        _ bytes: UnsafeRawBufferPointer, limits: YAMLLimits = YAMLLimits(), streaming keys: Set<String>,
        onItem: (_ key: String, _ item: Node) -> Void
    ) throws(YAMLError) -> Node? {
        let result = withoutActuallyEscaping(onItem) { sink in
            Result { () throws(YAMLError) in
                try parse(bytes, builder: TreeBuilder(limits: limits, streaming: keys, sink: sink))
            }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, builder: consuming TreeBuilder) throws(YAMLError)
        -> Node?
    {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(kind: .syntax, message: "libyaml could not be initialised", mark: Mark(line: 1, column: 1))
        }
        defer { yaml_parser_delete(&parser) }
        if let base = bytes.baseAddress {
            yaml_parser_set_input_string(&parser, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        } else {
            var empty: UInt8 = 0
            yaml_parser_set_input_string(&parser, &empty, 0)
        }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var builder = builder
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw builder.withTagProblems(syntaxError(parser))
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { break }
            do {
                try builder.consume(event)
            } catch {
                throw builder.withTagProblems(error)
            }
        }
        // A bad tag does not stop the read: every one in the file is reported, then the read fails.
        if var first = builder.tagProblems.first {
            first.others = Array(builder.tagProblems.dropFirst())
            throw first
        }
        return builder.root
    }

    /// Parses a string; a convenience for tests and small documents.
    public static func read(_ text: String, limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> Node? {
        var text = text
        let result: Result<Node?, YAMLError> = text.withUTF8 { buffer in
            Result { () throws(YAMLError) in try read(UnsafeRawBufferPointer(buffer), limits: limits) }
        }
        return try result.get()
    }

    private static func syntaxError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        let mark = parser.problem_mark
        return YAMLError(
            kind: .syntax, message: message,
            mark: Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
    }
}

/// Assembles nodes from parser events, shift-reduce style: finished nodes wait on one flat stack until
/// their collection ends. There is no recursion, so depth is bounded by `limits.maxDepth`, never by the
/// call stack, and no collection is copied while it grows.
private struct TreeBuilder {
    private struct Frame {
        var isMapping: Bool
        var mark: Mark
        var anchor: String?
        /// Where this collection's children start on `finished`.
        var firstChild: Int
        /// Nodes in this subtree, aliases counted by what they expand to.
        var size = 1
        /// Scalar bytes in this subtree, aliases counted by what they expand to.
        var bytes = 0
        /// For a streamed top-level sequence: the key it is the value of.
        var streamedKey: String?
    }

    let limits: YAMLLimits
    private let streaming: Set<String>
    private let sink: (String, Node) -> Void
    private(set) var root: Node?
    private var frames: [Frame] = []
    private var finished: [Node] = []
    /// Anchored nodes with their subtree size in nodes, for alias expansion accounting.
    private var anchors: [String: (node: Node, size: Int, bytes: Int)] = [:]
    private var expanded = 0
    private var expandedBytes = 0
    private var documents = 0

    init(limits: YAMLLimits, streaming: Set<String>, sink: @escaping (String, Node) -> Void) {
        self.limits = limits
        self.streaming = streaming
        self.sink = sink
    }

    mutating func consume(_ event: yaml_event_t) throws(YAMLError) {
        let mark = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    kind: .multipleDocuments,
                    message: "a file holds one YAML document; split the documents into separate files", mark: mark)
            }
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value = String(
                decoding: UnsafeRawBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let style: ScalarStyle =
                switch data.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            let tag = data.tag.map { String(cString: $0) }
            let scalar = Scalar(value, style: style, tag: tag)
            if let tag {
                do {
                    try Self.check(tag, of: scalar, at: mark)
                } catch {
                    note(error)
                }
            }
            add(
                Node(.scalar(scalar), mark: mark), size: 1, bytes: data.length,
                anchor: data.anchor.map { String(cString: $0) })
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            if let tag = data.tag.map({ String(cString: $0) }), tag != "!", tag != Self.core + "seq" {
                note(Self.unsupported(tag, mark: mark))
            }
            try push(isMapping: false, mark: mark, anchor: data.anchor.map { String(cString: $0) })
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            if let tag = data.tag.map({ String(cString: $0) }), tag != "!", tag != Self.core + "map" {
                note(Self.unsupported(tag, mark: mark))
            }
            try push(isMapping: true, mark: mark, anchor: data.anchor.map { String(cString: $0) })
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = frames.removeLast()
            let node = collection(frame)
            // Only now, with no slice of `finished` alive, can its tail be removed in place.
            finished.removeSubrange(frame.firstChild...)
            add(node, size: frame.size, bytes: frame.bytes, anchor: frame.anchor)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else {
                throw YAMLError(
                    kind: .unknownAnchor, message: "alias *\(name) names no anchor defined before it", mark: mark)
            }
            expanded += target.size
            expandedBytes += target.bytes
            if expanded > limits.maxAliasExpansion {
                throw YAMLError(
                    kind: .aliasExpansion,
                    message: "aliases expand to more than \(limits.maxAliasExpansion) nodes; refusing the document",
                    mark: mark)
            }
            if expandedBytes > limits.maxAliasBytes {
                throw YAMLError(
                    kind: .aliasExpansion,
                    message:
                        "aliases expand to more than \(limits.maxAliasBytes >> 20) MiB of text; refusing the document",
                    mark: mark)
            }
            var copy = target.node
            copy.mark = mark
            add(copy, size: target.size, bytes: target.bytes, anchor: nil)
        default:
            break  // stream and document boundaries carry nothing we keep
        }
    }

    private static let core = "tag:yaml.org,2002:"

    /// Tags refused so far (at most `maxTagProblems`, so a hostile file cannot grow the list unbounded).
    private(set) var tagProblems: [YAMLError] = []
    static let maxTagProblems = 200

    private mutating func note(_ problem: YAMLError) {
        if tagProblems.count < Self.maxTagProblems { tagProblems.append(problem) }
    }

    /// `error`, with the tags refused before it.
    func withTagProblems(_ error: YAMLError) -> YAMLError {
        var error = error
        error.others = tagProblems
        return error
    }

    /// A scalar's explicit tag must be a core-schema scalar tag, and the value must be what it names.
    private static func check(_ tag: String, of scalar: Scalar, at mark: Mark) throws(YAMLError) {
        let fits: Bool
        switch tag {
        case "!", core + "str": return
        case core + "null": fits = scalar.resolved == .null
        case core + "bool": if case .bool = scalar.resolved { fits = true } else { fits = false }
        case core + "int": if case .int = scalar.resolved { fits = true } else { fits = false }
        case core + "float":
            switch scalar.resolved {
            case .float, .int: fits = true
            default: fits = false
            }
        default: throw unsupported(tag, mark: mark)
        }
        guard fits else {
            let shown = scalar.value.count > 40 ? scalar.value.prefix(40) + "…" : scalar.value
            throw YAMLError(
                kind: .unsupportedTag, message: "'\(shown)' is not a valid \(short(tag)) value", mark: mark)
        }
    }

    private static func unsupported(_ tag: String, mark: Mark) -> YAMLError {
        YAMLError(
            kind: .unsupportedTag,
            message: "the tag \(short(tag)) is not supported: only the YAML core schema's tags (!!str, !!int, "
                + "!!float, !!bool, !!null, !!seq, !!map) are read, so that nothing is dropped or read otherwise",
            mark: mark)
    }

    /// `!!int` for `tag:yaml.org,2002:int`; other tags as written, cut short.
    private static func short(_ tag: String) -> String {
        let shown = tag.hasPrefix(core) ? "!!" + tag.dropFirst(core.count) : tag
        return shown.count > 40 ? shown.prefix(40) + "…" : shown
    }

    /// The finished collection of `frame`, from its children at the end of `finished`. Reads them by index,
    /// so no slice keeps `finished`'s buffer shared (which would make the removal that follows copy it).
    private func collection(_ frame: Frame) -> Node {
        let range = frame.firstChild..<finished.count
        if frame.isMapping {
            var pairs: [Pair] = []
            pairs.reserveCapacity(range.count / 2)
            var index = range.lowerBound
            while index + 1 < range.upperBound {
                pairs.append(Pair(key: finished[index], value: finished[index + 1]))
                index += 2
            }
            return Node(.mapping(pairs), mark: frame.mark)
        }
        var items: [Node] = []
        items.reserveCapacity(range.count)
        for index in range { items.append(finished[index]) }
        return Node(.sequence(items), mark: frame.mark)
    }

    private mutating func push(isMapping: Bool, mark: Mark, anchor: String?) throws(YAMLError) {
        guard frames.count < limits.maxDepth else {
            throw YAMLError(kind: .tooDeep, message: "nesting deeper than \(limits.maxDepth) levels", mark: mark)
        }
        var frame = Frame(isMapping: isMapping, mark: mark, anchor: anchor, firstChild: finished.count)
        // A sequence that is the value of a top-level key: the root mapping is the only open frame and
        // its last finished child is the pending key.
        // An anchored sequence is kept whole: an alias to it must read what it names, not an empty list.
        if !isMapping, anchor == nil, !streaming.isEmpty, frames.count == 1, let root = frames.first, root.isMapping,
            (finished.count - root.firstChild) % 2 == 1, let key = finished.last?.scalar?.value, streaming.contains(key)
        {
            frame.streamedKey = key
        }
        frames.append(frame)
    }

    private mutating func add(_ node: Node, size: Int, bytes: Int, anchor: String?) {
        if let anchor { anchors[anchor] = (node, size, bytes) }
        if frames.isEmpty {
            root = node
        } else {
            frames[frames.count - 1].size += size
            frames[frames.count - 1].bytes += bytes
            if let key = frames[frames.count - 1].streamedKey {
                sink(key, node)
            } else {
                finished.append(node)
            }
        }
    }
}
