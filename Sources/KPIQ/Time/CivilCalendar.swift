/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01),
/// after Howard Hinnant's `days_from_civil` / `civil_from_days`.
package enum CivilCalendar {
    package static let microsPerSecond: Int64 = 1_000_000
    package static let microsPerDay: Int64 = 86_400_000_000

    /// The calendar kpiq represents: 0001-01-01 to 9999-12-31, the years its parsers read. A
    /// date or time computed outside it (`date + 9000 years`) is null, so every value a
    /// calendar function receives is far enough from Int64's limits that its arithmetic
    /// cannot overflow.
    package static let minDay: Int64 = -719_162  // 0001-01-01
    package static let maxDay: Int64 = 2_932_896  // 9999-12-31
    package static let minMicros = minDay * microsPerDay
    package static let maxMicros = (maxDay + 1) * microsPerDay - 1

    @inline(__always)
    package static func contains(day: Int64) -> Bool { day >= minDay && day <= maxDay }

    @inline(__always)
    package static func contains(micros: Int64) -> Bool { micros >= minMicros && micros <= maxMicros }

    /// Day number of a calendar date. `month` is 1...12, `day` 1...31 (not validated here).
    @inline(__always)
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day number.
    @inline(__always)
    package static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    package static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// True when year/month/day name a real date (within years 1...9999).
    package static func isValid(year: Int64, month: Int64, day: Int64) -> Bool {
        year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
            && day <= daysInMonth(year: year, month: month)
    }

    /// ISO weekday of a day number: Monday = 1 ... Sunday = 7.
    @inline(__always)
    package static func isoWeekday(_ days: Int64) -> Int64 {
        // 1970-01-01 was a Thursday (4).
        let w = (days + 3) % 7
        return (w < 0 ? w + 7 : w) + 1
    }

    /// Floor division that rounds toward negative infinity.
    @inline(__always)
    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Adds calendar months, clamping the day to the end of the target month (Jan 31 + 1 month = Feb 28/29).
    /// For dates near the calendar and month counts within `Interval.maxYears` (the engine's
    /// own periods and ranges); values from the data go through `checkedAddMonths`.
    package static func addMonths(days: Int64, months: Int64) -> Int64 {
        let (y, m, d) = civil(days)
        let total = y * 12 + (m - 1) + months
        let year = floorDiv(total, 12)
        let month = total - year * 12 + 1
        return Self.days(year: year, month: month, day: min(d, daysInMonth(year: year, month: month)))
    }

    /// `addMonths` for any input: nil when the date is outside the calendar, before or after.
    package static func checkedAddMonths(days: Int64, months: Int64) -> Int64? {
        guard contains(day: days), months.magnitude <= UInt64(Interval.maxMonths) else { return nil }
        let result = addMonths(days: days, months: months)
        return contains(day: result) ? result : nil
    }

    /// How the period starting on `day` reads: 2024-03-05, 2024-W05 (the ISO week's year is the
    /// year of its Thursday), 2024-03, 2024-Q1, 2024.
    package static func periodLabel(_ day: Int64, _ grain: Grain) -> String {
        let (y, m, _) = civil(day)
        switch grain {
        case .day: return formatDate(day)
        case .week:
            let week = CalendarMath.isoWeek(day)
            let (isoYear, _, _) = civil(day + 4 - isoWeekday(day))
            return "\(isoYear)-W" + (week < 10 ? "0" : "") + String(week)
        case .month: return "\(y)-" + (m < 10 ? "0" : "") + String(m)
        case .quarter: return "\(y)-Q\((m - 1) / 3 + 1)"
        case .year: return String(y)
        }
    }

    /// `YYYY-MM-DD`.
    package static func formatDate(_ days: Int64) -> String {
        let (y, m, d) = civil(days)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `YYYY-MM-DD HH:MM:SS` with `.ffffff` only when there are fractional seconds;
    /// `separator` is the character between date and time (`T` for ISO 8601 output).
    package static func formatTimestamp(_ micros: Int64, separator: Character = " ") -> String {
        let days = floorDiv(micros, microsPerDay)
        let inDay = micros - days * microsPerDay
        let seconds = inDay / microsPerSecond
        let fraction = inDay % microsPerSecond
        var text = formatDate(days) + String(separator)
        text += pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let negative = value < 0
        var digits = String(negative ? -value : value)
        while digits.count < width { digits = "0" + digits }
        return negative ? "-" + digits : digits
    }

    /// The day number of `YYYY-MM-DD` text, or nil.
    package static func parseDate(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var day: Int64 = 0
        let ok = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { FieldParsing.parseISODate($0, buffer.count, &day) } ?? false
        }
        return ok ? day : nil
    }
}
