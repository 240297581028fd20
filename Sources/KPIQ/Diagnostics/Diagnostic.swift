/// A problem found while reading, checking or running a statement: a value with a stable
/// code, a message, the place in the source it is about, and hints.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    /// Where in the statement's source the problem is; nil for problems without a place
    /// (a file that cannot be read is reported through `file`).
    public var span: Span?
    /// A short text printed under the caret (often "did you mean `clicks`?").
    public var label: String?
    /// Further lines, each printed as `help: ...`.
    public var hints: [String]
    /// A problem in a data file rather than in the query: path, line, column.
    public var file: FileLocation?

    public init(
        _ code: DiagnosticCode, _ message: String, at span: Span? = nil, label: String? = nil,
        hints: [String] = [], severity: Severity = .error, file: FileLocation? = nil
    ) {
        self.code = code
        self.severity = severity
        self.message = message
        self.span = span
        self.label = label
        self.hints = hints
        self.file = file
    }

    public var description: String { "\(severity.rawValue)[\(code.rawValue)]: \(message)" }
}

/// A place in a data file.
public struct FileLocation: Sendable, Equatable {
    public var path: String
    public var line: Int?
    public var column: Int?
    public var field: String?
}

/// Stable identifiers of every kind of problem, grouped by stage.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    // Syntax
    case unexpectedToken = "E0101"
    case unterminatedString = "E0102"
    case invalidNumber = "E0103"
    case invalidCharacter = "E0104"
    case unclosedBracket = "E0105"
    case invalidDate = "E0106"
    case unknownStatement = "E0107"
    case invalidRange = "E0108"
    case unknownOption = "E0109"
    case nestedTooDeeply = "E0110"
    // Names and types
    case unknownDataset = "E0201"
    case unknownColumn = "E0202"
    case unknownFunction = "E0203"
    case typeMismatch = "E0204"
    case wrongArgumentCount = "E0205"
    case ambiguousColumn = "E0206"
    case aggregateNotAllowed = "E0207"
    case aggregateRequired = "E0208"
    case invalidStep = "E0209"
    case duplicateName = "E0210"
    case unknownMetric = "E0211"
    case invalidMetric = "E0212"
    case missingDimension = "E0213"
    case missingTimeColumn = "E0214"
    case invalidArgument = "E0215"
    case unionMismatch = "E0216"
    // Data and running
    case fileError = "E0301"
    case csvError = "E0302"
    case cancelled = "E0303"
    case limitExceeded = "E0304"
    case noResult = "E0305"
    case outputError = "E0306"
    // Warnings
    case loadWarning = "W0401"
}
