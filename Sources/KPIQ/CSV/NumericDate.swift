/// Dates written with numbers only, day and month in either order: `31/01/2024`,
/// `01/31/2024`, `31.01.2024`, `31-01-2024`, with an optional time (`31/01/2024 14:05[:09]`).
/// Which order a column uses is decided over the whole column (`LocaleColumnInference`).
struct NumericDate: Equatable {
    /// The first and second numbers, as written (day and month in some order).
    var first: Int64
    var second: Int64
    var year: Int64
    var separator: UInt8
    /// Seconds since midnight, when a time follows.
    var seconds: Int64?

    enum Order: Sendable {
        case dayFirst, monthFirst

        var name: String { self == .dayFirst ? "day-first dates" : "month-first dates" }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> NumericDate? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var p = UnsafePointer(base)
        var n = bytes.count
        FieldParsing.trim(&p, &n)
        var i = 0
        func number(maxDigits: Int) -> Int64? {
            var v: Int64 = 0
            var digits = 0
            while i < n, FieldParsing.isDigit(p[i]), digits < maxDigits {
                v = v * 10 + Int64(p[i] - 48)
                digits += 1
                i += 1
            }
            return digits == 0 ? nil : v
        }
        guard let a = number(maxDigits: 2), i < n else { return nil }
        let separator = p[i]
        guard separator == 47 || separator == 46 || separator == 45 else { return nil }  // / . -
        i += 1
        guard let b = number(maxDigits: 2), i < n, p[i] == separator else { return nil }
        i += 1
        let yearStart = i
        guard let y = number(maxDigits: 4), i - yearStart == 4 else { return nil }
        var date = NumericDate(first: a, second: b, year: y, separator: separator, seconds: nil)
        if i == n { return date }
        guard p[i] == 32 || p[i] == 84 else { return nil }  // space or T
        i += 1
        guard let hh = number(maxDigits: 2), hh < 24, i < n, p[i] == 58 else { return nil }
        i += 1
        let minuteStart = i
        guard let mm = number(maxDigits: 2), i - minuteStart == 2, mm < 60 else { return nil }
        var ss: Int64 = 0
        if i < n, p[i] == 58 {
            i += 1
            let secondStart = i
            guard let s = number(maxDigits: 2), i - secondStart == 2, s < 60 else { return nil }
            ss = s
        }
        guard i == n else { return nil }
        date.seconds = hh * 3600 + mm * 60 + ss
        return date
    }

    /// Microseconds since the epoch (days when `seconds` is nil, times `microsPerDay` when
    /// the caller wants a timestamp), or nil when the date does not exist in that order.
    func days(_ order: Order) -> Int64? {
        let (day, month) = order == .dayFirst ? (first, second) : (second, first)
        guard CivilCalendar.isValid(year: year, month: month, day: day) else { return nil }
        return CivilCalendar.days(year: year, month: month, day: day)
    }
}
