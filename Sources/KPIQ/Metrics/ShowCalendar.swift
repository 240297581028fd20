/// The calendar of a `show`: the units it reports (each period of `over GRAIN`, or the range
/// as a whole), the days each unit counts, and the days each `vs` compares it with.
///
/// The rules, one for each concept:
/// - A unit counts the days of it inside the range and up to the as-of day; a unit cut short
///   is *partial*.
/// - `vs previous period` compares a unit with the one before it (the period before, or for a
///   range the same length before: `this month` with the month before, `last 90 days` with
///   the 90 days before); `vs previous year` with the same unit a year earlier (52 weeks for
///   weeks, so weekdays line up). A partial unit is compared with the same span of the earlier
///   one (June 1-15 with May 1-15), unless `whole` asks for all of it.
/// - Shifts are calendar shifts (`CalendarMath`): one month before March 31 is February 29 or 28.
struct ShowCalendar {
    /// One row of the result's calendar.
    struct Unit {
        /// The period's first day (nil without `over`).
        var period: Int64?
        /// The unit as written, `[start, end)`: the whole period, or the whole range.
        var written: (start: Int64, end: Int64)
        /// The days counted, `[start, end)`; no start: from the first row.
        var counted: (start: Int64?, end: Int64)
        /// Per comparison: the earlier unit's first day and the days compared, `[start, end)`.
        var compared: [(period: Int64, start: Int64, end: Int64)]

        var isPartial: Bool { (counted.start ?? written.start) != written.start || counted.end != written.end }
    }

    let grain: Grain?
    let asOf: Int64
    let comparisons: [ShowStatement.Comparison]
    /// The length of one unit: a period of the grain, or the range's own length.
    let unitLength: Interval
    private(set) var units: [Unit]

    /// The most periods a `show` lists: `over day during last 9999 years` would be 3.6 million
    /// rows, nearly all empty.
    static let maxPeriods = 100_000

    /// `range`: the days of `during` as written (not cut at the as-of day); `dataDays`: the
    /// first and last day of the data the metrics read, which bound the periods without a range.
    init(grain: Grain?, range: TimeRange?, asOf: Int64, comparisons: [ShowStatement.Comparison],
         dataDays: (first: Int64, last: Int64)?, span: Span?) throws {
        self.grain = grain
        self.asOf = asOf
        self.comparisons = comparisons
        let end = AsOfRange.end(asOf: asOf)
        var units: [Unit] = []
        var written = range.map { TimeRangeResolver.resolve($0, asOf: asOf) }
        if case .this(let thisGrain)? = range?.kind, let start = written?.start {
            // `this month` is the whole month, counted up to the as-of day.
            written = (start, CalendarMath.nextPeriod(start, thisGrain))
        }
        let counted = try range.map { try AsOfRange.resolve($0, asOf: asOf) }
        if let grain {
            unitLength = CalendarMath.length(of: 1, grain)
            let first = counted?.start ?? dataDays?.first
            let last = counted.map { $0.end - 1 } ?? dataDays.map { min($0.last, asOf) }
            if let first, let last, first <= last {
                var p = CalendarMath.truncate(first, to: grain)
                let lastPeriod = CalendarMath.truncate(last, to: grain)
                while p <= lastPeriod {
                    guard units.count < Self.maxPeriods else {
                        throw Diagnostic(.limitExceeded, "this `show` would list more than \(Self.maxPeriods) \(grain.rawValue)s", at: span,
                                         hints: ["shorten the range, or count over a longer period (`over month`, `over year`)"])
                    }
                    let next = CalendarMath.nextPeriod(p, grain)
                    let start = counted.map { max($0.start, p) } ?? p
                    units.append(Unit(period: p, written: (p, next), counted: (start, min(next, counted?.end ?? end)), compared: []))
                    p = next
                }
            }
        } else if let written, let counted {
            unitLength = Self.length(of: range!, written: written)
            units = [Unit(period: nil, written: written, counted: (counted.start, counted.end), compared: [])]
        } else {
            unitLength = Interval(days: 1)
            units = [Unit(period: nil, written: (CivilCalendar.minDay, end), counted: (nil, end), compared: [])]
        }
        self.units = []
        for k in units.indices {
            units[k].compared = comparisons.map { compared(units[k], $0) }
        }
        self.units = units
    }

    /// How far back a comparison looks.
    func shift(_ comparison: ShowStatement.Comparison) -> Interval {
        switch comparison.kind {
        case .previousPeriod: return unitLength
        case .previousYear: return grain == .week ? Interval(days: 364) : Interval(months: 12)
        }
    }

