/// `funnel contacts: created_at -> mql_at -> sql_at -> customer_at [by source] [within 90 days] [each within 30 days] [during 2024]`
/// compiled to a plan of engine operators (`PlannedStatement`), so it runs vectorized like a
/// pipeline and `.explain` can show it.
///
/// Stages come from timestamp columns, as CRMs store them; a unit is a row. The rules:
/// - A unit enters on its first stage's time, before the end of the as-of day (and inside the
///   `during` range, if any).
/// - A stage's time *counts* when it is before the end of the as-of day and, with `within`, no
///   later than entry + `within` moved on the calendar (`CalendarMath.shift`, as `created_at +
///   1 year` in a pipeline: 1 year is one calendar year, 1 month one calendar month). A time
///   that does not count is treated as no time.
/// - With `each within`, a stage's time counts only when it is also no later than the nearest
///   earlier stage with a counted time + `each within` (on the calendar too): each step has its
///   own window, measured from the step before.
/// - A unit has reached stage k when some stage at or after k has a counted time (contacts that
///   skipped MQL still count as MQLs once they are SQLs).
/// - The days of stage k (a unit with a counted time for k) run from the nearest earlier stage
///   with a counted time; a stage dated before that one counts at 0 days. A skipped stage has
///   no days.
/// - With `within` or `each within`, a unit that reached k-1 but not k and whose windows have
///   not ended by the end of the as-of day (a stage dated then or later, not happened yet,
///   could still fall inside them: entry + `within`, and stage k-1's time + `each within`) is
///   *open* for step k: neither a conversion nor a loss, and the step rate leaves it out
///   (converted / (entered - open)).
///
/// The plan:
///
///     counts = scan dataset
///              | filter   entry not null, before the end of the as-of day, inside `during`
///              | project  dims, t_0 .. t_n-1 (one time type), deadline = entry + within
///              | project  dims, t_0 .. t_n-1, last (where stages stop counting), window_open
///              | project  dims, c_0 .. c_n-1 (counted times, else null), window_open
///              | project  (each within) per stage k, c_k kept only within its step window
///              | project  dims, state (2 x the last stage reached, + 1 while the window is open),
///                         days_1 .. days_n-1
///              | aggregate by dims: units = count(), per k >= 1: converted_k = count() where
///                state >= 2k, open_k = count() where state = 2k - 1 (reached k - 1 only, open),
///                median_days_k = median(days_k)
///     result = one projection of `counts` per step (entered_k is converted_k-1), unioned
///              | sort by dims (nulls last), step
struct FunnelPlanner {
    let catalog: Catalog
    let asOf: Int64

    /// Column names of the result, after the dimensions.
    static let stepColumns = ["step", "stage", "entered", "converted", "open", "step_rate", "overall_rate", "median_days"]
    static let stepFormats: [ValueFormat?] = [nil, nil, .count, .count, .count, .percent, .percent, .days]

    func plan(_ funnel: FunnelStatement) throws -> PlannedStatement {
        let dataset = try Binder(catalog: catalog, asOf: asOf).dataset(funnel.dataset)
        if funnel.isEventFunnel { return try planEvents(funnel, dataset: dataset) }
        let input = LogicalPlan.scan(name: dataset.name, table: dataset.table)
        let schema = input.schema
        let stageIndexes = try funnel.steps.map { step -> Int in
            let index = try Binder.column(step, in: schema)
            let type = schema.fields[index].type
            guard type.isTemporal else {
                throw Diagnostic(.typeMismatch, "a funnel stage is a date or timestamp column; `\(step.name)` is \(type.name)", at: step.span)
            }
            return index
        }
        let dimensionIndexes = try funnel.dimensions.map { try Binder.column($0, in: schema) }
        let range = try funnel.range.map { try AsOfRange.resolve($0, asOf: asOf) }

        var query = QueryPlan(result: input)  // the result is set once the stage is added
        return try finish(&query, units: input, stages: stageIndexes, stageNames: funnel.steps.map(\.name), dimensions: dimensionIndexes,
                          dimensionFormats: dimensionIndexes.map { _ in nil }, funnel: funnel, range: range,
                          title: "funnel \(dataset.name): " + funnel.steps.map(\.name).joined(separator: " -> "))
    }

