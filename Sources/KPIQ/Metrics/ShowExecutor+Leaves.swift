/// The plan that reads one group of a show's leaves: a dataset's rows (with the dimensions it
/// reaches through relationships), filtered to a window of days and the show's `where`,
/// aggregated by the dimensions and the period of the group's own time column. The output is
/// the dimensions, the period (when over periods), one column per leaf, then `__rows` (how
/// many rows the cell had: what tells an empty cell from a cell whose sum is null).
struct GroupReading {
    let group: ShowPlanner.LeafGroup
    let leaves: [MetricLeaf]
    let dimensions: [ShowExecutor.Dimension]
    let grain: Grain?
    /// The conditions of the show's `where` that select rows.
    let filter: Expression?
    let lookup: DimensionLookup
    /// Group by a constant too: with neither dimensions nor periods, the one cell is joined
    /// to the calendar's one row on it.
    let constantKey: Bool
    /// Only the rows whose value of a dimension is one of a stage's values (see
    /// `ShowPlanner.restricting`).
    var restricting: (dimension: ShowExecutor.Dimension, values: LogicalPlan)?

    /// The dataset's rows with the columns the dimensions, the `where`, `restricting` and `extra`
    /// read (looked up along relationships where the dataset lacks them). The dataset's
    /// columns keep their positions; any added ones come after them.
    private func rows(_ context: ShowExecutor, extra: [(name: String, span: Span)] = []) throws -> LogicalPlan {
        let dataset = group.dataset
        let filterColumns = filter.map(ShowExecutor.columnNames) ?? []
        let excluded = restricting.map { $0.dimension.columns } ?? []
        let needed = dimensions.flatMap(\.columns) + filterColumns.map { ($0.name, $0.span) } + excluded + extra
        return try lookup.plan(dataset, adding: needed, context: " (needed by a metric on `\(dataset.name)`)")
    }

    /// Only the rows `restricting` keeps: those whose dimension value is one of its values,
    /// nulls matching, as a filter that streams with the rows' own.
    private func restricted(_ rows: LogicalPlan, _ context: ShowExecutor) throws -> LogicalPlan {
        guard let restricting else { return rows }
        let schema = rows.schema
        var expressions = ExpressionBinder(binder: Binder(catalog: context.catalog, asOf: context.asOf, source: context.source), schema: schema)
        return .filterIn(rows, key: try expressions.bind(restricting.dimension.expression), values: restricting.values)
    }

    /// Every row dated in `window` (`[start, end)`; no start: from the first row). `keepUndated`:
    /// rows without a date count too (a show with neither range nor periods).
    func aggregate(_ context: ShowExecutor, window: (start: Int64?, end: Int64), keepUndated: Bool) throws -> LogicalPlan {
        try plan(context, window: window, keepUndated: keepUndated, period: grain.map { .truncated($0) })
    }

    /// Windowed leaves that running sums cannot give (a rolling median, a distinct count of
    /// open rows): for each unit end, the rows in the window before it (`rolling(..., 90
    /// days)`), every row before it (`cumulative`) or the rows open at it (`open`), keyed by
    /// `key` (the unit's period). One aggregate per unit, unioned.
    func windows(_ context: ShowExecutor, ends: [(key: Int64?, end: Int64)]) throws -> LogicalPlan {
        var parts: [LogicalPlan] = []
        for (key, end) in ends {
            var start: Int64?
            if case .rolling(let length) = group.kind { start = ShowCalendar.move(end, by: length, forward: false) }
            parts.append(try plan(context, window: (start, end), keepUndated: false, period: key.map { .constant($0) }, openAt: end))
        }
        guard var result = parts.first else {
            return try plan(context, window: (nil, CivilCalendar.minDay), keepUndated: false, period: grain.map { _ in .constant(CivilCalendar.minDay) })
        }
        for part in parts.dropFirst() { result = .union(result, part, result.schema) }
        return result
    }

    /// The rows of a rolling or cumulative group by day, for running sums: the dimensions, the
    /// day, each (count or sum) leaf and `__rows`.
    func daily(_ context: ShowExecutor, window: (start: Int64?, end: Int64)) throws -> LogicalPlan {
        try plan(context, window: window, keepUndated: false, period: .truncated(.day))
    }

