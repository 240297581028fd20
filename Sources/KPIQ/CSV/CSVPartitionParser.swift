import CKPIQSupport

/// A problem with one row: where it is in the file and what is wrong.
struct RowProblem {
    /// Byte offset of the row's first byte, and of the problem itself.
    var rowStart: Int
    var offset: Int
    /// Index of the table column involved, when one is.
    var field: Int?
    var message: String
    var hint: String?
}

/// What parsing one byte range of the file produced.
final class PartitionResult {
    let builders: [ColumnBuilder]
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) var rows = 0
    /// Offset just past the last row parsed (the next partition must start exactly there).
    @exclusivity(unchecked) var endOffset = 0
    @exclusivity(unchecked) var fatal: RowProblem?
    @exclusivity(unchecked) var skipped: [RowProblem] = []
    @exclusivity(unchecked) var skippedCount = 0
    /// Row starts of rows skipped for a bad value (not for their shape), to skip on re-reads.
    @exclusivity(unchecked) var skippedValueRows: Set<Int> = []
    @exclusivity(unchecked) var cancelled = false

    init(builders: [ColumnBuilder]) { self.builders = builders }
}

/// Parses a byte range of rows into fresh column builders.
struct CSVPartitionParser {
    let tokenizer: CSVTokenizer
    let columnCount: Int
    let columnNames: [String]
    let forcedTypes: [DataType?]
    let settings: FieldSettings
    let tolerant: Bool
    let cancel: CancellationToken?
    let progress: LoadProgress?

    static let maxRecordedSkips = 100
    private static let checkInterval = 1 << 15

    func parse(from start: Int, to stop: Int) -> PartitionResult {
        let expectedRows = estimateRows(start, stop)
        let builders = (0..<columnCount).map {
            ColumnBuilder(
                forced: forcedTypes[$0], settings: settings, expectedRows: expectedRows,
                fileBase: tokenizer.base, fileEnd: tokenizer.end)
        }
        let result = PartitionResult(builders: builders)
        var batch = RowBatch(columnCount: columnCount, base: tokenizer.base, end: tokenizer.end)
        var scanner = tokenizer.makeScanner()
        let plainDelimiter: UInt8? = if case .byte(let d) = tokenizer.delimiter, columnCount > 0 { d } else { nil }
        var splitterBackoff = 1
        var rowsBeforeSplitting = 0
        var p = start
        var lastReported = start
        var rowsSinceCheck = 0
        while p < stop, result.fatal == nil {
            batch.reset()
            // Tokenize up to a batch of rows; rows of the wrong shape are set aside here.
            while p < stop, !batch.isFull {
                if let plain = plainDelimiter, rowsBeforeSplitting == 0 {
                    // Runs of plain rows go through the C splitter; the row it stops at
                    // (quotes, a wrong field count, the file's last bytes) is tokenized here.
                    var next = p
                    let split = kpiq_split_plain_rows(
                        tokenizer.base, p, stop, tokenizer.end, plain, tokenizer.quote, columnCount,
                        batch.nextRowFields, RowBatch.columnStride, batch.rowStarts + batch.count,
                        RowBatch.capacity - batch.count, &next)
                    if split > 0 {
                        batch.count += split
                        p = next
                        splitterBackoff = 1
                        continue
                    }
                    // A file whose every row quotes a field would otherwise split each row
                    // twice: after each refusal in a row, wait twice as many rows (up to 1,024).
                    rowsBeforeSplitting = splitterBackoff
                    splitterBackoff = min(splitterBackoff * 2, 1024)
                }
                if rowsBeforeSplitting > 0 { rowsBeforeSplitting -= 1 }
                let rowStart = p
                var n = 0
                let (next, status) = tokenizer.parseRow(
                    at: p, fields: batch.nextRowFields, fieldStride: RowBatch.columnStride, fieldCount: &n, scratch: &batch.scratch,
                    scanner: &scanner)
                p = next
                switch status {
                case .ok:
                    if n == columnCount {
                        batch.rowStarts[batch.count] = rowStart
                        batch.count += 1
                        continue
                    }
                    let problem = RowProblem(
                        rowStart: rowStart, offset: rowStart, field: nil,
                        message: "expected \(columnCount) fields, found \(n)",
                        hint: n > columnCount ? tooManyFieldsHint : nil)
                    if !record(problem, in: result) { break }
                case .blank:
                    continue
                case .unclosedQuote(let offset):
                    result.fatal = RowProblem(
                        rowStart: rowStart, offset: offset, field: nil,
                        message: "unclosed quote: the quoted field starting here never ends",
                        hint: "a field that contains the quote character must be quoted and the quote doubled (\"\")")
                case .badCharacterAfterQuote(let offset):
                    let problem = RowProblem(
                        rowStart: rowStart, offset: offset, field: min(n, columnCount - 1),
                        message: "unexpected character after a closing quote",
                        hint: "inside a quoted field, write a quote as two quotes (\"\")")
                    _ = record(problem, in: result)
                case .textBeyondWidths(let offset):
                    _ = record(Self.textBeyondWidths(rowStart: rowStart, offset: offset, tokenizer: tokenizer), in: result)
                }
                if result.fatal != nil { break }
            }
            if result.fatal != nil { break }
            appendBatch(&batch, to: result)
            rowsSinceCheck += batch.count
            if rowsSinceCheck >= Self.checkInterval {
                progress?.add(bytes: p - lastReported, rows: rowsSinceCheck)
                lastReported = p
                rowsSinceCheck = 0
                if cancel?.isCancelled == true {
                    result.cancelled = true
                    break
                }
            }
        }
        progress?.add(bytes: p - lastReported, rows: rowsSinceCheck)
        result.rows = builders.first?.rows ?? 0
        result.endOffset = p
        return result
    }

