/// The key numbers of one side of a join (`JoinKeyNumbering`): one per row, or, when most
/// rows match nothing (6M visitors probed against 200k contacts), only the rows that match,
/// in row order. The sparse form is what spares a join with few matches a pass that writes
/// and then reads a number for every one of millions of rows.
enum RowKeyNumbers {
    /// `numbers[row]`: the row's key number, -1 when it matches nothing.
    case dense([Int32])
    /// The rows that match, ascending, and their key numbers; every other row of the
    /// `rowCount` matches nothing.
    case sparse(rows: [Int32], numbers: [Int32], rowCount: Int)

    /// One number per row (-1 for the rows that match nothing).
    var dense: [Int32] {
        switch self {
        case .dense(let numbers):
            return numbers
        case .sparse(let rows, let numbers, let rowCount):
            var all = LargeAllocation.filled(Int32(-1), count: rowCount)
            all.withUnsafeMutableBufferPointer { all in
                for (row, number) in zip(rows, numbers) { all[Int(row)] = number }
            }
            return all
        }
    }

    /// How many rows have a key number.
    var matchingRows: Int {
        switch self {
        case .dense(let numbers): return numbers.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        case .sparse(let rows, _, _): return rows.count
        }
    }

    /// Calls `body(row, number)` for every row with a key number, in row order.
    func forEachMatch(_ body: (_ row: Int, _ number: Int) -> Void) {
        switch self {
        case .dense(let numbers):
            numbers.withUnsafeBufferPointer { numbers in
                for row in 0..<numbers.count where numbers[row] >= 0 { body(row, Int(numbers[row])) }
            }
        case .sparse(let rows, let numbers, _):
            rows.withUnsafeBufferPointer { rows in
                numbers.withUnsafeBufferPointer { numbers in
                    for k in 0..<rows.count { body(Int(rows[k]), Int(numbers[k])) }
                }
            }
        }
    }
}
