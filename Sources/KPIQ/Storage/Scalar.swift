/// One value, used for constants, rendering and tests; never on a per-row hot path.
public enum Scalar: Sendable, Hashable, CustomStringConvertible {
    case null
    case int(Int64)
    case decimal(Double)
    case bool(Bool)
    /// Days since 1970-01-01.
    case date(Int64)
    /// Microseconds since 1970-01-01 00:00:00.
    case timestamp(Int64)
    case text(String)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a double when numeric.
    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .decimal(let v): return v
        default: return nil
        }
    }

    /// A plain, full-precision rendering (ISO dates, no thousands separators).
    public var description: String {
        switch self {
        case .null: return "null"
        case .int(let v): return String(v)
        case .decimal(let v): return Scalar.formatDouble(v)
        case .bool(let v): return v ? "true" : "false"
        case .date(let d): return CivilCalendar.formatDate(d)
        case .timestamp(let t): return CivilCalendar.formatTimestamp(t, separator: "T")
        case .text(let s): return s
        }
    }

    /// Shortest round-tripping form, without a trailing `.0` for whole values.
    public static func formatDouble(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
