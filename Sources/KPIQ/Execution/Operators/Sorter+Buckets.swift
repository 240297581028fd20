/// A sort whose first key spans no more values than it has rows (ids numbered from 1, days
/// of a year, a dictionary's ranks), ordered by counting: one bucket per value of the first
/// key, rows in input order within a bucket, then each bucket of more than one row sorted
/// by the other keys. A window over the touches of 200,000 conversions sorts buckets of one
/// or two rows instead of making millions of comparisons through closures.
///
/// The order is the comparison sort's exactly: buckets follow the first key's order (nulls
/// last, or first when asked), and ties keep input order.
extension Sorter {
    /// The rows ordered by `keys` when the first key's values span at most about as many
    /// values as there are rows (so the buckets take no more memory than the rows), nil
    /// otherwise.
    static func bucketed(_ keys: [Key], rows n: Int, cancel: CancellationToken?) throws -> [Int]? {
        guard let first = keys.first, let (bucket, bucketCount) = buckets(first, rows: n) else { return nil }
        // Counting sort by bucket: stable.
        var starts = [Int32](repeating: 0, count: bucketCount + 1)
        var order = [Int](repeating: 0, count: n)
        starts.withUnsafeMutableBufferPointer { starts in
            bucket.withUnsafeBufferPointer { bucket in
                for b in bucket { starts[Int(b) + 1] += 1 }
                for b in 0..<bucketCount { starts[b + 1] += starts[b] }
                var cursor = Array(starts)
                order.withUnsafeMutableBufferPointer { order in
                    for row in 0..<n {
                        let b = Int(bucket[row])
                        order[Int(cursor[b])] = row
                        cursor[b] += 1
                    }
                }
            }
        }
        try cancel?.check()
        let rest = keys.dropFirst()
        guard !rest.isEmpty else { return order }
        // Each bucket of several rows by the other keys; every 65,536th comparison looks at
        // the token (one bucket may hold millions of rows).
        var comparisons = 0
        for b in 0..<bucketCount where starts[b + 1] - starts[b] > 1 {
            try order[Int(starts[b])..<Int(starts[b + 1])].sort { x, y in
                comparisons &+= 1
                if comparisons & 0xFFFF == 0 { try cancel?.check() }
                for key in rest {
                    let c = key.compare(x, y)
                    if c != 0 { return c < 0 }
                }
                return x < y
            }
        }
        return order
    }

    /// Each row's bucket (its place among the first key's values, in the key's order) and the
    /// number of buckets, when the values' range is at most the rows plus 1,024.
    private static func buckets(_ key: Key, rows n: Int) -> (bucket: [Int32], count: Int)? {
        let limit = Int64(n + 1024)
        func numbered<T: FixedWidthInteger>(_ values: [T]) -> (bucket: [Int32], count: Int)? {
            var low = T.max, high = T.min
            values.withUnsafeBufferPointer { values in
                if let valid = key.valid {
                    for i in 0..<n where valid[i] != 0 { (low, high) = (min(low, values[i]), max(high, values[i])) }
                } else {
                    for i in 0..<n { (low, high) = (min(low, values[i]), max(high, values[i])) }
                }
            }
            // Only nulls (or no rows): one bucket.
            if low > high { return ([Int32](repeating: 0, count: n), 1) }
            let (range, overflow) = Int64(high).subtractingReportingOverflow(Int64(low))
            guard !overflow, range < limit, range < Int64(Int32.max) - 2 else { return nil }
            let size = Int32(range) + 1
            // Nulls go after the values, or before them; descending reverses the values only.
            let nullBucket: Int32 = key.nullsFirst ? 0 : size
            let shift: Int32 = key.nullsFirst ? 1 : 0
            let low64 = Int64(low), high64 = Int64(high)
            var bucket = [Int32](repeating: 0, count: n)
            bucket.withUnsafeMutableBufferPointer { bucket in
                values.withUnsafeBufferPointer { values in
                    for i in 0..<n {
                        if let valid = key.valid, valid[i] == 0 {
                            bucket[i] = nullBucket
                        } else {
                            let place = key.descending ? high64 - Int64(values[i]) : Int64(values[i]) - low64
                            bucket[i] = Int32(place) + shift
                        }
                    }
                }
            }
            return (bucket, Int(size) + 1)
        }
        switch key.values {
        case .ints(let values): return numbered(values)
        case .ranks(let values): return numbered(values)
        case .doubles: return nil
        }
    }
}
