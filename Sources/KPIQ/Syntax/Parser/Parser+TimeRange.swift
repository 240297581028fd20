/// Calendar ranges after `during`:
///   2024 | 2024-Q1 | 2024-03 | 2024-03-05, or two of them joined by `..` (2024-01..2024-06,
///   2024-01-01..2024-03-31: from the start of the first to the end of the second)
///   | last N (days|weeks|months|quarters|years) | last (day|week|...) | this (week|month|...)
///   | previous (week|month|...) | today | yesterday
extension Parser {
    mutating func timeRange() throws -> TimeRange {
        let token = current
        let start = token.span
        if let first = try fixedPeriod() {
            guard accept(symbol: "..") else { return first }
            guard let last = try fixedPeriod() else {
                throw unexpected("the range's end: a date, month, quarter or year (2024-03-31, 2024-03, 2024-Q1, 2024)")
            }
            let from = TimeRangeResolver.resolve(first, asOf: 0).start
            let to = TimeRangeResolver.resolve(last, asOf: 0).end - 1
            guard to >= from else {
                throw Diagnostic(.invalidRange, "the range ends before it starts", at: start.to(last.span))
            }
            return TimeRange(kind: .dates(from: from, to: to), span: start.to(last.span))
        }
        switch token.kind {
        case .identifier:
            switch token.text.lowercased() {
            case "today":
                advance()
                return TimeRange(kind: .today, span: start)
            case "yesterday":
                advance()
                return TimeRange(kind: .yesterday, span: start)
            case "last", "past":
                advance()
                if current.kind == .integer {
                    let count = current.span
                    let n = try lengthCount("a whole number")
                    let unit = try grainWord()
                    guard n > 0 else { throw Diagnostic(.invalidRange, "`last` needs a number above zero", at: start) }
                    _ = try Self.lengthOfTime(n, Interval.unit(unit.rawValue)!, span: count.to(Span(previousEnd, previousEnd)))
                    return TimeRange(kind: .last(n, unit), span: start.to(Span(previousEnd, previousEnd)))
                }
                let unit = try grainWord()
                return TimeRange(kind: .previous(unit), span: start.to(Span(previousEnd, previousEnd)))
            case "this", "current":
                advance()
                return TimeRange(kind: .this(try grainWord()), span: start.to(Span(previousEnd, previousEnd)))
            case "previous", "prior":
                advance()
                return TimeRange(kind: .previous(try grainWord()), span: start.to(Span(previousEnd, previousEnd)))
            case "ytd":
                advance()
                return TimeRange(kind: .this(.year), span: start)
            case "mtd":
                advance()
                return TimeRange(kind: .this(.month), span: start)
            case "qtd":
                advance()
                return TimeRange(kind: .this(.quarter), span: start)
            default: break
            }
        default: break
        }
        var diagnostic = unexpected("a time range")
        diagnostic.hints = ["for example: 2024, 2024-Q1, 2024-03, 2024-01..2024-06, 2024-01-01..2024-03-31, last 90 days, this month, previous quarter"]
        throw diagnostic
    }

    /// A period named by the calendar alone: `2024-03-05`, `2024-03`, `2024-Q1` or `2024`;
    /// nil (consuming nothing) when the next token starts none of them.
    mutating func fixedPeriod() throws -> TimeRange? {
        let token = current
        let start = token.span
        switch token.kind {
        case .date:
            advance()
            return TimeRange(kind: .day(try Self.dateValue(token)), span: start)
        case .integer where token.text.count == 4:
            advance()
            let year = Int64(token.text)!
            if current.isSymbol("-") {
                let dash = current
                let next = peek()
                if next.kind == .integer, next.text.count <= 2, let month = Int64(next.text), dash.span.end == next.span.start {
                    advance()
                    advance()
                    guard month >= 1, month <= 12 else {
                        throw Diagnostic(.invalidRange, "month \(month) does not exist", at: next.span)
                    }
                    return TimeRange(kind: .month(year: year, month: month), span: start.to(next.span))
                }
                if next.kind == .identifier, next.text.count == 2, next.text.uppercased().hasPrefix("Q"),
                    let q = Int64(next.text.dropFirst()), dash.span.end == next.span.start
                {
                    advance()
                    advance()
                    guard q >= 1, q <= 4 else { throw Diagnostic(.invalidRange, "quarter \(q) does not exist", at: next.span) }
                    return TimeRange(kind: .quarter(year: year, quarter: q), span: start.to(next.span))
                }
            }
            return TimeRange(kind: .year(year), span: start)
        default:
            return nil
        }
    }

    /// `n` units of time (`30 days`), refused when longer than the calendar (`Interval.maxYears`).
    static func lengthOfTime(_ n: Int64, _ unit: Interval, span: Span) throws -> Interval {
        guard let interval = Interval.of(n, unit) else { throw lengthTooLong(at: span) }
        return interval
    }

    static func lengthTooLong(at span: Span) -> Diagnostic {
        Diagnostic(.invalidNumber, "a length of time can be at most \(Interval.maxYears) years", at: span,
                   hints: ["dates run from 0001-01-01 to 9999-12-31"])
    }

    /// The count of a length of time (`90` in `90 days`): a number too large for Int64 is
    /// too long a time, said as such.
    mutating func lengthCount(_ what: String) throws -> Int64 {
        if current.kind == .integer, Int64(current.text) == nil { throw Self.lengthTooLong(at: current.span.to(peek().span)) }
        return try integer(what)
    }

    /// `day`, `week`, `month`, `quarter` or `year` (singular or plural).
    mutating func grainWord() throws -> Grain {
        guard current.kind == .identifier, let grain = Grain(word: current.text) else {
            throw unexpected("day, week, month, quarter or year")
        }
        advance()
        return grain
    }
}
