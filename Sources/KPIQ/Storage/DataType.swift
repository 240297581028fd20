/// The logical type of a column or expression.
///
/// Physical layout per type (see `Column`):
/// - `int`: 64-bit signed integers, stored packed (`PackedIntegers`).
/// - `decimal`: 64-bit IEEE doubles.
/// - `bool`: one byte per value (0 or 1).
/// - `date`: days since 1970-01-01, packed.
/// - `timestamp`: microseconds since 1970-01-01 00:00:00, naive wall-clock time (values read
///   with a zone offset are converted to UTC), packed.
/// - `text`: dictionary-encoded; packed codes into a `StringDictionary`.
public enum DataType: String, Sendable, CaseIterable, Hashable {
    case int
    case decimal
    case bool
    case date
    case timestamp
    case text

    public var name: String { rawValue }

    public var isNumeric: Bool { self == .int || self == .decimal }

    public var isTemporal: Bool { self == .date || self == .timestamp }

    /// Types stored as packed integers (int, date, timestamp, and text codes).
    var isIntegerBacked: Bool { self == .int || self == .date || self == .timestamp }

    /// Parses a type name as written in `types (...)` load options and casts.
    public init?(name: String) {
        switch name.lowercased() {
        case "int", "integer", "bigint", "int64": self = .int
        case "decimal", "double", "float", "number", "real", "numeric": self = .decimal
        case "bool", "boolean": self = .bool
        case "date": self = .date
        case "timestamp", "datetime", "time": self = .timestamp
        case "text", "string", "varchar", "str": self = .text
        default: return nil
        }
    }
}
