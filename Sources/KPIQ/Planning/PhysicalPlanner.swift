/// The physical planning step: for each aggregate, streaming chain and sort under a limit of
/// a logical plan, the way it runs (as DuckDB's `plan_aggregate` picks an aggregate operator
/// before anything runs). The executor runs the choices; `.explain` prints them.
///
/// Choices read the plan's shape and types, and, for the shortcuts that depend on the data
/// (a column stored in time order, stored integers), the table the step reads from: the
/// dataset of a scan, a stage's table once the stage has run, or any input's table as the
/// executor gathers it. Without that table (`.explain` over a stage that has not run), those
/// shortcuts are left out and the choice says the data decides.
enum PhysicalPlanner {
    /// How a streaming chain of filters and projections (the nodes down to `source`) runs
    /// when its rows are gathered into a table.
    static func stream(_ plan: LogicalPlan) -> StreamStrategy {
        guard case .project(let input, let expressions, _) = plan, !input.streams else { return .batches }
        var columns: [Int] = []
        for expression in expressions {
            guard case .column(let index) = expression.kind else { return .batches }
            columns.append(index)
        }
        return .passThrough(columns)
    }

    /// How the aggregate of `keys` and `aggregates` over `input` runs; `source` is the table
    /// at the bottom of `input`'s streaming chain, when known.
    static func aggregate(input: LogicalPlan, keys: [BoundExpression], aggregates: [BoundAggregate], source: Table?) -> AggregateStrategy {
        if keys.isEmpty, !input.streams, !aggregates.isEmpty, let source,
            let columns = storedExtremeColumns(aggregates, input: input, source: source)
        {
            return .storedExtremes(columns)
        }
        let evaluated = keys + aggregates.flatMap { [$0.argument, $0.filter, $0.orderBy].compactMap { $0 } }
        let parallel = max(input.streamDepth, evaluated.map(\.depth).max() ?? 0) <= ScanPipeline.maxParallelDepth
        let folds = aggregates.map { fold(for: $0, input: input, source: source) }
        let keyColumn = keys.count == 1 ? source.flatMap { storedColumn(keys[0], through: input, source: $0) } : nil
        // Without the input's table, say so where a shortcut could have applied.
        let shortcutPossible = (keys.isEmpty && !input.streams && aggregates.allSatisfy { $0.function == .min || $0.function == .max })
            || aggregates.contains { $0.function == .first && $0.orderBy != nil && $0.filter == nil }
        // Only a distinct count sizes its state by the groups to come.
        let bound = folds.contains { if case .countDistinct = $0 { return true } else { return false } }
            ? source.flatMap { Self.groupBound(keys, input: input, source: $0) } : nil
        return .grouped(GroupedAggregation(grouping: grouping(for: keys.map { $0.type ?? .text }), folds: folds, parallel: parallel,
                                           keyColumn: keyColumn, decidedOnData: source == nil && shortcutPossible, groupBound: bound,
                                           smallValueCounts: SmallValueCounts(aggregates: aggregates, folds: folds)))
    }

    /// The grouping for keys of these types; the data may still send the groups to a hash
    /// table (`GroupIndexer`).
    static func grouping(for keyTypes: [DataType]) -> GroupingStrategy {
        if keyTypes.isEmpty { return .single }
        if keyTypes.allSatisfy({ $0 == .text }) { return .codes }
        if keyTypes.count == 1, keyTypes[0] == .int || keyTypes[0] == .date { return .range }
        return .hash
    }

    /// How one aggregate folds its rows.
    static func fold(for aggregate: BoundAggregate, input: LogicalPlan, source: Table?) -> AggregateFold {
        let argumentType = aggregate.argument?.type ?? .int
        let orderType = aggregate.orderBy?.type ?? .int
        switch aggregate.function {
        case .count: return .count
        case .countDistinct: return .countDistinct
        case .sum: return .sum
        case .mean: return .mean
        case .stddev: return .stddev
        case .bitOr: return .bitOr
        case .min, .max:
            if aggregate.function == .min, let source, let values = storedInOrder(aggregate, input: input, source: source) {
                // The smallest of a column stored in order is at each group's first row.
                return .firstRow(values)
            }
            return NumericExtremeAccumulator.handles(argumentType) ? .numericExtreme : .extreme
        case .median, .percentile: return .quantile
        case .first, .last:
            if aggregate.function == .first, let source, let values = firstRowValues(aggregate, input: input, source: source) {
                return .firstRow(values)
            }
            return orderType == .int || orderType == .date || orderType == .timestamp ? .firstLastByTime : .firstLastByValue
        }
    }

