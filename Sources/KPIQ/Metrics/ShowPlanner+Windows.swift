/// Rolling and cumulative leaves in O(rows + units): events become changes at positions on
/// the day line, a running sum (a window function) turns them into levels, and each unit reads
/// the level at its end (and, for a rolling window, subtracts the level at the window's start).
///
/// Positions are "ends": a row dated day d counts for every unit ending after it, so it is a
/// change at d + 1, and the level at a unit's end E is the sum of the changes at positions up to
/// E. A sum or count over `[E - w, E)` is level(E) - level(E - w). A distinct count is
/// different: a person with events on days d1 < d2 < ... is active at E when some event lies
/// in `[E - w, E)`, that is E in (d_i, min(d_i + w, d_(i+1))] for some i; those intervals do
/// not overlap, so +1 at d_i + 1 and -1 at min(d_i + w, d_(i+1)) + 1 count each person once.
/// `d_(i+1)` is `LEAD(day)` over the person's days.
extension ShowPlanner {
    /// How a group of leaves is computed.
    enum Strategy: Equatable {
        /// Aggregated by period (the usual leaves).
        case aggregate
        /// A sum over rows that run over days (`time start_date .. end_date`): spread over them.
        case flight
        /// Rolling or cumulative counts and sums: running sums of daily changes.
        case runningSums
        /// A rolling or cumulative distinct count: running sums of entries and exits.
        case activeDistinct
        /// Any other aggregate over a window (a median over 28 days): one aggregate per unit.
        case perUnit
    }

    func strategy(_ leaf: MetricLeaf, dataset: Dataset) -> Strategy {
        guard leaf.kind != .aggregate else {
            // Spread only when the rows are dated by the flight's own first day.
            let flight = dataset.endTimeColumn != nil && (leaf.timeColumn == nil || leaf.timeColumn == dataset.timeColumn)
            return flight && leaf.function == .sum ? .flight : .aggregate
        }
        // A repeat needs each person's days in order: only the running sums give it.
        if leaf.kind == .repeated { return .activeDistinct }
        guard context.windowsByRunningSums else { return .perUnit }
        switch leaf.function {
        case .count, .sum: return .runningSums
        case .countDistinct: if case .open = leaf.kind { return .perUnit } else { return .activeDistinct }
        default: return .perUnit
        }
    }

    /// The spine column holding where a window starts for `group` (and comparison).
    static func windowStartColumn(_ group: Int, _ comparison: ShowStatement.Comparison?) -> String {
        "__w\(group)" + (comparison.map { "_" + $0.columnPrefix } ?? "") + "_start"
    }

    /// The base of a windowed group: its daily changes, keyed by the dimensions then `__at`,
    /// the position (day + 1), one column per leaf, then `__rows` (the rows' count, so a cell
    /// with no row can be told from a sum of nulls).
    /// `distinctDays`: the stages of distinct (dimensions, person, day) already planned, by
    /// what they read, so that two leaves over the same people (a cumulative distinct count
    /// and its repeat) share one.
    func windowChanges(_ group: LeafGroup, _ reading: GroupReading, window: (start: Int64?, end: Int64), dimensions: Int,
                       plan: inout QueryPlan, distinctDays: inout [String: LogicalPlan]) throws -> LogicalPlan {
        let leaves = group.leaves
        switch group.strategy {
        case .runningSums:
            // A row counts from the day after its date; a snapshot's row stops counting the day
            // after it closed.
            func changes(_ daily: LogicalPlan, sign: Int64) -> LogicalPlan {
                let schema = daily.schema
                var items: [(String, BoundExpression)] = (0..<dimensions).map { (schema.fields[$0].name, Self.column($0, schema)) }
                let day = Self.column(dimensions, schema)
                items.append(("__at", BoundExpression(.shift(day, Interval(days: 1)), type: .date, span: .none)))
                for k in leaves.indices + [leaves.count] {
                    let value = Self.column(dimensions + 1 + k, schema)
                    items.append((schema.fields[dimensions + 1 + k].name, sign > 0 ? value : BoundExpression(.negate(value), type: value.type, span: .none)))
                }
                return Self.project(daily, items)
            }
            let opened = changes(try reading.daily(context, window: window), sign: 1)
            guard case .open = group.kind else { return opened }
            let closed = changes(try reading.dailyClosings(context, window: window), sign: -1)
            return .union(opened, closed, opened.schema)
        case .activeDistinct:
            let leafIndex = leaves[0]
            let leaf = reading.leaves[leafIndex]
            let daysKey = [group.dataset.name, group.timeColumn ?? "", leaf.argument.map(ExpressionPrinter.text) ?? "",
                           leaf.filter.map(ExpressionPrinter.text) ?? "", "\(window.start.map(String.init) ?? "")..\(window.end)"].joined(separator: "|")
            let days: LogicalPlan
            if let shared = distinctDays[daysKey] {
                days = shared
            } else {
                days = plan.add(stagePrefix + "days\(distinctDays.count)", try reading.distinctDays(context, leaf: leafIndex, window: window))
                distinctDays[daysKey] = days
            }
            let day = dimensions + 1
            if group.kind == .repeated { return Self.repeatEntries(days, dimensions: dimensions, leaf: leafIndex) }
            let withNext = Self.personDaysInOrder(days, dimensions: dimensions)
            let ws = withNext.schema
            let dims: [(String, BoundExpression)] = (0..<dimensions).map { (ws.fields[$0].name, Self.column($0, ws)) }
            let dayColumn = Self.column(day, ws), next = Self.column(day + 1, ws)
            // Each day enters (the columns before `__next` are the days' own, so no window is
            // needed for it); each exit needs the person's next day.
            let entry = Self.project(days, dims + [
                ("__at", BoundExpression(.shift(dayColumn, Interval(days: 1)), type: .date, span: .none)),
                ("leaf\(leafIndex)", Self.int(1)), ("__rows", Self.int(1)),
            ])
            // Active until the window after the event runs out or the next event takes over.
            var until: BoundExpression
            var exits = withNext
            if case .rolling(let length) = group.kind {
                let runsOut = BoundExpression(.shift(dayColumn, length), type: .date, span: .none)
                until = BoundExpression(.function(.least, [runsOut, next]), type: .date, span: .none)
            } else {
                // Cumulative: once counted, counted for good; only the next event's entry is
                // offset, so each person adds one.
                until = next
                exits = .filter(withNext, BoundExpression(.isNull(next, negated: true), type: .bool, span: .none))
            }
            until = BoundExpression(.shift(until, Interval(days: 1)), type: .date, span: .none)
            let exit = Self.project(exits, dims + [("__at", until), ("leaf\(leafIndex)", Self.int(-1)), ("__rows", Self.int(-1))])
            return .union(entry, exit, entry.schema)
        case .aggregate, .perUnit, .flight:
            preconditionFailure("only windowed groups have changes")
        }
    }

