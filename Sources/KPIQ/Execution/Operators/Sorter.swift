/// Orders a table by key expressions: ascending or descending, nulls last unless asked
/// otherwise, ties kept in input order. Text sorts by code point, through dictionary ranks
/// (no string comparison per pair). With a limit, only the first rows are fully ordered.
///
/// Its size is known up front (the rows, the keys' and the columns' widths), so it is checked
/// against the memory budget before the keys are computed; comparisons and the final copy
/// check the cancellation token as they go.
enum Sorter {
    /// One key column, decoded once for comparing (also what a window reads to see whether
    /// its input is already in order).
    struct Key {
        enum Values {
            case ints([Int64])
            case doubles([Double])
            case ranks([UInt32])
        }

        let values: Values
        let valid: [UInt8]?
        let descending: Bool
        let nullsFirst: Bool

        @inline(__always)
        func compare(_ a: Int, _ b: Int) -> Int {
            let va = valid.map { $0[a] != 0 } ?? true, vb = valid.map { $0[b] != 0 } ?? true
            if !va || !vb {
                if va == vb { return 0 }
                // Nulls last (or first), whatever the direction.
                return (!va) == nullsFirst ? -1 : 1
            }
            let order: Int
            switch values {
            case .ints(let x): order = x[a] < x[b] ? -1 : (x[a] == x[b] ? 0 : 1)
            case .doubles(let x): order = ComparisonExpression.order(x[a], x[b])
            case .ranks(let x): order = x[a] < x[b] ? -1 : (x[a] == x[b] ? 0 : 1)
            }
            return descending ? -order : order
        }
    }

    static func sort(_ table: Table, keys: [BoundSortKey], limit: Int?, cancel: CancellationToken?,
                     budget: MemoryBudget? = nil) throws -> Table {
        let n = table.rowCount
        if n <= 1 || keys.isEmpty { return limit.map { TableOperations.slice(table, offset: 0, count: $0) } ?? table }
        // Per row: its place in the order, each key computed and decoded (8 bytes and a null
        // flag, twice: as a column, then decoded), and the sorted copy of the row.
        let bytesPerRow = 8 + 18 * keys.count + table.gatheredBytesPerRow
        try budget?.check(MemoryBudget.bytes(rows: n, bytesPerRow: bytesPerRow), for: "the sort",
                          detail: "\(Session.count(n)) rows of \(bytesPerRow) bytes")
        return try table.gather(try permutation(table, keys: keys, limit: limit, cancel: cancel), cancel: cancel)
    }

