/// The scalar (row by row) functions of the language. Typing rules live in
/// `FunctionBinder`; implementations in `Execution/Expressions/FunctionExpressions.swift`.
package enum ScalarFunction: String, Sendable, CaseIterable {
    // Text
    case lower, upper, trim, length, contains, replace
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case splitPart = "split_part"
    case substr
    // Nulls and choices
    case coalesce, nullif, greatest, least
    // Numbers
    case abs, round, floor, ceil, sqrt, ln, exp, power
    // Whole numbers as sets of bits (0 to 63)
    case bitAnd = "bit_and"
    case shiftLeft = "shift_left"
    case shiftRight = "shift_right"
    // Time: truncation to the start of a period (returns a date)
    case day, week, month, quarter, year
    // Time: parts and differences
    case datePart = "date_part"
    case dateDiff = "date_diff"
    case weekday, hour
    // Time: as text
    case format

    /// Functions handled by the binder itself rather than as a `ScalarFunction`.
    package static let specialNames: Set<String> = ["if", "today", "date", "timestamp", "int", "decimal", "text", "bool", "concat"]

    package init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// The truncation grain of `day`...`year`.
    package var truncationGrain: Grain? {
        switch self {
        case .day: return .day
        case .week: return .week
        case .month: return .month
        case .quarter: return .quarter
        case .year: return .year
        default: return nil
        }
    }

    /// One line for `.help functions` and completion.
    package var signature: String {
        switch self {
        case .lower: return "lower(text) -> text"
        case .upper: return "upper(text) -> text"
        case .trim: return "trim(text) -> text: without leading and trailing spaces"
        case .length: return "length(text) -> int: number of characters"
        case .contains: return "contains(text, part) -> bool"
        case .replace: return "replace(text, old, new) -> text"
        case .startsWith: return "starts_with(text, prefix) -> bool"
        case .endsWith: return "ends_with(text, suffix) -> bool"
        case .splitPart: return "split_part(text, separator, n) -> text: the n-th piece, from 1"
        case .substr: return "substr(text, start[, length]) -> text: characters from `start` (1-based)"
        case .coalesce: return "coalesce(a, b, ...) -> the first that is not null"
        case .nullif: return "nullif(a, b) -> null when a = b, else a"
        case .greatest: return "greatest(a, b, ...) -> the largest, ignoring nulls"
        case .least: return "least(a, b, ...) -> the smallest, ignoring nulls"
        case .abs: return "abs(x)"
        case .round: return "round(x[, digits]) -> half away from zero"
        case .floor: return "floor(x)"
        case .ceil: return "ceil(x)"
        case .sqrt: return "sqrt(x) -> null for negative x"
        case .ln: return "ln(x) -> null for x <= 0"
        case .exp: return "exp(x)"
        case .power: return "power(x, y)"
        case .bitAnd: return "bit_and(x, y) -> int: the bits set in both"
        case .shiftLeft: return "shift_left(x, n) -> int: x's bits moved n places up (n from 0 to 63, else null)"
        case .shiftRight: return "shift_right(x, n) -> int: x's bits moved n places down, zeros coming in (n from 0 to 63, else null)"
        case .day: return "day(t) -> date: the day of a timestamp"
        case .week: return "week(t) -> date: the Monday starting t's ISO week"
        case .month: return "month(t) -> date: the first day of t's month"
        case .quarter: return "quarter(t) -> date: the first day of t's quarter"
        case .year: return "year(t) -> date: January 1 of t's year"
        case .datePart: return "date_part(\"year|quarter|month|week|day|dow|doy|hour|minute|second\", t) -> int"
        case .dateDiff: return "date_diff(\"day|week|month|quarter|year|hour|minute|second\", start, end) -> int"
        case .weekday: return "weekday(t) -> int: 1 = Monday ... 7 = Sunday"
        case .hour: return "hour(t) -> int"
        case .format: return "format(t, \"%Y-%m\" | \"%G-W%V\" | \"%Y-Q%q\" | \"day|week|month|quarter|year\") -> text: 2024-03, 2024-W03, 2024-Q1"
        }
    }
}
