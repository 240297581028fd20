/// Groups a pipeline's rows and folds each group's aggregates (one sink per worker thread;
/// `table(from:)` merges them).
final class AggregateSink: BatchSink {
    struct Spec {
        let function: AggregateFunction
        let argument: (any PhysicalExpression)?
        let order: (any PhysicalExpression)?
        let filter: (any PhysicalExpression)?
        let folding: Folding
    }

    /// How an aggregate's groups get their values.
    enum Folding {
        /// An accumulator per sink, updated batch by batch and merged at the end.
        case accumulate(() -> any Accumulator)
        /// Nothing per row: read at each group's first row when the result is built.
        case readAtFirstRow(FirstRowReader)
    }

    let keyExpressions: [any PhysicalExpression]
    let specs: [Spec]
    let indexer: GroupIndexer
    /// Per spec: its accumulator, or nil for one read at the groups' first rows.
    let accumulators: [(any Accumulator)?]
    /// Counts filtered by one small integer column, counted in one pass (see `SmallValueCounts`).
    private let smallValueCounts: (counts: SmallValueCounts, counters: [CountAccumulator], isMember: [Bool])?
    /// Checked while per-group state for many new groups is first touched, which can take
    /// longer than the 100 ms a Ctrl-C may wait (see `reserve`).
    let cancel: CancellationToken?
    /// Groups the accumulators have reserved state for.
    // Read and written in the per-batch loops; one thread uses a sink at a time.
    @exclusivity(unchecked) private var reservedGroups = 0
    /// The grouping's share of the memory budget, shared by every worker's sink: the number
    /// of groups is found as the rows are read, so each sink adds its new groups' state
    /// before the accumulators make room for it.
    let meter: MemoryBudget.Meter?
    /// Per group: its key words, hash, first row and two table slots in the indexer, and
    /// about 16 bytes of state per aggregate.
    private let bytesPerGroup: Int

    init(keys: [(expression: any PhysicalExpression, type: DataType, stableText: Bool)], grouping: GroupingStrategy, specs: [Spec],
         smallValueCounts: SmallValueCounts? = nil, expectedRows: Int,
         cancel: CancellationToken? = nil, meter: MemoryBudget.Meter? = nil) {
        self.cancel = cancel
        self.meter = meter
        bytesPerGroup = 8 * keys.count + 20 + 16 * specs.count
        keyExpressions = keys.map(\.expression)
        indexer = GroupIndexer(keys: keys.map { KeyComponents(type: $0.type, stableText: $0.stableText) }, strategy: grouping,
                               expectedRows: expectedRows)
        self.specs = specs
        let accumulators: [(any Accumulator)?] = specs.map {
            if case .accumulate(let make) = $0.folding { return make() }
            return nil
        }
        self.accumulators = accumulators
        if let counts = smallValueCounts {
            let counters = counts.members.compactMap { accumulators[$0.spec] as? CountAccumulator }
            let isMember = specs.indices.map { index in counts.members.contains { $0.spec == index } }
            self.smallValueCounts = counters.count == counts.members.count ? (counts, counters, isMember) : nil
        } else {
            self.smallValueCounts = nil
        }
    }

    func consume(_ batch: Batch, morsel: Int) throws {
        let keys = try keyExpressions.map { try $0.evaluate(batch) }
        let rows = batch.rowNumbers
        let groups = indexer.groups(for: keys, rowNumbers: rows)
        let groupCount = indexer.count
        if groupCount > reservedGroups {
            try meter?.add(groupCount - reservedGroups, of: bytesPerGroup)
            // Text keys number their groups by code: the first batch brings the whole
            // dictionary's worth of groups (millions of visitors) at once.
            for case let accumulator? in accumulators { try accumulator.reserve(groupCount: groupCount, cancel: cancel) }
            reservedGroups = groupCount
        }
        var counted: [Bool]?
        if let (counts, counters, isMember) = smallValueCounts,
            counts.update(batch, groups: groups, groupCount: groupCount, counters: counters)
        {
            counted = isMember
        }
        for (index, (spec, accumulator)) in zip(specs, accumulators).enumerated() {
            guard let accumulator, counted?[index] != true else { continue }
            var mask: [UInt8]?
            if let filter = spec.filter {
                mask = BoolOperand(try filter.evaluate(batch)).truthMask(count: batch.count)
            }
            if let counter = accumulator as? CountAccumulator, let column = spec.argument as? ColumnExpression,
                case .some(let flags) = batch.storedValidity(column.index)
            {
                // `count(opened_at)`: the stored column's null bitmap, no values decoded.
                counter.update(groups: groups, groupCount: groupCount, valid: flags, mask: mask)
                continue
            }
            let argument = try spec.argument?.evaluate(batch)
            let order = try spec.order?.evaluate(batch)
            if let numbered = accumulator as? RowNumberedAccumulator { numbered.batchRows = rows }
            accumulator.update(groups: groups, groupCount: groupCount, argument: argument, order: order, mask: mask)
        }
    }

