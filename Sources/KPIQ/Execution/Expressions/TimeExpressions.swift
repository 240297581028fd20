/// Calendar helpers shared by the time functions.
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
}

/// Applies a function to each value of an integer-backed (date, timestamp, int) vector.
struct IntegerMapExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let type: DataType?
    /// The result for one value; nil for null.
    let function: @Sendable (Int64, DataType?) -> Int64?

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        let inputType = a.type
        switch a.values {
        case .constant(let scalar):
            switch scalar {
            case .int(let v), .date(let v), .timestamp(let v):
                guard let r = function(v, inputType) else { return .constant(.null, type: type, count: n) }
                return .constant(Self.scalar(r, type), type: type, count: n)
            default: return .constant(.null, type: type, count: n)
            }
        case .ints(let values):
            var valid = a.valid
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n where valid.map({ $0[i] != 0 }) ?? true {
                if let r = function(values[i], inputType) {
                    out[i] = r
                } else {
                    if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                    valid![i] = 0
                }
            }
            return Vector(type: type, values: .ints(out), valid: valid, count: n)
        default:
            return .constant(.null, type: type, count: n)
        }
    }

    static func scalar(_ v: Int64, _ type: DataType?) -> Scalar {
        switch type {
        case .date?: return .date(v)
        case .timestamp?: return .timestamp(v)
        default: return .int(v)
        }
    }
}

/// `date_diff(unit, a, b)`.
struct DateDiffExpression: PhysicalExpression {
    /// Nil for a unit the binder did not know (every row is then null).
    let unit: CalendarMath.DifferenceUnit?
    let start: any PhysicalExpression
    let end: any PhysicalExpression
    /// The type both operands are compared in (timestamp when either is one).
    let operandType: DataType
    var type: DataType? { .int }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try start.evaluate(batch), b = try end.evaluate(batch)
        let n = batch.count
        let valid = Vector.combine(a.validityForCombine, b.validityForCombine, count: n)
        guard let x = NumericOperand(a), let y = NumericOperand(b) else { return .constant(.null, type: .int, count: n) }
        let toMicrosA: Int64 = a.type == .date && operandType == .timestamp ? CivilCalendar.microsPerDay : 1
        let toMicrosB: Int64 = b.type == .date && operandType == .timestamp ? CivilCalendar.microsPerDay : 1
        // Null rows hold arbitrary values, and a date far outside the calendar would overflow
        // as microseconds: such rows, and differences outside the calendar, are null.
        var flags = valid ?? [UInt8](repeating: 1, count: n)
        var anyNull = valid != nil
        var values = [Int64](repeating: 0, count: n)
        for i in 0..<n where flags[i] != 0 {
            let (start, o1) = x.int(i).multipliedReportingOverflow(by: toMicrosA)
            let (end, o2) = y.int(i).multipliedReportingOverflow(by: toMicrosB)
            if !o1, !o2, let unit, let difference = CalendarMath.difference(unit, start, end, type: operandType) {
                values[i] = difference
            } else {
                flags[i] = 0
                anyNull = true
            }
        }
        return Vector(type: .int, values: .ints(values), valid: anyNull ? flags : nil, count: n)
    }
}

