/// Why a file could not be loaded, with the place in the file when there is one.
public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based physical line and column (in bytes) of the problem, when known.
    public var line: Int?
    public var column: Int?
    /// The column of the table the problem is in, when known.
    public var field: String?
    /// Where in a file without lines the problem is (`sheet Deals, cell C17` in a workbook).
    public var place: String?
    public var message: String
    public var hint: String?
    /// The diagnostic code the session reports it with: `.fileError` when the file itself
    /// could not be opened, `.csvError` for anything about its content.
    public var code: DiagnosticCode

    public init(path: String, line: Int? = nil, column: Int? = nil, field: String? = nil, place: String? = nil, message: String, hint: String? = nil,
                code: DiagnosticCode = .csvError) {
        self.place = place
        self.code = code
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        self.hint = hint
    }

    /// `path:line:column: message` as compilers print it.
    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        if let place { location += ", \(place)" }
        var text = "\(location): \(message)"
        if let field { text += " (column `\(field)`)" }
        return text
    }
}

/// One row left out by the tolerant (`on_error skip`) mode.
public struct SkippedRow: Sendable, Equatable {
    public var line: Int
    public var reason: String
    /// The file, when a pattern loaded several.
    public var path: String?

    public init(line: Int, reason: String, path: String? = nil) {
        self.line = line
        self.reason = reason
        self.path = path
    }
}

/// What a load did besides producing the table.
public struct LoadReport: Sendable {
    public var path: String
    public var bytes: Int
    public var rows: Int
    public var delimiter: CSVOptions.Delimiter
    public var header: Bool
    public var seconds: Double
    /// Rows left out in `on_error skip` mode (the first hundred, with `skippedCount` the total).
    public var skipped: [SkippedRow] = []
    public var skippedCount: Int = 0
    /// Remarks on things adjusted silently (duplicate column names renamed, ...).
    public var warnings: [String] = []
    /// Seconds spent in each phase of the load, in order (for profiling).
    public var phases: [(name: String, seconds: Double)] = []
    /// What the load read other than plain UTF-8 CSV (`gzip`, `Windows-1252`, `decimal comma`,
    /// `day-first dates`, `3 files`), for the load message and `.describe`.
    public var detected: [String] = []
}
