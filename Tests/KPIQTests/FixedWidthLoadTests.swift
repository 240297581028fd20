import Foundation
import Testing
@testable import KPIQ

/// Loading `with (widths (...))`: a line longer than its widths is a bad row with its own
/// message (never an extra, unrecorded field, which readers took from uninitialised memory),
/// and a width that cuts a character says so.
@Suite struct FixedWidthLoadTests {
    static func options(_ widths: [Int], header: Bool? = nil, skip: Bool = false) -> CSVOptions {
        var options = CSVOptions()
        options.delimiter = .widths(widths)
        options.header = header
        if skip { options.onError = .skip }
        return options
    }

    static func loadError(_ text: String, _ options: CSVOptions) -> LoadError? {
        do {
            _ = try TestSupport.load(text, options)
            return nil
        } catch {
            return error as? LoadError
        }
    }

    /// The tokenizer records every field it counts: a long line has exactly one field per
    /// width, and its status says where the extra text starts.
    @Test func aLongLineCountsOnlyRecordedFields() {
        let bytes = Array("ab".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let tokenizer = CSVTokenizer(base: buffer.baseAddress!, end: 2, delimiter: .widths([1]), quote: 34, capacity: 4)
            let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: 4)
            defer { fields.deallocate() }
            var scratch = GrowableBuffer<UInt8>(capacity: 16)
            defer { scratch.release() }
            var n = 0
            let (next, status) = tokenizer.parseRow(at: 0, fields: fields, fieldCount: &n, scratch: &scratch)
            #expect(n == 1)
            #expect(next == 2)
            #expect(status == .textBeyondWidths(offset: 1))
            #expect(fields[0].offset == 0 && fields[0].count == 1)
        }
    }

    /// The fuzzer's two bytes without a line end, with each header setting: an error at the
    /// extra byte, not a load of garbage (or a crash).
    @Test func twoBytesWithoutALineEnd() {
        for header in [true, false, nil] as [Bool?] {
            let error = Self.loadError("ab", Self.options([1], header: header))
            #expect(error?.line == 1, "header \(String(describing: header))")
            #expect(error?.column == 2)
            #expect(error?.message == "text after the last fixed-width field: the widths (1) cover 1 byte of a line, this one goes on")
        }
    }

    @Test func aLongDataLineIsABadRow() throws {
        let text = "id  name\n1   ann\n2   bobby-long\n3   cy\n"
        let error = Self.loadError(text, Self.options([4, 5]))
        #expect(error?.line == 3)
        #expect(error?.column == 10)
        #expect(error?.message.hasPrefix("text after the last fixed-width field") == true)
        #expect(error?.hint?.contains("quote") == false)

        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let (table, report) = try CSVReader.load(path: path, options: Self.options([4, 5], skip: true))
        #expect(table.names == ["id", "name"])
        #expect(TestSupport.values(table, "id") == [.int(1), .int(3)])
        #expect(report.skipped.map(\.line) == [3])
    }

    /// Short lines are fine: the missing fields are null.
    @Test func aShortLineHasNullFields() throws {
        let table = try TestSupport.load("ab  c\nx\n", Self.options([2, 3], header: false))
        #expect(TestSupport.values(table, "col1") == [.text("ab"), .text("x")])
        #expect(TestSupport.values(table, "col2") == [.text("c"), .null])
    }

    @Test func aWidthInsideACharacter() {
        // `é` is two bytes; a width of 2 ends between them.
        let error = Self.loadError("aé\n", Self.options([2, 1], header: false))
        #expect(error?.message == "a fixed width cuts a character in two")
        #expect(error?.line == 1)
    }

    @Test func whitespaceRowsAreNotBlamedOnQuotes() {
        var options = CSVOptions()
        options.delimiter = .whitespace
        let error = Self.loadError("a b\n1 2\n3 4 5\n", options)
        #expect(error?.message == "expected 2 fields, found 3")
        #expect(error?.hint?.contains("quote") == false)
    }
}
