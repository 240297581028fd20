/// The periods of a `show ... over GRAIN`: which ones to list, how they compare with earlier
/// ones, and which one is still running at the "as of" date.
struct ShowCalendar {
    let grain: Grain
    let asOf: Int64

    /// The most periods a `show` lists: `over day during last 9999 years` would be 3.6 million
    /// rows, nearly all empty, and as many computations for a rolling metric.
    static let maxPeriods = 100_000

    /// Period starts from the period holding `first` to the one holding `last` (day numbers);
    /// an error at `span` (the range) when there are more than `maxPeriods`.
    func periods(from first: Int64, through last: Int64, span: Span?) throws -> [Int64] {
        guard first <= last else { return [] }
        var result: [Int64] = []
        var p = CalendarMath.truncate(first, to: grain)
        let end = CalendarMath.truncate(last, to: grain)
        while p <= end {
            guard result.count < Self.maxPeriods else {
                throw Diagnostic(.limitExceeded, "this `show` would list more than \(Self.maxPeriods) \(grain.rawValue)s", at: span,
                                 hints: ["shorten the range, or count over a longer period (`over month`, `over year`)"])
            }
            result.append(p)
            p = CalendarMath.nextPeriod(p, grain)
        }
        return result
    }

    /// The start of the period a comparison looks at: the one before, or the same one a year
    /// earlier (52 weeks for weeks, so weekdays line up).
    func earlier(_ period: Int64, _ comparison: ShowStatement.Comparison) -> Int64 {
        switch comparison {
        case .previousPeriod: return CalendarMath.shiftPeriod(period, grain, by: -1)
        case .previousYear:
            switch grain {
            case .week: return period - 364
            case .day: return CivilCalendar.addMonths(days: period, months: -12)
            default: return CivilCalendar.addMonths(days: period, months: -12)
            }
        }
    }

    /// The first day after the period.
    func end(of period: Int64) -> Int64 { CalendarMath.nextPeriod(period, grain) }

    /// True when the "as of" day falls inside the period before its last day.
    func isPartial(_ period: Int64) -> Bool {
        asOf >= period && asOf + 1 < end(of: period)
    }

    /// How a period reads: 2024-03, 2024-Q1, 2024, 2024-W05, 2024-03-05.
    static func label(_ period: Int64, _ grain: Grain) -> String {
        let (y, m, _) = CivilCalendar.civil(period)
        switch grain {
        case .day: return CivilCalendar.formatDate(period)
        case .week:
            let week = CalendarMath.isoWeek(period)
            let (isoYear, _, _) = CivilCalendar.civil(period + 3)
            return "\(isoYear)-W" + (week < 10 ? "0" : "") + String(week)
        case .month: return "\(y)-" + (m < 10 ? "0" : "") + String(m)
        case .quarter: return "\(y)-Q\((m - 1) / 3 + 1)"
        case .year: return String(y)
        }
    }
}
