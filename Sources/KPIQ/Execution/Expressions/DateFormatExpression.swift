/// `format(t, "%Y-%m")`: a date or timestamp as text, by strftime directives, or as the label
/// of its period (`format(t, "week")` is `2024-W03`, as `show ... over week` labels weeks).
///
/// Every label comes from the calendar (`CivilCalendar`, `CalendarMath`). A batch's rows mostly
/// fall on few days, so each distinct day (or instant, when the format shows the time of day)
/// is formatted once per batch and the rows take its dictionary code (one code per distinct
/// text): the result is a text vector of codes, never a string per row.
struct DateFormatExpression: IntegerBackedFunction {
    let operand: any PhysicalExpression
    let format: DateFormatPattern
    var type: DataType? { .text }

    func evaluate(constant value: Int64, inputType: DataType?, count n: Int) -> Vector {
        guard let text = format.text(value, type: inputType) else { return .constant(.null, type: .text, count: n) }
        return .constant(.text(text), type: .text, count: n)
    }

    func evaluate(values: [Int64], valid: [UInt8]?, inputType: DataType?, count n: Int) -> Vector {
        var valid = valid
        var codes = [Int64](repeating: 0, count: n)
        var strings: [String] = []
        var seen: [Int64: Int64] = [:]
        var interned: [String: Int64] = [:]  // days of one month share its label
        let perDay = inputType == .timestamp && !format.showsTime ? CivilCalendar.microsPerDay : 1
        var lastKey = Int64.min, lastCode: Int64 = -1
        for i in 0..<n {
            if let v = valid, v[i] == 0 { continue }
            let key = perDay == 1 ? values[i] : CivilCalendar.floorDiv(values[i], perDay)
            if key == lastKey, lastCode >= 0 { codes[i] = lastCode; continue }
            let code: Int64
            if let known = seen[key] {
                code = known
            } else if let text = format.text(values[i], type: inputType) {
                if let existing = interned[text] {
                    code = existing
                } else {
                    code = Int64(strings.count)
                    strings.append(text)
                    interned[text] = code
                }
                seen[key] = code
            } else {
                if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                valid![i] = 0
                continue
            }
            (codes[i], lastKey, lastCode) = (code, key, code)
        }
        return Vector(type: .text, values: .text(codes: codes, dictionary: StringDictionary(strings: strings)), valid: valid, count: n)
    }
}

/// A format of `format(t, ...)`, read once when the query is bound.
struct DateFormatPattern: Sendable {
    enum Piece: Sendable {
        case literal(String)
        case directive(Character)
    }

    enum Kind: Sendable {
        case pieces([Piece])
        /// `"day"`, `"week"`, `"month"`, `"quarter"`, `"year"`: the period's label.
        case period(Grain)
    }

    let kind: Kind

    /// The directives: as strftime's (and DuckDB's), plus `%q` for the quarter.
    static let directives: [Character: String] = [
        "Y": "year", "y": "year, 2 digits", "m": "month, 01-12", "d": "day, 01-31", "H": "hour, 00-23", "M": "minute", "S": "second",
        "j": "day of the year, 001-366", "G": "ISO year (of the week)", "V": "ISO week, 01-53", "u": "ISO weekday, 1 = Monday",
        "q": "quarter, 1-4", "b": "month, Jan", "B": "month, January", "a": "weekday, Mon", "A": "weekday, Monday", "F": "%Y-%m-%d",
        "%": "%",
    ]

    /// A directive kpiq does not know, as written (`%Q`).
    struct UnknownDirective: Error {
        let text: String
    }

    /// The pattern, or the first directive kpiq does not know.
    static func parse(_ text: String) -> Result<DateFormatPattern, UnknownDirective> {
        if let grain = Grain(rawValue: text.lowercased()) { return .success(DateFormatPattern(kind: .period(grain))) }
        var pieces: [Piece] = []
        var literal = ""
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else { literal.append(c); continue }
            guard let d = iterator.next() else { return .failure(UnknownDirective(text: "%")) }
            guard directives[d] != nil else { return .failure(UnknownDirective(text: "%" + String(d))) }
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            pieces.append(.directive(d))
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return .success(DateFormatPattern(kind: .pieces(pieces)))
    }

    /// Whether the text depends on the time of day (else one text per day).
    var showsTime: Bool {
        guard case .pieces(let pieces) = kind else { return false }
        return pieces.contains { if case .directive(let d) = $0 { return "HMS".contains(d) } else { return false } }
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    private static let dayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// The text of a date (days) or timestamp (microseconds); nil outside the calendar.
    func text(_ value: Int64, type: DataType?) -> String? {
        guard CalendarMath.inCalendar(value, type: type) else { return nil }
        let day = CalendarMath.dayNumber(value, type: type)
        switch kind {
        case .period(let grain):
            return CivilCalendar.periodLabel(CalendarMath.truncate(day, to: grain), grain)
        case .pieces(let pieces):
            let (y, m, d) = CivilCalendar.civil(day)
            let inDay = type == .timestamp ? value - day * CivilCalendar.microsPerDay : 0
            let seconds = inDay / CivilCalendar.microsPerSecond
            var out = ""
            for piece in pieces {
                switch piece {
                case .literal(let text): out += text
                case .directive(let c):
                    switch c {
                    case "Y": out += CivilCalendar.pad(y, 4)
                    case "y": out += CivilCalendar.pad(y % 100, 2)
                    case "m": out += CivilCalendar.pad(m, 2)
                    case "d": out += CivilCalendar.pad(d, 2)
                    case "H": out += CivilCalendar.pad(seconds / 3600, 2)
                    case "M": out += CivilCalendar.pad(seconds / 60 % 60, 2)
                    case "S": out += CivilCalendar.pad(seconds % 60, 2)
                    case "j": out += CivilCalendar.pad(day - CivilCalendar.days(year: y, month: 1, day: 1) + 1, 3)
                    case "G": out += CivilCalendar.pad(CivilCalendar.civil(day + 4 - CivilCalendar.isoWeekday(day)).year, 4)
                    case "V": out += CivilCalendar.pad(CalendarMath.isoWeek(day), 2)
                    case "u": out += String(CivilCalendar.isoWeekday(day))
                    case "q": out += String((m - 1) / 3 + 1)
                    case "b": out += String(Self.monthNames[Int(m) - 1].prefix(3))
                    case "B": out += Self.monthNames[Int(m) - 1]
                    case "a": out += String(Self.dayNames[Int(CivilCalendar.isoWeekday(day)) - 1].prefix(3))
                    case "A": out += Self.dayNames[Int(CivilCalendar.isoWeekday(day)) - 1]
                    case "F": out += CivilCalendar.formatDate(day)
                    default: out += "%"
                    }
                }
            }
            return out
        }
    }
}
