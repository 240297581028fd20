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