/// A date or timestamp moved by an interval (months first, then days, then time). A result
/// outside the calendar (0001-01-01 to 9999-12-31) is null, like an integer overflow.
struct ShiftExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let interval: Interval
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        let interval = self.interval
        let resultType = type
        if interval.months == 0, interval.isWithinCalendarSpan {
            // Days and time only (`t - 30 days`): one addition per row, range-checked.
            let a = try operand.evaluate(batch)
            if case .ints(let values) = a.values, a.type == resultType {
                let timestamp = resultType == .timestamp
                if timestamp || interval.micros == 0 {
                    let delta = timestamp ? interval.days * CivilCalendar.microsPerDay + interval.micros : interval.days
                    let low = timestamp ? CivilCalendar.minMicros : CivilCalendar.minDay
                    let high = timestamp ? CivilCalendar.maxMicros : CivilCalendar.maxDay
                    let n = batch.count
                    var valid = a.valid
                    var out = [Int64](repeating: 0, count: n)
                    for i in 0..<n {
                        let v = values[i]
                        // Values outside the calendar (or moved out of it) become null.
                        if v >= low, v <= high, v + delta >= low, v + delta <= high {
                            out[i] = v + delta
                        } else if valid?[i] ?? 1 != 0 {
                            if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                            valid![i] = 0
                        }
                    }
                    return Vector(type: resultType, values: .ints(out), valid: valid, count: n)
                }
            }
        }
        let mapper = IntegerMapExpression(operand: operand, type: type) { value, inputType in
            Self.shift(value, inputType: inputType, by: interval, resultType: resultType)
        }
        return try mapper.evaluate(batch)
    }

    /// One value moved, or nil. The interval is within `Interval.maxYears` (the parser's
    /// limit, checked again here) and the value is checked to be in the calendar first, so no step can overflow.
    static func shift(_ value: Int64, inputType: DataType?, by interval: Interval, resultType: DataType?) -> Int64? {
        guard CalendarMath.inCalendar(value, type: inputType), interval.isWithinCalendarSpan else { return nil }
        if inputType == .timestamp || resultType == .timestamp {
            var micros = inputType == .date ? value * CivilCalendar.microsPerDay : value
            if interval.months != 0 {
                let days = CivilCalendar.floorDiv(micros, CivilCalendar.microsPerDay)
                let inDay = micros - days * CivilCalendar.microsPerDay
                guard let moved = CivilCalendar.checkedAddMonths(days: days, months: interval.months) else { return nil }
                micros = moved * CivilCalendar.microsPerDay + inDay
            }
            micros += interval.days * CivilCalendar.microsPerDay + interval.micros
            return CivilCalendar.contains(micros: micros) ? micros : nil
        }
        var days = value
        if interval.months != 0 {
            guard let moved = CivilCalendar.checkedAddMonths(days: days, months: interval.months) else { return nil }
            days = moved
        }
        days += interval.days
        return CivilCalendar.contains(day: days) ? days : nil
    }
}

/// `date_part(unit, t)` (and `weekday`, `hour`). Parts of the day (year, month, ...) are
/// remembered for the last days seen in a small table: converting a day number to a civil
/// date costs several divisions, and a batch holds few distinct days.
struct DatePartExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let part: CalendarMath.Part
    var type: DataType? { .int }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        let inputType = a.type
        guard case .ints(let values) = a.values else {
            switch a.values {
            case .constant(.date(let v)), .constant(.timestamp(let v)), .constant(.int(let v)):
                return .constant(CalendarMath.part(part, v, type: inputType).map { .int($0) } ?? .null, type: .int, count: n)
            default:
                return .constant(.null, type: .int, count: n)
            }
        }
        let byDay: Bool
        switch part {
        case .hour, .minute, .second: byDay = false
        default: byDay = true
        }
        var valid = a.valid
        var out = [Int64](repeating: 0, count: n)
        var cachedDays = [Int64](repeating: Int64.min, count: 256)
        var cachedParts = [Int64](repeating: 0, count: 256)
        for i in 0..<n where valid.map({ $0[i] != 0 }) ?? true {
            let value = values[i]
            guard CalendarMath.inCalendar(value, type: inputType) else {
                if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                valid![i] = 0
                continue
            }
            if byDay {
                let day = CalendarMath.dayNumber(value, type: inputType)
                let slot = Int(truncatingIfNeeded: day & 255)
                if cachedDays[slot] != day {
                    cachedDays[slot] = day
                    cachedParts[slot] = CalendarMath.part(part, day, type: .date) ?? 0
                }
                out[i] = cachedParts[slot]
            } else {
                out[i] = CalendarMath.part(part, value, type: inputType) ?? 0
            }
        }
        return Vector(type: .int, values: .ints(out), valid: valid, count: n)
    }
}

