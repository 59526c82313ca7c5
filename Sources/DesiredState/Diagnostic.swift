import SafeText

/// A stable identifier for each kind of problem. Scripts and tests match on these, so never rename one.
public enum DiagnosticCode: String, Sendable, Hashable, CaseIterable, Codable {
    // Files and YAML
    case noYAMLFiles = "no-yaml-files"
    case fileUnreadable = "file-unreadable"
    case fileTooLarge = "file-too-large"
    case notUTF8 = "not-utf8"
    case yamlSyntax = "yaml-syntax"
    case unknownAnchor = "unknown-anchor"
    case aliasLimit = "alias-limit"
    case tooDeep = "too-deep"
    case multipleDocuments = "multiple-documents"
    case emptyFile = "empty-file"
    case unsupportedTag = "unsupported-tag"
    case notARegularFile = "not-a-regular-file"
    // Shape
    case unknownKey = "unknown-key"
    case duplicateKey = "duplicate-key"
    case missingKey = "missing-key"
    case wrongType = "wrong-type"
    case notABoolean = "not-a-boolean"
    case invalidValue = "invalid-value"
    case outOfRange = "out-of-range"
    case unsupportedVersion = "unsupported-version"
    case secretInYAML = "secret-in-yaml"
    case duplicateSection = "duplicate-section"
    // Values
    case invalidEmail = "invalid-email"
    case invalidDate = "invalid-date"
    case invalidGlob = "invalid-glob"
    case invalidURL = "invalid-url"
    case invalidDigest = "invalid-digest"
    case multiplePrimary = "multiple-primary"
    case providerLimit = "provider-limit"
    // Across the org
    case duplicateUser = "duplicate-user"
    case duplicateGroup = "duplicate-group"
    case duplicateExternalId = "duplicate-external-id"
    case previouslyConflict = "previously-conflict"
    case unknownMember = "unknown-member"
    case ambiguousMember = "ambiguous-member"
    case unknownManager = "unknown-manager"
    case unknownGroup = "unknown-group"
    case groupCycle = "group-cycle"
    case duplicateMember = "duplicate-member"
    case lookalike = "lookalike"
    /// A plain scalar YAML 1.1 tools read otherwise than YAML 1.2 (`NO`, `off`, `1_000`): a warning.
    case ambiguousScalar = "ambiguous-scalar"
    case unknownTarget = "unknown-target"
    case noAccess = "no-access"
    /// A violation of a rule of `rules:`; shown as `rule/ID` (see `Diagnostic.codeName`).
    case rule = "rule"
}

/// How serious a diagnostic is: errors make the desired state invalid; warnings do not.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
    case error, warning
}

/// One problem found in the desired state, with where it is and, in notes, the other places involved
/// (the first declaration of a duplicate, say).
public struct Diagnostic: Sendable, Hashable, Comparable {
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation

        public init(_ message: String, at location: SourceLocation) {
            self.message = Diagnostic.bounded(message)
            self.location = location
        }
    }

    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    public var notes: [Note]
    /// The source line may hold a secret: renderers must not quote it.
    public var redactsSource: Bool
    /// For a rule's violation: the rule's id, the user or group it is about (nil for a count), and the
    /// target it was found in (nil for the one target of `target:`).
    public var rule: String?
    public var subject: String?
    public var target: String?

    /// The stable code shown: `rule/ID` for a rule's violation, else the code.
    public var codeName: String { rule.map { "rule/\($0)" } ?? code.rawValue }

    public init(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation, severity: Severity = .error,
        notes: [Note] = [], redactsSource: Bool = false
    ) {
        self.code = code
        self.severity = severity
        self.message = Self.bounded(message)
        self.location = location
        self.notes = notes
        self.redactsSource = redactsSource
    }

    /// The longest message kept, in characters: messages quote values cut short already; this is the
    /// backstop that keeps any diagnostic's output bounded whatever it quotes.
    static let maxMessageLength = 600

    /// `message` with control characters escaped and cut in the middle when too long.
    static func bounded(_ message: String) -> String {
        let escaped = Printable.escape(message)
        guard escaped.utf8.count > maxMessageLength else { return escaped }
        guard escaped.count > maxMessageLength else { return escaped }
        return escaped.prefix(maxMessageLength / 2) + " … " + escaped.suffix(maxMessageLength / 2 - 3)
    }

    /// Sorted by file, line and column; ties by code and message, so the order is stable.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.code != rhs.code || lhs.rule != rhs.rule { return lhs.codeName < rhs.codeName }
        return lhs.message < rhs.message
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
