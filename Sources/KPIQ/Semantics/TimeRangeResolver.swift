/// Turns a written range (`2024-Q1`, `last 90 days`, `this month`) into days: a half-open
/// interval `[start, end)` of day numbers, given the "as of" day, clipped to the calendar
/// (`last 9999 years` starts on 0001-01-01).
package enum TimeRangeResolver {
    package static func resolve(_ range: TimeRange, asOf: Int64) -> (start: Int64, end: Int64) {
        let (start, end) = unclipped(range, asOf: asOf)
        let low = CivilCalendar.minDay, high = CivilCalendar.maxDay + 1
        return (min(max(start, low), high), min(max(end, low), high))
    }

    /// The range's days; the parser keeps `last N` within `Interval.maxYears`, so nothing here
    /// overflows.
    private static func unclipped(_ range: TimeRange, asOf: Int64) -> (start: Int64, end: Int64) {
        switch range.kind {
        case .year(let y):
            return (CivilCalendar.days(year: y, month: 1, day: 1), CivilCalendar.days(year: y + 1, month: 1, day: 1))
        case .quarter(let y, let q):
            let start = CivilCalendar.days(year: y, month: (q - 1) * 3 + 1, day: 1)
            return (start, CivilCalendar.addMonths(days: start, months: 3))
        case .month(let y, let m):
            let start = CivilCalendar.days(year: y, month: m, day: 1)
            return (start, CivilCalendar.addMonths(days: start, months: 1))
        case .day(let d):
            return (d, d + 1)
        case .dates(let from, let to):
            return (from, to + 1)
        case .last(let n, let grain):
            let end = asOf + 1
            switch grain {
            case .day: return (end - n, end)
            case .week: return (end - 7 * n, end)
            case .month: return (CivilCalendar.addMonths(days: end, months: -n), end)
            case .quarter: return (CivilCalendar.addMonths(days: end, months: -3 * n), end)
            case .year: return (CivilCalendar.addMonths(days: end, months: -12 * n), end)
            }
        case .this(let grain):
            return (CalendarMath.truncate(asOf, to: grain), asOf + 1)
        case .previous(let grain):
            let current = CalendarMath.truncate(asOf, to: grain)
            return (CalendarMath.shiftPeriod(current, grain, by: -1), current)
        case .today:
            return (asOf, asOf + 1)
        case .yesterday:
            return (asOf - 1, asOf)
        }
    }
}
