/// Where the lines of a text start. With `.editor` breaks (the default) lines break where editors and
/// GitHub's annotations break them — `\n`, `\r\n`, a lone `\r` — which is how every position scimctl
/// shows is counted. With `.yaml` breaks also at NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH
/// SEPARATOR (U+2029), as libyaml counts (YAML 1.1): how libyaml's marks are read before they are mapped
/// (`EditorPositions`). Columns count Unicode scalars, as libyaml's do.
struct LineIndex: Sendable {
    /// Byte offset of each line's first byte.
    let starts: [Int]
    /// Byte offset where each line's break begins (its content ends).
    let ends: [Int]

    enum Breaks: Sendable { case editor, yaml }

    init(_ bytes: [UInt8], breaks: Breaks = .editor) {
        let yaml = breaks == .yaml
        var starts = [0]
        var ends: [Int] = []
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            var breakLength = 0
            if byte == 0x0A {
                breakLength = 1
            } else if byte == 0x0D {
                breakLength = index + 1 < count && bytes[index + 1] == 0x0A ? 2 : 1
            } else if yaml, byte == 0xC2, index + 1 < count, bytes[index + 1] == 0x85 {
                breakLength = 2
            } else if yaml, byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80,
                bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
            {
                breakLength = 3
            }
            if breakLength > 0 {
                ends.append(index)
                index += breakLength
                starts.append(index)
            } else {
                index += 1
            }
        }
        ends.append(count)
        self.starts = starts
        self.ends = ends
    }

    /// The bytes of 1-based line `number`, without its break.
    func line(_ number: Int) -> Range<Int>? {
        guard number >= 1, number <= starts.count else { return nil }
        return starts[number - 1]..<ends[number - 1]
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        // The last line starting at or before `offset`.
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let column = bytes[starts[low]..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return (low + 1, column)
    }

    /// The byte offset of a 1-based line and scalar column, if the text has it.
    func byteOffset(line: Int, column: Int, in bytes: [UInt8]) -> Int? {
        guard let range = self.line(line) else { return nil }
        var offset = range.lowerBound
        var scalars = 1
        while scalars < column, offset < range.upperBound {
            offset += 1
            while offset < range.upperBound, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            scalars += 1
        }
        return offset
    }
}

/// libyaml's positions as an editor shows them, for a text holding a character libyaml takes for a line
/// break and editors do not (NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR): after one, libyaml's "line 6" is
/// an editor's line 5, and `--format github` would annotate the wrong line.
struct EditorPositions: Sendable {
    private let bytes: [UInt8]
    private let yaml: LineIndex
    private let editor: LineIndex

    /// Nil when the text holds none of those characters: positions are the same either way.
    init?(_ bytes: [UInt8]) {
        guard let _ = Self.firstYAMLOnlyBreak(in: bytes) else { return nil }
        self.bytes = bytes
        yaml = LineIndex(bytes, breaks: .yaml)
        editor = LineIndex(bytes, breaks: .editor)
    }

    /// The editor's line and column of libyaml's (1-based) line and column.
    func map(line: Int, column: Int) -> (line: Int, column: Int) {
        guard let offset = yaml.byteOffset(line: line, column: column, in: bytes) else { return (line, column) }
        return editor.position(ofByte: offset, in: bytes)
    }

    /// The editor's line of each of libyaml's lines in `lines`.
    func mapLines(_ lines: Set<Int>) -> Set<Int> {
        Set(lines.map { map(line: $0, column: 1).line })
    }

    /// The byte offset and name of the first NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR, if any.
    static func firstYAMLOnlyBreak(in bytes: [UInt8]) -> (offset: Int, name: String)? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0xC2, bytes[index + 1] == 0x85 { return (index, "U+0085 (NEXT LINE)") }
            if bytes[index] == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80 {
                if bytes[index + 2] == 0xA8 { return (index, "U+2028 (LINE SEPARATOR)") }
                if bytes[index + 2] == 0xA9 { return (index, "U+2029 (PARAGRAPH SEPARATOR)") }
            }
            index += 1
        }
        return nil
    }

    /// Where that character is, as an editor counts.
    func editorPosition(ofByte offset: Int) -> (line: Int, column: Int) { editor.position(ofByte: offset, in: bytes) }
}
