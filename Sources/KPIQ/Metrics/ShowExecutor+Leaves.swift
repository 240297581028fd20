/// Reading a show's leaves: each dataset's aggregates, grouped by the dimensions and the
/// period of its own time column, over the rows dated in a window of days.

/// What every pass over the leaves shares.
struct LeafReading {
    let show: ShowStatement
    let leaves: [MetricLeaf]
    let dimensions: [ShowExecutor.Dimension]
    let calendar: ShowCalendar?
    /// The conditions of the show's `where` that select rows.
    let filter: Expression?
    let lookup: DimensionLookup
}

/// Leaf values by row key (dimension values, then the period when over periods).
struct LeafCells {
    var values: [[Scalar]: [Int: Scalar]] = [:]
    /// Keys in the order first seen.
    var order: [[Scalar]] = []
    var leafTypes: [DataType]

    init(leafCount: Int) { leafTypes = [DataType](repeating: .int, count: leafCount) }

    mutating func set(_ key: [Scalar], leaf: Int, _ value: Scalar) {
        if values[key] == nil {
            values[key] = [:]
            order.append(key)
        }
        values[key]![leaf] = value
    }
}

extension ShowExecutor {
    /// Every leaf over the rows dated in `window` (`[start, end)`, no start: from the first row).
    /// `periods` are the period starts rolling and cumulative leaves are computed for (nil:
    /// those with rows). `keepUndated`: rows without a date count too (a show with neither range
    /// nor periods, which never needed dates before the as-of day was applied).
    func computeCells(_ reading: LeafReading, window: (start: Int64?, end: Int64), periods: [Int64]?, keepUndated: Bool) throws -> LeafCells {
        let leaves = reading.leaves, show = reading.show, dimensions = reading.dimensions
        var cells = LeafCells(leafCount: leaves.count)
        let groups = Dictionary(grouping: leaves.indices) { index -> String in
            let leaf = leaves[index]
            return "\(leaf.dataset)|\(leaf.timeColumn ?? "")|\(leaf.kind)"
        }.sorted { $0.value.first! < $1.value.first! }
        for (_, indexes) in groups {
            try cancel?.check()
            let leaf = leaves[indexes[0]]
            guard let dataset = catalog[leaf.dataset] else {
                throw Diagnostic(.unknownDataset, "dataset `\(leaf.dataset)` is no longer loaded", at: show.metrics.first?.span)
            }
            let timeColumn = leaf.timeColumn ?? dataset.timeColumn
            if show.grain != nil || show.range != nil || leaf.kind != .aggregate, timeColumn == nil {
                throw Diagnostic(.missingTimeColumn, "`\(dataset.name)` has no time column, so its metrics cannot be put in periods",
                                 at: show.grainSpan ?? show.range?.span ?? show.metrics.first?.span,
                                 hints: ["declare one: set time \(dataset.name).COLUMN (or `load ... time COLUMN`)"])
            }
            let runs: [(key: Int64?, window: (start: Int64?, end: Int64))]
            switch leaf.kind {
            case .aggregate:
                runs = [(nil, window)]
            case .rolling, .cumulative:
                // One run per period end: the window before it (or everything before it).
                let ends: [(Int64?, Int64)]
                if let calendar = reading.calendar {
                    var list = periods
                    if list == nil {
                        let span = try dataRange(dataset, timeColumn!)
                        list = try calendar.periods(from: span?.start ?? asOf, through: min(asOf, span?.end ?? asOf),
                                                    span: reading.show.range?.span ?? reading.show.grainSpan)
                    }
                    ends = list!.map { ($0, min(calendar.end(of: $0), window.end)) }
                } else {
                    ends = [(nil, window.end)]
                }
                runs = ends.map { key, end in
                    if case .rolling(let length) = leaf.kind { return (key, (Self.subtract(length, from: end), end)) }
                    return (key, (nil, end))
                }
            }
            let grain = leaf.kind == .aggregate ? show.grain : nil
            let first = dimensions.count + (grain != nil ? 1 : 0)
            for run in runs {
                try cancel?.check()
                let table = try computeGroup(
                    dataset: dataset, timeColumn: timeColumn, leaves: indexes.map { leaves[$0] }, dimensions: dimensions,
                    grain: grain, window: run.window, keepUndated: keepUndated && leaf.kind == .aggregate, filter: reading.filter,
                    lookup: reading.lookup)
                for (k, index) in indexes.enumerated() { cells.leafTypes[index] = table.columns[first + k].type }
                for row in 0..<table.rowCount {
                    var key = (0..<dimensions.count).map { table.columns[$0].scalar(at: row) }
                    if show.grain != nil {
                        key.append(run.key.map { .date($0) } ?? table.columns[dimensions.count].scalar(at: row))
                    }
                    for (k, index) in indexes.enumerated() { cells.set(key, leaf: index, table.columns[first + k].scalar(at: row)) }
                }
            }
        }
        return cells
    }

