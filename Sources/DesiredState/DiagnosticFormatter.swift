import Foundation

/// Renders diagnostics for people (compiler style), for GitHub Actions (annotations on the pull
/// request's diff) and for scripts (JSON).
public struct DiagnosticFormatter {
    private let sources: SourceFiles
    private let colour: Bool
    /// Byte offsets of line starts, per file, computed on first use.
    private var lineStarts: [String: [Int]] = [:]

    public init(sources: SourceFiles, colour: Bool = false) {
        self.sources = sources
        self.colour = colour
    }

    /// `file:line:col: error: message [code]`, then the source line and a caret under the column;
    /// notes follow the same way.
    public mutating func text(_ diagnostics: [Diagnostic]) -> String {
        var output = ""
        for diagnostic in diagnostics {
            let label = diagnostic.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;33")
            output +=
                "\(paint("\(diagnostic.location):", "1")) \(label) \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
            // A line that holds a secret is never quoted.
            if !diagnostic.redactsSource { output += excerpt(at: diagnostic.location) }
            for note in diagnostic.notes {
                output += "\(paint("\(note.location):", "1")) \(paint("note:", "1;36")) \(note.message)\n"
                output += excerpt(at: note.location)
            }
        }
        return output
    }

    /// One `::error file=…,line=…,col=…::message` workflow command per diagnostic.
    public func github(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { diagnostic in
            var properties = ["file=\(escapeProperty(diagnostic.location.file))"]
            if diagnostic.location.line > 0 {
                properties += ["line=\(diagnostic.location.line)", "col=\(diagnostic.location.column)"]
            }
            properties.append("title=\(escapeProperty("scimctl: \(diagnostic.code.rawValue)"))")
            var message = diagnostic.message
            for note in diagnostic.notes { message += "\n\(note.location): note: \(note.message)" }
            return "::\(diagnostic.severity.rawValue) \(properties.joined(separator: ","))::\(escapeData(message))\n"
        }.joined()
    }

    /// `{"valid": …, "errors": n, "warnings": n, "diagnostics": [...]}`.
    public func json(_ diagnostics: [Diagnostic]) -> String {
        struct Location: Encodable {
            var file: String
            var line: Int?
            var column: Int?
            init(_ location: SourceLocation) {
                file = location.file
                (line, column) = location.line > 0 ? (location.line, location.column) : (nil, nil)
            }
        }
        struct Note: Encodable {
            var message: String
            var location: Location
        }
        struct Entry: Encodable {
            var severity: Severity
            var code: DiagnosticCode
            var message: String
            var location: Location
            var notes: [Note]
        }
        struct Report: Encodable {
            var valid: Bool
            var errors: Int
            var warnings: Int
            var diagnostics: [Entry]
        }
        let report = Report(
            valid: !diagnostics.hasErrors,
            errors: diagnostics.count { $0.severity == .error },
            warnings: diagnostics.count { $0.severity == .warning },
            diagnostics: diagnostics.map {
                Entry(
                    severity: $0.severity, code: $0.code, message: $0.message, location: Location($0.location),
                    notes: $0.notes.map { Note(message: $0.message, location: Location($0.location)) })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self) + "\n"
    }

    // MARK: Pieces

    private mutating func excerpt(at location: SourceLocation) -> String {
        guard location.line > 0, let line = sourceLine(location.line, of: location.file) else { return "" }
        // Keep tabs so the caret lines up under the same column.
        let lead = line.prefix(max(0, location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(line)\n\(lead)\(paint("^", "1;32"))\n"
    }

    private mutating func sourceLine(_ number: Int, of file: String) -> String? {
        guard let bytes = sources.bytes(of: file) else { return nil }
        if lineStarts[file] == nil {
            var starts = [0]
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
            lineStarts[file] = starts
        }
        let starts = lineStarts[file]!
        guard number <= starts.count else { return nil }
        let start = starts[number - 1]
        var end = number < starts.count ? starts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    private func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    private func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
