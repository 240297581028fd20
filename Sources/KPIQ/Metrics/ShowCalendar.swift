/// The periods of a `show ... over GRAIN`: which ones to list, how they compare with earlier
/// ones, and which ones are partial.
///
/// A period is listed when it overlaps the days counted, but only the days inside them count:
/// `over week during 2024-03` lists the week of Monday 26 February with March's three days in
/// it, never February's. Such a cut period is *partial*, like the period holding the "as of"
/// day before it ends.
struct ShowCalendar {
    let grain: Grain
    let asOf: Int64
    /// The first day counted (the range's start; nil without a range: from the first row).
    let start: Int64?
    /// The day after the last one counted: the range's end or the day after the as-of day.
    let end: Int64

    init(grain: Grain, asOf: Int64, range: (start: Int64, end: Int64)?) {
        self.grain = grain
        self.asOf = asOf
        self.start = range?.start
        self.end = range?.end ?? AsOfRange.end(asOf: asOf)
    }

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
            default: return CivilCalendar.addMonths(days: period, months: -12)
            }
        }
    }

    /// The first day after the period.
    func end(of period: Int64) -> Int64 { CalendarMath.nextPeriod(period, grain) }

    /// The days of the period that count: `[start, end)`.
    func counted(_ period: Int64) -> (start: Int64, end: Int64) {
        (max(period, start ?? period), min(end(of: period), end))
    }

    /// True when some days of the period are outside the range or after the as-of day.
    func isPartial(_ period: Int64) -> Bool {
        counted(period) != (period, end(of: period))
    }

    /// Why a partial period is partial, for the note under the table.
    func partialNote(_ period: Int64) -> String? {
        guard isPartial(period) else { return nil }
        let days = counted(period)
        var reasons: [String] = []
        if days.start > period { reasons.append("the range starts \(CivilCalendar.formatDate(days.start))") }
        if days.end < end(of: period) {
            if days.end == AsOfRange.end(asOf: asOf) {
                reasons.append("data up to \(CivilCalendar.formatDate(asOf))")
            } else {
                reasons.append("the range ends \(CivilCalendar.formatDate(days.end - 1))")
            }
        }
        return "\(Self.label(period, grain)) is partial: " + reasons.joined(separator: "; ")
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
