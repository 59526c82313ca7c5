/// Where something was written: a file, and a 1-based line and column in it (0 when the whole file is
/// meant, e.g. a file that cannot be read).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    // 32-bit storage: every declared attribute carries a location, so this is kept small.
    private var storedLine: Int32
    private var storedColumn: Int32

    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }

    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.storedLine = Int32(clamping: line)
        self.storedColumn = Int32(clamping: column)
    }

    /// The whole file, with no position in it.
    public static func file(_ path: String) -> SourceLocation {
        SourceLocation(file: path, line: 0, column: 0)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }

    /// `file:line:column`, or just `file` when there is no position.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// A value together with the place it was declared.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// An attribute as the YAML states it. scimctl manages only what is written: an omitted attribute is
/// left as it is live, an explicit `null` clears it, a value sets it.
public enum Declared<Value: Sendable & Hashable>: Sendable, Hashable {
    case omitted
    case cleared(at: SourceLocation)
    case set(Value, at: SourceLocation)

    /// The declared value, or nil when omitted or cleared.
    public var value: Value? {
        if case .set(let value, _) = self { return value }
        return nil
    }

    /// Whether the YAML says anything about this attribute (a value or `null`).
    public var isDeclared: Bool {
        if case .omitted = self { return false }
        return true
    }

    /// Where the YAML states it, if it does.
    public var location: SourceLocation? {
        switch self {
        case .omitted: nil
        case .cleared(let location), .set(_, let location): location
        }
    }
}