    /// The earlier unit of `unit` and the days of it compared.
    private func compared(_ unit: Unit, _ comparison: ShowStatement.Comparison) -> (period: Int64, start: Int64, end: Int64) {
        let back = shift(comparison)
        let earlier = Self.move(unit.written.start, by: back, forward: false)
        let earlierEnd = Self.move(earlier, by: unitLength, forward: true)
        if comparison.whole { return (earlier, earlier, earlierEnd) }
        // The same span: each cut end moved back by the same calendar shift, kept inside the
        // earlier unit (one month before March 30 is February 28 or 29, the whole month).
        let countedStart = unit.counted.start ?? unit.written.start
        let start = countedStart == unit.written.start ? earlier : Self.move(countedStart, by: back, forward: false)
        let end = unit.counted.end == unit.written.end ? earlierEnd : Self.move(unit.counted.end - 1, by: back, forward: false) + 1
        return (earlier, min(max(start, earlier), earlierEnd), min(max(end, earlier), earlierEnd))
    }

    /// The days every unit's comparison `k` reads: one span, since units follow each other.
    func comparedDays(_ k: Int) -> (start: Int64, end: Int64)? {
        guard let start = units.map({ $0.compared[k].start }).min(), let end = units.map({ $0.compared[k].end }).max() else { return nil }
        return (start, end)
    }

    /// A day moved by a length of time (within the calendar: the parser bounds every length).
    static func move(_ day: Int64, by interval: Interval, forward: Bool) -> Int64 {
        let signed = forward ? interval : Interval(months: -interval.months, days: -interval.days, micros: -interval.micros)
        return CalendarMath.shift(day, inputType: .date, by: signed, resultType: .date) ?? (forward ? CivilCalendar.maxDay + 1 : CivilCalendar.minDay)
    }


    /// A range's own length: calendar months when it runs over whole months, else days.
    static func length(of range: TimeRange, written: (start: Int64, end: Int64)) -> Interval {
        switch range.kind {
        case .year: return Interval(months: 12)
        case .quarter: return Interval(months: 3)
        case .month: return Interval(months: 1)
        case .this(let grain), .previous(let grain): return CalendarMath.length(of: 1, grain)
        case .last(let n, let grain): return CalendarMath.length(of: n, grain)
        case .day, .today, .yesterday: return Interval(days: 1)
        case .dates:
            let (ys, ms, ds) = CivilCalendar.civil(written.start)
            let (ye, me, de) = CivilCalendar.civil(written.end)
            if ds == 1, de == 1 { return Interval(months: (ye * 12 + me) - (ys * 12 + ms)) }
            return Interval(days: written.end - written.start)
        }
    }


    /// `[start, end)` as `2024-05-01 .. 2024-05-15`.
    static func days(_ start: Int64, _ end: Int64) -> String {
        CivilCalendar.formatDate(start) + " .. " + CivilCalendar.formatDate(end - 1)
    }

    /// Why a partial unit is partial, for the note under the table.
    func partialNote(_ unit: Unit) -> String? {
        guard unit.isPartial, let grain, let period = unit.period else { return nil }
        var reasons: [String] = []
        if let start = unit.counted.start, start > unit.written.start { reasons.append("the range starts \(CivilCalendar.formatDate(start))") }
        if unit.counted.end < unit.written.end {
            if unit.counted.end == AsOfRange.end(asOf: asOf) {
                reasons.append("data up to \(CivilCalendar.formatDate(asOf))")
            } else {
                reasons.append("the range ends \(CivilCalendar.formatDate(unit.counted.end - 1))")
            }
        }
        return "\(CivilCalendar.periodLabel(period, grain)) is partial: " + reasons.joined(separator: "; ")
    }

    /// What each comparison compares, for the notes: the rule, and the dates of every unit
    /// that is not compared whole with a whole earlier unit.
    func comparisonNotes() -> [String] {
        var notes: [String] = []
        for (k, comparison) in comparisons.enumerated() {
            let what = comparison.kind == .previousYear ? "previous year" : "previous period"
            let unitName = grain?.rawValue ?? "range"
            var line = "vs \(what): each \(unitName) against "
            switch comparison.kind {
            case .previousPeriod: line += grain == nil ? "the same length just before it" : "the \(unitName) before it"
            case .previousYear: line += grain == .week ? "the same week 52 weeks earlier" : "the same \(unitName) a year earlier"
            }
            line += comparison.whole ? ", whole" : ", over the same span when cut short"
            let cut = units.filter { $0.isPartial || comparison.whole || grain == nil }
            let described = cut.prefix(4).map { unit -> String in
                let name = unit.period.map { CivilCalendar.periodLabel($0, grain!) } ?? Self.days(unit.counted.start ?? unit.written.start, unit.counted.end)
                let c = unit.compared[k]
                return "\(name)\(unit.period != nil && unit.isPartial ? " (" + Self.days(unit.counted.start ?? unit.written.start, unit.counted.end) + ")" : "") with \(Self.days(c.start, c.end))"
            }
            if !described.isEmpty { line += ": " + described.joined(separator: "; ") + (cut.count > 4 ? "; ..." : "") }
            notes.append(line)
        }
        return notes
    }
}