    /// Aggregates `leaves` (all on `dataset`) grouped by the dimensions and the period.
    private func computeGroup(
        dataset: Dataset, timeColumn: String?, leaves: [MetricLeaf], dimensions: [Dimension], grain: Grain?,
        window: (start: Int64?, end: Int64), keepUndated: Bool, filter: Expression?, lookup: DimensionLookup
    ) throws -> Table {
        let filterColumns = filter.map(Self.columnNames) ?? []
        let needed = dimensions.flatMap(\.columns) + filterColumns.map { ($0.name, $0.span) }
        let context = leaves.first.map { _ in " (needed by a metric on `\(dataset.name)`)" } ?? ""
        var plan = try lookup.plan(dataset, adding: needed, context: context)
        let schema = plan.schema
        let binder = Binder(catalog: catalog, asOf: asOf, source: source)
        var rows = ExpressionBinder(binder: binder, schema: schema)
        var conditions: [BoundExpression] = []
        if let timeColumn, let t = schema.index(of: timeColumn) {
            let type = schema.fields[t].type
            let time = BoundExpression(.column(t), type: type, span: .none)
            func compare(_ op: BinaryOperator, _ day: Int64) -> BoundExpression {
                BoundExpression(.comparison(op, time, ExpressionBinder.timeConstant(day, like: type, span: .none)), type: .bool, span: .none)
            }
            if let start = window.start { conditions.append(compare(.greaterOrEqual, start)) }
            // Never a row dated after the as-of day (nor after the range).
            var before = compare(.less, window.end)
            if keepUndated {
                before = BoundExpression(.or([BoundExpression(.isNull(time, negated: false), type: .bool, span: .none), before]), type: .bool, span: .none)
            }
            conditions.append(before)
        }
        if let filter {
            do {
                conditions.append(try rows.condition(filter))
            } catch var diagnostic as Diagnostic {
                diagnostic.message += " (in the `where` of this show, applied to `\(dataset.name)`)"
                throw diagnostic
            }
        }
        for condition in conditions { plan = .filter(plan, condition) }
        var keys = try dimensions.map { dimension -> BoundExpression in
            var expressions = ExpressionBinder(binder: binder, schema: schema)
            return try expressions.bind(dimension.expression)
        }
        var keyFields = zip(dimensions, keys).map { Schema.Field(name: $0.name, type: $1.type ?? .text) }
        if let grain, let timeColumn, let t = schema.index(of: timeColumn) {
            let function: ScalarFunction = [.day: .day, .week: .week, .month: .month, .quarter: .quarter, .year: .year][grain]!
            keys.append(BoundExpression(.function(function, [BoundExpression(.column(t), type: schema.fields[t].type, span: .none)]), type: .date, span: .none))
            keyFields.append(Schema.Field(name: "__period", type: .date))
        }
        var aggregates: [BoundAggregate] = []
        for leaf in leaves {
            var leafRows = ExpressionBinder(binder: binder, schema: schema)
            let argument = try leaf.argument.map { try leafRows.bind($0) }
            let leafFilter = try leaf.filter.map { try leafRows.condition($0) }
            let type = try ExpressionBinder.aggregateType(leaf.function, argument: argument, name: Identifier(leaf.function.rawValue, span: leaf.span))
            aggregates.append(BoundAggregate(function: leaf.function, argument: argument, fraction: leaf.fraction, orderBy: nil,
                                             filter: leafFilter, type: type, span: leaf.span))
        }
        let fields = keyFields + aggregates.enumerated().map { Schema.Field(name: "_leaf\($0.offset)", type: $0.element.type) }
        plan = .aggregate(plan, keys: keys, aggregates: aggregates, Schema(fields: fields))
        return try Executor(cancel: cancel).run(plan)
    }

    /// First and last day with rows in the dataset's time column.
    private func dataRange(_ dataset: Dataset, _ column: String) throws -> (start: Int64, end: Int64)? {
        guard let c = dataset.table.column(named: column), dataset.table.rowCount > c.nullCount else { return nil }
        var low = Int64.max, high = Int64.min
        for row in 0..<dataset.table.rowCount where !c.isNull(row) {
            switch c.scalar(at: row) {
            case .date(let d):
                low = min(low, d)
                high = max(high, d)
            case .timestamp(let t):
                let d = CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay)
                low = min(low, d)
                high = max(high, d)
            default: break
            }
        }
        return low <= high ? (low, high) : nil
    }
}