    /// The funnel over `units` (one row per unit with its stage times and dimensions): counts,
    /// then one row per step.
    func finish(_ query: inout QueryPlan, units input: LogicalPlan, stages stageIndexes: [Int], stageNames: [String], dimensions dimensionIndexes: [Int],
                dimensionFormats: [ValueFormat?], funnel: FunnelStatement, range: (start: Int64, end: Int64)?, title written: String) throws -> PlannedStatement {
        let dimensionNames = dimensionIndexes.map { input.schema.fields[$0].name }
        let units = try self.units(input, stages: stageIndexes, dimensions: dimensionIndexes, within: funnel.within, stepWithin: funnel.stepWithin, range: range)
        let hasWindow = funnel.within != nil || funnel.stepWithin != nil
        let counts = query.add("funnel_counts", aggregate(units, stages: stageIndexes.count, dimensions: dimensionIndexes.count, hasWindow: hasWindow))
        query.result = steps(counts, names: stageNames, dimensions: dimensionNames, hasWindow: hasWindow)

        var title = written
        if !funnel.dimensions.isEmpty { title += " by " + funnel.dimensions.map(\.name).joined(separator: ", ") }
        if let grain = funnel.grain { title += " over \(grain.rawValue)" }
        if let within = funnel.within { title += " within \(within.description)" }
        if let stepWithin = funnel.stepWithin { title += " each within \(stepWithin.description)" }
        var notes: [String] = []
        if hasWindow {
            notes.append("open: not converted yet but still inside the window at \(CivilCalendar.formatDate(asOf)); step_rate = converted / (entered - open)")
        }
        let formats = dimensionFormats + Self.stepFormats
        return PlannedStatement(plan: query, formats: formats, title: title, notes: notes)
    }

    // MARK: - One row per unit

    /// The units that entered, each with its dimensions, `state` (the last stage it reached and
    /// whether its window is open) and `days_k` per stage k >= 1.
    private func units(_ input: LogicalPlan, stages: [Int], dimensions: [Int], within: Interval?, stepWithin: Interval?,
                       range: (start: Int64, end: Int64)?) throws -> LogicalPlan {
        let schema = input.schema
        // Times, all of one type so they subtract: timestamps when the stages mix dates and
        // timestamps (a date is its midnight).
        let stageTypes = stages.map { schema.fields[$0].type }
        let timeType: DataType = Set(stageTypes).count == 1 ? stageTypes[0] : .timestamp
        var layout = UnitLayout(dimensions: dimensions.map { schema.fields[$0] }, stages: stages.count, timeType: timeType,
                                daysType: try ExpressionBinder.arithmeticType(.subtract, timeType, timeType, span: .none) ?? .decimal,
                                end: AsOfRange.end(asOf: asOf), stepWithin: stepWithin)
        var plan = entries(input, entry: stages[0], range: range, end: layout.end)

        // Over the input: dimensions, stage times, the window's deadline.
        var expressions = dimensions.map { layout.column($0, schema.fields[$0].type) }
        var fields = layout.dimensions
        for (k, index) in stages.enumerated() {
            var time = layout.column(index, stageTypes[k])
            if stageTypes[k] != timeType { time = BoundExpression(.cast(time), type: timeType, span: .none) }
            expressions.append(time)
            fields.append(Schema.Field(name: "__t\(k)", type: timeType))
        }
        if let within {
            let deadline = try self.deadline(of: expressions[layout.dimensions.count], within: within, schema: schema)
            layout.deadlineType = deadline.type
            expressions.append(deadline)
            fields.append(Schema.Field(name: "__deadline", type: deadline.type ?? .timestamp))
        }
        plan = .project(plan, expressions, Schema(fields: fields))
        plan = countedTimes(cutoff(plan, layout), layout)
        plan = try stepWindows(plan, layout, schema: schema)
        return try progress(plan, layout, schema: schema)
    }

