import Synchronization

/// An aggregate's result column gathered from per-group state in the groups' output order:
/// values and a validity flag each, two fresh arrays on huge pages written once by all cores,
/// a range of positions per task (millions of visitors' first and last sessions).
enum GroupValueGather {
    /// `write(range, values, valid)` writes every position of `range` and returns whether all
    /// of them were valid; `allValid` is whether every range was.
    static func gather<T>(count: Int, _ write: (Range<Int>, UnsafeMutablePointer<T>, UnsafeMutablePointer<Bool>) -> Bool)
        -> (values: [T], valid: [Bool], allValid: Bool)
    {
        let allValid = Mutex(true)
        var valid: [Bool] = []
        let values = LargeAllocation.array(of: T.self, count: count) { values in
            valid = LargeAllocation.array(of: Bool.self, count: count) { valid in
                let shared = UncheckedBox((values, valid))
                Parallel.forEachRange(count) { range in
                    let (values, valid) = shared.value
                    if !write(range, values, valid) { allValid.withLock { $0 = false } }
                }
            }
        }
        return (values, valid, allValid.withLock { $0 })
    }

    /// Whether to stop at position `i` (Ctrl-C, checked every 65,536 positions); when it
    /// does, the rest of `range` is written as nulls first, so the arrays are whole.
    @inline(__always)
    static func stops<T>(at i: Int, of range: Range<Int>, _ cancel: CancellationToken?, values: UnsafeMutablePointer<T>,
                         valid: UnsafeMutablePointer<Bool>, zero: T) -> Bool {
        guard i & 0xFFFF == 0, cancel?.isCancelled == true else { return false }
        (values + i).initialize(repeating: zero, count: range.upperBound - i)
        (valid + i).initialize(repeating: false, count: range.upperBound - i)
        return true
    }
}
