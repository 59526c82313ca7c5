import Foundation

extension String {
    /// The form names are compared in: userName and displayName are caseExact=false in RFC 7643, and
    /// two names a person cannot tell apart must not be two people. So: NFKC (fullwidth `ａ` is `a`, a
    /// ligature is its letters, NFC and NFD agree), then full Unicode case folding (`ß` is `ss`, so
    /// `STRASSE` and `straße` are one name). Plain lowercase ASCII, nearly every name, is returned as it
    /// is. The planner, the applier and the sandbox all compare names by it.
    public var caseFolded: String {
        if utf8.allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) { return self }
        if utf8.allSatisfy({ $0 < 0x80 }) { return lowercased() }
        return precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
    }

    /// Whether two names are one name (`caseFolded` equal).
    public func sameName(as other: String) -> Bool { caseFolded == other.caseFolded }
}