    /// `first(x, by)` when `by` is a stored column that never decreases down the table and
    /// has no nulls (exports come in time order): a group's smallest `by`, ties to its
    /// earliest row, is at the group's first row, so the answer is the stored x there.
    private static func firstRowValues(_ aggregate: BoundAggregate, input: LogicalPlan, source: Table) -> Column? {
        guard aggregate.filter == nil, let argument = aggregate.argument, let orderBy = aggregate.orderBy,
            let values = storedColumn(argument, through: input, source: source),
            let order = storedColumn(orderBy, through: input, source: source),
            order.validity == nil, order.type == .int || order.type == .date || order.type == .timestamp,
            order.isStoredNondecreasing
        else { return nil }
        return values
    }

    /// The stored column `min(x)` reads when x never decreases down the table and has no
    /// nulls (the time column of an export in time order), and no filter applies.
    private static func storedInOrder(_ aggregate: BoundAggregate, input: LogicalPlan, source: Table) -> Column? {
        guard aggregate.filter == nil, let argument = aggregate.argument,
            let values = storedColumn(argument, through: input, source: source),
            values.validity == nil, values.type == aggregate.type,
            values.type == .int || values.type == .date || values.type == .timestamp,
            values.isStoredNondecreasing
        else { return nil }
        return values
    }

    /// The stored columns of aggregates that are all a min or max, without a filter, of a
    /// stored integer, date or timestamp column; nil when one is not.
    private static func storedExtremeColumns(_ aggregates: [BoundAggregate], input: LogicalPlan, source: Table) -> [Column]? {
        var columns: [Column] = []
        for aggregate in aggregates {
            guard aggregate.function == .min || aggregate.function == .max, aggregate.filter == nil,
                let argument = aggregate.argument, let column = storedColumn(argument, through: input, source: source),
                column.type == .int || column.type == .date || column.type == .timestamp,
                column.type == aggregate.type, case .integers = column.values
            else { return nil }
            columns.append(column)
        }
        return columns
    }

    /// At most how many groups `keys` make over `source`, from what is stored: a key read from
    /// a text column has its dictionary's values and null; a period of a stored date or time
    /// column (`month(ts)`), the periods from its earliest value to its latest, and null. Nil
    /// when a key is neither. A grouping by (source, month) with a distinct count of millions
    /// of visitors then chooses its counting state before the groups turn up one by one.
    static func groupBound(_ keys: [BoundExpression], input: LogicalPlan, source: Table) -> Int? {
        var bound = 1
        for key in keys {
            let values: Int
            if let column = storedColumn(key, through: input, source: source), case .text(_, let dictionary) = column.values {
                values = dictionary.count + 1
            } else if case .function(let function, let arguments) = key.kind, let grain = function.truncationGrain, arguments.count == 1,
                let column = storedColumn(arguments[0], through: input, source: source), column.type == .date || column.type == .timestamp
            {
                // No time stored: every row's key is null, one group.
                guard let (earliest, latest) = StoredExtremes.days(of: column) else { continue }
                guard let span = CalendarMath.periods(from: earliest, to: latest, grain) else { return nil }
                values = Int(span) + 2
            } else {
                return nil
            }
            let (product, overflow) = bound.multipliedReportingOverflow(by: values)
            bound = overflow ? Int.max : product
        }
        return bound
    }

    /// The column of `source` an expression reads unchanged through the filters and
    /// projections of `chain`.
    static func storedColumn(_ expression: BoundExpression, through chain: LogicalPlan, source: Table) -> Column? {
        guard case .column(var index) = expression.kind else { return nil }
        var node = chain
        while true {
            switch node {
            case .filter(let input, _), .filterIn(let input, _, _):
                node = input
            case .project(let input, let expressions, _):
                guard index < expressions.count, case .column(let passed) = expressions[index].kind else { return nil }
                index = passed
                node = input
            default:
                return index < source.columns.count ? source.columns[index] : nil
            }
        }
    }

