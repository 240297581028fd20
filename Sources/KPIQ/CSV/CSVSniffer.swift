#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Guesses the delimiter and whether the first row is a header, from the start of a file.
struct CSVSniffer {
    static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]
    static let sampleRows = 500

    let base: UnsafePointer<UInt8>
    /// Start of the data (after any byte-order mark) and end of the sample.
    let start: Int
    let end: Int
    let quote: UInt8

    /// Field counts of the first rows under a delimiter (blank lines left out).
    func fieldCounts(_ delimiter: CSVOptions.Delimiter) -> [Int] {
        let tokenizer = CSVTokenizer(base: base, end: end, delimiter: delimiter, quote: quote, capacity: 0)
        var scratch = GrowableBuffer<UInt8>(capacity: 256)
        defer { scratch.release() }
        var counts: [Int] = []
        var p = start
        var dummy = FieldRef(offset: 0, count: 0, quoted: false, inScratch: false)
        while p < end, counts.count < Self.sampleRows {
            var n = 0
            scratch.removeAll()
            let (next, status) = tokenizer.parseRow(at: p, fields: &dummy, fieldCount: &n, scratch: &scratch)
            switch status {
            case .ok: counts.append(n)
            case .blank: break
            case .badCharacterAfterQuote, .textBeyondWidths: counts.append(-1)
            case .unclosedQuote: return counts  // the sample may cut a quoted field
            }
            p = next
        }
        return counts
    }

    /// True when the first line ends with a carriage return alone: the file's lines end with
    /// CR (classic Mac OS). Only the first line is looked at, so other files pay for no scan.
    static func endsLinesWithCarriageReturn(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        func offset(_ found: UnsafeMutableRawPointer) -> Int { UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base }
        let newline = memchr(base + start, 10, end - start).map(offset) ?? end
        guard let cr = memchr(base + start, 13, newline - start).map(offset) else { return false }
        return cr + 1 != newline
    }

    /// The delimiter whose rows agree on a field count above one; whitespace when no single
    /// byte does but runs of spaces do; otherwise a comma (one column).
    func detectDelimiter() -> CSVOptions.Delimiter {
        var best: (delimiter: CSVOptions.Delimiter, consistency: Double, fields: Int)?
        for candidate in Self.candidates {
            let counts = fieldCounts(.byte(candidate))
            guard let (mode, share) = Self.mode(of: counts), mode > 1 else { continue }
            if best == nil || share > best!.consistency + 1e-9 || (abs(share - best!.consistency) < 1e-9 && mode > best!.fields) {
                best = (.byte(candidate), share, mode)
            }
        }
        if let best, best.consistency >= 0.9 { return best.delimiter }
        let spaced = fieldCounts(.whitespace)
        if let (mode, share) = Self.mode(of: spaced), mode > 1, share >= 0.9 { return .whitespace }
        return best?.delimiter ?? .byte(UInt8(ascii: ","))
    }

    /// The most frequent count and the share of rows that have it.
    static func mode(of counts: [Int]) -> (Int, Double)? {
        guard !counts.isEmpty else { return nil }
        var tally: [Int: Int] = [:]
        for c in counts { tally[c, default: 0] += 1 }
        let top = tally.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!
        return (top.key, Double(top.value) / Double(counts.count))
    }

    /// A header when some column holds typed values (numbers, dates, booleans) below a text
    /// first row; with only text columns, a header too (the common case); a single line is a
    /// header unless it has typed fields.
    func detectHeader(_ delimiter: CSVOptions.Delimiter, settings: FieldSettings) -> Bool {
        let rows = sampleRows(delimiter)
        guard let first = rows.first else { return true }
        let rest = rows.dropFirst()
        if rest.isEmpty {
            // A single line: data only if some field looks typed.
            return !first.contains { Self.classify($0, settings) != .text && Self.classify($0, settings) != .unknown }
        }
        var sawTypedColumn = false
        for column in 0..<first.count {
            var kind = ColumnBuilder.Kind.unknown
            for row in rest where column < row.count {
                kind = Self.widen(kind, Self.classify(row[column], settings))
            }
            guard kind != .text, kind != .unknown else { continue }
            sawTypedColumn = true
            // A name above typed values: text where numbers, dates or booleans follow.
            if Self.classify(first[column], settings) == .text { return true }
        }
        // All columns are text below: a header is by far the common case.
        return !sawTypedColumn
    }

    /// Rows of the sample as arrays of field bytes.
    func sampleRows(_ delimiter: CSVOptions.Delimiter) -> [[[UInt8]]] {
        let tokenizer = CSVTokenizer(base: base, end: end, delimiter: delimiter, quote: quote, capacity: 4096)
        var scratch = GrowableBuffer<UInt8>(capacity: 256)
        let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: 4096)
        defer { scratch.release(); fields.deallocate() }
        var rows: [[[UInt8]]] = []
        var p = start
        while p < end, rows.count < 200 {
            var n = 0
            scratch.removeAll()
            let (next, status) = tokenizer.parseRow(at: p, fields: fields, fieldCount: &n, scratch: &scratch)
            if status == .ok {
                var row: [[UInt8]] = []
                for k in 0..<min(n, 4096) {
                    let f = fields[k]
                    let source = f.inScratch ? UnsafePointer(scratch.base) : base
                    row.append(Array(UnsafeBufferPointer(start: source + f.offset, count: f.count)))
                }
                rows.append(row)
            } else if case .unclosedQuote = status {
                break
            }
            p = next
        }
        return rows
    }

    static func classify(_ bytes: [UInt8], _ settings: FieldSettings) -> ColumnBuilder.Kind {
        bytes.withUnsafeBufferPointer { buffer -> ColumnBuilder.Kind in
            guard let p = buffer.baseAddress, buffer.count > 0 else { return .unknown }
            let n = buffer.count
            var i: Int64 = 0, d: Double = 0, b = false
            if settings.isNullMarker(p, n) { return .unknown }
            if FieldParsing.parseInt(p, n, &i) { return .int }
            if FieldParsing.parseDouble(p, n, &d) { return .decimal }
            if FieldParsing.parseBool(p, n, &b) { return .bool }
            if FieldParsing.parseISODate(p, n, &i) || settings.parseWithFormats(p, n, wantTime: false) != nil { return .date }
            if FieldParsing.parseISOTimestamp(p, n, &i) || settings.parseWithFormats(p, n, wantTime: true) != nil { return .timestamp }
            return .text
        }
    }

    /// The narrowest kind holding both.
    static func widen(_ a: ColumnBuilder.Kind, _ b: ColumnBuilder.Kind) -> ColumnBuilder.Kind {
        if a == b || b == .unknown { return a }
        if a == .unknown { return b }
        let pair = a < b ? (a, b) : (b, a)
        switch pair {
        case (.int, .decimal): return .decimal
        case (.date, .timestamp): return .timestamp
        default: return .text
        }
    }
}
