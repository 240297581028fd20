/// The one calendar of kpiq: truncation to periods, shifting by calendar units, the parts of
/// a date, differences, and moving a value by a length of time. Every feature that reasons
/// about periods (ranges, `over`, `vs`, rolling windows, funnel windows, cohort offsets,
/// `date_diff`, interval arithmetic) calls these, so they cannot disagree.
enum CalendarMath {
    /// The day number of a date or timestamp value.
    @inline(__always)
    static func dayNumber(_ value: Int64, type: DataType?) -> Int64 {
        type == .timestamp ? CivilCalendar.floorDiv(value, CivilCalendar.microsPerDay) : value
    }

    /// True when a date or timestamp value lies in the calendar (what the time functions need
    /// to compute without overflowing; anything else gives null).
    @inline(__always)
    static func inCalendar(_ value: Int64, type: DataType?) -> Bool {
        type == .timestamp ? CivilCalendar.contains(micros: value) : CivilCalendar.contains(day: value)
    }

    /// The first day of the period holding `days`.
    @inline(__always)
    static func truncate(_ days: Int64, to grain: Grain) -> Int64 {
        switch grain {
        case .day: return days
        case .week: return days - (CivilCalendar.isoWeekday(days) - 1)
        case .month:
            let (y, m, _) = CivilCalendar.civil(days)
            return CivilCalendar.days(year: y, month: m, day: 1)
        case .quarter:
            let (y, m, _) = CivilCalendar.civil(days)
            return CivilCalendar.days(year: y, month: (m - 1) / 3 * 3 + 1, day: 1)
        case .year:
            let (y, _, _) = CivilCalendar.civil(days)
            return CivilCalendar.days(year: y, month: 1, day: 1)
        }
    }

    /// The first day of the period after the one starting at `start`.
    static func nextPeriod(_ start: Int64, _ grain: Grain) -> Int64 {
        switch grain {
        case .day: return start + 1
        case .week: return start + 7
        case .month: return CivilCalendar.addMonths(days: start, months: 1)
        case .quarter: return CivilCalendar.addMonths(days: start, months: 3)
        case .year: return CivilCalendar.addMonths(days: start, months: 12)
        }
    }

    /// Moves a period start by `n` periods.
    static func shiftPeriod(_ start: Int64, _ grain: Grain, by n: Int64) -> Int64 {
        switch grain {
        case .day: return start + n
        case .week: return start + 7 * n
        case .month: return CivilCalendar.addMonths(days: start, months: n)
        case .quarter: return CivilCalendar.addMonths(days: start, months: 3 * n)
        case .year: return CivilCalendar.addMonths(days: start, months: 12 * n)
        }
    }

    /// The length of `n` periods, to move a period start with `shift` (or an expression's
    /// `.shift`): a week is 7 days, a quarter 3 months, a year 12 months.
    static func length(of n: Int64, _ grain: Grain) -> Interval {
        switch grain {
        case .day: return Interval(days: n)
        case .week: return Interval(days: 7 * n)
        case .month: return Interval(months: n)
        case .quarter: return Interval(months: 3 * n)
        case .year: return Interval(months: 12 * n)
        }
    }

    /// ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday).
    static func isoWeek(_ days: Int64) -> Int64 {
        let thursday = days + (4 - CivilCalendar.isoWeekday(days))
        let (y, _, _) = CivilCalendar.civil(thursday)
        return (thursday - CivilCalendar.days(year: y, month: 1, day: 1)) / 7 + 1
    }

    /// A part of a date or timestamp (`date_part`), resolved from its name once per query.
    enum Part: String, CaseIterable, Sendable {
        case year, quarter, month, week, day, weekday = "dow", dayOfYear = "doy", hour, minute, second

        /// Names as written in `date_part`: the raw values, and `weekday` for `dow`.
        static let names = allCases.map(\.rawValue) + ["weekday"]

        init?(name: String) {
            let name = name.lowercased()
            self.init(rawValue: name == "weekday" ? "dow" : name)
        }
    }

