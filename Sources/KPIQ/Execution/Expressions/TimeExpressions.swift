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
        if case .int(let start) = x, case .ints(let ends) = y, let unit {
            // From a constant start (a period index: `date_diff("month", base, month(t))`):
            // rows in time order repeat the end before, whose difference is known.
            let (scaledStart, startOverflow) = start.multipliedReportingOverflow(by: toMicrosA)
            var lastEnd = Int64.min, lastDifference: Int64? = nil
            for i in 0..<n where flags[i] != 0 {
                let end = ends[i]
                if end != lastEnd {
                    let (scaledEnd, endOverflow) = end.multipliedReportingOverflow(by: toMicrosB)
                    lastEnd = end
                    lastDifference = startOverflow || endOverflow ? nil : CalendarMath.difference(unit, scaledStart, scaledEnd, type: operandType)
                }
                if let difference = lastDifference {
                    values[i] = difference
                } else {
                    flags[i] = 0
                    anyNull = true
                }
            }
            return Vector(type: .int, values: .ints(values), valid: anyNull ? flags : nil, count: n)
        }
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
struct ShiftExpression: IntegerBackedFunction {
    let operand: any PhysicalExpression
    let interval: Interval
    let type: DataType?

    func evaluate(constant value: Int64, inputType: DataType?, count n: Int) -> Vector {
        guard let moved = CalendarMath.shift(value, inputType: inputType, by: interval, resultType: type) else {
            return .constant(.null, type: type, count: n)
        }
        return .constant(type == .date ? .date(moved) : type == .timestamp ? .timestamp(moved) : .int(moved), type: type, count: n)
    }

    func evaluate(values: [Int64], valid: [UInt8]?, inputType: DataType?, count n: Int) -> Vector {
        let interval = self.interval
        var valid = valid
        var out = [Int64](repeating: 0, count: n)
        let timestamp = type == .timestamp
        if interval.months == 0, interval.isWithinCalendarSpan, inputType == type, timestamp || interval.micros == 0 {
            // Days and time only (`t - 30 days`): one addition per row, range-checked.
            let delta = timestamp ? interval.days * CivilCalendar.microsPerDay + interval.micros : interval.days
            let low = timestamp ? CivilCalendar.minMicros : CivilCalendar.minDay
            let high = timestamp ? CivilCalendar.maxMicros : CivilCalendar.maxDay
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
            return Vector(type: type, values: .ints(out), valid: valid, count: n)
        }
        // Calendar months (or a date moved by hours): one shifter over the batch, which
        // remembers the last day's step.
        var shifter = CalendarMath.Shifter(interval: interval, inputType: inputType, resultType: type)
        for i in 0..<n where valid.map({ $0[i] != 0 }) ?? true {
            if let moved = shifter.shift(values[i]) {
                out[i] = moved
            } else {
                if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                valid![i] = 0
            }
        }
        return Vector(type: type, values: .ints(out), valid: valid, count: n)
    }
}

/// `date_part(unit, t)` (and `weekday`, `hour`). Parts of the day (year, month, ...) are
/// remembered for the last days seen in a small table: converting a day number to a civil
/// date costs several divisions, and a batch holds few distinct days.
struct DatePartExpression: IntegerBackedFunction {
    let operand: any PhysicalExpression
    let part: CalendarMath.Part
    var type: DataType? { .int }

    func evaluate(constant value: Int64, inputType: DataType?, count n: Int) -> Vector {
        .constant(CalendarMath.part(part, value, type: inputType).map { .int($0) } ?? .null, type: .int, count: n)
    }

    func evaluate(values: [Int64], valid: [UInt8]?, inputType: DataType?, count n: Int) -> Vector {
        var valid = valid
        let byDay: Bool
        switch part {
        case .hour, .minute, .second: byDay = false
        default: byDay = true
        }
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

