/// A calendar range as written after `during`: resolved to dates against the session's
/// "as of" date when the statement runs.
package struct TimeRange: Sendable {
    package enum Kind: Sendable, Equatable {
        /// `2024`
        case year(Int64)
        /// `2024-Q1`
        case quarter(year: Int64, quarter: Int64)
        /// `2024-03`
        case month(year: Int64, month: Int64)
        /// `2024-03-05`
        case day(Int64)
        /// `2024-01-01..2024-03-31` (both ends included), on day numbers.
        case dates(from: Int64, to: Int64)
        /// `last 90 days`: the N units ending with the "as of" day.
        case last(Int64, Grain)
        /// `this month`: from the start of the period holding the "as of" day up to that day.
        case this(Grain)
        /// `previous month`: the whole period before the one holding the "as of" day.
        case previous(Grain)
        case today
        case yesterday
    }

    package var kind: Kind
    package var span: Span
}

/// A calendar period length for `over`, `last`, `this`.
package enum Grain: String, Sendable, CaseIterable, Comparable {
    case day, week, month, quarter, year

    package init?(word: String) {
        switch word.lowercased() {
        case "day", "days", "daily": self = .day
        case "week", "weeks", "weekly": self = .week
        case "month", "months", "monthly": self = .month
        case "quarter", "quarters", "quarterly": self = .quarter
        case "year", "years", "yearly": self = .year
        default: return nil
        }
    }

    private var order: Int { Grain.allCases.firstIndex(of: self)! }

    package static func < (a: Grain, b: Grain) -> Bool { a.order < b.order }
}
