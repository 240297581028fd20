/// An aggregate's input for one batch, flattened once: the argument as integers or doubles,
/// and which rows count (the filter's mask and the argument's non-null rows combined), so the
/// accumulators' loops run over plain buffers with no per-row checks of optionals.
struct AggregateInput {
    /// Integer-backed values (ints, dates, timestamps, bools as 0/1), when the argument is one.
    let ints: [Int64]?
    /// Decimal values, when the argument is decimal.
    let doubles: [Double]?
    /// Rows that count, when not all of `0..<count` do.
    let rows: [Int32]?
    let count: Int

    init(argument: Vector?, mask: [UInt8]?, count: Int) {
        self.count = count
        var valid: [UInt8]?
        var ints: [Int64]?
        var doubles: [Double]?
        if let argument {
            let flat = argument.flattened()
            valid = flat.valid
            switch flat.values {
            case .ints(let a): ints = a
            case .doubles(let a): doubles = a
            case .bools(let a): ints = a.map { Int64($0) }
            case .text(let codes, _): ints = codes
            case .constant: ints = [Int64](repeating: 0, count: count)
            }
        }
        self.ints = ints
        self.doubles = doubles
        if mask == nil, valid == nil {
            rows = nil
        } else {
            var selected: [Int32] = []
            selected.reserveCapacity(count)
            for i in 0..<count where (mask.map { $0[i] != 0 } ?? true) && (valid.map { $0[i] != 0 } ?? true) {
                selected.append(Int32(i))
            }
            rows = selected
        }
    }

    /// Calls `body` with each row that counts.
    @inline(__always)
    func forEachRow(_ body: (Int) -> Void) {
        if let rows {
            rows.withUnsafeBufferPointer { for i in $0 { body(Int(i)) } }
        } else {
            for i in 0..<count { body(i) }
        }
    }

    /// Number of rows that count.
    var selectedCount: Int { rows?.count ?? count }
}
