/// `first(x, by)` when `by` is a stored column that never decreases down the table and has no
/// nulls (session and event exports come in time order): a group's smallest `by`, ties to its
/// earliest row, is then at the group's first row, so the answer is x at that row.
///
/// Nothing is kept per row: the grouping already tracks each group's first row, and
/// finishing reads the stored x column there. For first touch over millions of visitors this
/// replaces a random read-modify-write per row with one gather in row order.
///
/// Not an `Accumulator`: it has no per-batch state to update or merge (`AggregateSink.Folding`).
struct FirstRowReader {
    private let values: Column

    /// `values`: the stored column of the argument (`PhysicalPlanner` checks the shortcut holds).
    init(values: Column) {
        self.values = values
    }

    /// `firstRows[i]`: the first row of the i-th group of the result (`GroupIndexer.deadRow`
    /// for a group without rows: the one row of an aggregate over nothing).
    func values(atFirstRows firstRows: [Int32]) -> Column {
        let dead = GroupIndexer.deadRow
        guard firstRows.contains(dead) else {
            return firstRows.withUnsafeBufferPointer { values.gather($0) }
        }
        let rows = firstRows.map { $0 == dead ? 0 : $0 }
        let gathered = values.count == 0 ? nil : rows.withUnsafeBufferPointer { values.gather($0) }
        let flags = firstRows.indices.map { firstRows[$0] != dead && !(gathered?.isNull($0) ?? true) }
        guard let gathered else { return ColumnFactory.scalars([Scalar](repeating: .null, count: firstRows.count), type: values.type) }
        return Column(type: gathered.type, values: gathered.values, validity: Validity(flags: flags))
    }
}
