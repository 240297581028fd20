/// Whole-table helpers: slices, concatenation, and gathers that may produce nulls.
enum TableOperations {
    /// Rows `offset ..< offset + count`, cut to the table (`limit` and `offset` may be as large
    /// as the user writes, so `start + count` is never computed).
    static func slice(_ table: Table, offset: Int, count: Int) -> Table {
        let start = min(max(0, offset), table.rowCount)
        let end = start + min(max(0, count), table.rowCount - start)
        if start == 0, end == table.rowCount { return table }
        return table.gather((start..<end).map { Int32($0) })
    }

    static func concatenate(_ a: Table, _ b: Table, names: [String]) throws -> Table {
        try concatenate([a, b], names: names)
    }

    /// The rows of all `tables` (same columns, same types), in order.
    static func concatenate(_ tables: [Table], names: [String], budget: MemoryBudget? = nil) throws -> Table {
        guard let first = tables.first else { return Table(names: names, columns: [], rowCount: 0) }
        let rows = tables.reduce(0) { $0 + $1.rowCount }
        try Table.checkRows(rows, of: "this union")
        // Each column is decoded to 8-byte values (and null flags) before it is packed again.
        try budget?.check(MemoryBudget.bytes(rows: rows, bytesPerRow: 9 * first.columnCount + first.gatheredBytesPerRow), for: "the union",
                          detail: "\(Session.count(rows)) rows")
        let columns = first.columns.indices.map { c in
            VectorConcatenation.column(tables.map { Batch.decode($0.columns[c], .range(start: 0, count: $0.rowCount)) }, type: first.columns[c].type)
        }
        return Table(names: names, columns: columns, rowCount: tables.reduce(0) { $0 + $1.rowCount })
    }

    /// The rows at `indices`, where -1 gives a row of nulls; stops with `Cancelled` between
    /// pieces once `cancel` is raised.
    static func gather(_ column: Column, _ indices: [Int32], cancel: CancellationToken? = nil) throws -> Column {
        guard indices.contains(-1) else { return try column.gather(indices, cancel: cancel) }
        let safe = indices.map { max(0, $0) }
        let gathered = column.count == 0
            ? ColumnFactory.scalars([Scalar](repeating: .null, count: indices.count), type: column.type)
            : try column.gather(safe, cancel: cancel)
        try cancel?.check()
        // Valid where the index is a row (not -1) whose value is valid, a word at a time.
        let n = indices.count
        var words = (gathered.validity ?? Validity(allValid: n)).words
        indices.withUnsafeBufferPointer { indices in
            words.withUnsafeMutableBufferPointer { words in
                for k in 0..<n where indices[k] < 0 { words[k >> 6] &= ~(1 << UInt64(k & 63)) }
            }
        }
        return Column(type: gathered.type, values: gathered.values, validity: Validity(words: words, count: n))
    }
}
