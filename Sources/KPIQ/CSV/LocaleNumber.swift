/// Numbers as spreadsheets and regional exports write them: a decimal comma or point,
/// digits grouped by thousands (`1 234,56`, `1.234,56`, `1,234.50`, `1'234.50`), a currency
/// sign before or after (`€ 1 234,56`, `$1,234.50`, `12 €`), a percent sign after (`12,5 %`),
/// a minus sign or accounting parentheses (`(1 234,56)`).
///
/// The CSV builders read plain numbers; a column they leave as text is offered to
/// `LocaleColumnInference`, which asks this parser about each distinct value.
struct LocaleNumber: Equatable {
    enum Mark: UInt8, Sendable {
        case point = 46
        case comma = 44

        var name: String { self == .comma ? "decimal comma" : "decimal point" }
    }

    /// The value with the percent already applied (`12,5 %` is 0.125).
    var value: Double
    /// The value as an integer when it has no fraction digits, no percent and fits 64 bits.
    var integer: Int64?
    /// The bytes grouping thousands (space, `.`, `,`, `'`, a no-break space), packed into
    /// an integer (first byte lowest); nil without grouping.
    var groupSeparator: UInt32?
    var hasFraction: Bool
    var isPercent: Bool
    /// The currency sign written with the number, as an index into `currencySigns`.
    var currency: Int?

    /// Currency signs read around numbers. ISO codes (`EUR`) are left alone: they are as
    /// often part of a label as of an amount.
    static let currencySigns: [[UInt8]] = ["€", "$", "£", "¥", "₹", "₽", "₩", "CHF", "R$"].map { Array($0.utf8) }
    /// Spaces around and inside numbers: space, tab, no-break space (U+00A0) and narrow
    /// no-break space (U+202F), which French exports use to group thousands.
    static let noBreakSpace: [UInt8] = [0xC2, 0xA0]
    static let narrowNoBreakSpace: [UInt8] = [0xE2, 0x80, 0xAF]

    /// Parses `bytes` with the given decimal mark; nil when it is not such a number.
    static func parse(_ bytes: UnsafeRawBufferPointer, mark: Mark) -> LocaleNumber? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var p = 0
        var end = bytes.count
        func spaceLength(at i: Int) -> Int {
            if i < end, base[i] == 32 || base[i] == 9 { return 1 }
            if i + 1 < end, base[i] == 0xC2, base[i + 1] == 0xA0 { return 2 }
            if i + 2 < end, base[i] == 0xE2, base[i + 1] == 0x80, base[i + 2] == 0xAF { return 3 }
            return 0
        }
        func spaceLength(endingAt i: Int) -> Int {
            if i > p, base[i - 1] == 32 || base[i - 1] == 9 { return 1 }
            if i - 2 >= p, base[i - 2] == 0xC2, base[i - 1] == 0xA0 { return 2 }
            if i - 3 >= p, base[i - 3] == 0xE2, base[i - 2] == 0x80, base[i - 1] == 0xAF { return 3 }
            return 0
        }
        func skipSpaces() { while case let k = spaceLength(at: p), k > 0 { p += k } }
        func trimEnd() { while case let k = spaceLength(endingAt: end), k > 0 { end -= k } }
        func matches(_ sign: [UInt8], at i: Int) -> Bool {
            guard i >= p, i + sign.count <= end else { return false }
            for k in 0..<sign.count where base[i + k] != sign[k] { return false }
            return true
        }
        func currency(at i: Int) -> Int? {
            guard i < end, !FieldParsing.isDigit(base[i]) else { return nil }
            return currencySigns.firstIndex { matches($0, at: i) }
        }
        func currencyEnding(at i: Int) -> Int? {
            guard i > p, !FieldParsing.isDigit(base[i - 1]) else { return nil }
            return currencySigns.firstIndex { matches($0, at: i - $0.count) }
        }