    /// For an `open(...)` snapshot: the rows by the day they closed (never before the day they
    /// opened), among those opened before the window's end.
    func dailyClosings(_ context: ShowExecutor, window: (start: Int64?, end: Int64)) throws -> LogicalPlan {
        try plan(context, window: (nil, window.end), keepUndated: false, period: .closing)
    }

    /// The distinct (dimensions, entity, day) of a rolling distinct count (`active_contacts`):
    /// who had an event on which day, among the rows its filter keeps.
    func distinctDays(_ context: ShowExecutor, leaf index: Int, window: (start: Int64?, end: Int64)) throws -> LogicalPlan {
        try plan(context, window: window, keepUndated: false, period: .truncated(.day), distinctOf: index)
    }

    private enum PeriodKey {
        case truncated(Grain)
        case constant(Int64)
        /// The day an `open(...)` row closed (rows never closed are left out).
        case closing
    }

    /// `distinctOf`: instead of the leaves, the distinct values of that leaf's argument (rows
    /// its filter keeps), as a key after the dimensions.
    private func plan(_ context: ShowExecutor, window: (start: Int64?, end: Int64), keepUndated: Bool, period: PeriodKey?,
                      distinctOf: Int? = nil, openAt: Int64? = nil) throws -> LogicalPlan {
        let dataset = group.dataset
        var plan = try rows(context)
        let schema = plan.schema
        let binder = Binder(catalog: context.catalog, asOf: context.asOf, source: context.source)
        var conditions: [BoundExpression] = []
        if let timeColumn = group.timeColumn, let t = schema.index(of: timeColumn) {
            let type = schema.fields[t].type
            let time = BoundExpression(.column(t), type: type, span: .none)
            func compare(_ op: BinaryOperator, _ day: Int64) -> BoundExpression {
                BoundExpression(.comparison(op, time, ExpressionBinder.timeConstant(day, like: type, span: .none)), type: .bool, span: .none)
            }
            if let start = window.start { conditions.append(compare(.greaterOrEqual, start)) }
            // Never a row dated after the as-of day (nor after the window).
            var before = compare(.less, window.end)
            if keepUndated {
                before = BoundExpression(.or([BoundExpression(.isNull(time, negated: false), type: .bool, span: .none), before]), type: .bool, span: .none)
            }
            conditions.append(before)
        }
        if let filter {
            var rows = ExpressionBinder(binder: binder, schema: schema)
            do {
                conditions.append(try rows.condition(filter))
            } catch var diagnostic as Diagnostic {
                diagnostic.message += " (in the `where` of this show, applied to `\(dataset.name)`)"
                throw diagnostic
            }
        }
        // Snapshots: the closing column, and the rows still open at `openAt` (not closed before).
        var closing: BoundExpression?
        if case .open(let closedBy) = group.kind, let c = schema.index(of: closedBy) {
            let type = schema.fields[c].type
            let closed = BoundExpression(.column(c), type: type, span: .none)
            closing = closed
            if let openAt {
                let stillOpen = BoundExpression(.comparison(.greaterOrEqual, closed, ExpressionBinder.timeConstant(openAt, like: type, span: .none)), type: .bool, span: .none)
                conditions.append(BoundExpression.logical(isAnd: false, [BoundExpression(.isNull(closed, negated: false), type: .bool, span: .none), stillOpen], span: .none))
            }
        }
        var entity: BoundExpression?
        if let distinctOf {
            let leaf = leaves[distinctOf]
            var leafRows = ExpressionBinder(binder: binder, schema: schema)
            guard let argument = try leaf.argument.map({ try leafRows.bind($0) }) else { preconditionFailure("a distinct count has an argument") }
            entity = argument
            conditions.append(BoundExpression(.isNull(argument, negated: true), type: .bool, span: .none))
            if let filter = leaf.filter { conditions.append(try leafRows.condition(filter)) }
        }
        if !conditions.isEmpty { plan = .filter(plan, conditions.count == 1 ? conditions[0] : BoundExpression.logical(isAnd: true, conditions, span: .none)) }
        plan = try restricted(plan, context)
        var keys = try dimensions.map { dimension -> BoundExpression in
            var expressions = ExpressionBinder(binder: binder, schema: schema)
            return try expressions.bind(dimension.expression)
        }
        var keyFields = zip(dimensions, keys).map { Schema.Field(name: $0.name, type: $1.type ?? .text) }
        if let entity {
            keys.append(entity)
            keyFields.append(Schema.Field(name: "__entity", type: entity.type ?? .text))
        }
        switch period {
        case .truncated(let grain)?:
            if let timeColumn = group.timeColumn, let t = schema.index(of: timeColumn) {
                let function: ScalarFunction = [.day: .day, .week: .week, .month: .month, .quarter: .quarter, .year: .year][grain]!
                keys.append(BoundExpression(.function(function, [BoundExpression(.column(t), type: schema.fields[t].type, span: .none)]), type: .date, span: .none))
                keyFields.append(Schema.Field(name: "__period", type: .date))
            }
        case .constant(let day)?:
            keys.append(ShowPlanner.date(day))
            keyFields.append(Schema.Field(name: "__period", type: .date))
        case .closing?:
            guard let closing, let timeColumn = group.timeColumn, let t = schema.index(of: timeColumn) else { preconditionFailure("a snapshot has both columns") }
            func day(_ e: BoundExpression) -> BoundExpression { e.type == .date ? e : BoundExpression(.function(.day, [e]), type: .date, span: .none) }
            let opened = day(BoundExpression(.column(t), type: schema.fields[t].type, span: .none))
            keys.append(BoundExpression(.function(.greatest, [day(closing), opened]), type: .date, span: .none))
            keyFields.append(Schema.Field(name: "__period", type: .date))
            plan = .filter(plan, BoundExpression(.isNull(closing, negated: true), type: .bool, span: .none))
        case nil:
            break
        }
        if constantKey {
            keys.append(ShowPlanner.int(0))
            keyFields.append(Schema.Field(name: "__join", type: .int))
        }
        if entity != nil {
            return .aggregate(plan, keys: keys, aggregates: [], Schema(fields: keyFields))
        }
        var aggregates: [BoundAggregate] = []
        for index in group.leaves {
            let leaf = leaves[index]
            var leafRows = ExpressionBinder(binder: binder, schema: schema)
            let argument = try leaf.argument.map { try leafRows.bind($0) }
            let leafFilter = try leaf.filter.map { try leafRows.condition($0) }
            let type = try ExpressionBinder.aggregateType(leaf.function, argument: argument, name: Identifier(leaf.function.rawValue, span: leaf.span))
            aggregates.append(BoundAggregate(function: leaf.function, argument: argument, fraction: leaf.fraction, orderBy: nil,
                                             filter: leafFilter, type: type, span: leaf.span))
        }
        let leafFields = keyFields + group.leaves.map { Schema.Field(name: "leaf\($0)", type: aggregates[group.leaves.firstIndex(of: $0)!].type) }
        let rowsField = Schema.Field(name: "__rows", type: .int)
        // A leaf that already counts every row (`sessions = count()`) is `__rows`: copied after
        // the grouping rather than counted twice over the rows.
        if let counting = aggregates.firstIndex(where: { $0.function == .count && $0.argument == nil && $0.filter == nil }) {
            let grouped = LogicalPlan.aggregate(plan, keys: keys, aggregates: aggregates, Schema(fields: leafFields))
            let columns = leafFields.indices.map { BoundExpression(.column($0), type: leafFields[$0].type, span: .none) }
                + [BoundExpression(.column(keyFields.count + counting), type: .int, span: .none)]
            return .project(grouped, columns, Schema(fields: leafFields + [rowsField]))
        }
        aggregates.append(BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: nil, type: .int, span: .none))
        return .aggregate(plan, keys: keys, aggregates: aggregates, Schema(fields: leafFields + [rowsField]))
    }

    /// Sums over a dataset whose rows run over days (`time start_date .. end_date`): each row's
    /// value is spread evenly over its days, and a unit gets the share of the days it holds. The
    /// rows are crossed with the calendar's units (a flights table is small: campaigns, not
    /// events) and the overlap of each row with each unit is computed as an expression. A row
    /// without a last day (or one before its first) stays on its first day.
    /// `from`, `end`: the calendar columns of the days counted (`[from, end)`); `key`: the
    /// calendar column the result is keyed by after the dimensions.
    func flight(_ context: ShowExecutor, calendar: LogicalPlan, from: String, end: String, key: String) throws -> LogicalPlan {
        let dataset = group.dataset
        guard let startName = group.timeColumn, let endName = dataset.endTimeColumn else { preconditionFailure("a flight has a first and a last day") }
        var rows = try rows(context, extra: [(endName, Span.none)])
        let schema = rows.schema
        let binder = Binder(catalog: context.catalog, asOf: context.asOf, source: context.source)
        func day(_ name: String) -> BoundExpression {
            let index = schema.index(of: name)!
            let column = BoundExpression(.column(index), type: schema.fields[index].type, span: .none)
            return schema.fields[index].type == .date ? column : BoundExpression(.function(.day, [column]), type: .date, span: .none)
        }
        let first = day(startName)
        var conditions = [BoundExpression(.isNull(first, negated: true), type: .bool, span: .none)]
        if let filter {
            var expressions = ExpressionBinder(binder: binder, schema: schema)
            conditions.append(try expressions.condition(filter))
        }
        rows = .filter(rows, BoundExpression.logical(isAnd: true, conditions, span: .none))
        rows = try restricted(rows, context)
        // Every row with every unit.
        let width = schema.fields.count
        let withKey = ShowPlanner.project(rows, schema.names.enumerated().map { ($0.element, ShowPlanner.column($0.offset, schema)) } + [("__join", ShowPlanner.int(0))])
        let calendarSchema = calendar.schema
        let crossed = ShowPlanner.join(withKey, calendar, leftKeys: [width], rightKeys: [calendarSchema.index(of: "__join")!], nullsEqual: false)
        let cs = crossed.schema
        func calendarColumn(_ name: String) -> BoundExpression {
            // The join key is the rows' own `__join` (the calendar's is not repeated).
            name == "__join" ? ShowPlanner.column(width, cs) : ShowPlanner.column(width + 1 + calendarSchema.index(of: name)!, cs)
        }
        // The row's days: [first, last + 1), the last day no earlier than the first.
        let last = BoundExpression(.function(.coalesce, [BoundExpression(.function(.greatest, [day(endName), first]), type: .date, span: .none), first]),
                                   type: .date, span: .none)
        let afterLast = BoundExpression(.shift(last, Interval(days: 1)), type: .date, span: .none)
        let unitFrom = BoundExpression(.function(.coalesce, [calendarColumn(from), first]), type: .date, span: .none)
        let low = BoundExpression(.function(.greatest, [first, unitFrom]), type: .date, span: .none)
        let high = BoundExpression(.function(.least, [afterLast, calendarColumn(end)]), type: .date, span: .none)
        func days(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
            BoundExpression(.function(.dateDiff, [BoundExpression(.constant(.text("day")), type: .text, span: .none), a, b]), type: .int, span: .none)
        }
        let overlap = days(low, high)
        let length = days(first, afterLast)
        let overlaps = ShowPlanner.comparison(.greater, overlap, ShowPlanner.int(0))
        var keys = try dimensions.map { dimension -> BoundExpression in
            var expressions = ExpressionBinder(binder: binder, schema: schema)
            return try expressions.bind(dimension.expression)
        }
        var keyFields = zip(dimensions, keys).map { Schema.Field(name: $0.name, type: $1.type ?? .text) }
        keys.append(calendarColumn(key))
        keyFields.append(Schema.Field(name: key, type: calendarSchema.fields[calendarSchema.index(of: key)!].type))
        var aggregates: [BoundAggregate] = []
        for index in group.leaves {
            let leaf = leaves[index]
            var leafRows = ExpressionBinder(binder: binder, schema: schema)
            guard let argument = try leaf.argument.map({ try leafRows.bind($0) }) else { preconditionFailure("a sum has an argument") }
            let share = BoundExpression(.arithmetic(argument, [
                ArithmeticStep(op: .multiply, operand: overlap, type: .decimal),
                ArithmeticStep(op: .divide, operand: length, type: .decimal),
            ]), type: .decimal, span: .none)
            var rowFilter = overlaps
            if let filter = leaf.filter { rowFilter = BoundExpression.logical(isAnd: true, [overlaps, try leafRows.condition(filter)], span: .none) }
            aggregates.append(BoundAggregate(function: .sum, argument: share, fraction: nil, orderBy: nil, filter: rowFilter, type: .decimal, span: leaf.span))
        }
        aggregates.append(BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: overlaps, type: .int, span: .none))
        let fields = keyFields + group.leaves.map { Schema.Field(name: "leaf\($0)", type: .decimal) } + [Schema.Field(name: "__rows", type: .int)]
        return .aggregate(.filter(crossed, overlaps), keys: keys, aggregates: aggregates, Schema(fields: fields))
    }
}
