import CKPIQSupport
import Testing
@testable import KPIQ

/// The loader's C fast path (`kpiq_split_plain_rows`) splits exactly the rows the general
/// tokenizer would split the same way, and refuses the rest: every row it returns has the
/// fields, row start and next row start `CSVTokenizer.parseRow` gives, on random input with
/// quotes, CR, LF, blank lines and ragged rows at any position relative to 64-byte blocks,
/// for delimiters and quotes that take either of its ways of finding structural bytes (an SSSE3
/// shuffle keyed by their low four bits, or compares when two share them, as ':' and LF do).
@Suite struct PlainRowSplitterTests {
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")

    struct Split {
        var rows: Int
        var next: Int
        var fields: [[FieldRef]]
        var rowStarts: [Int]
    }

    static func split(
        _ bytes: [UInt8], from start: Int, stop: Int, columns: Int, maxRows: Int, delimiter: UInt8 = comma, quote: UInt8 = quote
    ) -> Split {
        bytes.withUnsafeBufferPointer { buffer in
            let stride = maxRows + 3
            let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: stride * (columns + 1))
            let rowStarts = UnsafeMutablePointer<Int>.allocate(capacity: maxRows)
            defer { fields.deallocate(); rowStarts.deallocate() }
            var next = -1
            let rows = kpiq_split_plain_rows(
                buffer.baseAddress!, start, stop, bytes.count, delimiter, quote, columns, fields, stride, rowStarts, maxRows, &next)
            return Split(
                rows: rows, next: next,
                fields: (0..<rows).map { r in (0..<columns).map { fields[$0 * stride + r] } },
                rowStarts: (0..<rows).map { rowStarts[$0] })
        }
    }

    /// The general tokenizer's reading of the row at `start`.
    static func tokenize(
        _ bytes: [UInt8], at start: Int, columns: Int, delimiter: UInt8 = comma, quote: UInt8 = quote
    ) -> (fields: [FieldRef], count: Int, next: Int, status: CSVTokenizer.RowStatus) {
        bytes.withUnsafeBufferPointer { buffer in
            let tokenizer = CSVTokenizer(base: buffer.baseAddress!, end: bytes.count, delimiter: .byte(delimiter), quote: quote, capacity: columns + 1)
            let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: columns + 1)
            var scratch = GrowableBuffer<UInt8>(capacity: 64)
            defer { fields.deallocate(); scratch.release() }
            var n = 0
            let (next, status) = tokenizer.parseRow(at: start, fields: fields, fieldCount: &n, scratch: &scratch)
            return ((0..<min(n, columns + 1)).map { fields[$0] }, n, next, status)
        }
    }

    static func same(_ a: FieldRef, _ b: FieldRef) -> Bool {
        a.offset == b.offset && a.length == b.length && a.quoted == b.quoted && a.inScratch == b.inScratch
    }

    @Test(arguments: [(",", "\""), (";", "'"), ("\t", "\""), ("|", "\""), (":", "\"")])
    func splitsOnlyWhatTheTokenizerSplitsTheSameWay(delimiterText: String, quoteText: String) {
        var generator = SystemRandomNumberGenerator()
        let (comma, quote) = (UInt8(ascii: delimiterText.unicodeScalars.first!), UInt8(ascii: quoteText.unicodeScalars.first!))
        // Bytes that share the low four bits of a structural one (0x1A and 0x8A with LF, 0xAC
        // with ','), UTF-8 text, and the bytes 0 and 0xFF: none of them is structural.
        let pieces: [[UInt8]] = [
            [comma], [comma], [10], [10], [13, 10], [13], [quote], Array("abc".utf8), Array("x".utf8), Array("12".utf8),
            Array("0123456789012345678901234567890123456789".utf8), [32], [0x1A], [0x8A], [0xAC], Array("é".utf8), [0], [0xFF],
        ]
        for _ in 0..<4000 {
            var bytes: [UInt8] = []
            let target = Int.random(in: 0...400, using: &generator)
            while bytes.count < target { bytes += pieces.randomElement(using: &generator)! }
            let columns = Int.random(in: 1...4, using: &generator)
            let start = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            let stop = Int.random(in: start...bytes.count, using: &generator)
            let maxRows = Int.random(in: 1...20, using: &generator)
            let result = Self.split(bytes, from: start, stop: stop, columns: columns, maxRows: maxRows, delimiter: comma, quote: quote)
            #expect(result.rows >= 0 && result.rows <= maxRows)
            var p = start
            for r in 0..<result.rows {
                #expect(p < stop, "a row starting at or after stop: \(bytes) from \(start)")
                let expected = Self.tokenize(bytes, at: p, columns: columns, delimiter: comma, quote: quote)
                let agrees = expected.status == .ok && expected.count == columns && result.rowStarts[r] == p
                    && zip(expected.fields, result.fields[r]).allSatisfy { Self.same($0, $1) }
                #expect(agrees, "row \(r) at \(p) of \(bytes), \(columns) columns: \(result.fields[r]) vs \(expected)")
                if !agrees { return }
                p = expected.next
            }
            #expect(result.next == p, "next \(result.next) vs \(p) in \(bytes)")
        }
    }

    @Test func splitsEveryPlainRowBeforeTheLastPartialBlock() {
        // 1000 rows of three plain fields, LF and CRLF endings mixed.
        var bytes: [UInt8] = []
        var starts: [Int] = []
        for k in 0..<1000 {
            starts.append(bytes.count)
            bytes += Array("\(k),visitor\(k % 17),\(k * 7)".utf8) + (k % 3 == 0 ? [13, 10] : [10])
        }
        let result = Self.split(bytes, from: 0, stop: bytes.count, columns: 3, maxRows: 2000)
        // Only rows ending in the last, partial 64-byte block are left to the tokenizer.
        let lastWholeBlockEnd = bytes.count / 64 * 64
        let expectedRows = starts.indices.filter { k in (k + 1 < starts.count ? starts[k + 1] : bytes.count) <= lastWholeBlockEnd }.count
        #expect(result.rows == expectedRows)
        #expect(result.next == starts[result.rows])
        #expect(result.rowStarts == Array(starts.prefix(result.rows)))
        // Row 3 is "3,visitor3,21\r\n": the carriage return is not part of the last field.
        let row3 = result.fields[3].map { String(decoding: bytes[$0.offset..<($0.offset + $0.count)], as: UTF8.self) }
        #expect(row3 == ["3", "visitor3", "21"])
    }
}