    /// Where the columns of the unit rows are, and their types, for the projections below.
    /// Every projection starts with the dimensions; from the counted times on, each ends with
    /// `window_open` (with a window), which is then at `dimensions.count + stages`.
    private struct UnitLayout {
        var dimensions: [Schema.Field]
        var stages: Int
        var timeType: DataType
        /// `time - time`: whole days (int) for dates, fractional (decimal) for timestamps.
        var daysType: DataType
        /// The day after the as-of day: nothing at or after its start has happened.
        var end: Int64
        /// Nil without `within`.
        var deadlineType: DataType?
        /// `each within`.
        var stepWithin: Interval?

        /// Present from the counted times on with `within`, from `progress` on with `each
        /// within` alone.
        var windowOpen: Schema.Field? { deadlineType != nil || stepWithin != nil ? Schema.Field(name: "__window_open", type: .bool) : nil }
        var windowOpenIndex: Int { dimensions.count + stages }

        func column(_ index: Int, _ type: DataType) -> BoundExpression { BoundExpression(.column(index), type: type, span: .none) }
        func passDimensions() -> [BoundExpression] { dimensions.indices.map { column($0, dimensions[$0].type) } }
    }

    /// Units with an entry (first-stage) time before the end of the as-of day, inside the range.
    private func entries(_ input: LogicalPlan, entry index: Int, range: (start: Int64, end: Int64)?, end: Int64) -> LogicalPlan {
        let type = input.schema.fields[index].type
        let entry = BoundExpression(.column(index), type: type, span: .none)
        func time(_ day: Int64) -> BoundExpression { ExpressionBinder.timeConstant(day, like: type, span: .none) }
        // A null entry compares as null, which is not true: units without one are left out.
        var conditions = [Self.compare(.less, entry, time(end))]
        if let range {
            conditions.append(Self.compare(.greaterOrEqual, entry, time(range.start)))
            conditions.append(Self.compare(.less, entry, time(range.end)))
        }
        return .filter(input, BoundExpression.logical(isAnd: true, conditions, span: .none))
    }

    /// Entry + `within` on the calendar, as `created_at + 1 year` in a pipeline. A deadline past
    /// the calendar's last day (entry + 9999 years) leaves the window open to the end of time.
    private func deadline(of entry: BoundExpression, within: Interval, schema: Schema) throws -> BoundExpression {
        let shifted = try ExpressionBinder(binder: Binder(catalog: catalog, asOf: asOf), schema: schema).shift(entry, within, span: .none)
        let type = shifted.type ?? .timestamp
        let last = BoundExpression(.constant(type == .timestamp ? .timestamp(CivilCalendar.maxMicros) : .date(CivilCalendar.maxDay)), type: type, span: .none)
        return BoundExpression(.function(.coalesce, [shifted, last]), type: type, span: .none)
    }

