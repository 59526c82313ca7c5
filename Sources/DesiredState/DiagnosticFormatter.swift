import Foundation
import SafeText

/// Renders diagnostics for people (compiler style), for GitHub Actions (annotations on the pull
/// request's diff) and for scripts (JSON).
public struct DiagnosticFormatter {
    private let sources: SourceFiles
    private let colour: Bool
    /// Where each file's lines are, computed on first use.
    private var lineIndexes: [String: LineIndex] = [:]

    public init(sources: SourceFiles, colour: Bool = false) {
        self.sources = sources
        self.colour = colour
    }

    /// The most diagnostics of one code shown in text and GitHub output; the rest are counted in one
    /// line. A file of 10,000 duplicate users gives a screen, not 10,000 excerpts (JSON lists all).
    public static let maxPerCode = 25

    /// The widest excerpt shown, in characters: a longer line is cut around the column.
    public static let excerptWidth = 120

    /// How far beyond the excerpt a secret is looked for (one that starts outside and reaches in).
    static let secretMargin = 1024

    /// `file:line:col: error: message [code]`, then the source line (cut around the column) and a caret
    /// under the column; notes follow the same way. A line that holds a secret is never quoted.
    public mutating func text(_ diagnostics: [Diagnostic]) -> String {
        var output = ""
        let (shown, hidden) = Self.capped(diagnostics)
        for diagnostic in shown {
            let label = diagnostic.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;33")
            output +=
                "\(paint("\(Self.place(diagnostic.location)):", "1")) \(label) \(diagnostic.message) [\(diagnostic.codeName)]\n"
            output += excerpt(at: diagnostic.location, secret: diagnostic.redactsSource)
            for note in diagnostic.notes {
                output += "\(paint("\(Self.place(note.location)):", "1")) \(paint("note:", "1;36")) \(note.message)\n"
                output += excerpt(at: note.location, secret: false)
            }
        }
        for (code, count) in hidden {
            output +=
                "\(paint("note:", "1;36")) \(count) more [\(code)] not shown (--format json lists every one)\n"
        }
        return output
    }

    /// One `::error file=…,line=…,col=…::message` workflow command per diagnostic (at most `maxPerCode`
    /// of a code, then one notice with the count). Properties escape `%`, CR, LF, `:` and `,`; the
    /// message escapes `%`, CR and LF, as the workflow-command syntax requires, so no value can end a
    /// command early or start another.
    public func github(_ diagnostics: [Diagnostic]) -> String {
        let (shown, hidden) = Self.capped(diagnostics)
        var output = shown.map { diagnostic in
            var properties = ["file=\(escapeProperty(Printable.escape(diagnostic.location.file)))"]
            if diagnostic.location.line > 0 {
                properties += ["line=\(diagnostic.location.line)", "col=\(diagnostic.location.column)"]
            }
            properties.append("title=\(escapeProperty("scimctl: \(diagnostic.codeName)"))")
            var message = diagnostic.message
            for note in diagnostic.notes { message += "\n\(Self.place(note.location)): note: \(note.message)" }
            return "::\(diagnostic.severity.rawValue) \(properties.joined(separator: ","))::\(escapeData(message))\n"
        }.joined()
        for (code, count) in hidden {
            output +=
                "::notice title=\(escapeProperty("scimctl: \(code)"))::"
                + escapeData(
                    "\(count) more [\(code)] not shown; scimctl validate --format json lists every one")
                + "\n"
        }
        return output
    }

    /// The first `maxPerCode` diagnostics of each code, in order, and how many of each were left out.
    private static func capped(_ diagnostics: [Diagnostic]) -> (shown: [Diagnostic], hidden: [(String, Int)]) {
        var counts: [String: Int] = [:]
        var shown: [Diagnostic] = []
        for diagnostic in diagnostics {
            counts[diagnostic.codeName, default: 0] += 1
            if counts[diagnostic.codeName]! <= maxPerCode { shown.append(diagnostic) }
        }
        let hidden = counts.filter { $0.value > maxPerCode }.map { ($0.key, $0.value - maxPerCode) }
            .sorted { $0.0 < $1.0 }
        return (shown, hidden)
    }