    /// The row numbers of `table` in the keys' order (the first `limit` of them), ties in input
    /// order: what `sort` gathers, for operators that only need the order (windows).
    static func permutation(_ table: Table, keys: [BoundSortKey], limit: Int? = nil, cancel: CancellationToken?) throws -> [Int32] {
        let n = table.rowCount
        if n <= 1 || keys.isEmpty {
            return (0..<min(n, limit ?? n)).map { Int32($0) }
        }
        // Evaluate the key expressions over the whole table.
        let keySchema = Schema(fields: keys.enumerated().map { Schema.Field(name: "k\($0.offset)", type: $0.element.expression.type ?? .int) })
        let keyPlan = LogicalPlan.project(.scan(name: "", table: table), keys.map(\.expression), keySchema)
        let keyTable = try Executor(cancel: cancel).run(keyPlan)
        try cancel?.check()
        let decoded = try keys.enumerated().map { k, key in
            try Self.key(keyTable.columns[k], rows: n, descending: key.descending, nullsFirst: key.nullsFirst, cancel: cancel)
        }
        let before: (Int, Int) -> Bool = { a, b in
            for key in decoded {
                let c = key.compare(a, b)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        try cancel?.check()
        var order: [Int]
        if let limit, limit < n / 8 {
            order = try topK(n, limit, before, cancel: cancel)
        } else if let bucketed = try bucketed(decoded, rows: n, cancel: cancel) {
            order = limit.map { Array(bucketed.prefix($0)) } ?? bucketed
        } else {
            order = Array(0..<n)
            // A sort of millions of rows makes tens of millions of comparisons: every 65,536th
            // looks at the token.
            var comparisons = 0
            try order.sort { a, b in
                comparisons &+= 1
                if comparisons & 0xFFFF == 0 { try cancel?.check() }
                return before(a, b)
            }
            if let limit { order = Array(order.prefix(limit)) }
        }
        return order.map { Int32($0) }
    }

    /// A key column decoded for comparing (text as its strings' ranks), by all cores in pieces
    /// of a million rows with a look at the token before each: ten million rows take longer
    /// than a Ctrl-C may wait. Each piece writes straight into its slice of one array per key
    /// and of the null flags, so nothing is joined or decoded twice.
    static func key(_ column: Column, rows n: Int, descending: Bool, nullsFirst: Bool, pieceRows: Int = 1 << 20,
                    cancel: CancellationToken?) throws -> Key {
        let pieces = Parallel.ranges(n, parts: (n + pieceRows - 1) / pieceRows)
        // The null flags (nil for a column without nulls), written by the pieces that decode
        // the values, from the flags `Batch.decode` makes for each.
        var valid: [UInt8]? = nil
        /// Fills one array of `n` values, piece by piece on all cores. A piece left unwritten
        /// because the token was raised is never read: the token is checked right after.
        func decoded<T>(_: T.Type, _ write: (Vector, UnsafeMutablePointer<T>, Int) -> Void) -> [T] {
            func fill(_ flags: UnsafeMutablePointer<UInt8>?) -> [T] {
                LargeAllocation.array(of: T.self, count: n) { values in
                    let shared = UncheckedBox((values, flags))
                    _ = Parallel.map(pieces.count) { p in
                        if cancel?.isCancelled == true { return }
                        let piece = pieces[p]
                        let (values, flags) = shared.value
                        let vector = Batch.decode(column, .range(start: piece.lowerBound, count: piece.count))
                        write(vector, values + piece.lowerBound, piece.count)
                        guard let flags, let pieceFlags = vector.valid else { return }
                        pieceFlags.withUnsafeBufferPointer { (flags + piece.lowerBound).initialize(from: $0.baseAddress!, count: piece.count) }
                    }
                }
            }
            guard column.validity != nil else { return fill(nil) }
            var values: [T] = []
            valid = LargeAllocation.array(of: UInt8.self, count: n) { flags in values = fill(flags) }
            return values
        }
        // The kind of values follows the column's storage, as `Batch.decode` gives them.
        let values: Key.Values
        switch column.values {
        case .text(_, let dictionary):
            let ranks = try dictionary.sortRanks(cancel: cancel)
            values = .ranks(decoded(UInt32.self) { vector, out, count in
                guard case .text(let codes, _) = vector.values else { preconditionFailure("a text column decodes to codes") }
                for i in 0..<count { out[i] = ranks[Int(codes[i])] }
            })
        case .doubles:
            values = .doubles(decoded(Double.self) { vector, out, count in
                guard case .doubles(let a) = vector.values else { preconditionFailure("a decimal column decodes to doubles") }
                a.withUnsafeBufferPointer { out.initialize(from: $0.baseAddress!, count: count) }
            })
        case .bools:
            values = .ints(decoded(Int64.self) { vector, out, count in
                guard case .bools(let a) = vector.values else { preconditionFailure("a bool column decodes to bools") }
                for i in 0..<count { out[i] = Int64(a[i]) }
            })
        case .integers:
            values = .ints(decoded(Int64.self) { vector, out, count in
                guard case .ints(let a) = vector.values else { preconditionFailure("an integer column decodes to integers") }
                a.withUnsafeBufferPointer { out.initialize(from: $0.baseAddress!, count: count) }
            })
        }
        try cancel?.check()
        return Key(values: values, valid: valid, descending: descending, nullsFirst: nullsFirst)
    }

    /// The `k` first rows in order, with a bounded max-heap: O(n log k).
    private static func topK(_ n: Int, _ k: Int, _ before: (Int, Int) -> Bool, cancel: CancellationToken?) throws -> [Int] {
        if k == 0 { return [] }
        var heap: [Int] = []
        heap.reserveCapacity(k + 1)
        func siftUp(_ index: Int) {
            var i = index
            while i > 0 {
                let parent = (i - 1) / 2
                if before(heap[parent], heap[i]) { heap.swapAt(parent, i); i = parent } else { break }
            }
        }
        func siftDown(_ index: Int) {
            var i = index
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < heap.count, before(heap[largest], heap[l]) { largest = l }
                if r < heap.count, before(heap[largest], heap[r]) { largest = r }
                if largest == i { return }
                heap.swapAt(i, largest)
                i = largest
            }
        }
        for row in 0..<n {
            if row & 0xFFFF == 0 { try cancel?.check() }
            if heap.count < k {
                heap.append(row)
                siftUp(heap.count - 1)
            } else if before(row, heap[0]) {
                heap[0] = row
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }
}
