/// The days a KPI statement (`show`, `funnel`) reads for a `during` range.
///
/// The "as of" day is today for the data: nothing after it has happened yet, so a range is
/// cut at the end of that day. A range that starts after it would be empty whatever the data
/// holds, which is almost always a mistyped year or a stale `as of`: it is an error rather
/// than a table of zeros.
enum AsOfRange {
    /// `[start, end)` in day numbers, with `end` no later than the day after `asOf`.
    static func resolve(_ range: TimeRange, asOf: Int64) throws -> (start: Int64, end: Int64) {
        let written = TimeRangeResolver.resolve(range, asOf: asOf)
        guard written.start <= asOf else {
            throw Diagnostic(
                .invalidRange,
                "this range starts on \(CivilCalendar.formatDate(written.start)), after the as-of day \(CivilCalendar.formatDate(asOf)): nothing in it has happened yet",
                at: range.span,
                hints: ["the as-of day is today for the data; move it with `as of YYYY-MM-DD` (or .asof, --asof)"])
        }
        return (written.start, min(written.end, asOf + 1))
    }

    /// The end of the rows any KPI statement reads: the day after the as-of day.
    static func end(asOf: Int64) -> Int64 { asOf + 1 }
}