    /// Hands a batch to the builders column by column. A value that does not fit stops the
    /// load, or (tolerant mode) takes its row out of the batch, which is then appended again.
    private func appendBatch(_ batch: inout RowBatch, to result: PartitionResult) {
        let builders = result.builders
        let rowsBefore = builders.first?.rows ?? 0
        retry: while true {
            for c in 0..<columnCount {
                guard let (row, outcome) = builders[c].appendBatch(batch, column: c) else { continue }
                let f = batch.field(row: row, column: c)
                let pointer = batch.pointer(f)
                let rowStart = batch.rowStarts[row]
                let problem: RowProblem
                switch outcome {
                case .invalidUTF8:
                    let bad = UTF8Validation.firstInvalidOffset(pointer, f.count) ?? 0
                    let cut = if case .widths = tokenizer.delimiter { Self.cutsCharacter(pointer, f.count) } else { false }
                    problem = RowProblem(
                        rowStart: rowStart, offset: f.inScratch ? rowStart : f.offset + bad, field: c,
                        message: cut ? "a fixed width cuts a character in two" : "invalid UTF-8 in text",
                        hint: cut ? "widths count bytes, and this field starts or ends inside a multi-byte character: adjust the widths"
                            : "the file is not UTF-8: give its encoding, e.g. `with (encoding \"windows-1252\")` (Excel on Western Windows) or `\"latin1\"`")
                case .outOfRange:
                    let value = String(decoding: UnsafeBufferPointer(start: pointer, count: min(f.count, 60)), as: UTF8.self)
                    problem = RowProblem(
                        rowStart: rowStart, offset: f.inScratch ? rowStart : f.offset, field: c,
                        message: "`\(value)` is outside 0001-01-01 to 9999-12-31 once its zone offset is applied",
                        hint: "dates and timestamps run from 0001-01-01 to 9999-12-31 (UTC); fix the value, or add `on_error skip`")
                default:
                    let value = String(decoding: UnsafeBufferPointer(start: pointer, count: min(f.count, 60)), as: UTF8.self)
                    let type = forcedTypes[c]?.name ?? "?"
                    let beyond = forcedTypes[c] == .int && FieldParsing.isIntegerSyntax(pointer, f.count)
                    problem = RowProblem(
                        rowStart: rowStart, offset: f.inScratch ? rowStart : f.offset, field: c,
                        message: beyond ? "`\(value)` is beyond the range of int (64 bits)" : "`\(value)` is not a valid \(type)",
                        hint: "the column's type is forced to \(type) by `types (...)`; remove that or add `on_error skip`")
                }
                for builder in builders { builder.truncate(toRows: rowsBefore) }
                guard record(problem, in: result) else { return }
                result.skippedValueRows.insert(rowStart)
                batch.remove(row: row)
                continue retry
            }
            return
        }
    }

