/// Where the lines of a text start, with lines broken exactly where libyaml breaks them — `\n`, `\r\n`,
/// a lone `\r`, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) — so that the
/// line a diagnostic names is the line libyaml reported, and columns count Unicode scalars as libyaml's
/// do. Used for every excerpt and every position scimctl computes itself.
struct LineIndex: Sendable {
    /// Byte offset of each line's first byte.
    let starts: [Int]
    /// Byte offset where each line's break begins (its content ends).
    let ends: [Int]

    init(_ bytes: [UInt8]) {
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
            } else if byte == 0xC2, index + 1 < count, bytes[index + 1] == 0x85 {
                breakLength = 2
            } else if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80,
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
