/// One column's cells as text, in row order, from a reader whose file is not CSV (XLSX, JSON).
///
/// Those readers turn each cell into the text a CSV export of it would hold (a number's
/// digits, a date as `2024-01-31`, `true`/`false`), collect them here, and hand the column to
/// `TextCellTyping`, which types it with the CSV loader's own whole-column inference. The
/// texts sit end to end in one buffer that never moves once typing starts, because the
/// builders keep pointers into it until the column is assembled.
final class TextCells {
    private(set) var bytes = GrowableBuffer<UInt8>(capacity: 256)
    /// Start of each row's text in `bytes`.
    private(set) var starts = GrowableBuffer<Int>(capacity: 64)
    /// Length of each row's text; -1 for null.
    private(set) var lengths = GrowableBuffer<Int32>(capacity: 64)

    var count: Int { lengths.count }

    deinit {
        bytes.release()
        starts.release()
        lengths.release()
    }

    /// A cell longer than this is an error of the reader (`maxCellBytes`), never truncated.
    static let maxCellBytes = Int(Int32.max)

    func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        starts.append(bytes.count)
        lengths.append(Int32(n))
        if n > 0 { bytes.append(contentsOf: p, count: n) }
    }

    func append(_ text: [UInt8]) {
        text.withUnsafeBufferPointer { append($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
    }

    func appendNull() {
        starts.append(bytes.count)
        lengths.append(-1)
    }

    /// Nulls for the rows before `rows` that have no cell (a sparse row, a key first seen late).
    func padNulls(to rows: Int) {
        while count < rows { appendNull() }
    }

    /// Forgets the last cell (a reader that replaces a value it already gave, such as a key
    /// repeated within one JSON object).
    func removeLast() {
        guard count > 0 else { return }
        bytes.truncate(to: starts[count - 1])
        starts.truncate(to: count - 1)
        lengths.truncate(to: count - 1)
    }

    @inline(__always)
    func isNull(_ row: Int) -> Bool { lengths[row] < 0 }

    @inline(__always)
    func text(_ row: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(bytes.base) + starts[row], Int(lengths[row]))
    }

    func string(_ row: Int) -> String {
        let (p, n) = text(row)
        return String(decoding: UnsafeBufferPointer(start: p, count: max(0, n)), as: UTF8.self)
    }
}