    /// With a window: dims, t_0 .. t_n-1, last, window_open. `last` is the latest time a stage
    /// of the unit counts at: the end of its window or the last instant of the as-of day,
    /// whichever comes first, so each stage is then checked with one comparison.
    private func cutoff(_ input: LogicalPlan, _ layout: UnitLayout) -> LogicalPlan {
        guard let type = layout.deadlineType else { return input }
        let m = layout.dimensions.count, n = layout.stages
        let deadline = layout.column(m + n, type)
        // Before the end of the as-of day: at most its last day (dates) or microsecond.
        let endOfDay = type == .timestamp
            ? BoundExpression(.constant(.timestamp(layout.end * CivilCalendar.microsPerDay - 1)), type: type, span: .none)
            : BoundExpression(.constant(.date(layout.end - 1)), type: type, span: .none)
        let last = BoundExpression(.function(.least, [deadline, endOfDay]), type: type, span: .none)
        // Still open at the end of the as-of day: a stage dated then or later (which has not
        // happened yet) could still fall inside the window.
        let open = Self.compare(.greaterOrEqual, deadline, ExpressionBinder.timeConstant(layout.end, like: type, span: .none))
        let expressions = layout.passDimensions() + (0..<n).map { layout.column(m + $0, layout.timeType) } + [last, open]
        let fields = layout.dimensions + (0..<n).map { Schema.Field(name: "__t\($0)", type: layout.timeType) }
            + [Schema.Field(name: "__last", type: type), Schema.Field(name: "__window_open", type: .bool)]
        return .project(input, expressions, Schema(fields: fields))
    }

    /// dims, c_0 .. c_n-1, window_open: a stage's time where it counts (before the end of the
    /// as-of day, inside the window), else null.
    private func countedTimes(_ input: LogicalPlan, _ layout: UnitLayout) -> LogicalPlan {
        let m = layout.dimensions.count, n = layout.stages, timeType = layout.timeType
        let last = layout.deadlineType.map { layout.column(m + n, $0) }
        var expressions = layout.passDimensions() + [layout.column(m, timeType)]
        var fields = layout.dimensions + [Schema.Field(name: "__c0", type: timeType)]
        for k in 1..<n {
            let time = layout.column(m + k, timeType)
            let condition = last.map { Self.compare(.lessOrEqual, time, $0) }
                ?? Self.compare(.less, time, ExpressionBinder.timeConstant(layout.end, like: timeType, span: .none))
            expressions.append(BoundExpression(.caseWhen([BoundWhen(condition: condition, result: time)], otherwise: nil), type: timeType, span: .none))
            fields.append(Schema.Field(name: "__c\(k)", type: timeType))
        }
        if layout.deadlineType != nil, let field = layout.windowOpen {
            expressions.append(layout.column(m + n + 1, .bool))
            fields.append(field)
        }
        return .project(input, expressions, Schema(fields: fields))
    }

    /// With `each within`: stage by stage, c_k stays only when it is no later than the nearest
    /// earlier counted time + the step window (earlier stages are settled first, so each
    /// projection reads the counted times the previous one left).
    private func stepWindows(_ input: LogicalPlan, _ layout: UnitLayout, schema: Schema) throws -> LogicalPlan {
        guard let stepWithin = layout.stepWithin else { return input }
        let m = layout.dimensions.count, n = layout.stages
        var plan = input
        for k in 1..<n {
            let fields = plan.schema.fields
            let counted = (0..<n).map { layout.column(m + $0, layout.timeType) }
            let previous = Self.nearestEarlier(k, counted, layout)
            let inside = Self.compare(.lessOrEqual, counted[k], try deadline(of: previous, within: stepWithin, schema: schema))
            var expressions = fields.indices.map { layout.column($0, fields[$0].type) }
            expressions[m + k] = BoundExpression(.caseWhen([BoundWhen(condition: inside, result: counted[k])], otherwise: nil), type: layout.timeType, span: .none)
            plan = .project(plan, expressions, Schema(fields: fields))
        }
        return plan
    }

    /// The counted time of the nearest stage before `k` that has one (the entry always has).
    private static func nearestEarlier(_ k: Int, _ counted: [BoundExpression], _ layout: UnitLayout) -> BoundExpression {
        let earlier = Array(counted[0..<k].reversed())
        return earlier.count == 1 ? earlier[0] : BoundExpression(.function(.coalesce, earlier), type: layout.timeType, span: .none)
    }