    /// Merges the sinks and builds the result: key columns then one column per aggregate,
    /// groups in order of first appearance. Without keys there is always exactly one row.
    /// `keyColumn`: the stored column that is the only key, when it is one (see
    /// `GroupIndexer.orderedGroupsByRows`).
    static func table(from sinks: [AggregateSink], keyNames: [String], aggregateNames: [String], keyColumn: Column? = nil,
                      trace: inout PhaseTrace, cancel: CancellationToken? = nil) throws -> Table {
        // Range-path groupings merge into the one starting lowest (see `rangeOrigin`).
        let sinks = sinks.sorted { ($0.indexer.rangeOrigin ?? .max) < ($1.indexer.rangeOrigin ?? .max) }
        let first = sinks[0]
        // Merging, ordering and gathering millions of groups take tens of milliseconds each:
        // a cancel is honoured between them.
        // Aggregates read at each group's first row have no state to merge, and need no map
        // of the other sink's groups (for millions of visitors grouped by code, an array of
        // millions written for nothing).
        let statesToMerge = first.accumulators.contains { $0 != nil }
        for other in sinks.dropFirst() {
            try cancel?.check()
            let mapping = first.indexer.absorb(other.indexer, mappingNeeded: statesToMerge)
            for case let (mine?, theirs?) in zip(first.accumulators, other.accumulators) {
                try cancel?.check()
                mine.merge(theirs, mapping: mapping, groupCount: first.indexer.count)
            }
        }
        trace.mark("merge")
        try cancel?.check()
        var order: [Int]
        var firstRows: [Int32]?
        if let keyColumn, let byRows = try first.indexer.orderedGroupsByRows(of: keyColumn, cancel: cancel) {
            (order, firstRows) = byRows
        } else {
            order = first.indexer.orderedGroups()
        }
        trace.mark("order \(order.count) groups")
        if first.keyExpressions.isEmpty, order.isEmpty {
            // An aggregate over no rows: one row (count 0, other aggregates null).
            order = [0]
            for case let accumulator? in first.accumulators {
                accumulator.update(groups: [], groupCount: 1, argument: nil, order: nil, mask: nil)
            }
        }
        var columns: [Column] = []
        for k in 0..<first.keyExpressions.count {
            try cancel?.check()
            columns.append(first.indexer.keyColumn(k, order: order))
        }
        trace.mark("keys")
        if firstRows == nil, first.specs.contains(where: { if case .readAtFirstRow = $0.folding { true } else { false } }) {
            firstRows = first.indexer.firstRows(of: order)
        }
        let groups = order, rows = firstRows
        func finish(_ k: Int) -> Column {
            switch (first.specs[k].folding, first.accumulators[k]) {
            case (.readAtFirstRow(let reader), _): return reader.values(atFirstRows: rows!)
            case (.accumulate, let accumulator?): return accumulator.finish(order: groups)
            case (.accumulate, nil): preconditionFailure("every accumulated aggregate has its accumulator")
            }
        }
        // A median or a distinct count over many values takes milliseconds to finish, after
        // every row is read: when there are several, they finish at once on all cores (each
        // accumulator is its own state).
        if first.accumulators.filter({ $0?.finishIsSlow == true }).count >= 2 {
            try cancel?.check()
            columns += Parallel.map(first.specs.count, finish)
            trace.mark("\(first.specs.count) aggregates at once")
        } else {
            for k in first.specs.indices {
                try cancel?.check()
                columns.append(finish(k))
                trace.mark(aggregateNames[k])
            }
        }
        // A finish stopped by Ctrl-C may have returned an empty column.
        try cancel?.check()
        trace.emit()
        return Table(names: keyNames + aggregateNames, columns: columns, rowCount: order.count)
    }
}
