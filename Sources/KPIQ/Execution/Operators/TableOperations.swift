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

    static func concatenate(_ a: Table, _ b: Table, names: [String]) -> Table {
        let columns = a.columns.indices.map { c in
            VectorConcatenation.column(
                [Batch.decode(a.columns[c], .range(start: 0, count: a.rowCount)), Batch.decode(b.columns[c], .range(start: 0, count: b.rowCount))],
                type: a.columns[c].type)
        }
        return Table(names: names, columns: columns, rowCount: a.rowCount + b.rowCount)
    }

    /// The rows at `indices`, where -1 gives a row of nulls.
    static func gather(_ column: Column, _ indices: [Int32]) -> Column {
        guard indices.contains(-1) else { return column.gather(indices) }
        let safe = indices.map { max(0, $0) }
        let gathered = column.count == 0
            ? ColumnFactory.scalars([Scalar](repeating: .null, count: indices.count), type: column.type)
            : column.gather(safe)
        var flags = (0..<indices.count).map { !gathered.isNull($0) }
        for (k, index) in indices.enumerated() where index < 0 { flags[k] = false }
        return Column(type: gathered.type, values: gathered.values, validity: Validity(flags: flags))
    }
}