    /// dims, state, days_1 .. days_n-1: `state` is twice the last stage reached, plus 1 when
    /// the window is still open (with a window), so every count of the aggregate is a
    /// comparison of that one small integer with a constant (counted in one pass:
    /// `SmallValueCounts`); `days_k` is the time from the nearest earlier stage with a counted
    /// time (the entry always has one): `c_k - least(c_k, previous)`, which is 0 for a stage
    /// dated before that one and null when stage k has no counted time (least ignores the
    /// null, the subtraction keeps it).
    private func progress(_ input: LogicalPlan, _ layout: UnitLayout, schema: Schema) throws -> LogicalPlan {
        let m = layout.dimensions.count, n = layout.stages
        let counted = (0..<n).map { layout.column(m + $0, layout.timeType) }
        var state = BoundExpression(.caseWhen(stride(from: n - 1, through: 1, by: -1).map { k in
            BoundWhen(condition: Self.isNotNull(counted[k]), result: Self.int(Int64(2 * k)))
        }, otherwise: Self.int(0)), type: .int, span: .none)
        if layout.windowOpen != nil {
            var open: [BoundExpression] = []
            if layout.deadlineType != nil { open.append(layout.column(layout.windowOpenIndex, .bool)) }
            if let stepWithin = layout.stepWithin {
                // The next step's window runs from the furthest stage's time (the latest counted).
                let latest = BoundExpression(.function(.coalesce, Array(counted.reversed())), type: layout.timeType, span: .none)
                let stepDeadline = try deadline(of: latest, within: stepWithin, schema: schema)
                open.append(Self.compare(.greaterOrEqual, stepDeadline, ExpressionBinder.timeConstant(layout.end, like: stepDeadline.type ?? layout.timeType, span: .none)))
            }
            let isOpen = open.count == 1 ? open[0] : BoundExpression.logical(isAnd: true, open, span: .none)
            let openBit = BoundExpression(.caseWhen([BoundWhen(condition: isOpen, result: Self.int(1))], otherwise: Self.int(0)), type: .int, span: .none)
            state = BoundExpression.arithmetic(.add, state, openBit, type: .int, span: .none)
        }
        var expressions = layout.passDimensions() + [state]
        var fields = layout.dimensions + [Schema.Field(name: "__state", type: .int)]
        for k in 1..<n {
            let previous = Self.nearestEarlier(k, counted, layout)
            let from = BoundExpression(.function(.least, [counted[k], previous]), type: layout.timeType, span: .none)
            expressions.append(BoundExpression.arithmetic(.subtract, counted[k], from, type: layout.daysType, span: .none))
            fields.append(Schema.Field(name: "__days\(k)", type: layout.daysType))
        }
        return .project(input, expressions, Schema(fields: fields))
    }

    // MARK: - Counts per group

