extension Column {
    /// Whether an integer-backed column's stored values never decrease down the table,
    /// remembered with the column (`ColumnExtremes`); false for other columns.
    var isStoredNondecreasing: Bool {
        guard case .integers(let packed) = values else { return false }
        return extremes?.nondecreasing { packed.isNondecreasing } ?? packed.isNondecreasing
    }
}

extension PackedIntegers {
    /// Whether no value is smaller than the one before it (time-ordered exports). Stops at the
    /// first block with a step down, so an unordered column costs a few reads. Offsets from one base and a
    /// positive scale order as their values do (narrow widths cannot wrap).
    var isNondecreasing: Bool {
        func check<T: FixedWidthInteger>(_ values: [T]) -> Bool {
            values.withUnsafeBufferPointer { values in
                guard !values.isEmpty else { return true }
                // Blocks without a branch per value; the check between blocks exits early.
                var start = 1
                while start < values.count {
                    let end = min(values.count, start + 4096)
                    var descents = 0
                    for i in start..<end {
                        descents &+= values[i] < values[i - 1] ? 1 : 0
                    }
                    if descents != 0 { return false }
                    start = end
                }
                return true
            }
        }
        guard scale > 0 else { return false }
        switch storage {
        case .u8(let a): return check(a)
        case .u16(let a): return check(a)
        case .u32(let a): return check(a)
        case .i64(let a):
            // Offsets of the widest span may wrap: compare the values.
            return check(a.map { base &+ $0 &* scale })
        }
    }
}

extension PackedIntegers {
    /// `count` dictionary codes below `limit`, `code(i)` each, in the narrowest width `limit`
    /// allows, written on all cores (millions of visitors in a grouping's output).
    static func codes(count: Int, below limit: Int, _ code: (Int) -> Int) -> PackedIntegers {
        func narrow<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            LargeAllocation.array(of: T.self, count: count) { out in
                let shared = UncheckedBox(out)
                Parallel.forEachRange(count) { range in
                    for i in range { shared.value[i] = T(truncatingIfNeeded: code(i)) }
                }
            }
        }
        let storage: Storage = limit <= 256 ? .u8(narrow(UInt8.self))
            : limit <= 65_536 ? .u16(narrow(UInt16.self)) : limit <= 1 << 32 ? .u32(narrow(UInt32.self))
            : .i64((0..<count).map { Int64(code($0)) })
        return PackedIntegers(base: 0, scale: 1, storage: storage)
    }
}
