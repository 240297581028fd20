import CKPIQSupport

/// The fast path for the commonest timestamp shape in exports, `YYYY-MM-DDTHH:MM:SS` (or with
/// a space or `t` between date and time), into seconds since the epoch.
///
/// Rows of a file are usually in time order, so consecutive values mostly share their date:
/// the day number of the last date seen is kept, and the calendar arithmetic only runs when
/// the date changes. Any other shape returns nil, for `FieldParsing.parseISOTimestamp`, which
/// accepts a superset and gives the same value (in microseconds) on these 19 bytes.
struct SecondTimestampParser {
    private var cachedDateWord: UInt64 = 0
    private var cachedDateTail: UInt16 = 0
    private var cachedDays: Int64 = 0
    private var hasCachedDate = false

    /// The last date read, for the loader's C loop (timestamp_run.c), which reads times on
    /// that date and stops at a new one; nil before any.
    var knownDate: kpiq_known_date? {
        hasCachedDate ? kpiq_known_date(word: cachedDateWord, tail: cachedDateTail, days: cachedDays) : nil
    }

    @inline(__always)
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 19 else { return nil }
        let separator = p[10]
        guard separator == 84 || separator == 32 || separator == 116, p[13] == 58, p[16] == 58,  // T space t, ':' ':'
            let hh = FieldParsing.twoDigits(p + 11), let mi = FieldParsing.twoDigits(p + 14),
            let ss = FieldParsing.twoDigits(p + 17), hh < 24, mi < 60, ss < 60
        else { return nil }
        let raw = UnsafeRawPointer(p)
        let dateWord = raw.loadUnaligned(as: UInt64.self)
        let dateTail = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let days: Int64
        if hasCachedDate, dateWord == cachedDateWord, dateTail == cachedDateTail {
            days = cachedDays
        } else {
            var parsed: Int64 = 0
            guard FieldParsing.parseISODate(p, 10, &parsed) else { return nil }
            days = parsed
            cachedDateWord = dateWord
            cachedDateTail = dateTail
            cachedDays = days
            hasCachedDate = true
        }
        return days &* 86_400 &+ hh &* 3600 &+ mi &* 60 &+ ss
    }
}

/// The fast parsers of `ColumnBuilder`'s integer runs: a value, or nil to leave the field
/// to the general path.
protocol RunFieldParser {
    /// `canOverread`: 16 bytes can be read at `p`, whatever the field's length.
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int, canOverread: Bool) -> Int64?
}

struct IntegerFieldParser: RunFieldParser {
    @inline(__always)
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int, canOverread: Bool) -> Int64? {
        if canOverread, let digits = DigitParsing.parseUpToEightDigits(p, n) { return digits }
        var v: Int64 = 0
        return FieldParsing.parseInt(p, n, &v) ? v : nil
    }
}

/// Timestamps in seconds, or in microseconds once the column holds a fraction of a second.
struct TimestampFieldParser: RunFieldParser {
    var days: SecondTimestampParser
    let inSeconds: Bool

    @inline(__always)
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int, canOverread: Bool) -> Int64? {
        guard let seconds = days.parse(p, n) else { return nil }
        return inSeconds ? seconds : seconds &* IntegerBuffer.microsPerSecond
    }
}