        skipSpaces()
        trimEnd()
        guard p < end else { return nil }
        var negative = false
        var parenthesized = false
        if base[p] == 40, base[end - 1] == 41 {  // ( )
            parenthesized = true
            p += 1
            end -= 1
            skipSpaces()
            trimEnd()
        }
        var isPercent = false
        if p < end, base[end - 1] == 37 {  // %
            isPercent = true
            end -= 1
            trimEnd()
        }
        var sign: Int?
        func takeMinus() {
            guard !negative, p < end else { return }
            if base[p] == 45 || base[p] == 43 {
                negative = base[p] == 45
                p += 1
                skipSpaces()
            } else if p + 2 < end, base[p] == 0xE2, base[p + 1] == 0x88, base[p + 2] == 0x92 {  // U+2212 minus
                negative = true
                p += 3
                skipSpaces()
            }
        }
        takeMinus()
        if let found = currency(at: p) {
            sign = found
            p += currencySigns[found].count
            skipSpaces()
            takeMinus()
        } else if let found = currencyEnding(at: end) {
            sign = found
            end -= currencySigns[found].count
            trimEnd()
        }
        if parenthesized && negative { return nil }
        negative = negative || parenthesized
        guard p < end, FieldParsing.isDigit(base[p]) || (base[p] == mark.rawValue && p + 1 < end) else { return nil }

        // The digits are copied without separators into `plain` (`-1234.56`), which the CSV
        // loader's own parser reads; in groups of three after the first when a separator appears.
        let capacity = 48
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { plain -> LocaleNumber? in
            var n = 0
            if negative { plain[0] = 45; n = 1 }
            var integerDigits = 0
            var separator: UInt32?
            var groupLength = 0
            var groups = 0
            while p < end {
                let c = base[p]
                if FieldParsing.isDigit(c) {
                    guard n < capacity - 2 else { return nil }
                    plain[n] = c
                    n += 1
                    integerDigits += 1
                    groupLength += 1
                    p += 1
                    continue
                }
                if c == mark.rawValue { break }
                // A separator: one kind for the whole number, never the decimal mark.
                var length = spaceLength(at: p)
                if length == 0 {
                    guard c == 46 || c == 44 || c == 39 else { return nil }  // . , '
                    length = 1
                } else if base[p] == 9 {
                    return nil
                }
                var this: UInt32 = 0
                for k in 0..<length { this |= UInt32(base[p + k]) << (8 * UInt32(k)) }
                if let separator, separator != this { return nil }
                separator = this
                // The first group has one to three digits, the next ones exactly three.
                if groups == 0 ? (groupLength == 0 || groupLength > 3) : groupLength != 3 { return nil }
                groups += 1
                groupLength = 0
                p += length
            }
            if groups > 0, groupLength != 3 { return nil }
            if integerDigits == 0 {
                plain[n] = 48
                n += 1
            }
            var fractionDigits = 0
            if p < end {
                // The decimal mark, then at least one digit, then nothing.
                p += 1
                guard n < capacity - 1 else { return nil }
                plain[n] = 46
                n += 1
                while p < end, FieldParsing.isDigit(base[p]) {
                    guard n < capacity else { return nil }
                    plain[n] = base[p]
                    n += 1
                    fractionDigits += 1
                    p += 1
                }
                guard p == end, fractionDigits > 0 else { return nil }
            }
            var value: Double = 0
            guard FieldParsing.parseDouble(UnsafePointer(plain.baseAddress!), n, &value) else { return nil }
            var integer: Int64?
            if fractionDigits == 0, !isPercent {
                var v: Int64 = 0
                // An integer beyond 64 bits stays text, as the CSV builders keep it (an id,
                // usually, which must stay exact).
                guard FieldParsing.parseInt(UnsafePointer(plain.baseAddress!), n, &v) else { return nil }
                integer = v
            }
            if isPercent { value /= 100 }
            return LocaleNumber(
                value: value, integer: integer, groupSeparator: separator, hasFraction: fractionDigits > 0,
                isPercent: isPercent, currency: sign)
        }
    }
}
