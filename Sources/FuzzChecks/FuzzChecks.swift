import DesiredState
import Foundation
import SCIM
import SCIMFilter

/// What each fuzz target checks of one input. A failed check throws; the fuzz executables turn that
/// into a crash, which libFuzzer records with its input; the unit tests replay the regression corpus
/// (Tests/Fixtures/fuzz) through the same functions, so every crash once found stays fixed.
public enum FuzzChecks {
    /// A broken invariant, with what was seen.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The YAML loader and validator, and the three renderings of its diagnostics: no crash, output
    /// bounded linearly in the input, no raw control character and no line a CI runner would take for
    /// a workflow command.
    public static func yaml(_ bytes: [UInt8]) throws(Failure) {
        let loaded = DesiredStateLoader(maxFileSize: 1 << 20).load(texts: [("fuzz.yaml", bytes)])
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        let text = formatter.text(loaded.diagnostics)
        let github = formatter.github(loaded.diagnostics)
        let json = formatter.json(loaded.diagnostics)
        let bound = 64 << 10 + 64 * bytes.count
        try check(text.utf8.count <= bound, "text output \(text.utf8.count) bytes for \(bytes.count) of input")
        try check(github.utf8.count <= bound, "github output \(github.utf8.count) bytes for \(bytes.count) of input")
        for output in [text, github] {
            try check(!output.utf8.contains { $0 == 0x1B || $0 == 0x0D || $0 == 0x00 }, "a raw control byte in output")
            for line in output.split(separator: "\n") where line.hasPrefix("::") {
                try check(
                    line.hasPrefix("::error file=fuzz.yaml") || line.hasPrefix("::warning file=fuzz.yaml")
                        || line.hasPrefix("::notice title="), "a forged workflow command: \(line.prefix(80))")
            }
        }
        try check(json.hasPrefix("{"), "JSON output is not an object")
        if loaded.state != nil { try check(!loaded.diagnostics.hasErrors, "a valid state with errors") }
    }

    /// The SCIM JSON parser and the resource readers: no crash; what parses serialises and parses back
    /// to the same value; a listing page read straight from its bytes reads as the reference reads it.
    public static func scim(_ bytes: [UInt8]) throws(Failure) {
        if let difference = PageReaders.disagreement(Data(bytes)) { throw Failure(description: difference) }
        guard let value = try? JSONValue.parse(Data(bytes)) else { return }
        let again = try? JSONValue.parse(value.serialized())
        try check(again == value, "serialise → parse changed the value")
        _ = try? SCIMUser(json: value)
        _ = try? SCIMGroup(json: value)
        _ = try? ListPage(json: value)
        _ = try? ServiceProviderConfig(json: value)
        _ = SCIMErrorBody(data: Data(bytes))
    }

    /// The filter builder against the sandbox's filter parser: any string quoted into `userName eq …`
    /// parses back to exactly that comparison (nothing in a value can change the filter's meaning).
    public static func filter(_ bytes: [UInt8]) throws(Failure) {
        let value = String(decoding: bytes, as: UTF8.self)
        let filter = SCIMFilter.equals("userName", value)
        let parsed: FilterExpression
        do {
            parsed = try FilterParser.parse(filter)
        } catch {
            throw Failure(description: "\(filter) did not parse: \(error.message)")
        }
        try check(
            parsed == .compare(path: FilterPath("userName"), op: "eq", value: .string(value)),
            "\(filter) parsed as \(parsed)")
        // And whatever the parser makes of raw input, it does not crash.
        _ = try? FilterParser.parse(value)
    }

    private static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(Failure) {
        if !condition { throw Failure(description: message()) }
    }
}
