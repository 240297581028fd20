/// Listing groups in order of their first rows, whatever grouping numbered them.
extension GroupIndexer {
    /// Groups that saw rows, in order of their first row. Millions of groups (visitors) are
    /// listed by all cores, each a range of groups (then of rows) at a time.
    func orderedGroups() -> [Int] {
        struct Piece {
            var live = 0
            var ascending = true
            var lowest = Int32.max
            var highest: Int32 = -1
        }
        let total = firstRows.count
        let pieces = Parallel.ranges(total, parts: total >= 1 << 17 ? Parallel.threadCount : 1)
        return firstRows.withUnsafeBufferPointer { firstRows in
            let dead = Self.deadRow
            let summaries = Parallel.map(pieces.count) { p -> Piece in
                var piece = Piece()
                var previous: Int32 = -1
                for g in pieces[p] where firstRows[g] != dead {
                    let row = firstRows[g]
                    if row < previous { piece.ascending = false }
                    previous = row
                    piece.live += 1
                    piece.lowest = min(piece.lowest, row)
                    piece.highest = max(piece.highest, row)
                }
                return piece
            }
            let live = summaries.reduce(0) { $0 + $1.live }
            let highest = summaries.map(\.highest).max() ?? -1
            // Groups numbered in first-seen order already (a hash table fed rows in order, a
            // dictionary built in row order) need no sort.
            var ascending = summaries.allSatisfy(\.ascending)
            var previousHighest: Int32 = -1
            for piece in summaries where piece.live > 0 {
                if piece.lowest < previousHighest { ascending = false }
                previousHighest = piece.highest
            }
            if ascending {
                var starts = [0]
                for piece in summaries { starts.append(starts.last! + piece.live) }
                return LargeAllocation.array(of: Int.self, count: live) { out in
                    let shared = UncheckedBox(out)
                    _ = Parallel.map(pieces.count) { p in
                        var at = starts[p]
                        for g in pieces[p] where firstRows[g] != dead {
                            shared.value[at] = g
                            at += 1
                        }
                    }
                }
            }
            // First rows are distinct row numbers: when they are dense (millions of visitors
            // among ten million rows), placing each group at its first row and reading the
            // places in order is one scatter and one scan instead of a sort.
            guard highest >= 0, Int(highest) < 4 * live + 4096 else {
                let groups = (0..<total).filter { firstRows[$0] != dead }
                let order = RadixSort.order(byKeys: groups.map { Int(firstRows[$0]) })
                return order.map { groups[$0] }
            }
            let rows = Int(highest) + 1
            let byRow = LargeAllocation.allocate(Int32.self, count: rows)
            defer { LargeAllocation.free(byRow) }
            let shared = UncheckedBox(byRow)
            Parallel.forEachRange(rows) { range in
                (shared.value + range.lowerBound).update(repeating: -1, count: range.count)
            }
            _ = Parallel.map(pieces.count) { p in
                for g in pieces[p] where firstRows[g] != dead { shared.value[Int(firstRows[g])] = Int32(truncatingIfNeeded: g) }
            }
            let rowPieces = Parallel.ranges(rows, parts: pieces.count)
            let counts = Parallel.map(rowPieces.count) { p in rowPieces[p].reduce(0) { $0 + (shared.value[$1] >= 0 ? 1 : 0) } }
            var starts = [0]
            for count in counts { starts.append(starts.last! + count) }
            return LargeAllocation.array(of: Int.self, count: live) { out in
                let target = UncheckedBox(out)
                _ = Parallel.map(rowPieces.count) { p in
                    var at = starts[p]
                    for row in rowPieces[p] where shared.value[row] >= 0 {
                        target.value[at] = Int(shared.value[row])
                        at += 1
                    }
                }
            }
        }
    }

    /// The first row of each group in `order` (`deadRow` for one that saw none).
    func firstRows(of order: [Int]) -> [Int32] {
        firstRows.withUnsafeBufferPointer { firstRows in
            order.withUnsafeBufferPointer { order in
                LargeAllocation.array(of: Int32.self, count: order.count) { out in
                    let shared = UncheckedBox(out)
                    Parallel.forEachRange(order.count) { range in
                        for i in range { shared.value[i] = order[i] < firstRows.count ? firstRows[order[i]] : Self.deadRow }
                    }
                }
            }
        }
    }
}
