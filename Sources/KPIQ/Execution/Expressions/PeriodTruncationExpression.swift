/// `day(ts)`, `week(ts)`, `month(ts)`, `quarter(ts)`, `year(ts)`: the first day of the period
/// holding each date or timestamp.
///
/// Rows of an export come roughly in time order, so consecutive values mostly fall in the same
/// period. The kernel keeps the last period's bounds (in the input's own unit, microseconds or
/// days) and answers a value inside them with one comparison; only a value outside pays for
/// the calendar arithmetic. Monthly grouping of ten million sessions then costs a compare per
/// row instead of a division and a civil-date conversion.
struct PeriodTruncationExpression: IntegerBackedFunction {
    let operand: any PhysicalExpression
    let grain: Grain
    var type: DataType? { .date }

    func evaluate(constant value: Int64, inputType: DataType?, count n: Int) -> Vector {
        guard let bounds = Self.period(holding: value, perDay: Self.perDay(inputType), grain: grain) else { return .constant(.null, type: .date, count: n) }
        return .constant(.date(bounds.startDay), type: .date, count: n)
    }

    func evaluate(values: [Int64], valid: [UInt8]?, inputType: DataType?, count n: Int) -> Vector {
        let perDay = Self.perDay(inputType)
        var valid = valid
        var out = [Int64](repeating: 0, count: n)
        // The current period: [lower, upper) in input units, starting on `startDay`.
        var lower = Int64.max, upper = Int64.min, startDay: Int64 = 0
        values.withUnsafeBufferPointer { values in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    if let v = valid, v[i] == 0 { continue }
                    let value = values[i]
                    if value < lower || value >= upper {
                        guard let bounds = Self.period(holding: value, perDay: perDay, grain: grain) else {
                            if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                            valid![i] = 0
                            continue
                        }
                        (lower, upper, startDay) = (bounds.lower, bounds.upper, bounds.startDay)
                    }
                    out[i] = startDay
                }
            }
        }
        return Vector(type: .date, values: .ints(out), valid: valid, count: n)
    }

    /// The input's units per day: microseconds for a timestamp, else one (days).
    private static func perDay(_ inputType: DataType?) -> Int64 { inputType == .timestamp ? CivilCalendar.microsPerDay : 1 }

    /// The period holding `value` (days, or microseconds when `perDay` is a day's): its first
    /// day, and its bounds in the input's unit. Nil when the bounds cannot be represented.
    static func period(holding value: Int64, perDay: Int64, grain: Grain) -> (startDay: Int64, lower: Int64, upper: Int64)? {
        guard CalendarMath.inCalendar(value, type: perDay == 1 ? .date : .timestamp) else { return nil }
        let day = CivilCalendar.floorDiv(value, perDay)
        let start = CalendarMath.truncate(day, to: grain)
        let next = CalendarMath.shiftPeriod(start, grain, by: 1)
        let (lower, lowOverflow) = start.multipliedReportingOverflow(by: perDay)
        let (upper, highOverflow) = next.multipliedReportingOverflow(by: perDay)
        guard !lowOverflow, !highOverflow, lower <= value, value < upper else { return nil }
        return (start, lower, upper)
    }
}
