/// The pairs of row numbers a join outputs, in output order: the left rows in order, each with
/// the right rows of its key in order (in a left join, a left row without any once, with -1).
///
/// Made from the rows' key numbers (`JoinKeyNumbering`) in two passes over the left side (only
/// over its matching rows when an inner join's left side lists just those). The
/// first counts: a left row pairs with as many right rows as its key has, so each range's
/// pairs are a sum of known counts, found without making one. The total is checked against
/// the row limit and the memory budget there, before anything of its size exists, so a join
/// whose key is shared by every row answers at once with an error instead of filling memory.
/// The second pass writes each range's pairs at their place, on all cores.
struct JoinPairs {
    let left: [Int32]
    let right: [Int32]

    /// `bytesPerRow`: what one output row will take (these two numbers and the gathered
    /// columns), for the memory budget.
    init(leftKeys: RowKeyNumbers, rightKeys: RowKeyNumbers, keyCount: Int, keepUnmatchedLeft: Bool,
         rowLimit: Int, bytesPerRow: Int, budget: MemoryBudget?, cancel: CancellationToken?) throws {
        // The right rows grouped by key, ascending within a key: those of key k are
        // `rightRows[starts[k] ..< starts[k + 1]]`.
        var starts = [Int](repeating: 0, count: keyCount + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            rightKeys.forEachMatch { _, key in starts[key + 1] += 1 }
        }
        for k in 0..<keyCount { starts[k + 1] += starts[k] }
        try cancel?.check()
        // Every matching right row is placed once: the array is written whole, so it needs
        // no zero-filling first.
        var cursor = starts
        let rightRows = LargeAllocation.array(of: Int32.self, count: starts[keyCount]) { rightRows in
            cursor.withUnsafeMutableBufferPointer { cursor in
                rightKeys.forEachMatch { row, key in
                    rightRows[cursor[key]] = Int32(row)
                    cursor[key] += 1
                }
            }
        }
        cursor = []
        try cancel?.check()

        // The left rows walked: every row (`leftRows` empty, a row is its index) or, in an
        // inner join whose left side lists only its matching rows, those rows.
        let leftRows: [Int32], leftNumbers: [Int32]
        switch leftKeys {
        case .sparse(let rows, let numbers, _) where !keepUnmatchedLeft:
            (leftRows, leftNumbers) = (rows, numbers)
        default:
            (leftRows, leftNumbers) = ([], leftKeys.dense)
        }
        // Count: the pairs of each range of left rows.
        let leftCount = leftNumbers.count
        let ranges = Parallel.ranges(leftCount, parts: leftCount < 100_000 ? 1 : Parallel.threadCount * 4)
        let counts = try leftNumbers.withUnsafeBufferPointer { keys in
            try starts.withUnsafeBufferPointer { starts in
                try Parallel.map(ranges.count) { t -> Int in
                    try cancel?.check()
                    var pairs = 0
                    for row in ranges[t] {
                        let key = Int(keys[row])
                        let matches = key >= 0 ? starts[key + 1] - starts[key] : 0
                        pairs += matches == 0 && keepUnmatchedLeft ? 1 : matches
                    }
                    return pairs
                }
            }
        }
        // At most 2^31 rows a side, so the total fits an Int whatever the keys.
        let total = counts.reduce(0, +)
        try Table.checkRows(total, of: "this join", limit: rowLimit)
        try budget?.check(MemoryBudget.bytes(rows: total, bytesPerRow: bytesPerRow), for: "the join",
                          detail: "\(Session.count(total)) rows of \(bytesPerRow) bytes")
        var offsets = [0]
        for count in counts { offsets.append(offsets.last! + count) }

        // Fill: each range writes its pairs from its offset. A stop (Ctrl-C) leaves both arrays
        // empty but holding their memory, which is released off this thread: unmapping
        // gigabytes of pairs would delay the answer by a quarter of a second.
        var leftOut: [Int32] = []
        var stopped: Error?
        let rightOut = [Int32](unsafeUninitializedCapacity: total) { rightBuffer, rightInitialized in
            leftOut = [Int32](unsafeUninitializedCapacity: total) { leftBuffer, leftInitialized in
                guard total > 0 else { return }
                do {
                    try Self.fill(lefts: leftBuffer.baseAddress!, rights: rightBuffer.baseAddress!,
                                  leftRows: leftRows, leftKeys: leftNumbers,
                                  starts: starts, rightRows: rightRows, ranges: ranges, offsets: offsets,
                                  keepUnmatchedLeft: keepUnmatchedLeft, cancel: cancel)
                    leftInitialized = total
                } catch {
                    stopped = error
                }
            }
            if stopped == nil { rightInitialized = total }
        }
        if let stopped {
            ReleaseLater.release((leftOut, rightOut, rightRows, starts))
            throw stopped
        }
        left = leftOut
        right = rightOut
    }

    /// Writes the pairs of each range of left rows from its offset, on all cores. `leftKeys[i]`
    /// is the key number of left row `leftRows[i]` (of row i when `leftRows` is empty).
    private static func fill(lefts: UnsafeMutablePointer<Int32>, rights: UnsafeMutablePointer<Int32>,
                             leftRows: [Int32], leftKeys: [Int32],
                             starts: [Int], rightRows: [Int32], ranges: [Range<Int>], offsets: [Int],
                             keepUnmatchedLeft: Bool, cancel: CancellationToken?) throws {
        let out = UncheckedBox((lefts, rights))
        try leftKeys.withUnsafeBufferPointer { keys in
            try leftRows.withUnsafeBufferPointer { leftRows in
                try starts.withUnsafeBufferPointer { starts in
                    try rightRows.withUnsafeBufferPointer { rightRows in
                        _ = try Parallel.map(ranges.count) { t in
                            let (lefts, rights) = out.value
                            var at = offsets[t]
                            // A check every 65,536 rows and every 65,536 pairs keeps Ctrl-C
                            // prompt whatever the keys: many rows with a match or none
                            // each, or a few rows with millions each.
                            var nextCheck = at + 0x10000
                            for index in ranges[t] {
                                if index & 0xFFFF == 0 { try cancel?.check() }
                                let row = leftRows.isEmpty ? Int32(index) : leftRows[index]
                                let key = Int(keys[index])
                                var from = key >= 0 ? starts[key] : 0
                                let to = key >= 0 ? starts[key + 1] : 0
                                if from == to, keepUnmatchedLeft {
                                    lefts[at] = row
                                    rights[at] = -1
                                    at += 1
                                }
                                while from < to {
                                    let end = min(to, from + 0x10000)
                                    for j in from..<end {
                                        lefts[at] = row
                                        rights[at] = rightRows[j]
                                        at += 1
                                    }
                                    from = end
                                    if at >= nextCheck {
                                        try cancel?.check()
                                        nextCheck = at + 0x10000
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
