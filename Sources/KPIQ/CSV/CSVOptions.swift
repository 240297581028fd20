/// How to read a delimited or whitespace-separated text file. Every field left nil is detected.
package struct CSVOptions: Sendable, Equatable {
    package enum Delimiter: Sendable, Equatable {
        /// One byte between fields (`,` `;` tab `|` or any other ASCII character).
        case byte(UInt8)
        /// Runs of spaces and tabs, leading and trailing ones ignored; no quoting.
        case whitespace
        /// Fixed-width fields of the given widths in bytes, each trimmed.
        case widths([Int])
    }

    package enum ErrorPolicy: Sendable, Equatable {
        /// Stop at the first bad row; nothing is loaded.
        case fail
        /// Skip bad rows, count them and report where they were.
        case skip
    }

    package var delimiter: Delimiter?
    package var header: Bool?
    /// Column names to use instead of the header's (or of `col1..colN`).
    package var columnNames: [String]?
    /// Field texts read as null. A quoted field is only null when empty.
    package var nullMarkers: [String] = [""]
    /// Forced column types, by column name.
    package var types: [String: DataType] = [:]
    /// Extra date / timestamp formats (strptime-like) tried during inference and for forced types.
    package var formats: [DateFormat] = []
    package var quote: UInt8 = UInt8(ascii: "\"")
    package var onError: ErrorPolicy = .fail
    /// `decimal ","` (true) or `decimal "."` (false); nil reads whichever a column's values
    /// need (`LocaleColumnInference`). With a decimal comma, `.` only groups thousands.
    package var decimalComma: Bool?
    /// The file's character encoding; nil is UTF-8, or UTF-16 when it starts with its
    /// byte-order mark.
    package var encoding: TextEncoding?
    /// `file_column`: the name of a column holding, on each row, the name of the file it
    /// came from (useful when a pattern loads several files).
    package var fileColumn: String?

    package init() {}
}
