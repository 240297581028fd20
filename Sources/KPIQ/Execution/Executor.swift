/// Runs a logical plan to a table.
///
/// Streaming parts (filters and projections over one input) run as a `ScanPipeline` on all
/// cores into a sink; aggregation, sorting, joins and unions are the points where a whole
/// input is gathered first. How each aggregate, streaming chain and sort under a limit runs
/// is `PhysicalPlanner`'s choice, made once the table the step reads is known.
package struct Executor {
    package let cancel: CancellationToken?
    /// What the steps that gather a whole input (joins, groupings, sorts, results) may
    /// allocate; nil: no limit (tests, and plans run inside a step that checked already).
    package let budget: MemoryBudget?
    /// Whether unread columns are dropped before the plan runs (`ColumnPruning`); tests turn
    /// it off to compare.
    var prunesColumns = true
    /// The results of the stages of the `QueryPlan` being run, by name.
    private var stageResults: [String: Table] = [:]

    package init(cancel: CancellationToken? = nil, budget: MemoryBudget? = nil) {
        self.cancel = cancel
        self.budget = budget
    }

    /// Runs each stage in order (each may read those before it), then the result.
    package func run(_ plan: QueryPlan) throws -> Table {
        var executor = self
        var trace = PhaseTrace("stages")
        for stage in plan.stages {
            let table = try executor.run(stage.plan)
            executor.stageResults[stage.name] = table.renamed(stage.plan.schema.names)
            trace.mark("\(stage.name) \(table.rowCount) rows")
        }
        let result = try executor.run(plan.result)
        trace.mark("result")
        trace.emit()
        return result
    }

    package func run(_ plan: LogicalPlan) throws -> Table {
        guard prunesColumns else { return try execute(plan) }
        var trace = PhaseTrace("plan")
        let pruned = ColumnPruning.prune(plan)
        trace.mark("prune columns")
        trace.emit()
        return try execute(pruned)
    }

    private func execute(_ plan: LogicalPlan) throws -> Table {
        try cancel?.check()
        switch plan {
        case .scan(_, let table):
            return table
        case .stage(let name, _):
            guard let table = stageResults[name] else { preconditionFailure("stage `\(name)` read before it ran") }
            return table
        case .filter, .filterIn, .project:
            if case .passThrough(let columns) = PhysicalPlanner.stream(plan), case .project(let input, _, _) = plan {
                let table = try execute(input)
                return table.withColumns(columns.map { table.columns[$0] }, rowCount: table.rowCount).renamed(plan.schema.names)
            }
            let (source, steps) = try chain(plan)
            if steps.isEmpty { return source.renamed(plan.schema.names) }
            var pipeline = ScanPipeline(table: source, steps: steps)
            pipeline.parallel = plan.streamDepth <= ScanPipeline.maxParallelDepth
            let schema = plan.schema
            let meter = budget.map { MemoryBudget.Meter($0, for: "the result", counting: "rows") }
            var trace = PhaseTrace("stream \(source.rowCount) rows")
            let sinks = try pipeline.run(makeSink: { MaterializeSink(schema: schema, meter: meter) }, cancel: cancel)
            trace.mark("steps")
            let table = try MaterializeSink.table(sinks, schema: schema, cancel: cancel)
            trace.mark("columns of \(table.rowCount) rows")
            trace.emit()
            return table
        case .aggregate(let input, let keys, let aggregates, let schema):
            let (source, steps) = try chain(input)
            switch PhysicalPlanner.aggregate(input: input, keys: keys, aggregates: aggregates, source: source) {
            case .storedExtremes(let columns):
                return StoredExtremes.table(columns, aggregates: aggregates, names: schema.names)
            case .grouped(let grouped):
                return try aggregate(grouped, source: source, steps: steps, keys: keys, aggregates: aggregates, schema: schema)
            }
        case .sort(let input, let keys):
            return try Sorter.sort(try execute(input), keys: keys, limit: nil, cancel: cancel, budget: budget)
        case .limit(let input, let count, let offset):
            if case .sort(let sortInput, let keys) = input {
                // The sort keeps only the rows the limit takes (a top-N sort).
                let kept = PhysicalPlanner.sortKeeping(count: count, offset: offset) ?? Int.max
                let sorted = try Sorter.sort(try execute(sortInput), keys: keys, limit: kept, cancel: cancel, budget: budget)
                return TableOperations.slice(sorted, offset: offset, count: count)
            }
            return TableOperations.slice(try execute(input), offset: offset, count: count)
        case .window(let input, let partition, let order, let functions, let keepsInputOrder, let schema):
            return try WindowOperator.run(try execute(input), partition: partition, order: order, functions: functions,
                                          types: schema.fields.suffix(functions.count).map(\.type), keepsInputOrder: keepsInputOrder,
                                          names: schema.names, cancel: cancel)
        case .join(let left, let right, let spec, let schema):
            return try HashJoin.join(try execute(left), try execute(right), spec: spec, names: schema.names, cancel: cancel, budget: budget)
        case .union(_, _, let schema):
            return try TableOperations.concatenate(try plan.unionInputs.map { try execute($0) }, names: schema.names, budget: budget)
        }
    }

    /// Splits off the filters and projections above the nearest non-streaming node, which is
    /// run to a table first.
    private func chain(_ plan: LogicalPlan) throws -> (Table, [ScanPipeline.Step]) {
        var nodes: [LogicalPlan] = []
        var node = plan
        while node.streams, let input = node.streamInput {
            nodes.append(node)
            node = input
        }
        let source = try execute(node)
        var steps: [ScanPipeline.Step] = []
        for node in nodes.reversed() {
            switch node {
            case .filter(let input, let condition):
                // Conditions the stored extremes decide for every row are not evaluated.
                if let left = PhysicalPlanner.undecidedCondition(condition, input: input, source: source) {
                    steps.append(.filter(PhysicalExpressions.build(left)))
                }
            case .filterIn(_, let key, let values):
                steps.append(.filter(PhysicalExpressions.build(try membership(key, in: values))))
            case .project(_, let expressions, _):
                steps.append(.project(expressions.map { expression in
                    if case .column(let index) = expression.kind { return .pass(index) }
                    return .compute(PhysicalExpressions.build(expression))
                }))
            default:
                break
            }
        }
        return (source, steps)
    }

    /// `key IN (values)`, nulls matching: the values' plan runs now and its distinct values
    /// become the list of an `in` (text compared by dictionary code, as any `in`). The values
    /// are few (a dimension's values), so reading them one by one costs nothing next to the
    /// rows the filter streams over.
    private func membership(_ key: BoundExpression, in values: LogicalPlan) throws -> BoundExpression {
        let table = try execute(values)
        var seen = Set<Scalar>()
        var list: [Scalar] = []
        var hasNull = false
        if let column = table.columns.first {
            for row in 0..<table.rowCount {
                let value = column.scalar(at: row)
                if value.isNull { hasNull = true } else if seen.insert(value).inserted { list.append(value) }
            }
        }
        var parts: [BoundExpression] = []
        if !list.isEmpty { parts.append(BoundExpression(.inList(key, list, negated: false), type: .bool, span: .none)) }
        if hasNull { parts.append(BoundExpression(.isNull(key, negated: false), type: .bool, span: .none)) }
        if parts.isEmpty { return BoundExpression(.constant(.bool(false)), type: .bool, span: .none) }
        return parts.count == 1 ? parts[0] : BoundExpression.logical(isAnd: false, parts, span: .none)
    }

    /// Runs a grouped aggregate as the planner chose: one `AggregateSink` per worker over
    /// the streamed rows, then merged.
    private func aggregate(_ grouped: GroupedAggregation, source: Table, steps: [ScanPipeline.Step], keys: [BoundExpression],
                           aggregates: [BoundAggregate], schema: Schema) throws -> Table {
        var pipeline = ScanPipeline(table: source, steps: steps)
        pipeline.parallel = grouped.parallel
        let keySpecs = keys.map { (expression: PhysicalExpressions.build($0), type: $0.type ?? .text, stableText: true) }
        let rows = source.rowCount
        let specs = zip(aggregates, grouped.folds).map { aggregate, fold in
            Self.aggregateSpec(aggregate, fold: fold, expectedRows: rows, expectedGroups: grouped.groupBound)
        }
        var trace = PhaseTrace("aggregate \(rows) rows")
        let meter = budget.map { MemoryBudget.Meter($0, for: "the grouping", counting: "groups") }
        let grouping = grouped.grouping
        let sinks = try pipeline.run(makeSink: { AggregateSink(keys: keySpecs, grouping: grouping, specs: specs, smallValueCounts: grouped.smallValueCounts, expectedRows: rows,
                                                                    cancel: cancel, meter: meter) },
                                     cancel: cancel)
        trace.mark("scan")
        let names = schema.names
        // The workers' tables of millions of groups are released off this thread, whether the
        // result is made or Ctrl-C stopped it: giving back their memory takes up to a tenth of
        // a second, in which the statement could not answer a Ctrl-C.
        // `consume`: the background thread holds the last reference.
        let table: Table
        do {
            table = try AggregateSink.table(from: sinks, keyNames: Array(names.prefix(keys.count)), aggregateNames: Array(names.dropFirst(keys.count)),
                                            keyColumn: grouped.keyColumn, trace: &trace, cancel: cancel)
        } catch {
            ReleaseLater.release(consume sinks)
            throw error
        }
        ReleaseLater.release(consume sinks)
        return table
    }

    /// The accumulator the planner chose for `aggregate`. `expectedRows`: the rows the
    /// aggregate reads at most, `expectedGroups` the groups it makes at most when known (to
    /// size exact distinct counts).
    static func aggregateSpec(_ aggregate: BoundAggregate, fold: AggregateFold, expectedRows: Int, expectedGroups: Int? = nil) -> AggregateSink.Spec {
        let argumentType = aggregate.argument?.type ?? .int
        let fraction = aggregate.fraction ?? 0.5
        let orderType = aggregate.orderBy?.type ?? .int
        let isMin = aggregate.function == .min, isFirst = aggregate.function == .first
        let make: () -> any Accumulator
        switch fold {
        case .firstRow(let values):
            return AggregateSink.Spec(function: .first, argument: nil, order: nil, filter: nil,
                                      folding: .readAtFirstRow(FirstRowReader(values: values)))
        case .count: make = { CountAccumulator() }
        case .countDistinct:
            make = { CountDistinctAccumulator(type: argumentType, stableText: true, expectedRows: expectedRows, expectedGroups: expectedGroups) }
        case .sum: make = { SumAccumulator(type: argumentType) }
        case .mean: make = { MeanAccumulator() }
        case .stddev: make = { StddevAccumulator() }
        case .bitOr: make = { BitOrAccumulator() }
        case .numericExtreme: make = { NumericExtremeAccumulator(isMin: isMin, type: argumentType) }
        case .extreme: make = { MinMaxAccumulator(isMin: isMin, type: argumentType) }
        case .quantile: make = { QuantileAccumulator(fraction: fraction, type: argumentType) }
        case .firstLastByTime: make = { FirstLastByTimeAccumulator(isFirst: isFirst, type: argumentType) }
        case .firstLastByValue: make = { FirstLastAccumulator(isFirst: isFirst, type: argumentType, orderType: orderType) }
        }
        return AggregateSink.Spec(
            function: aggregate.function, argument: aggregate.argument.map(PhysicalExpressions.build),
            order: aggregate.orderBy.map(PhysicalExpressions.build), filter: aggregate.filter.map(PhysicalExpressions.build),
            folding: .accumulate(make))
    }
}

extension Table {
    /// The same rows with other columns (names filled in by the caller's schema).
    func withColumns(_ columns: [Column], rowCount: Int) -> Table {
        Table(names: columns.indices.map { "c\($0)" }, columns: columns, rowCount: rowCount)
    }

    /// The table with its columns renamed.
    package func renamed(_ names: [String]) -> Table {
        Table(names: names, columns: columns, rowCount: rowCount)
    }
}