    static func part(_ unit: Part, _ value: Int64, type: DataType?) -> Int64? {
        guard inCalendar(value, type: type) else { return nil }
        let days = dayNumber(value, type: type)
        let inDay = type == .timestamp ? value - days * CivilCalendar.microsPerDay : 0
        switch unit {
        case .year: return CivilCalendar.civil(days).year
        case .quarter: return (CivilCalendar.civil(days).month - 1) / 3 + 1
        case .month: return CivilCalendar.civil(days).month
        case .week: return isoWeek(days)
        case .day: return CivilCalendar.civil(days).day
        case .weekday: return CivilCalendar.isoWeekday(days)
        case .dayOfYear: return days - CivilCalendar.days(year: CivilCalendar.civil(days).year, month: 1, day: 1) + 1
        case .hour: return inDay / 3_600_000_000
        case .minute: return inDay / 60_000_000 % 60
        case .second: return inDay / 1_000_000 % 60
        }
    }

    /// Calendar boundaries crossed from `a` to `b` (days, months, ...), or whole units elapsed
    /// for hours, minutes and seconds.
    /// Both values must be in the calendar (else nil), which bounds every product below.
    /// A unit of `date_diff`, resolved from its name once per query.
    enum DifferenceUnit: String, CaseIterable, Sendable {
        case day, week, month, quarter, year, hour, minute, second

        init?(name: String) { self.init(rawValue: name.lowercased()) }
    }

    static func difference(_ unit: DifferenceUnit, _ a: Int64, _ b: Int64, type: DataType?) -> Int64? {
        guard inCalendar(a, type: type), inCalendar(b, type: type) else { return nil }
        let da = dayNumber(a, type: type), db = dayNumber(b, type: type)
        let micros = type == .timestamp ? b - a : (b - a) * CivilCalendar.microsPerDay
        switch unit {
        case .day: return db - da
        case .week: return (db - da) / 7
        case .month, .quarter, .year:
            let (ya, ma, _) = CivilCalendar.civil(da)
            let (yb, mb, _) = CivilCalendar.civil(db)
            if unit == .year { return yb - ya }
            let months = (yb * 12 + mb) - (ya * 12 + ma)
            return unit == .month ? months : ((yb * 12 + mb - 1) / 3) - ((ya * 12 + ma - 1) / 3)
        case .hour: return micros / 3_600_000_000
        case .minute: return micros / 60_000_000
        case .second: return micros / 1_000_000
        }
    }

    /// Whole periods of `grain` from the one holding day `a` to the one holding day `b`.
    static func periods(from a: Int64, to b: Int64, _ grain: Grain) -> Int64? {
        guard let unit = DifferenceUnit(name: grain.rawValue) else { return nil }
        return difference(unit, truncate(a, to: grain), truncate(b, to: grain), type: .date)
    }

    /// One value moved, or nil. The interval is within `Interval.maxYears` (the parser's
    /// limit, checked again here) and the value is checked to be in the calendar first, so no step can overflow.
    static func shift(_ value: Int64, inputType: DataType?, by interval: Interval, resultType: DataType?) -> Int64? {
        var shifter = Shifter(interval: interval, inputType: inputType, resultType: resultType)
        return shifter.shift(value)
    }

    /// `shift` for a run of values: the month step of the last day moved is remembered, since
    /// values in time order repeat their day (a civil date costs several divisions).
    struct Shifter {
        let interval: Interval
        let inputType: DataType?
        let resultType: DataType?
        private var lastDay = Int64.min
        private var lastMoved: Int64?

        init(interval: Interval, inputType: DataType?, resultType: DataType?) {
            self.interval = interval
            self.inputType = inputType
            self.resultType = resultType
        }

        @inline(__always)
        private mutating func addMonths(_ days: Int64) -> Int64? {
            if days != lastDay {
                lastDay = days
                lastMoved = CivilCalendar.checkedAddMonths(days: days, months: interval.months)
            }
            return lastMoved
        }

        mutating func shift(_ value: Int64) -> Int64? {
            guard inCalendar(value, type: inputType), interval.isWithinCalendarSpan else { return nil }
            if inputType == .timestamp || resultType == .timestamp {
                var micros = inputType == .date ? value * CivilCalendar.microsPerDay : value
                if interval.months != 0 {
                    let days = CivilCalendar.floorDiv(micros, CivilCalendar.microsPerDay)
                    let inDay = micros - days * CivilCalendar.microsPerDay
                    guard let moved = addMonths(days) else { return nil }
                    micros = moved * CivilCalendar.microsPerDay + inDay
                }
                micros += interval.days * CivilCalendar.microsPerDay + interval.micros
                return CivilCalendar.contains(micros: micros) ? micros : nil
            }
            var days = value
            if interval.months != 0 {
                guard let moved = addMonths(days) else { return nil }
                days = moved
            }
            days += interval.days
            return CivilCalendar.contains(day: days) ? days : nil
        }
    }
}
