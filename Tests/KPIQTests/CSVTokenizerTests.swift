import Foundation
import Testing
@testable import KPIQ

/// The tokenizer (which finds field ends through `StructuralScanner`'s 64-byte bit masks)
/// agrees with a plain byte-by-byte reading of RFC 4180 on random input: quotes, doubled
/// quotes, CR, LF, delimiters and quotes inside unquoted fields, at any position relative to
/// the 64-byte blocks and to the end of the input.
@Suite struct CSVTokenizerTests {
    struct Row: Equatable, CustomStringConvertible {
        var fields: [[UInt8]] = []
        var quoted: [Bool] = []
        var count = 0
        var next = 0
        var status = "ok"
        var description: String { "\(fields.map { String(decoding: $0, as: UTF8.self) }) quoted \(quoted) count \(count) next \(next) \(status)" }
    }

    /// The reference: one byte at a time.
    static func referenceRow(_ b: [UInt8], at start: Int, delimiter d: UInt8, quote: UInt8, capacity: Int) -> Row {
        var row = Row()
        var p = start
        let end = b.count
        func add(_ bytes: [UInt8], _ quoted: Bool) {
            if row.count < capacity { row.fields.append(bytes); row.quoted.append(quoted) }
            row.count += 1
        }
        while true {
            var lastEmptyUnquoted = false
            if p < end, b[p] == quote {
                var content: [UInt8] = []
                var q = p + 1
                while true {
                    guard q < end else { row.next = end; row.status = "unclosed \(p)"; return row }
                    if b[q] == quote {
                        if q + 1 < end, b[q + 1] == quote { content.append(quote); q += 2; continue }
                        break
                    }
                    content.append(b[q])
                    q += 1
                }
                p = q + 1
                if p < end {
                    if b[p] == 13, p + 1 < end, b[p + 1] == 10 { p += 1 }
                    else if b[p] == 13, p + 1 == end { p += 1 }
                    else if b[p] != d, b[p] != 10 {
                        var e = p
                        while e < end, b[e] != 10 { e += 1 }
                        row.next = e < end ? e + 1 : end
                        row.status = "bad \(p)"
                        return row
                    }
                }
                add(content, true)
            } else {
                var q = p
                while q < end, b[q] != d, b[q] != 10 { q += 1 }
                var content = Array(b[p..<q])
                if q == end || b[q] == 10, content.last == 13 { content.removeLast() }
                add(content, false)
                lastEmptyUnquoted = content.isEmpty
                p = q
            }
            if p >= end {
                row.next = end
                if row.count == 1, lastEmptyUnquoted { row.status = "blank" }
                return row
            }
            if b[p] == d {
                p += 1
                if p == end { add([], false); row.next = end; return row }
                continue
            }
            row.next = p + 1
            if row.count == 1, lastEmptyUnquoted { row.status = "blank" }
            return row
        }
    }

    static func tokenizerRows(_ bytes: [UInt8], delimiter d: UInt8, quote: UInt8, capacity: Int) -> [Row] {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let tokenizer = CSVTokenizer(base: base, end: bytes.count, delimiter: .byte(d), quote: quote, capacity: capacity)
            var scanner = tokenizer.makeScanner()
            let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: capacity)
            var scratch = GrowableBuffer<UInt8>(capacity: 64)
            defer { fields.deallocate(); scratch.release() }
            var rows: [Row] = []
            var p = 0
            while p < bytes.count {
                var n = 0
                scratch.removeAll()
                let (next, status) = tokenizer.parseRow(at: p, fields: fields, fieldCount: &n, scratch: &scratch, scanner: &scanner)
                var row = Row(count: n, next: next)
                switch status {
                case .ok: row.status = "ok"
                case .blank: row.status = "blank"
                case .unclosedQuote(let offset): row.status = "unclosed \(offset)"
                case .badCharacterAfterQuote(let offset): row.status = "bad \(offset)"
                case .textBeyondWidths(let offset): row.status = "beyond widths \(offset)"  // not for delimiters
                }
                if status == .ok || status == .blank {
                    for k in 0..<min(n, capacity) {
                        let f = fields[k]
                        let source = f.inScratch ? UnsafePointer(scratch.base) : base
                        row.fields.append(Array(UnsafeBufferPointer(start: source + f.offset, count: f.count)))
                        row.quoted.append(f.quoted)
                    }
                }
                rows.append(row)
                if next <= p { break }
                p = next
            }
            return rows
        }
    }

    @Test func agreesWithByteByByteReading() {
        var generator = SystemRandomNumberGenerator()
        let d = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
        let pieces: [[UInt8]] = [[d], [10], [13, 10], [13], [quote], [quote, quote], Array("abc".utf8), Array("x".utf8), Array("0123456789012345678901234567890123456789".utf8), [32]]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            let target = Int.random(in: 0...300, using: &generator)
            while bytes.count < target { bytes += pieces.randomElement(using: &generator)! }
            let capacity = Int.random(in: 1...6, using: &generator)
            let rows = Self.tokenizerRows(bytes, delimiter: d, quote: quote, capacity: capacity)
            var p = 0
            for row in rows {
                var expected = Self.referenceRow(bytes, at: p, delimiter: d, quote: quote, capacity: capacity)
                if expected.status.hasPrefix("unclosed") || expected.status.hasPrefix("bad") {
                    expected.fields = []
                    expected.quoted = []
                    // The count is not used after a failure.
                    expected.count = row.count
                }
                #expect(row == expected, "input \(bytes) at \(p)")
                if row != expected { return }
                p = row.next
            }
        }
    }

    @Test func scannerFindsEveryStructuralByteNearBlockAndFileEnds() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
            let bytes = (0..<length).map { _ in [UInt8(ascii: ","), 10, 34, 97, 98].randomElement(using: &generator)! }
            bytes.withUnsafeBufferPointer { buffer in
                var scanner = StructuralScanner(base: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, end: length, delimiter: 44, quote: 34)
                // Forwards from every position, and in a jumping order.
                for p in 0...length {
                    let expected = (p..<length).first { [44, 10, 34].contains(bytes[$0]) } ?? length
                    #expect(scanner.next(from: p) == expected, "length \(length) from \(p)")
                }
                for p in stride(from: length, through: 0, by: -7) {
                    let expected = (p..<length).first { [44, 10, 34].contains(bytes[$0]) } ?? length
                    #expect(scanner.next(from: p) == expected, "length \(length) back to \(p)")
                }
            }
        }
    }
}
