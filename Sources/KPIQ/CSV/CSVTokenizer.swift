import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one field of the current row is: in the file, or (for a quoted field with `""`
/// escapes) in the row's scratch buffer after unescaping. A C struct, so that the loader's
/// C fast path (`kpiq_split_plain_rows`) writes the same records as this tokenizer.
typealias FieldRef = kpiq_field

extension FieldRef {
    init(offset: Int, count: Int, quoted: Bool, inScratch: Bool) {
        self.init(offset: offset, length: Int32(truncatingIfNeeded: count), quoted: quoted, inScratch: inScratch)
    }

    var count: Int { Int(length) }
}

/// Splits rows into fields per RFC 4180 (or by whitespace, or by fixed widths), without
/// copying fields except quoted ones that contain escaped quotes.
struct CSVTokenizer {
    enum RowStatus: Equatable {
        case ok
        /// A line with nothing on it; skipped.
        case blank
        /// A closing quote followed by something other than a delimiter or line end.
        case badCharacterAfterQuote(offset: Int)
        /// A quote that never closes before the end of the file.
        case unclosedQuote(offset: Int)
        /// Fixed widths: text after the last width. The row's fields are the widths' (all
        /// recorded); `offset` is the first byte beyond them.
        case textBeyondWidths(offset: Int)
    }

    let base: UnsafePointer<UInt8>
    /// Offset one past the last byte of the file.
    let end: Int
    let delimiter: CSVOptions.Delimiter
    let quote: UInt8
    /// Fields beyond this many are counted but not recorded.
    let capacity: Int

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A scanner for this tokenizer's delimiter, to carry from row to row (`parseRow`).
    func makeScanner() -> StructuralScanner {
        let d: UInt8
        if case .byte(let byte) = delimiter { d = byte } else { d = Self.newline }
        return StructuralScanner(base: base, end: end, delimiter: d, quote: quote)
    }

    /// Parses the row starting at `start`. Fills `fields` (room for `capacity`), sets
    /// `fieldCount` to the number of fields found, and returns the offset of the next row.
    /// Unescaped quoted fields are appended to `scratch`, which the caller empties.
    func parseRow(
        at start: Int, fields: UnsafeMutablePointer<FieldRef>, fieldStride: Int = 1, fieldCount: inout Int,
        scratch: inout GrowableBuffer<UInt8>
    ) -> (next: Int, status: RowStatus) {
        var scanner = makeScanner()
        return parseRow(at: start, fields: fields, fieldStride: fieldStride, fieldCount: &fieldCount, scratch: &scratch, scanner: &scanner)
    }

    /// As `parseRow(at:fields:fieldStride:fieldCount:scratch:)`, with a scanner kept across
    /// the rows of a range (its block of structural bits usually covers the next row too).
    @inline(__always)
    func parseRow(
        at start: Int, fields: UnsafeMutablePointer<FieldRef>, fieldStride: Int = 1, fieldCount: inout Int,
        scratch: inout GrowableBuffer<UInt8>, scanner: inout StructuralScanner
    ) -> (next: Int, status: RowStatus) {
        switch delimiter {
        case .byte(let d):
            return parseDelimitedRow(
                at: start, delimiter: d, fields: fields, stride: fieldStride, fieldCount: &fieldCount, scratch: &scratch, scanner: &scanner)
        case .whitespace:
            return parseWhitespaceRow(at: start, fields: fields, stride: fieldStride, fieldCount: &fieldCount)
        case .widths(let widths):
            return parseFixedWidthRow(at: start, widths: widths, fields: fields, stride: fieldStride, fieldCount: &fieldCount)
        }
    }

    @inline(__always)
    private func parseDelimitedRow(
        at start: Int, delimiter d: UInt8, fields: UnsafeMutablePointer<FieldRef>, stride: Int, fieldCount: inout Int,
        scratch: inout GrowableBuffer<UInt8>, scanner scannerState: inout StructuralScanner
    ) -> (next: Int, status: RowStatus) {
        let base = self.base, end = self.end, quote = self.quote, capacity = self.capacity
        let nl = Self.newline, cr = Self.carriageReturn
        var p = start
        var n = 0
        var slot = fields
        // A local copy stays in registers through the loop.
        var scanner = scannerState
        defer { scannerState = scanner }
        while true {
            var field: FieldRef
            // The field ends at the next delimiter or newline (or the file's end); a quote
            // right at its start opens a quoted field, anywhere else it is a literal.
            var q = scanner.next(from: p)
            var c = q < end ? base[q] : nl
            if c == quote, q == p {
                switch parseQuotedField(at: p, delimiter: d, scratch: &scratch) {
                case .field(let quoted, let after):
                    field = quoted
                    q = after
                    c = q < end ? base[q] : nl
                case .failure(let next, let status):
                    fieldCount = n
                    return (next, status)
                }
            } else {
                while c == quote, quote != d {
                    q = scanner.next(from: q + 1)
                    c = q < end ? base[q] : nl
                }
                var length = q - p
                // CRLF: the carriage return before a row's newline is not part of the field.
                if c != d, length > 0, base[q - 1] == cr { length -= 1 }
                field = FieldRef(offset: p, count: length, quoted: false, inScratch: false)
            }
            if n < capacity {
                slot.pointee = field
                slot += stride
            }
            n += 1
            if c == d, q < end {
                p = q + 1
                if p == end {
                    // A delimiter right before the end of the file: one more, empty, field.
                    if n < capacity { slot.pointee = FieldRef(offset: p, count: 0, quoted: false, inScratch: false) }
                    fieldCount = n + 1
                    return (end, .ok)
                }
                continue
            }
            // Newline, or the end of the file.
            fieldCount = n
            let isBlank = n == 1 && field.count == 0 && !field.quoted
            return (q < end ? q + 1 : end, isBlank ? .blank : .ok)
        }
    }

    private enum QuotedField {
        /// The field, and the offset just past it (at a delimiter, a newline or the end).
        case field(FieldRef, after: Int)
        case failure(next: Int, status: RowStatus)
    }

    /// A quoted field starting at `opening`, unescaped into `scratch` when it has doubled quotes.
    private func parseQuotedField(at opening: Int, delimiter d: UInt8, scratch: inout GrowableBuffer<UInt8>) -> QuotedField {
        let base = self.base, end = self.end, quote = self.quote
        let nl = Self.newline, cr = Self.carriageReturn
        var p = opening + 1
        var segment = p
        var inScratch = false
        var scratchStart = 0
        let field: FieldRef
        while true {
            guard let found = memchr(base + p, Int32(quote), end - p) else {
                return .failure(next: end, status: .unclosedQuote(offset: opening))
            }
            let q = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
            if q + 1 < end, base[q + 1] == quote {
                if !inScratch { inScratch = true; scratchStart = scratch.count }
                scratch.append(contentsOf: base + segment, count: q + 1 - segment)
                p = q + 2
                segment = p
                continue
            }
            if inScratch {
                scratch.append(contentsOf: base + segment, count: q - segment)
                field = FieldRef(offset: scratchStart, count: scratch.count - scratchStart, quoted: true, inScratch: true)
            } else {
                field = FieldRef(offset: segment, count: q - segment, quoted: true, inScratch: false)
            }
            p = q + 1
            break
        }
        if p < end {
            let c = base[p]
            if c == cr, p + 1 < end, base[p + 1] == nl {
                p += 1
            } else if c == cr, p + 1 == end {
                p += 1
            } else if c != d, c != nl {
                return .failure(next: skipToLineEnd(from: p), status: .badCharacterAfterQuote(offset: p))
            }
        }
        return .field(field, after: p)
    }

    /// Offset after the next newline (or the end), for resynchronising after a bad row.
    func skipToLineEnd(from offset: Int) -> Int {
        guard offset < end, let found = memchr(base + offset, Int32(Self.newline), end - offset) else { return end }
        return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
    }

    /// Fields separated by runs of spaces and tabs; leading and trailing ones ignored.
    @inline(__always)
    private func parseWhitespaceRow(
        at start: Int, fields: UnsafeMutablePointer<FieldRef>, stride: Int, fieldCount: inout Int
    ) -> (next: Int, status: RowStatus) {
        let lineEnd = skipToLineEnd(from: start)
        var stop = lineEnd
        if stop > start, base[stop - 1] == Self.newline { stop -= 1 }
        if stop > start, base[stop - 1] == Self.carriageReturn { stop -= 1 }
        var p = start
        var n = 0
        while true {
            while p < stop, base[p] == 32 || base[p] == 9 { p += 1 }
            if p >= stop { break }
            let fieldStart = p
            while p < stop, base[p] != 32, base[p] != 9 { p += 1 }
            if n < capacity { fields[n * stride] = FieldRef(offset: fieldStart, count: p - fieldStart, quoted: false, inScratch: false) }
            n += 1
        }
        fieldCount = n
        return (lineEnd, n == 0 ? .blank : .ok)
    }

    /// Fields cut at fixed byte widths, each trimmed of spaces.
    private func parseFixedWidthRow(
        at start: Int, widths: [Int], fields: UnsafeMutablePointer<FieldRef>, stride: Int, fieldCount: inout Int
    ) -> (next: Int, status: RowStatus) {
        let lineEnd = skipToLineEnd(from: start)
        var stop = lineEnd
        if stop > start, base[stop - 1] == Self.newline { stop -= 1 }
        if stop > start, base[stop - 1] == Self.carriageReturn { stop -= 1 }
        if stop == start { fieldCount = 0; return (lineEnd, .blank) }
        var p = start
        var n = 0
        for width in widths {
            let upper = p + min(width, stop - p)  // widths are as written: never add first
            var a = min(p, stop), b = upper
            while a < b, base[a] == 32 || base[a] == 9 { a += 1 }
            while b > a, base[b - 1] == 32 || base[b - 1] == 9 { b -= 1 }
            if n < capacity { fields[n * stride] = FieldRef(offset: a, count: b - a, quoted: false, inScratch: false) }
            n += 1
            p = upper
        }
        // Text beyond the last width makes the row bad. It is not counted as one more field:
        // every field counted must have been recorded, or a reader would take an
        // uninitialised `FieldRef` for it (and read wherever its offset pointed).
        var rest = p
        while rest < stop, base[rest] == 32 || base[rest] == 9 { rest += 1 }
        fieldCount = n
        return (lineEnd, rest < stop ? .textBeyondWidths(offset: rest) : .ok)
    }

    /// Offset of the row containing `offset`'s successor: the first row start at or after
    /// `offset`, assuming `offset` is not inside a quoted field (checked by the reader).
    func nextRowStart(after offset: Int) -> Int {
        if offset <= 0 { return 0 }
        return skipToLineEnd(from: offset - 1)
    }
}