    /// The part of a filter's condition left to evaluate over `source`: the `and`ed comparisons
    /// that the stored extremes decide for every row are left out (a column with no nulls
    /// against a constant of its type that its smallest and largest values both pass:
    /// `created_at < 2025-01-01` over contacts all created before). Nil when nothing is left:
    /// the filter keeps every row.
    static func undecidedCondition(_ condition: BoundExpression, input: LogicalPlan, source: Table) -> BoundExpression? {
        let conjuncts = self.conjuncts(condition)
        let left = conjuncts.filter { !holdsForEveryRow($0, input: input, source: source) }
        if left.isEmpty { return nil }
        if left.count == conjuncts.count { return condition }
        return left.count == 1 ? left[0] : BoundExpression.logical(isAnd: true, left, span: condition.span)
    }

    /// The `and`ed conditions of a filter (the condition alone when it is not an `and`).
    static func conjuncts(_ condition: BoundExpression) -> [BoundExpression] {
        if case .and(let parts) = condition.kind { return parts }
        return [condition]
    }

    /// `column op constant` (or `constant op column`), true for every stored row: the column
    /// has no null and both of its extremes pass. Also `column is not null` of a column with
    /// no null.
    static func holdsForEveryRow(_ comparison: BoundExpression, input: LogicalPlan, source: Table) -> Bool {
        if case .isNull(let operand, negated: true) = comparison.kind {
            guard let stored = storedColumn(operand, through: input, source: source) else { return false }
            return stored.validity == nil && !stored.isUntyped
        }
        guard case .comparison(var op, var column, var constant) = comparison.kind else { return false }
        if column.constantValue != nil {
            swap(&column, &constant)
            op = ComparisonExpression.mirrored(op)
        }
        let c: Int64
        switch constant.constantValue {
        case .int(let v)?, .date(let v)?, .timestamp(let v)?: c = v
        default: return false
        }
        // The extremes (a pass over a column not read before) only for an order comparison.
        guard [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(op),
              let stored = storedColumn(column, through: input, source: source), stored.validity == nil, stored.type == constant.type,
              let extremes = StoredExtremes.of(stored)
        else { return false }
        switch op {
        case .less: return extremes.max < c
        case .lessOrEqual: return extremes.max <= c
        case .greater: return extremes.min > c
        case .greaterOrEqual: return extremes.min >= c
        default: return false
        }
    }

    /// How many rows a sort under a limit keeps (a top-N sort): the limit and offset
    /// together; nil (all) when their sum overflows (both are as written, up to Int.max).
    static func sortKeeping(count: Int, offset: Int) -> Int? {
        let (needed, overflow) = count.addingReportingOverflow(offset)
        return overflow ? nil : needed
    }
}

extension LogicalPlan {
    /// True for the nodes that stream rows through (filters and projections).
    var streams: Bool {
        switch self {
        case .filter, .filterIn, .project: return true
        default: return false
        }
    }

    /// The input of a filter or projection.
    var streamInput: LogicalPlan? {
        switch self {
        case .filter(let input, _), .filterIn(let input, _, _), .project(let input, _, _): return input
        default: return nil
        }
    }

    /// The deepest expression of the filters and projections that stream with this node.
    var streamDepth: Int {
        var deepest = 0
        var node = self
        while true {
            switch node {
            case .filter(let input, let condition):
                deepest = max(deepest, condition.depth)
                node = input
            case .filterIn(let input, let key, _):
                deepest = max(deepest, key.depth + 1)
                node = input
            case .project(let input, let expressions, _):
                deepest = max(deepest, expressions.map(\.depth).max() ?? 0)
                node = input
            default:
                return deepest
            }
        }
    }

    /// The node below this one's streaming chain (this node when it does not stream).
    var streamSource: LogicalPlan {
        var node = self
        while true {
            switch node {
            case .filter(let input, _), .filterIn(let input, _, _), .project(let input, _, _): node = input
            default: return node
            }
        }
    }
}