    /// `repeated(count_distinct(x))`: a person counts from the day after their second distinct
    /// day, for good, so the changes are one +1 per person who has a second day.
    static func repeatEntries(_ days: LogicalPlan, dimensions: Int, leaf leafIndex: Int) -> LogicalPlan {
        let day = dimensions + 1
        let ordered = personDaysInOrder(days, dimensions: dimensions, numbered: true)
        let os = ordered.schema
        let second = Self.column(day + 1, os)
        let firstDays = LogicalPlan.filter(ordered, BoundExpression.logical(isAnd: true, [
            Self.comparison(.equal, Self.column(day + 2, os), Self.int(1)),
            BoundExpression(.isNull(second, negated: true), type: .bool, span: .none),
        ], span: .none))
        let dims: [(String, BoundExpression)] = (0..<dimensions).map { (os.fields[$0].name, Self.column($0, os)) }
        return Self.project(firstDays, dims + [
            ("__at", BoundExpression(.shift(second, Interval(days: 1)), type: .date, span: .none)),
            ("leaf\(leafIndex)", Self.int(1)), ("__rows", Self.int(1)),
        ])
    }

    /// Each person's distinct days (dimensions, person, day) in order, with the next day of the
    /// same person (`__next`, null for the last) and, when `numbered`, the day's place among
    /// the person's days from 1 (`__place`).
    static func personDaysInOrder(_ days: LogicalPlan, dimensions: Int, numbered: Bool = false) -> LogicalPlan {
        let day = dimensions + 1
        var fields = days.schema.fields + [Schema.Field(name: "__next", type: .date)]
        if numbered { fields.append(Schema.Field(name: "__place", type: .int)) }
        return .window(days, partition: Array(0...dimensions), order: [WindowOrderKey(column: day)],
                       functions: numbered ? [.lead(day), .rowNumber] : [.lead(day)], keepsInputOrder: false, Schema(fields: fields))
    }