    /// A location with its file name escaped (a file name may hold any byte but `/` and NUL).
    private static func place(_ location: SourceLocation) -> String {
        Printable.escape(location.description)
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
            var code: String
            var message: String
            var location: Location
            var notes: [Note]
            /// Rules' violations only: the rule, the user or group, the target.
            var rule: String?
            var subject: String?
            var target: String?
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
                    severity: $0.severity, code: $0.codeName, message: $0.message, location: Location($0.location),
                    notes: $0.notes.map { Note(message: $0.message, location: Location($0.location)) },
                    rule: $0.rule, subject: $0.subject, target: $0.target)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self) + "\n"
    }

    // MARK: Pieces

    /// `  12 | the line` and a caret under the column. The gutter means no excerpt line starts with the
    /// file's own text (which could read as a workflow command); control characters show as their
    /// pictures (one column each, so the caret stays under its column).
    private mutating func excerpt(at location: SourceLocation, secret: Bool) -> String {
        guard location.line > 0, let bytes = sources.bytes(of: location.file) else { return "" }
        if lineIndexes[location.file] == nil { lineIndexes[location.file] = LineIndex(bytes) }
        guard let range = lineIndexes[location.file]!.line(location.line) else { return "" }
        let number = String(location.line)
        let gutter = String(repeating: " ", count: max(4, number.count + 1))
        let withheld = "\(gutter.dropLast(number.count))\(number) | (not shown: this line holds a secret)\n"
        if secret || sources.holdsSecret(location.file, line: location.line) { return withheld }
        let all = Array(String(decoding: bytes[range], as: UTF8.self).unicodeScalars)
        var column = max(1, location.column)
        var window = 0..<all.count
        if all.count > Self.excerptWidth {
            let start = max(0, min(column - 1 - Self.excerptWidth / 2, all.count - Self.excerptWidth))
            window = start..<min(all.count, start + Self.excerptWidth)
        }
        // What could show a secret is the window and, for one that straddles its edges, a margin around
        // it: searching that, not a whole megabyte-long line, keeps each excerpt's cost bounded.
        var nearby = ""
        nearby.unicodeScalars.append(
            contentsOf: all[
                max(0, window.lowerBound - Self.secretMargin)..<min(all.count, window.upperBound + Self.secretMargin)])
        if Self.looksSecret(nearby) || Secrets.holdsSecret(nearby) { return withheld }
        var prefix = "", suffix = ""
        if window.lowerBound > 0 { prefix = "…" }
        if window.upperBound < all.count { suffix = "…" }
        let scalars = all[window]
        column = column - window.lowerBound + (window.lowerBound > 0 ? 1 : 0)
        var shown = prefix
        for scalar in scalars { shown.unicodeScalars.append(Self.picture(scalar)) }
        shown += suffix
        var lead = ""
        for scalar in shown.unicodeScalars.prefix(column - 1) {
            lead.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(gutter.dropLast(number.count))\(number) | \(shown)\n\(gutter) | \(lead)\(paint("^", "1;32"))\n"
    }

    /// A character shown in an excerpt: a control character as its Unicode picture (ESC as ␛), other
    /// unsafe characters (bidi controls, separators) as �; everything else as it is.
    private static func picture(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x09: return scalar
        case 0x00...0x1F: return Unicode.Scalar(0x2400 + scalar.value)!
        case 0x7F: return "\u{2421}"
        default: return Printable.isUnsafe(scalar) ? "\u{FFFD}" : scalar
        }
    }

    /// A line that names a secret in its text — a secret-shaped key, or a URL with credentials — even
    /// where the YAML could not be read far enough to know (a syntax error in a flow mapping).
    private static func looksSecret(_ line: String) -> Bool {
        SecretKey.mentionsSecret(line) && secretShapedKey(in: line) || URLCredentials.userinfo(in: line) != nil
            || SecretShape.appears(in: line)
    }

    /// Whether `line` holds a key (a word followed by `:`) whose name is secret-shaped, other than the
    /// format's own keys that only name a variable (`tokenEnv`, `clientSecretEnv`). A userName that
    /// merely contains "token" is still quoted.
    private static func secretShapedKey(in line: String) -> Bool {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        while index < scalars.count {
            guard scalars[index].properties.isAlphabetic || scalars[index] == "_" else {
                index += 1
                continue
            }
            let start = index
            while index < scalars.count,
                scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil
                    || scalars[index] == "_" || scalars[index] == "-"
            {
                index += 1
            }
            var word = ""
            word.unicodeScalars.append(contentsOf: scalars[start..<index])
            var next = index
            if next < scalars.count, scalars[next] == "\"" || scalars[next] == "'" { next += 1 }
            while next < scalars.count, scalars[next] == " " { next += 1 }
            let isKey = next < scalars.count && scalars[next] == ":"
            if isKey, SecretKey(word) != nil, !["tokenenv", "clientsecretenv"].contains(word.lowercased()) {
                return true
            }
        }
        return false
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
