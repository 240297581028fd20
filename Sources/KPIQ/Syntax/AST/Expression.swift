/// An expression as parsed, before names and types are resolved.
package struct Expression: Sendable {
    package indirect enum Kind: Sendable {
        case literal(Literal)
        /// `visitor_id`, `sessions.visitor_id`: one or two parts.
        case name([Identifier])
        case unary(UnaryOperator, Expression)
        /// `a + b - c`, `x = 1 or x = 2 or ...`: operators of one precedence level applied from
        /// left to right, `(a + b) - c`. One node holds the whole run rather than a tree that
        /// leans left, so 10,000 terms make a wide node, not a tree 10,000 deep that every
        /// walk would recurse down. `a = b` is a chain of one link.
        case chain(Expression, [ChainLink])
        /// A function or aggregate call; `filter` is `count() where converted = 1`.
        case call(Identifier, [Expression], filter: Expression?)
        /// `*` as the argument of `count(*)`.
        case star
        case isNull(Expression, negated: Bool)
        case inList(Expression, [Expression], negated: Bool)
        case between(Expression, Expression, Expression, negated: Bool)
        case like(Expression, Expression, negated: Bool)
        case caseWhen([WhenClause], otherwise: Expression?)
        /// `ts during last 90 days`
        case during(Expression, TimeRange)
    }

    package var kind: Kind
    package var span: Span

    package init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }

    /// `a and b and ...` as one chain (not nested pairs, which would be as deep as the list
    /// is long); nil for no parts.
    package static func conjunction(_ parts: [Expression]) -> Expression? {
        guard let first = parts.first else { return nil }
        if parts.count == 1 { return first }
        return Expression(.chain(first, parts.dropFirst().map { ChainLink(op: .and, operand: $0) }), span: first.span.to(parts.last!.span))
    }

    /// `a op b`: a chain of one link.
    package static func binary(_ op: BinaryOperator, _ a: Expression, _ b: Expression, span: Span? = nil) -> Expression {
        Expression(.chain(a, [ChainLink(op: op, operand: b)]), span: span ?? a.span.to(b.span))
    }
}

/// One step of a chain: apply `op` to the value so far and `operand`.
package struct ChainLink: Sendable {
    package var op: BinaryOperator
    package var operand: Expression

    package init(op: BinaryOperator, operand: Expression) {
        self.op = op
        self.operand = operand
    }
}

package struct WhenClause: Sendable {
    package var condition: Expression
    package var result: Expression
}

package enum UnaryOperator: String, Sendable {
    case negate = "-"
    case not
}

package enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case and
    case or
    /// `||`: text concatenation.
    case concat = "||"

    package var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }

    package var isArithmetic: Bool {
        switch self {
        case .add, .subtract, .multiply, .divide, .modulo: return true
        default: return false
        }
    }
}

/// A constant written in the query.
package enum Literal: Sendable, Equatable {
    case integer(Int64)
    case decimal(Double)
    case string(String)
    case bool(Bool)
    case null
    /// Days since 1970-01-01.
    case date(Int64)
    /// Microseconds since 1970-01-01.
    case timestamp(Int64)
    case interval(Interval)
}

/// A length of time: calendar months, days and microseconds kept apart, so that
/// `1 month` after January 31 is the end of February and `1 day` is always a calendar day.
package struct Interval: Sendable, Equatable, Hashable {
    package var months: Int64
    package var days: Int64
    package var micros: Int64

    package init(months: Int64 = 0, days: Int64 = 0, micros: Int64 = 0) {
        self.months = months
        self.days = days
        self.micros = micros
    }

    /// The longest length of time that can be written: the calendar's whole span (dates run
    /// from year 1 to 9999). Anything longer moves every date out of the calendar, and keeping
    /// lengths this short means that moving a date by one never comes near Int64's limits.
    package static let maxYears: Int64 = 10_000
    static let maxMonths = maxYears * 12
    static let maxDays: Int64 = 3_652_425  // 10,000 Gregorian years of 365.2425 days
    static let maxMicros = maxDays * 86_400_000_000

    /// `n` times `unit` (`30 days`), or nil when that is longer than `maxYears`.
    package static func of(_ n: Int64, _ unit: Interval) -> Interval? {
        func fits(_ part: Int64, _ limit: Int64) -> Bool { part == 0 || n.magnitude <= limit.magnitude / part.magnitude }
        guard fits(unit.months, maxMonths), fits(unit.days, maxDays), fits(unit.micros, maxMicros) else { return nil }
        return Interval(months: unit.months * n, days: unit.days * n, micros: unit.micros * n)
    }

    /// True when every part is within `maxYears` (as all written lengths are).
    package var isWithinCalendarSpan: Bool {
        months.magnitude <= UInt64(Self.maxMonths) && days.magnitude <= UInt64(Self.maxDays) && micros.magnitude <= UInt64(Self.maxMicros)
    }

    /// The same length backwards (never overflows: every part is within `maxYears`).
    package static prefix func - (interval: Interval) -> Interval {
        Interval(months: -interval.months, days: -interval.days, micros: -interval.micros)
    }

    /// The interval of one `unit` (`day`, `weeks`, `month`...), or nil for another word.
    package static func unit(_ word: String) -> Interval? {
        switch word.lowercased() {
        case "second", "seconds": return Interval(micros: 1_000_000)
        case "minute", "minutes": return Interval(micros: 60_000_000)
        case "hour", "hours": return Interval(micros: 3_600_000_000)
        case "day", "days": return Interval(days: 1)
        case "week", "weeks": return Interval(days: 7)
        case "month", "months": return Interval(months: 1)
        case "quarter", "quarters": return Interval(months: 3)
        case "year", "years": return Interval(months: 12)
        default: return nil
        }
    }

    package var description: String {
        var parts: [String] = []
        // `1 year`, `2 years`: the parser reads both forms.
        func count(_ n: Int64, _ unit: String) -> String { "\(n) \(unit)" + (n == 1 || n == -1 ? "" : "s") }
        if months != 0 { parts.append(months % 12 == 0 ? count(months / 12, "year") : count(months, "month")) }
        if days != 0 { parts.append(days % 7 == 0 ? count(days / 7, "week") : count(days, "day")) }
        // Whole seconds as an integer, so the text parses back (`36 hours` is `129600 seconds`).
        if micros != 0 { parts.append(micros % 1_000_000 == 0 ? count(micros / 1_000_000, "second") : "\(Double(micros) / 1e6) seconds") }
        return parts.isEmpty ? "0 days" : parts.joined(separator: " ")
    }
}