    /// The leaf values of a windowed group at every unit of the spine (and per comparison):
    /// dimensions, the end column, one column per leaf, `__rows`.
    func windowValues(_ g: Int, _ group: LeafGroup, changes: LogicalPlan, spine: LogicalPlan, dimensions: Int,
                      comparisons: [ShowStatement.Comparison], plan: inout QueryPlan) -> [(comparison: Int?, reference: LogicalPlan, key: String)] {
        let spineSchema = spine.schema
        let changeSchema = changes.schema
        let valueCount = group.leaves.count + 1
        let valueTypes = (0..<valueCount).map { changeSchema.fields[dimensions + 1 + $0].type }
        let zeros: [(String, BoundExpression)] = (0..<valueCount).map { k in
            (changeSchema.fields[dimensions + 1 + k].name, BoundExpression(.constant(valueTypes[k] == .decimal ? .decimal(0) : .int(0)), type: valueTypes[k], span: .none))
        }
        // A rolling sum subtracts the level where the window starts; a distinct count's exits
        // already close each person's window.
        var isRolling = false
        if case .rolling = group.kind, group.strategy == .runningSums { isRolling = true }
        // Where levels are read: every unit's end, and its window's start, per comparison.
        var pointColumns: [String] = []
        for comparison in [nil] + comparisons.map(Optional.some) {
            pointColumns.append(comparison.map { "__\($0.columnPrefix)_end" } ?? "__end")
            if isRolling { pointColumns.append(Self.windowStartColumn(g, comparison)) }
        }
        let dims: (Schema) -> [(String, BoundExpression)] = { schema in (0..<dimensions).map { (schema.fields[$0].name, Self.column($0, schema)) } }
        var all = Self.project(changes, dims(changeSchema) + [("__at", Self.column(dimensions, changeSchema))]
                               + (0..<valueCount).map { (changeSchema.fields[dimensions + 1 + $0].name, Self.column(dimensions + 1 + $0, changeSchema)) }
                               + [("__point", Self.int(0))])
        for column in pointColumns {
            let points = Self.project(spine, dims(spineSchema) + [("__at", Self.column(spineSchema.index(of: column)!, spineSchema))] + zeros + [("__point", Self.int(1))])
            all = .union(all, points, all.schema)
        }
        let allSchema = all.schema
        let running = LogicalPlan.window(all, partition: Array(0..<dimensions), order: [WindowOrderKey(column: dimensions), WindowOrderKey(column: dimensions + 1 + valueCount)],
                                         functions: (0..<valueCount).map { .runningSum(dimensions + 1 + $0) }, keepsInputOrder: false,
                                         Schema(fields: allSchema.fields + (0..<valueCount).map { Schema.Field(name: "__level\($0)", type: valueTypes[$0] == .decimal ? .decimal : .int) }))
        let rs = running.schema
        let atPoints = LogicalPlan.filter(running, Self.comparison(.equal, Self.column(dimensions + 1 + valueCount, rs), Self.int(1)))
        // One level per (dimensions, position): several units may read the same day.
        let levels = LogicalPlan.aggregate(atPoints, keys: (0...dimensions).map { Self.column($0, rs) },
                                           aggregates: (0..<valueCount).map { k in
                                               BoundAggregate(function: .max, argument: Self.column(allSchema.fields.count + k, rs), fraction: nil, orderBy: nil,
                                                              filter: nil, type: rs.fields[allSchema.fields.count + k].type, span: .none)
                                           },
                                           Schema(fields: Array(rs.fields.prefix(dimensions + 1)) + (0..<valueCount).map { Schema.Field(name: "__level\($0)", type: rs.fields[allSchema.fields.count + $0].type) }))
        let levelsReference = plan.add(stagePrefix + "g\(g)_levels", levels)
        let ls = levelsReference.schema
        var result: [(comparison: Int?, reference: LogicalPlan, key: String)] = []
        for comparison in [nil] + comparisons.indices.map(Optional.some) {
            let endColumn = comparison.map { "__\(comparisons[$0].columnPrefix)_end" } ?? "__end"
            let keys = Array(0..<dimensions)
            var joined = Self.join(spine, levelsReference, leftKeys: keys + [spineSchema.index(of: endColumn)!], rightKeys: keys + [dimensions],
                                   kind: .left, nullsEqual: true, rightColumns: Array((dimensions + 1)..<ls.fields.count))
            let endBase = spineSchema.fields.count
            var startBase: Int?
            if isRolling {
                let startColumn = Self.windowStartColumn(g, comparison.map { comparisons[$0] })
                startBase = joined.schema.fields.count
                joined = Self.join(joined, levelsReference, leftKeys: keys + [spineSchema.index(of: startColumn)!], rightKeys: keys + [dimensions],
                                   kind: .left, nullsEqual: true, rightColumns: Array((dimensions + 1)..<ls.fields.count))
            }
            let js = joined.schema
            var items = dims(js) + [(endColumn, Self.column(spineSchema.index(of: endColumn)!, js))]
            for k in 0..<valueCount {
                let type = valueTypes[k] == .decimal ? DataType.decimal : .int
                let zero = BoundExpression(.constant(type == .decimal ? .decimal(0) : .int(0)), type: type, span: .none)
                let atEnd = BoundExpression(.function(.coalesce, [Self.column(endBase + k, js), zero]), type: type, span: .none)
                var value = atEnd
                if let startBase {
                    let atStart = BoundExpression(.function(.coalesce, [Self.column(startBase + k, js), zero]), type: type, span: .none)
                    value = BoundExpression.arithmetic(.subtract, atEnd, atStart, type: type, span: .none)
                }
                if k == valueCount - 1 {
                    // No row in the window: the cell is empty (what tells a missing sum from 0).
                    value = BoundExpression(.function(.nullif, [value, zero]), type: type, span: .none)
                }
                items.append((changeSchema.fields[dimensions + 1 + k].name, value))
            }
            let name = "g\(g)" + (comparison.map { "_" + comparisons[$0].columnPrefix } ?? "")
            result.append((comparison, plan.add(stagePrefix + name, Self.project(joined, items)), endColumn))
        }
        return result
    }
}
