/// First-seen order for one stored text key grouped by its codes (visitors).
///
/// Ordering millions of groups by their first rows scatters each group into an array as long
/// as the table (40 MB at ten million rows) at a random place. When group g is code g of a
/// stored column, the first rows alone say it all: mark them in a bitmap over the rows (a
/// bit per row stays in cache), then read the key column at the marked rows, in row order.
/// The rows come out too, which is what `first(x, ts)` over a time-ordered column reads.
extension GroupIndexer {
    /// Groups in order of their first rows, with those rows; nil unless this grouping is by
    /// the codes of `keyColumn`'s dictionary. Looks at the token between its steps (each a
    /// few tens of milliseconds for millions of groups).
    func orderedGroupsByRows(of keyColumn: Column, cancel: CancellationToken? = nil) throws -> (groups: [Int], rows: [Int32])? {
        guard let dictionary = identityDictionary, case .text(let codes, let columnDictionary) = keyColumn.values,
            columnDictionary === dictionary, firstRows.count == dictionary.count + 1,
            // A few groups (sources, countries) are ordered in no time the usual way.
            firstRows.count >= 1 << 16
        else { return nil }
        let rowCount = keyColumn.count
        let wordCount = (rowCount + 63) / 64
        let dead = Self.deadRow
        // 1. Each core marks the first rows of a range of groups in a bitmap of its own.
        let groupPieces = Parallel.ranges(firstRows.count, parts: Parallel.threadCount)
        let marked: [(bits: [UInt64], live: Int)]? = firstRows.withUnsafeBufferPointer { firstRows in
            let marked = Parallel.map(groupPieces.count) { p -> (bits: [UInt64], live: Int)? in
                var bits = [UInt64](repeating: 0, count: wordCount)
                var live = 0
                let fits = bits.withUnsafeMutableBufferPointer { bits -> Bool in
                    for g in groupPieces[p] where firstRows[g] != dead {
                        let row = Int(firstRows[g])
                        guard row < rowCount else { return false }
                        bits[row >> 6] |= 1 << UInt64(row & 63)
                        live += 1
                    }
                    return true
                }
                return fits ? (bits, live) : nil
            }
            return marked.contains { $0 == nil } ? nil : marked.map { $0! }
        }
        guard let marked, var bits = marked.first?.bits else { return nil }
        try cancel?.check()
        let live = marked.reduce(0) { $0 + $1.live }
        for other in marked.dropFirst().map(\.bits) {
            bits.withUnsafeMutableBufferPointer { bits in
                other.withUnsafeBufferPointer { other in
                    let shared = UncheckedBox(bits)
                    Parallel.forEachRange(wordCount) { range in
                        for w in range { shared.value[w] |= other[w] }
                    }
                }
            }
        }
        try cancel?.check()
        // 2. The marked rows in order, by ranges of words on all cores; each row's group is the
        //    key's code there (the null group where the key is null).
        let wordPieces = Parallel.ranges(wordCount, parts: wordCount >= 1 << 14 ? Parallel.threadCount : 1)
        let counts = bits.withUnsafeBufferPointer { bits in
            Parallel.map(wordPieces.count) { p in wordPieces[p].reduce(0) { $0 + bits[$1].nonzeroBitCount } }
        }
        var starts = [0]
        for count in counts { starts.append(starts.last! + count) }
        let total = starts.last!
        // Groups have distinct first rows; were two on one row, the codes could not say which.
        guard total == live else { return nil }
        // Both arrays are written once, by all cores, on huge pages: millions of groups' worth
        // of fresh memory, first touched in parallel.
        let nullGroup = dictionary.count
        let validity = keyColumn.validity
        var groups: [Int] = []
        let rows = bits.withUnsafeBufferPointer { bits in
            LargeAllocation.array(of: Int32.self, count: total) { rows in
                groups = LargeAllocation.array(of: Int.self, count: total) { groups in
                    let shared = UncheckedBox((rows, groups))
                    _ = Parallel.map(wordPieces.count) { p in
                        let (rows, groups) = shared.value
                        var at = starts[p]
                        for w in wordPieces[p] {
                            var word = bits[w]
                            while word != 0 {
                                rows[at] = Int32(truncatingIfNeeded: w << 6 | word.trailingZeroBitCount)
                                word &= word - 1
                                at += 1
                            }
                        }
                        let count = at - starts[p]
                        guard count > 0 else { return }
                        let codesAt = UnsafeMutablePointer<Int64>.allocate(capacity: count)
                        defer { codesAt.deallocate() }
                        codes.decode(indices: rows + starts[p], count: count, into: codesAt)
                        for k in 0..<count {
                            let row = Int(rows[starts[p] + k])
                            groups[starts[p] + k] = validity?.isValid(row) == false ? nullGroup : Int(codesAt[k])
                        }
                    }
                }
            }
        }
        return (groups, rows)
    }
}
