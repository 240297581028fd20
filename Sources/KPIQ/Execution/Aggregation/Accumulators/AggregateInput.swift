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
        switch (mask, valid) {
        case (nil, nil): rows = nil
        case (let flags?, nil), (nil, let flags?): rows = Self.selected(flags, nil, count)
        case (let mask?, let valid?): rows = Self.selected(mask, valid, count)
        }
    }

    /// Positions whose flags (both, when two are given) are 1: written unconditionally and
    /// advanced by the flag, with no branch per row.
    private static func selected(_ a: [UInt8], _ b: [UInt8]?, _ count: Int) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            var k = 0
            a.withUnsafeBufferPointer { a in
                if let b {
                    b.withUnsafeBufferPointer { b in
                        for i in 0..<count {
                            buffer[k] = Int32(truncatingIfNeeded: i)
                            k &+= Int((a[i] != 0 ? 1 : 0) & (b[i] != 0 ? 1 : 0))
                        }
                    }
                } else {
                    for i in 0..<count {
                        buffer[k] = Int32(truncatingIfNeeded: i)
                        k &+= a[i] != 0 ? 1 : 0
                    }
                }
            }
            initialized = k
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