    /// Why a row might have more fields than the header: quoting only exists in delimited files.
    private var tooManyFieldsHint: String {
        switch tokenizer.delimiter {
        case .byte: return "is a field with a delimiter in it missing its quotes?"
        case .whitespace: return "fields are separated by spaces and tabs (there is no quoting): does a value have a space in it?"
        case .widths: return "fixed-width rows have one field per width"  // not reached: such rows are `textBeyondWidths`
        }
    }

    /// A fixed-width row that goes on after its last width.
    static func textBeyondWidths(rowStart: Int, offset: Int, tokenizer: CSVTokenizer) -> RowProblem {
        guard case .widths(let widths) = tokenizer.delimiter else { preconditionFailure("fixed widths only") }
        let covered = widths.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int.max : $0 + $1 }
        let list = widths.map(String.init).joined(separator: ", ")
        return RowProblem(
            rowStart: rowStart, offset: offset, field: nil,
            message: "text after the last fixed-width field: the widths (\(list)) cover \(covered) byte\(covered == 1 ? "" : "s") of a line, this one goes on",
            hint: "add a width for the rest of the line, or check this line for a field that is wider than its width")
    }

    /// True when a field's bytes start with a UTF-8 continuation byte or end before the last
    /// character's sequence does: a fixed width fell inside a character.
    static func cutsCharacter(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n > 0 else { return false }
        if p[0] & 0xC0 == 0x80 { return true }
        // The last lead byte, at most three bytes from the end, and how long its sequence is.
        var k = n - 1
        while k > 0, k > n - 4, p[k] & 0xC0 == 0x80 { k -= 1 }
        let lead = p[k]
        let length = lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 1
        return k + length > n
    }

    /// Records a bad row. Returns true when parsing goes on (tolerant mode).
    private func record(_ problem: RowProblem, in result: PartitionResult) -> Bool {
        guard tolerant else {
            result.fatal = problem
            return false
        }
        result.skippedCount += 1
        if result.skipped.count < Self.maxRecordedSkips { result.skipped.append(problem) }
        return true
    }

    private func estimateRows(_ start: Int, _ stop: Int) -> Int {
        let sample = min(stop - start, 1 << 16)
        guard sample > 0 else { return 16 }
        var newlines = 0
        for k in 0..<sample where tokenizer.base[start + k] == 10 { newlines += 1 }
        guard newlines > 0 else { return 16 }
        return Int(Double(stop - start) / Double(sample) * Double(newlines) * 1.05) + 16
    }

    /// Re-reads the texts of rows `0..<textFromRow` of the given columns (whose builders were
    /// promoted to text after those rows were parsed as another type).
    func rereadText(_ result: PartitionResult, columns: [Int], from start: Int) {
        let capacity = columnCount + 1
        let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: capacity)
        var scratch = GrowableBuffer<UInt8>(capacity: 1024)
        defer {
            fields.deallocate()
            scratch.release()
        }
        let limits = columns.map { result.builders[$0].textFromRow ?? 0 }
        let needed = limits.max() ?? 0
        var scanner = tokenizer.makeScanner()
        var p = start
        var row = 0
        while row < needed, p < result.endOffset {
            let rowStart = p
            var n = 0
            scratch.removeAll()
            let (next, status) = tokenizer.parseRow(at: p, fields: fields, fieldCount: &n, scratch: &scratch, scanner: &scanner)
            p = next
            guard status == .ok, n == columnCount, !result.skippedValueRows.contains(rowStart) else { continue }
            for (k, c) in columns.enumerated() where row < limits[k] {
                let builder = result.builders[c]
                guard builder.isValid(row) else { continue }
                let f = fields[c]
                let pointer = f.inScratch ? UnsafePointer(scratch.base) + f.offset : tokenizer.base + f.offset
                builder.fillText(row: row, pointer, f.count)
            }
            row += 1
        }
        for c in columns { result.builders[c].finishTextFill() }
    }
}
