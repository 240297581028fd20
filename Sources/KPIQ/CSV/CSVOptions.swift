/// How to read a delimited or whitespace-separated text file. Every field left nil is detected.
public struct CSVOptions: Sendable, Equatable {
    public enum Delimiter: Sendable, Equatable {
        /// One byte between fields (`,` `;` tab `|` or any other ASCII character).
        case byte(UInt8)
        /// Runs of spaces and tabs, leading and trailing ones ignored; no quoting.
        case whitespace
        /// Fixed-width fields of the given widths in bytes, each trimmed.
        case widths([Int])
    }

    public enum ErrorPolicy: Sendable, Equatable {
        /// Stop at the first bad row; nothing is loaded.
        case fail
        /// Skip bad rows, count them and report where they were.
        case skip
    }

    public var delimiter: Delimiter?
    public var header: Bool?
    /// Column names to use instead of the header's (or of `col1..colN`).
    public var columnNames: [String]?
    /// Field texts read as null. A quoted field is only null when empty.
    public var nullMarkers: [String] = [""]
    /// Forced column types, by column name.
    public var types: [String: DataType] = [:]
    /// Extra date / timestamp formats (strptime-like) tried during inference and for forced types.
    public var formats: [DateFormat] = []
    public var quote: UInt8 = UInt8(ascii: "\"")
    public var onError: ErrorPolicy = .fail
    /// `decimal ","` (true) or `decimal "."` (false); nil reads whichever a column's values
    /// need (`LocaleColumnInference`). With a decimal comma, `.` only groups thousands.
    public var decimalComma: Bool?
    /// The file's character encoding; nil is UTF-8, or UTF-16 when it starts with its
    /// byte-order mark.
    public var encoding: TextEncoding?
    /// `file_column`: the name of a column holding, on each row, the name of the file it
    /// came from (useful when a pattern loads several files).
    public var fileColumn: String?

    public init() {}
}
