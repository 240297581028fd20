/// Why a file could not be loaded, with the place in the file when there is one.
package struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    /// 1-based physical line and column (in bytes) of the problem, when known.
    package var line: Int?
    package var column: Int?
    /// The column of the table the problem is in, when known.
    package var field: String?
    /// Where in a file without lines the problem is (`sheet Deals, cell C17` in a workbook).
    package var place: String?
    package var message: String
    package var hint: String?
    /// The diagnostic code the session reports it with: `.fileError` when the file itself
    /// could not be opened, `.csvError` for anything about its content.
    package var code: DiagnosticCode

    package init(path: String, line: Int? = nil, column: Int? = nil, field: String? = nil, place: String? = nil, message: String, hint: String? = nil,
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
    package var description: String {
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
package struct SkippedRow: Sendable, Equatable {
    package var line: Int
    package var reason: String
    /// The file, when a pattern loaded several.
    package var path: String?

    package init(line: Int, reason: String, path: String? = nil) {
        self.line = line
        self.reason = reason
        self.path = path
    }
}

/// What a load did besides producing the table.
package struct LoadReport: Sendable {
    package var path: String
    package var bytes: Int
    package var rows: Int
    package var delimiter: CSVOptions.Delimiter
    package var header: Bool
    package var seconds: Double
    /// Rows left out in `on_error skip` mode (the first hundred, with `skippedCount` the total).
    package var skipped: [SkippedRow] = []
    package var skippedCount: Int = 0
    /// Remarks on things adjusted silently (duplicate column names renamed, ...).
    package var warnings: [String] = []
    /// Seconds spent in each phase of the load, in order (for profiling).
    package var phases: [(name: String, seconds: Double)] = []
    /// What the load read other than plain UTF-8 CSV (`gzip`, `Windows-1252`, `decimal comma`,
    /// `day-first dates`, `3 files`), for the load message and `.describe`.
    package var detected: [String] = []
}