    /// Grouped by the dimensions: `units`, then per stage k >= 1 `converted_k`, `open_k` (with
    /// a window) and `median_days_k`.
    private func aggregate(_ units: LogicalPlan, stages n: Int, dimensions m: Int, hasWindow: Bool) -> LogicalPlan {
        let schema = units.schema
        let keys = (0..<m).map { BoundExpression(.column($0), type: schema.fields[$0].type, span: .none) }
        let state = BoundExpression(.column(m), type: .int, span: .none)
        func count(where condition: BoundExpression?) -> BoundAggregate {
            BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: condition, type: .int, span: .none)
        }
        var aggregates = [count(where: nil)]
        var fields = Array(schema.fields.prefix(m)) + [Schema.Field(name: "units", type: .int)]
        for k in 1..<n {
            // Reached stage k or further: state >= 2k.
            aggregates.append(count(where: Self.compare(.greaterOrEqual, state, Self.int(Int64(2 * k)))))
            fields.append(Schema.Field(name: "converted_\(k)", type: .int))
            if hasWindow {
                // Reached k - 1, not k, window open: state = 2(k - 1) + 1.
                aggregates.append(count(where: Self.compare(.equal, state, Self.int(Int64(2 * k - 1)))))
                fields.append(Schema.Field(name: "open_\(k)", type: .int))
            }
            let days = BoundExpression(.column(m + k), type: schema.fields[m + k].type, span: .none)
            // Median ignores nulls: units without a counted time for stage k have no days.
            aggregates.append(BoundAggregate(function: .median, argument: days, fraction: 0.5, orderBy: nil, filter: nil, type: .decimal, span: .none))
            fields.append(Schema.Field(name: "median_days_\(k)", type: .decimal))
        }
        return .aggregate(units, keys: keys, aggregates: aggregates, Schema(fields: fields))
    }

    // MARK: - One row per step

    /// One projection of `counts` per step, unioned, sorted by the dimensions then the step.
    private func steps(_ counts: LogicalPlan, names: [String], dimensions: [String], hasWindow: Bool) -> LogicalPlan {
        let schema = counts.schema
        let m = dimensions.count
        // Where step k's aggregates are in `counts`.
        let perStage = hasWindow ? 3 : 2
        func position(_ k: Int, _ offset: Int) -> Int { m + 1 + (k - 1) * perStage + offset }
        func int(_ index: Int) -> BoundExpression { BoundExpression(.column(index), type: .int, span: .none) }
        func ratio(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
            // x / 0 is null (the engine's division), so an empty step has no rate.
            BoundExpression.arithmetic(.divide, a, b, type: .decimal, span: .none)
        }
        let nullDecimal = BoundExpression(.constant(.null), type: .decimal, span: .none)
        let units = int(m)
        let fields = (0..<m).map { Schema.Field(name: dimensions[$0], type: schema.fields[$0].type) } + [
            Schema.Field(name: "step", type: .int), Schema.Field(name: "stage", type: .text),
            Schema.Field(name: "entered", type: .int), Schema.Field(name: "converted", type: .int), Schema.Field(name: "open", type: .int),
            Schema.Field(name: "step_rate", type: .decimal), Schema.Field(name: "overall_rate", type: .decimal),
            Schema.Field(name: "median_days", type: .decimal),
        ]
        let output = Schema(fields: fields)
        var branches: [LogicalPlan] = []
        for (k, name) in names.enumerated() {
            var expressions = (0..<m).map { BoundExpression(.column($0), type: schema.fields[$0].type, span: .none) }
            expressions.append(Self.int(Int64(k + 1)))
            expressions.append(BoundExpression(.constant(.text(name)), type: .text, span: .none))
            if k == 0 {
                // Every unit that entered is at the first stage.
                expressions += [units, units, Self.int(0), nullDecimal, ratio(units, units), nullDecimal]
            } else {
                let entered = k == 1 ? units : int(position(k - 1, 0))
                let converted = int(position(k, 0))
                let open = hasWindow ? int(position(k, 1)) : Self.int(0)
                let decided = hasWindow ? BoundExpression.arithmetic(.subtract, entered, open, type: .int, span: .none) : entered
                let median = BoundExpression(.column(position(k, perStage - 1)), type: .decimal, span: .none)
                expressions += [entered, converted, open, ratio(converted, decided), ratio(converted, units), median]
            }
            branches.append(.project(counts, expressions, output))
        }
        let union = branches.dropFirst().reduce(branches[0]) { LogicalPlan.union($0, $1, output) }
        let keys = (0...m).map { BoundSortKey(expression: BoundExpression(.column($0), type: fields[$0].type, span: .none), descending: false, nullsFirst: false) }
        return .sort(union, keys)
    }

    // MARK: - Expression helpers

    static func compare(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
        BoundExpression(.comparison(op, a, b), type: .bool, span: .none)
    }

    static func isNotNull(_ a: BoundExpression) -> BoundExpression {
        BoundExpression(.isNull(a, negated: true), type: .bool, span: .none)
    }

    private static func int(_ value: Int64) -> BoundExpression {
        BoundExpression(.constant(.int(value)), type: .int, span: .none)
    }
}
