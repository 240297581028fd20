/// Window functions over ordered partitions, SQL's `f(x) OVER (PARTITION BY p ORDER BY o)`:
/// the input sorted by partition then order columns, with one column added per function.
///
/// KPI statements need two: a running sum (`SUM(x) OVER (... ROWS UNBOUNDED PRECEDING)`),
/// which turns day-by-day changes into levels (spend spread over a campaign's days, deals
/// open at a day's end, contacts active in a rolling window), and `LEAD(x)` (the next row's
/// value), which tells how long an event keeps a person active before their next one. Both
/// cost a sort and one pass, so a rolling window costs O(rows + days), not O(rows x periods).
enum WindowOperator {
    static func run(_ input: Table, partition: [Int], order: [Int], functions: [WindowFunction], names: [String],
                    cancel: CancellationToken?, budget: MemoryBudget? = nil) throws -> Table {
        let keys = (partition + order).map { index in
            BoundSortKey(expression: BoundExpression(.column(index), type: input.columns[index].type, span: .none), descending: false, nullsFirst: false)
        }
        let sorted = try Sorter.sort(input, keys: keys, limit: nil, cancel: cancel, budget: budget)
        let n = sorted.rowCount
        let starts = partitionStarts(sorted, partition)
        try cancel?.check()
        var columns = sorted.columns
        for function in functions {
            switch function {
            case .runningSum(let index): columns.append(runningSum(sorted.columns[index], starts: starts))
            case .lead(let index): columns.append(lead(sorted.columns[index], starts: starts))
            case .rowNumber:
                var place: Int64 = 0
                columns.append(ColumnFactory.ints(starts.map { start -> Int64? in
                    place = start ? 1 : place + 1
                    return place
                }))
            }
        }
        return Table(names: names, columns: columns, rowCount: n)
    }

    /// Per row: true where a partition starts (the first row, and every row whose partition
    /// values, nulls included, differ from the row before).
    static func partitionStarts(_ table: Table, _ partition: [Int]) -> [Bool] {
        let n = table.rowCount
        var starts = [Bool](repeating: false, count: n)
        if n > 0 { starts[0] = true }
        for index in partition {
            let vector = Batch.decode(table.columns[index], .range(start: 0, count: n))
            let valid = vector.valid
            func mark<T: Equatable>(_ values: [T]) {
                for i in 1..<max(n, 1) {
                    let nullNow = valid.map { $0[i] == 0 } ?? false, nullBefore = valid.map { $0[i - 1] == 0 } ?? false
                    if nullNow != nullBefore || (!nullNow && values[i] != values[i - 1]) { starts[i] = true }
                }
            }
            switch vector.values {
            case .ints(let values): mark(values)
            case .doubles(let values): mark(values)
            case .bools(let values): mark(values)
            case .text(let codes, _): mark(codes)  // one column, one dictionary: equal codes are equal strings
            case .constant: break
            }
        }
        return starts
    }

    /// The sum of the partition's values up to each row; nulls add nothing, and the sum is
    /// null until a value is seen. Integers are summed exactly, like `sum` (`ExactIntegerSum`):
    /// a row's total is null only when that total itself does not fit, and the rows after it
    /// go on from the exact total. Decimals are summed with Neumaier's compensation, like `sum`.
    static func runningSum(_ column: Column, starts: [Bool]) -> Column {
        let n = starts.count
        let vector = Batch.decode(column, .range(start: 0, count: n))
        let valid = vector.valid
        switch vector.values {
        case .ints(let values):
            var out = [Int64?](repeating: nil, count: n)
            var total: Int64 = 0, carry: Int32 = 0, seen = false
            for i in 0..<n {
                if starts[i] { (total, carry, seen) = (0, 0, false) }
                if valid?[i] ?? 1 != 0 {
                    ExactIntegerSum.add(values[i], to: &total, carry: &carry)
                    seen = true
                }
                out[i] = seen ? ExactIntegerSum.int64(low: total, carry: carry) : nil
            }
            return ColumnFactory.ints(out, type: .int)
        case .doubles(let values):
            var out = [Double?](repeating: nil, count: n)
            var sum = 0.0, compensation = 0.0, seen = false
            for i in 0..<n {
                if starts[i] { (sum, compensation, seen) = (0, 0, false) }
                if valid?[i] ?? 1 != 0 {
                    let value = values[i]
                    let t = sum + value
                    compensation += abs(sum) >= abs(value) ? (sum - t) + value : (value - t) + sum
                    sum = t
                    seen = true
                }
                out[i] = seen ? sum + compensation : nil
            }
            return ColumnFactory.doubles(out)
        default:
            preconditionFailure("a running sum reads numbers; the planner checks the type")
        }
    }

    /// The next row's value in the partition; null on a partition's last row.
    static func lead(_ column: Column, starts: [Bool]) -> Column {
        let n = starts.count
        let vector = Batch.decode(column, .range(start: 0, count: n))
        let valid = vector.valid
        func next<T>(_ values: [T]) -> [T?] {
            (0..<n).map { i in
                guard i + 1 < n, !starts[i + 1], valid?[i + 1] ?? 1 != 0 else { return nil }
                return values[i + 1]
            }
        }
        switch vector.values {
        case .ints(let values): return ColumnFactory.ints(next(values), type: column.type)
        case .doubles(let values): return ColumnFactory.doubles(next(values))
        default: preconditionFailure("lead reads numbers, dates or times; the planner checks the type")
        }
    }
}
