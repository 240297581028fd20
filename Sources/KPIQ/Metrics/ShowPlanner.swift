/// Compiles a `show` into one `QueryPlan` of the engine's own operators.
///
/// - Each group of leaves (aggregates on one dataset, dated by one time column) is a stage:
///   the dataset's rows (with looked-up dimensions), filtered to the days counted, aggregated
///   by the dimensions and the period of its own time column. Each `vs` adds a stage over the
///   days compared, grouped the same way (or, when every unit is whole, shares the current
///   stage, extended to the earlier periods). Sums over flights cross the rows with the units.
/// - The calendar is a generated table, one row per unit (period or range) with the days it
///   counts and the days each comparison reads. The spine is every dimension value seen,
///   crossed with the calendar (gap filling).
/// - The stages are left-joined onto the spine on (dimensions, period) and (dimensions,
///   earlier period), nulls matching nulls, so spend is never multiplied and people are never
///   counted twice. Projections fill empty cells (0 for counts and sums, n/a before the data
///   starts), apply the formulas (ratios of totals), shares, changes and targets.
///
/// Rolling, cumulative and snapshot (`open`) leaves are running sums of daily changes, read at
/// each unit's end (ShowPlanner+Windows); other aggregates over windows (a rolling median) are
/// one aggregate per unit's window, unioned. `top N [with other]` is stages too
/// (ShowPlanner+Top): ranks over the sorted result, and the `other` row as the show without its
/// dimension, planned into the same plan over the folded values' rows.
struct ShowPlanner {
    let context: ShowExecutor
    /// Before every stage name: the `other` row of `top N with other` is a show of its own,
    /// planned into the same plan under `other_`.
    var stagePrefix = ""
    /// Only the rows whose value of this dimension is one of a stage's values (the rows folded
    /// into `other`): `values` has them in its first column, once each.
    var restricting: (dimension: ShowExecutor.Dimension, values: LogicalPlan)?

    /// What `plan` decided, beside the plan: the dimensions, for the note of an empty table.
    struct Compiled {
        var planned: PlannedStatement
        var dimensions: [ShowExecutor.Dimension]
    }

    /// Leaves read together: same dataset, same time column, same kind.
    struct LeafGroup {
        var dataset: Dataset
        var timeColumn: String?
        var kind: MetricLeaf.Kind
        var strategy: Strategy
        var leaves: [Int]
        /// The first day of the dataset's data (what "no data yet" is measured against).
        var firstDay: Int64?
        /// The last day of the group's own time column (with the first days, what bounds the
        /// periods of a show without a range).
        var lastDay: Int64?
    }

    private var catalog: Catalog { context.catalog }
    private var asOf: Int64 { context.asOf }

    func plan(_ show: ShowStatement) throws -> Compiled {
        let (outputs, leaves) = try context.bindOutputs(show)
        let dimensions = try context.bindDimensions(show, outputs: outputs)
        let periodName = show.grain?.rawValue ?? "period"
        if show.grain != nil, dimensions.contains(where: { $0.name == periodName }) || outputs.contains(where: { $0.name == periodName }) {
            throw Diagnostic(.duplicateName, "`\(periodName)` names both the period and another column", at: show.grainSpan)
        }
        if let first = show.comparisons.first, show.grain == nil, show.range == nil {
            throw Diagnostic(.invalidArgument, "`vs` compares two periods: add `over month` (or another grain) or `during RANGE`", at: first.span)
        }
        let groups = try leafGroups(show, leaves)
        if groups.isEmpty, let first = dimensions.first {
            // The values a `by` lists are those of the datasets the metrics read.
            throw Diagnostic(.invalidArgument, "`by \(first.name)` lists the values of the datasets the metrics read, and these metrics read none",
                             at: first.span, hints: ["show a metric that reads a dataset: show count(sessions) by source"])
        }
        var spanOfData: (first: Int64, last: Int64)?
        if let first = groups.compactMap(\.firstDay).min(), let last = groups.compactMap(\.lastDay).max() { spanOfData = (first, last) }
        let calendar = try ShowCalendar(grain: show.grain, range: show.range, asOf: asOf, comparisons: show.comparisons,
                                        dataDays: spanOfData, span: show.range?.span ?? show.grainSpan)
        // Conditions on shown values (metrics, their targets, computed dimensions) apply to
        // the result; the others select the rows the metrics read.
        let names = Self.outputNames(outputs, show.comparisons)
        var rowConditions: [Expression] = []
        var resultConditions: [Expression] = []
        for conjunct in ShowExecutor.conjuncts(show.filter) {
            let read = Set(ShowExecutor.columnNames(conjunct).map(\.name))
            let resultNames = names.union(dimensions.filter(\.isDerived).map(\.name))
            if !read.isEmpty, read.isSubset(of: names.union(dimensions.map(\.name)).union(["partial", periodName])), !read.isDisjoint(with: resultNames) {
                resultConditions.append(conjunct)
            } else {
                rowConditions.append(conjunct)
            }
        }
        let rowFilter = Expression.conjunction(rowConditions)
        let lookup = DimensionLookup(catalog: catalog, relationships: context.kpis.allRelationships(catalog), asOf: asOf)
        var plan = QueryPlan(result: .scan(name: "", table: Table(names: [], columns: [], rowCount: 0)))
        let hasPeriod = show.grain != nil
        let joinsOnConstant = dimensions.isEmpty && !hasPeriod
        let keepUndated = show.range == nil && show.grain == nil

        // 0. The calendar: one row per unit, with the days it counts and compares, and where
        // each rolling window starts.
        let windows = groups.enumerated().compactMap { g, group -> (Int, Interval)? in
            if case .rolling(let length) = group.kind, group.strategy == .runningSums { return (g, length) }
            return nil
        }
        // Goals per period that apply to this show (ShowPlanner+Goals). The `other` row of
        // `top N with other` is no cell of any goal.
        let (goalTargets, goalNotes) = restricting != nil ? ([], [])
            : Self.applicableGoals(context.kpis.targets.filter { target in outputs.contains { $0.name == target.metric } },
                                   show: show, calendar: calendar, dimensions: dimensions)
        let calendarTable = Self.calendarTable(calendar, windows: windows, countedShare: !goalTargets.isEmpty)
        let calendarStage = plan.add(stagePrefix + "calendar", .scan(name: "calendar", table: calendarTable))

        // 1. One stage per group of leaves, and per comparison. Windowed groups first read
        // their daily changes; their values per unit come after the spine (step 2b).
        struct GroupStage {
            var group: Int
            /// Nil: the current units; else the comparison's index.
            var comparison: Int?
            var reference: LogicalPlan
            /// The spine column it joins on after the dimensions (nil: none).
            var spineKey: String?
        }
        var stages: [GroupStage] = []
        var windowed: [(group: Int, changes: LogicalPlan)] = []
        var dimensionSources: [LogicalPlan] = []
        var distinctDays: [String: LogicalPlan] = [:]
        let allEnds = calendar.units.flatMap { [$0.counted.end] + $0.compared.map(\.end) }
        for (g, group) in groups.enumerated() {
            var reading = GroupReading(group: group, leaves: leaves, dimensions: dimensions, grain: show.grain, filter: rowFilter,
                                       lookup: lookup, constantKey: joinsOnConstant && (group.strategy == .aggregate || group.strategy == .perUnit))
            reading.restricting = restricting
            if group.strategy == .runningSums || group.strategy == .activeDistinct {
                var start: Int64?
                if case .rolling(let length) = group.kind { start = allEnds.map { ShowCalendar.move($0, by: length, forward: false) }.min() }
                let changes = try windowChanges(group, reading, window: (start, allEnds.max() ?? AsOfRange.end(asOf: asOf)), dimensions: dimensions.count,
                                                plan: &plan, distinctDays: &distinctDays)
                let reference = plan.add(stagePrefix + "g\(g)_changes", changes)
                windowed.append((g, reference))
                dimensionSources.append(reference)
                continue
            }
            // With every unit whole, each comparison reads whole earlier periods: when they touch
            // the range (the period before, or a year back over a year or more), one aggregate
            // over the current and earlier days serves them, joined on the shifted period.
            var pending: [Int?] = [nil] + show.comparisons.indices.map(Optional.some)
            if group.strategy == .aggregate, group.kind == .aggregate, hasPeriod, !show.comparisons.isEmpty,
                !calendar.units.contains(where: { $0.isPartial })
            {
                let currentStart = calendar.units.compactMap { $0.counted.start }.min()
                let merged = show.comparisons.indices.filter { k in
                    guard let days = calendar.comparedDays(k) else { return false }
                    return currentStart.map { days.end >= $0 } ?? true
                }
                if !merged.isEmpty {
                    let starts = (currentStart.map { [$0] } ?? []) + merged.compactMap { calendar.comparedDays($0)?.start }
                    let end = calendar.units.map { $0.counted.end }.max() ?? AsOfRange.end(asOf: asOf)
                    let reference = plan.add(stagePrefix + "g\(g)", try reading.aggregate(context, window: (currentStart == nil ? nil : starts.min(), end), keepUndated: false))
                    for comparison in [nil] + merged.map(Optional.some) {
                        let key = comparison.map { "__\(show.comparisons[$0].columnPrefix)_period" } ?? "__period"
                        stages.append(GroupStage(group: g, comparison: comparison, reference: reference, spineKey: key))
                    }
                    // The dimension values listed are those with rows in the units or the periods
                    // compared, not in every period the aggregate spans.
                    let periods = Set(calendar.units.compactMap(\.period) + merged.flatMap { k in calendar.units.map { $0.compared[k].period } })
                    let schema = reference.schema
                    let inPeriods = BoundExpression(.inList(Self.column(dimensions.count, schema), periods.sorted().map { .date($0) }, negated: false),
                                                    type: .bool, span: .none)
                    dimensionSources.append(.filter(reference, inPeriods))
                    pending = show.comparisons.indices.filter { !merged.contains($0) }.map(Optional.some)
                }
            }
            for comparison in pending {
                let name = "g\(g)" + (comparison.map { "_" + show.comparisons[$0].columnPrefix } ?? "")
                let stagePlan: LogicalPlan
                var key = hasPeriod ? comparison.map { "__\(show.comparisons[$0].columnPrefix)_period" } ?? "__period" : (joinsOnConstant ? "__join" : nil)
                if group.strategy == .flight {
                    let prefix = comparison.map { "__" + show.comparisons[$0].columnPrefix } ?? ""
                    key = key ?? "__join"
                    stagePlan = try reading.flight(context, calendar: calendarStage, from: prefix.isEmpty ? "__from" : prefix + "_from",
                                                   end: prefix + (prefix.isEmpty ? "__end" : "_end"), key: key!)
                } else if group.kind == .aggregate {
                    let window: (start: Int64?, end: Int64)
                    if let comparison {
                        // No unit (nothing dated up to the as-of day): a stage over no day.
                        let none = AsOfRange.end(asOf: asOf)
                        let days = calendar.comparedDays(comparison) ?? (none, none)
                        window = (days.start, days.end)
                    } else {
                        window = (calendar.units.compactMap { $0.counted.start }.min(), calendar.units.map { $0.counted.end }.max() ?? AsOfRange.end(asOf: asOf))
                    }
                    stagePlan = try reading.aggregate(context, window: window, keepUndated: keepUndated && comparison == nil)
                } else {
                    let ends = calendar.units.map { unit -> (key: Int64?, end: Int64) in
                        guard let comparison else { return (unit.period, unit.counted.end) }
                        return (unit.compared[comparison].period, unit.compared[comparison].end)
                    }
                    stagePlan = try reading.windows(context, ends: ends)
                }
                let reference = plan.add(stagePrefix + name, stagePlan)
                stages.append(GroupStage(group: g, comparison: comparison, reference: reference, spineKey: key))
                dimensionSources.append(reference)
            }
        }

        // 2. The calendar and the spine: every dimension value seen, times every unit.
        var spine = calendarStage
        let calendarSchema = spine.schema
        if !dimensions.isEmpty {
            var keyInputs: [LogicalPlan] = []
            for source in dimensionSources {
                let schema = source.schema
                keyInputs.append(.project(source, dimensions.indices.map { Self.column($0, schema) },
                                          Schema(fields: Array(schema.fields.prefix(dimensions.count)))))
            }
            var keys = keyInputs[0]
            for next in keyInputs.dropFirst() { keys = .union(keys, next, keys.schema) }
            let distinct = LogicalPlan.aggregate(keys, keys: dimensions.indices.map { Self.column($0, keys.schema) }, aggregates: [], keys.schema)
            let keySchema = distinct.schema
            let withJoinKey = LogicalPlan.project(distinct, dimensions.indices.map { Self.column($0, keySchema) } + [Self.int(0)],
                                                  Schema(fields: keySchema.fields + [Schema.Field(name: "__join", type: .int)]))
            let dimensionValues = plan.add(stagePrefix + "dimension_values", withJoinKey)
            spine = Self.join(dimensionValues, spine, leftKeys: [dimensions.count], rightKeys: [calendarSchema.index(of: "__join")!],
                              nullsEqual: false)
        }
        // Columns of the spine: dimensions, then the calendar's.
        let spineSchema = spine.schema
        let periodColumn = hasPeriod ? spineSchema.index(of: "__period") : nil

        // 2b. Windowed groups: their values at every unit's end, read off running sums.
        for entry in windowed {
            for value in windowValues(entry.group, groups[entry.group], changes: entry.changes, spine: spine, dimensions: dimensions.count,
                                      comparisons: show.comparisons, plan: &plan) {
                stages.append(GroupStage(group: entry.group, comparison: value.comparison, reference: value.reference, spineKey: value.key))
            }
        }

        // 3. Each stage left-joined onto the spine.
        var joined = spine
        /// Where each stage's leaf values and row marker ended up.
        var leafColumns: [[Int?: (leaves: [Int], marker: Int)]] = Array(repeating: [:], count: groups.count)
        for stage in stages {
            let left = joined.schema
            let right = stage.reference.schema
            var leftKeys = Array(0..<dimensions.count)
            var rightKeys = Array(0..<dimensions.count)
            if let key = stage.spineKey {
                leftKeys.append(left.index(of: key)!)
                rightKeys.append(dimensions.count)
            }
            let keyCount = rightKeys.count
            let base = left.fields.count
            let group = groups[stage.group]
            leafColumns[stage.group][stage.comparison] = (group.leaves.indices.map { base + $0 }, base + group.leaves.count)
            joined = Self.join(joined, stage.reference, leftKeys: leftKeys, rightKeys: rightKeys, kind: .left, nullsEqual: true,
                               rightColumns: Array(keyCount..<right.fields.count))
        }

        // 4. Leaf values filled: 0 for counts and sums, n/a before a dataset's data starts.
        let joinedSchema = joined.schema
        var items: [(String, BoundExpression)] = []
        for (k, dimension) in dimensions.enumerated() { items.append((dimension.name, Self.column(k, joinedSchema))) }
        for name in calendarSchema.names where name != "__join" {
            items.append((name, Self.column(joinedSchema.index(of: name)!, joinedSchema)))
        }
        let dimensionNull = dimensions.isEmpty ? nil
            : BoundExpression.logical(isAnd: false, dimensions.indices.map { BoundExpression(.isNull(Self.column($0, joinedSchema), negated: false), type: .bool, span: .none) }, span: .none)
        for comparison in [nil] + show.comparisons.indices.map(Optional.some) {
            let endColumn = joinedSchema.index(of: comparison.map { "__\(show.comparisons[$0].columnPrefix)_end" } ?? "__end")!
            for (g, group) in groups.enumerated() {
                guard let placed = leafColumns[g][comparison] else { continue }
                for (k, leafIndex) in group.leaves.enumerated() {
                    let leaf = leaves[leafIndex]
                    let value = Self.column(placed.leaves[k], joinedSchema)
                    let filled = Self.filled(leaf, value: value, marker: Self.column(placed.marker, joinedSchema), dimensionNull: dimensionNull,
                                             end: Self.column(endColumn, joinedSchema), firstDay: keepUndated && group.kind == .aggregate ? nil : group.firstDay)
                    items.append((Self.leafName(leafIndex, comparison), filled))
                }
            }
        }
        let filledPlan = plan.add(stagePrefix + "leaf_values", Self.project(joined, items))
        let filledSchema = filledPlan.schema

        // 5. The formulas, per output and per comparison, over the filled leaves.
        var valueItems: [(String, BoundExpression)] = filledSchema.names.enumerated()
            .filter { !$0.element.hasPrefix("__leaf") }.map { ($0.element, Self.column($0.offset, filledSchema)) }
        for output in outputs {
            for comparison in [nil] + show.comparisons.indices.map(Optional.some) {
                let formula = try Self.formula(output.expression.withoutShare) { leaf in
                    Self.column(filledSchema.index(of: Self.leafName(leaf, comparison))!, filledSchema)
                }
                var typed = formula
                if output.isInteger, !output.expression.containsShare, formula.type != DataType.int {
                    typed = BoundExpression(.cast(BoundExpression(.function(.round, [formula]), type: .decimal, span: .none)), type: .int, span: .none)
                }
                if output.expression.containsShare, typed.type == DataType.int {
                    typed = BoundExpression(.cast(typed), type: .decimal, span: .none)
                }
                valueItems.append((Self.valueName(output.name, comparison, show.comparisons), typed))
                // `with n, ci`: a rate's denominator, computed the same way.
                if !show.statistics.isEmpty, let denominator = Self.denominator(of: output) {
                    let n = try Self.formula(denominator) { leaf in
                        Self.column(filledSchema.index(of: Self.leafName(leaf, comparison))!, filledSchema)
                    }
                    valueItems.append((Self.denominatorName(Self.valueName(output.name, comparison, show.comparisons)), n))
                }
            }
        }
        var values = Self.project(filledPlan, valueItems)
        // Shares: each row's value over the total of its unit.
        let shareOutputs = outputs.filter(\.expression.containsShare)
        if !shareOutputs.isEmpty {
            let valuesPlan = plan.add(stagePrefix + "metric_values", values)
            let schema = valuesPlan.schema
            let unitKey = periodColumn.map { _ in [Self.column(schema.index(of: "__period")!, schema)] } ?? []
            var totals: [BoundAggregate] = []
            var totalFields = unitKey.isEmpty ? [] : [Schema.Field(name: "__period", type: .date)]
            var shareNames: [String] = []
            for output in shareOutputs {
                for comparison in [nil] + show.comparisons.indices.map(Optional.some) {
                    let name = Self.valueName(output.name, comparison, show.comparisons)
                    let argument = Self.column(schema.index(of: name)!, schema)
                    totals.append(BoundAggregate(function: .sum, argument: argument, fraction: nil, orderBy: nil, filter: nil, type: .decimal, span: .none))
                    totalFields.append(Schema.Field(name: "__total_" + name, type: .decimal))
                    shareNames.append(name)
                }
            }
            var totalsPlan = LogicalPlan.aggregate(valuesPlan, keys: unitKey, aggregates: totals, Schema(fields: totalFields))
            var withTotals: LogicalPlan
            if unitKey.isEmpty {
                // One total: joined to every row on a constant.
                let ts = totalsPlan.schema
                totalsPlan = Self.project(totalsPlan, [("__join", Self.int(0))] + ts.names.enumerated().map { ($0.element, Self.column($0.offset, ts)) })
                let vs = valuesPlan.schema
                let left = Self.project(valuesPlan, vs.names.enumerated().map { ($0.element, Self.column($0.offset, vs)) } + [("__join", Self.int(0))])
                withTotals = Self.join(left, plan.add(stagePrefix + "share_totals", totalsPlan), leftKeys: [vs.fields.count], rightKeys: [0], kind: .left,
                                       nullsEqual: false, rightColumns: Array(1..<(shareNames.count + 1)))
            } else {
                withTotals = Self.join(valuesPlan, plan.add(stagePrefix + "share_totals", totalsPlan), leftKeys: [schema.index(of: "__period")!], rightKeys: [0],
                                       kind: .left, nullsEqual: false, rightColumns: Array(1..<(shareNames.count + 1)))
            }
            let ws = withTotals.schema
            values = Self.project(withTotals, schema.names.enumerated().map { index, name in
                let column = Self.column(index, ws)
                guard shareNames.contains(name) else { return (name, column) }
                let total = Self.column(ws.index(of: "__total_" + name)!, ws)
                return (name, BoundExpression.arithmetic(.divide, column, total, type: .decimal, span: .none))
            })
        }

        // Goals read from datasets joined in.
        let fromDatasets = outputs.compactMap { output in
            goalTargets.last { $0.metric == output.name }.flatMap { $0.goals != nil ? (output.name, $0) : nil }
        }
        if !fromDatasets.isEmpty {
            values = joiningGoalDatasets(plan.add(stagePrefix + "metric_goal_values", values), goals: fromDatasets, show: show, calendar: calendar,
                                         dimensions: dimensions, plan: &plan)
        }

        // `with ci` over `by`: each rate's total, to test every row against the rest.
        if show.statistics.contains(.confidence), !dimensions.isEmpty, restricting == nil {
            values = try joiningTotalRates(plan.add(stagePrefix + "metric_rate_values", values), show: show, outputs: outputs, calendar: calendar,
                                           rowFilter: rowFilter, plan: &plan)
        }

        // 6. The result: dimensions, period, each metric with its comparisons, target status and goals.
        let valuesSchema = values.schema
        var result: [(String, BoundExpression)] = []
        var formats: [ValueFormat?] = []
        var detailColumns: [String] = []
        for dimension in dimensions {
            result.append((dimension.name, Self.column(valuesSchema.index(of: dimension.name)!, valuesSchema)))
            formats.append(nil)
        }
        if let grain = show.grain {
            result.append((grain.rawValue, Self.column(valuesSchema.index(of: "__period")!, valuesSchema)))
            formats.append(ValueFormat(grain: grain))
        }
        for output in outputs {
            let format: ValueFormat = output.expression.containsShare ? .percent : output.format
            let now = Self.column(valuesSchema.index(of: output.name)!, valuesSchema)
            result.append((output.name, now))
            formats.append(format)
            for (k, comparison) in show.comparisons.enumerated() {
                let name = Self.valueName(output.name, k, show.comparisons)
                let before = Self.column(valuesSchema.index(of: name)!, valuesSchema)
                let type: DataType = now.type == DataType.int && before.type == DataType.int ? DataType.int : DataType.decimal
                let change = BoundExpression.arithmetic(.subtract, now, before, type: type, span: .none)
                let magnitude = BoundExpression(.function(.abs, [before]), type: before.type, span: .none)
                let relative = BoundExpression.arithmetic(.divide, change, magnitude, type: .decimal, span: .none)
                result.append((name, before))
                formats.append(format)
                result.append((output.name + "_change_" + comparison.columnPrefix, change))
                formats.append(format == .percent ? .percentPoints : format)
                result.append((output.name + "_rel_change_" + comparison.columnPrefix, relative))
                formats.append(.percent)
            }
            for (name, expression, format) in Self.statistics(output, asked: show.statistics, comparisons: show.comparisons, schema: valuesSchema) {
                result.append((name, expression))
                formats.append(format)
            }
            if let status = Self.targetStatus(context.kpis.targets.filter { $0.metric == output.name && !$0.isPerPeriod }, value: now, dimensions: dimensions,
                                              schema: valuesSchema) {
                result.append((output.name + "_target", status))
                formats.append(nil)
            }
            if let goals = Self.goalColumns(output, leaves: leaves, value: now, targets: goalTargets, dimensions: dimensions, schema: valuesSchema) {
                for column in goals.columns {
                    result.append((column.name, column.expression))
                    formats.append(column.format)
                }
            }
        }
        if calendar.units.contains(where: { $0.isPartial }), hasPeriod {
            result.append(("partial", Self.column(valuesSchema.index(of: "__partial")!, valuesSchema)))
            formats.append(nil)
        }
        if !show.comparisons.isEmpty {
            // Which days were compared: columns for machine formats (the table's notes say it).
            for (name, column) in [("days_from", "__from"), ("days_to", "__to")] {
                result.append((name, Self.column(valuesSchema.index(of: column)!, valuesSchema)))
                formats.append(nil)
                detailColumns.append(name)
            }
            for comparison in show.comparisons {
                for end in ["from", "to"] {
                    let name = comparison.columnPrefix + "_" + end
                    result.append((name, Self.column(valuesSchema.index(of: "__\(comparison.columnPrefix)_\(end)")!, valuesSchema)))
                    formats.append(nil)
                    detailColumns.append(name)
                }
            }
        }
        var final = Self.project(values, result)
        if let condition = Expression.conjunction(resultConditions) {
            let binder = Binder(catalog: catalog, asOf: asOf, source: context.source)
            var expressions = ExpressionBinder(binder: binder, schema: final.schema)
            final = .filter(final, try expressions.condition(condition))
        }
        // Order: as sorted, else by dimensions (nulls last) then period.
        let finalSchema = final.schema
        var sortKeys: [BoundSortKey] = []
        if !show.sort.isEmpty || show.top != nil {
            let binder = Binder(catalog: catalog, asOf: asOf, source: context.source)
            var expressions = ExpressionBinder(binder: binder, schema: finalSchema)
            sortKeys = try show.sort.map { key in
                BoundSortKey(expression: try expressions.bind(key.expression), descending: key.descending, nullsFirst: key.nullsFirst ?? false)
            }
            if sortKeys.isEmpty, let first = outputs.first, let index = finalSchema.index(of: first.name) {
                sortKeys = [BoundSortKey(expression: Self.column(index, finalSchema), descending: true, nullsFirst: false)]
            }
        }
        // Ties (or no sort at all) keep the order of dimensions, then the calendar's.
        sortKeys += (0..<(dimensions.count + (hasPeriod ? 1 : 0))).map {
            BoundSortKey(expression: Self.column($0, finalSchema), descending: false, nullsFirst: false)
        }
        if !sortKeys.isEmpty { final = .sort(final, sortKeys) }
        if let count = show.top {
            final = try top(Int(count), show: show, sorted: final, outputs: outputs, dimensions: dimensions, calendar: calendar,
                            rowFilter: rowFilter, plan: &plan)
        }
        if show.withTotal {
            final = try total(of: final, show: show, dimensions: dimensions, calendar: calendar, rowFilter: rowFilter, plan: &plan)
        }
        plan.result = final

        var title = outputs.map(\.name).joined(separator: ", ")
        if !dimensions.isEmpty { title += " by " + dimensions.map(\.name).joined(separator: ", ") }
        if let grain = show.grain { title += " over " + grain.rawValue }
        if let range = show.range {
            let days = try AsOfRange.resolve(range, asOf: asOf)
            title += ", " + ShowCalendar.days(days.start, days.end)
        }
        if !show.comparisons.isEmpty {
            title += ", vs " + show.comparisons.map { ($0.kind == .previousYear ? "previous year" : "previous period") + ($0.whole ? " whole" : "") }
                .joined(separator: ", ")
        }
        var notes: [String] = []
        for output in outputs {
            let shown = context.kpis.targets.filter { target in
                target.metric == output.name && (!target.isPerPeriod || goalTargets.contains { $0.text == target.text && $0.metric == target.metric })
            }
            for target in shown {
                notes.append("target: \(output.name) \(target.text)")
            }
        }
        notes += goalNotes
        if hasPeriod { notes += calendar.units.compactMap(calendar.partialNote) }
        notes += calendar.comparisonNotes()
        let noData = groups.filter { group in
            guard let first = group.firstDay, !keepUndated || group.kind != .aggregate else { return false }
            let window: Interval? = if case .rolling(let length) = group.kind { length } else { nil }
            func before(_ end: Int64) -> Bool {
                guard let window else { return end <= first }
                return ShowCalendar.move(end, by: window, forward: false) < first
            }
            return calendar.units.contains { before($0.counted.end) || $0.compared.contains { before($0.end) } }
        }
        for group in noData {
            var what = ""
            if case .rolling = group.kind { what = " (and windows reaching before it)" }
            let note = "n/a before \(CivilCalendar.formatDate(group.firstDay!))\(what): `\(group.dataset.name)` has no data before that day"
            if !notes.contains(note) { notes.append(note) }
        }
        for group in groups where group.strategy == .flight {
            if let note = try flightNote(group) { notes.append(note) }
        }
        var planned = PlannedStatement(plan: plan, formats: formats, title: title, notes: notes, detailColumns: detailColumns)
        planned.shape = KPIShape(metrics: outputs.map(\.name), dimensions: dimensions.map(\.name), period: show.grain?.rawValue,
                                 comparisons: show.comparisons.map(\.columnPrefix))
        return Compiled(planned: planned, dimensions: dimensions)
    }

    // MARK: - Groups and data days

    private func leafGroups(_ show: ShowStatement, _ leaves: [MetricLeaf]) throws -> [LeafGroup] {
        var groups: [LeafGroup] = []
        // Each (dataset, column) is read for its first and last day once.
        var extremes: [String: (first: Int64, last: Int64)?] = [:]
        func days(_ dataset: Dataset, _ column: String?) throws -> (first: Int64, last: Int64)? {
            guard let column else { return nil }
            let key = dataset.name + "\u{0}" + column
            if let known = extremes[key] { return known }
            let found = try dataDays(dataset, column)
            extremes[key] = found
            return found
        }
        for (index, leaf) in leaves.enumerated() {
            guard let dataset = catalog[leaf.dataset] else {
                throw Diagnostic(.unknownDataset, "dataset `\(leaf.dataset)` is no longer loaded", at: show.metrics.first?.span)
            }
            let timeColumn = leaf.timeColumn ?? dataset.timeColumn
            if show.grain != nil || show.range != nil || leaf.kind != .aggregate, timeColumn == nil {
                throw Diagnostic(.missingTimeColumn, "`\(dataset.name)` has no time column, so its metrics cannot be put in periods",
                                 at: show.grainSpan ?? show.range?.span ?? show.metrics.first?.span,
                                 hints: ["declare one: set time \(dataset.name).COLUMN (or `load ... time COLUMN`)"])
            }
            let strategy = strategy(leaf, dataset: dataset)
            if strategy != .activeDistinct,
                let g = groups.firstIndex(where: { $0.dataset.name == dataset.name && $0.timeColumn == timeColumn && $0.kind == leaf.kind && $0.strategy == strategy })
            {
                groups[g].leaves.append(index)
            } else {
                // The data starts with the dataset's first dated row (its own time column): a
                // month before any customer_at but after the first contact has 0 customers.
                let first = try days(dataset, dataset.timeColumn ?? timeColumn)?.first
                groups.append(LeafGroup(dataset: dataset, timeColumn: timeColumn, kind: leaf.kind, strategy: strategy, leaves: [index], firstDay: first,
                                        lastDay: try days(dataset, timeColumn)?.last))
            }
        }
        return groups
    }

    /// How many rows of a flights dataset have no last day (or one before their first), and so
    /// stay on their first day.
    private func flightNote(_ group: LeafGroup) throws -> String? {
        let table = group.dataset.table
        guard let start = group.timeColumn.flatMap(table.index(of:)), let end = group.dataset.endTimeColumn.flatMap(table.index(of:)) else { return nil }
        let schema = Schema(table: table, dataset: group.dataset.name)
        let first = BoundExpression(.column(start), type: schema.fields[start].type, span: .none)
        let last = BoundExpression(.column(end), type: schema.fields[end].type, span: .none)
        let undated = BoundExpression.logical(isAnd: false, [BoundExpression(.isNull(last, negated: false), type: .bool, span: .none),
                                                             Self.comparison(.less, last, first)], span: .none)
        let condition = BoundExpression.logical(isAnd: true, [BoundExpression(.isNull(first, negated: true), type: .bool, span: .none), undated], span: .none)
        let count = BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: condition, type: .int, span: .none)
        let result = try Executor(cancel: context.cancel, budget: context.budget).run(.aggregate(.scan(name: group.dataset.name, table: table), keys: [], aggregates: [count],
                                                                          Schema(fields: [Schema.Field(name: "n", type: .int)])))
        guard case .int(let n) = result.columns[0].scalar(at: 0), n > 0 else { return nil }
        return "\(n) row\(n == 1 ? "" : "s") of `\(group.dataset.name)` with no `\(group.dataset.endTimeColumn!)` (or one before `\(group.timeColumn!)`) count on their first day"
    }

    /// The first and last day of the dataset's time column (nil: no dated row).
    private func dataDays(_ dataset: Dataset, _ column: String) throws -> (first: Int64, last: Int64)? {
        guard let index = dataset.table.index(of: column) else { return nil }
        let type = dataset.table.columns[index].type
        guard type.isTemporal else { return nil }
        let argument = BoundExpression(.column(index), type: type, span: .none)
        let aggregates = [AggregateFunction.min, .max].map {
            BoundAggregate(function: $0, argument: argument, fraction: nil, orderBy: nil, filter: nil, type: type, span: .none)
        }
        let table = try Executor(cancel: context.cancel, budget: context.budget).run(.aggregate(.scan(name: dataset.name, table: dataset.table), keys: [], aggregates: aggregates,
                                                                         Schema(fields: [.init(name: "first", type: type), .init(name: "last", type: type)])))
        func day(_ value: Scalar) -> Int64? {
            switch value {
            case .date(let d): return d
            case .timestamp(let t): return CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay)
            default: return nil
            }
        }
        guard table.rowCount == 1, let first = day(table.columns[0].scalar(at: 0)), let last = day(table.columns[1].scalar(at: 0)) else { return nil }
        return (first, last)
    }

    // MARK: - The calendar table

    /// One row per unit: the period, the days counted, whether partial, and per comparison the
    /// earlier period and the days compared (dates, `to` inclusive; `__end` exclusive), where
    /// each rolling window starts, and `__join`, a constant to cross it with other tables.
    static func calendarTable(_ calendar: ShowCalendar, windows: [(group: Int, length: Interval)], countedShare: Bool = false) -> Table {
        let units = calendar.units
        var names: [String] = []
        var columns: [Column] = []
        if calendar.grain != nil {
            names.append("__period")
            columns.append(ColumnFactory.ints(units.map(\.period), type: .date))
        }
        names += ["__from", "__to", "__end", "__partial"]
        columns.append(ColumnFactory.ints(units.map { $0.counted.start ?? nil }, type: .date))
        columns.append(ColumnFactory.ints(units.map { $0.counted.end - 1 }, type: .date))
        columns.append(ColumnFactory.ints(units.map { $0.counted.end }, type: .date))
        columns.append(ColumnFactory.bools(units.map(\.isPartial)))
        if countedShare {
            // The share of the unit's days counted (the linear pace of a goal per period).
            names.append("__counted_share")
            columns.append(ColumnFactory.doubles(units.map { unit in
                let length = unit.written.end - unit.written.start
                let counted = unit.counted.end - max(unit.counted.start ?? unit.written.start, unit.written.start)
                return length > 0 ? min(1, max(0, Double(counted) / Double(length))) : nil
            }))
        }
        for (k, comparison) in calendar.comparisons.enumerated() {
            let prefix = "__" + comparison.columnPrefix
            names += [prefix + "_period", prefix + "_from", prefix + "_to", prefix + "_end"]
            columns.append(ColumnFactory.ints(units.map { $0.compared[k].period }, type: .date))
            columns.append(ColumnFactory.ints(units.map { $0.compared[k].start }, type: .date))
            columns.append(ColumnFactory.ints(units.map { $0.compared[k].end - 1 }, type: .date))
            columns.append(ColumnFactory.ints(units.map { $0.compared[k].end }, type: .date))
        }
        // Where each rolling window starts, for the unit and for each comparison.
        for (group, length) in windows {
            names.append(windowStartColumn(group, nil))
            columns.append(ColumnFactory.ints(units.map { ShowCalendar.move($0.counted.end, by: length, forward: false) }, type: .date))
            for (k, comparison) in calendar.comparisons.enumerated() {
                names.append(windowStartColumn(group, comparison))
                columns.append(ColumnFactory.ints(units.map { ShowCalendar.move($0.compared[k].end, by: length, forward: false) }, type: .date))
            }
        }
        names.append("__join")
        columns.append(ColumnFactory.ints(units.map { _ in 0 }))
        return Table(names: names, columns: columns, rowCount: units.count)
    }

    // MARK: - Expressions

    /// A leaf's value in a row: 0 for an empty count or sum, n/a when the unit ends before the
    /// dataset's first day (or the rolling window reaches before it), n/a for a sum in the
    /// "no value" bucket of a dimension the dataset has no rows for.
    static func filled(_ leaf: MetricLeaf, value: BoundExpression, marker: BoundExpression, dimensionNull: BoundExpression?,
                       end: BoundExpression, firstDay: Int64?) -> BoundExpression {
        let type = value.type ?? .int
        var clauses: [BoundWhen] = []
        if let firstDay {
            var reaches = end
            if case .rolling(let window) = leaf.kind {
                reaches = BoundExpression(.shift(end, Interval(months: -window.months, days: -window.days, micros: -window.micros)), type: .date, span: .none)
                // A window moved out of the calendar reaches before any data too.
                let outside = BoundExpression(.isNull(reaches, negated: false), type: .bool, span: .none)
                clauses.append(BoundWhen(condition: BoundExpression.logical(isAnd: false, [outside, comparison(.less, reaches, date(firstDay))], span: .none),
                                         result: null(type)))
            } else {
                clauses.append(BoundWhen(condition: comparison(.lessOrEqual, end, date(firstDay)), result: null(type)))
            }
        }
        let zero = BoundExpression(.constant(type == .decimal ? .decimal(0) : .int(0)), type: type, span: .none)
        switch leaf.function {
        case .count, .countDistinct:
            clauses.append(BoundWhen(condition: BoundExpression(.isNull(value, negated: false), type: .bool, span: .none), result: zero))
        case .sum:
            if let dimensionNull {
                let missing = BoundExpression(.isNull(marker, negated: false), type: .bool, span: .none)
                clauses.append(BoundWhen(condition: BoundExpression.logical(isAnd: true, [missing, dimensionNull], span: .none), result: null(type)))
            }
            clauses.append(BoundWhen(condition: BoundExpression(.isNull(value, negated: false), type: .bool, span: .none), result: zero))
        default:
            break
        }
        return clauses.isEmpty ? value : BoundExpression(.caseWhen(clauses, otherwise: value), type: type, span: .none)
    }

    /// A metric's arithmetic over its leaves' columns.
    static func formula(_ e: MetricExpression, leaf: (Int) -> BoundExpression) throws -> BoundExpression {
        switch e {
        case .leaf(let i): return leaf(i)
        case .constant(let v):
            let type: DataType? = if case .int = v { .int } else if v.isNull { nil } else { .decimal }
            return BoundExpression(.constant(v), type: type, span: .none)
        case .negate(let a):
            let x = try formula(a, leaf: leaf)
            return BoundExpression(.negate(x), type: x.type, span: .none)
        case .arithmetic(let first, let steps):
            let head = try formula(first, leaf: leaf)
            var type = head.type
            let bound = try steps.map { step in
                let y = try formula(step.operand, leaf: leaf)
                type = step.op == .divide || type == .decimal || y.type == .decimal ? .decimal : .int
                return ArithmeticStep(op: step.op, operand: y, type: type)
            }
            return BoundExpression(.arithmetic(head, bound), type: type, span: .none)
        case .function(let f, let args):
            let bound = try args.map { try formula($0, leaf: leaf) }
            let type = try FunctionTyping.resultType(f, bound, name: Identifier(f.rawValue), span: .none)
            return BoundExpression(.function(f, bound), type: type, span: .none)
        case .share(let inner):
            return try formula(inner, leaf: leaf)
        }
    }

    /// "on target", "below" or "above" beside a targeted metric; the last target that applies
    /// to the row wins (one scoped to the row's dimension value, or an unscoped one).
    static func targetStatus(_ targets: [Target], value: BoundExpression, dimensions: [ShowExecutor.Dimension], schema: Schema) -> BoundExpression? {
        guard !targets.isEmpty else { return nil }
        let asDecimal = BoundExpression(.cast(value), type: .decimal, span: .none)
        var clauses: [BoundWhen] = []
        for target in targets.reversed() {
            var applies: BoundExpression?
            if let scope = target.scope {
                guard let d = dimensions.firstIndex(where: { $0.column == scope.dimension }), let index = schema.index(of: dimensions[d].name) else { continue }
                let column = column(index, schema)
                applies = comparison(.equal, column, BoundExpression(.constant(scope.value), type: ShowExecutor.type(scope.value), span: .none))
            }
            var status: [BoundWhen] = [BoundWhen(condition: BoundExpression(.isNull(value, negated: false), type: .bool, span: .none), result: null(.text))]
            if let low = target.low { status.append(BoundWhen(condition: comparison(.less, asDecimal, decimal(low)), result: text("below"))) }
            if let high = target.high { status.append(BoundWhen(condition: comparison(.greater, asDecimal, decimal(high)), result: text("above"))) }
            let result = BoundExpression(.caseWhen(status, otherwise: text("on target")), type: .text, span: .none)
            guard let applies else {
                return BoundExpression(.caseWhen(clauses, otherwise: result), type: .text, span: .none)
            }
            clauses.append(BoundWhen(condition: applies, result: result))
        }
        return clauses.isEmpty ? nil : BoundExpression(.caseWhen(clauses, otherwise: null(.text)), type: .text, span: .none)
    }

    // MARK: - Names

    static func leafName(_ leaf: Int, _ comparison: Int?) -> String {
        "__leaf\(leaf)" + (comparison.map { "_vs\($0)" } ?? "")
    }

    /// `visitors`, `visitors_prev_period`, `visitors_prev_year`.
    static func valueName(_ output: String, _ comparison: Int?, _ comparisons: [ShowStatement.Comparison]) -> String {
        comparison.map { output + "_" + comparisons[$0].columnPrefix } ?? output
    }

    /// Every column name a `show` can output for its metrics.
    static func outputNames(_ outputs: [ShowExecutor.Output], _ comparisons: [ShowStatement.Comparison]) -> Set<String> {
        var names = Set<String>()
        for output in outputs {
            names.insert(output.name)
            names.insert(output.name + "_target")
            for suffix in ["_goal", "_attainment", "_pace", "_goal_status", "_n", "_small_n", "_low", "_high", "_significant_vs_total"] {
                names.insert(output.name + suffix)
            }
            for comparison in comparisons {
                names.insert(output.name + "_" + comparison.columnPrefix)
                names.insert(output.name + "_change_" + comparison.columnPrefix)
                names.insert(output.name + "_rel_change_" + comparison.columnPrefix)
            }
        }
        return names
    }

    // MARK: - Plan building blocks

    static func column(_ index: Int, _ schema: Schema) -> BoundExpression {
        BoundExpression(.column(index), type: schema.fields[index].type, span: .none)
    }

    static func int(_ value: Int64) -> BoundExpression { BoundExpression(.constant(.int(value)), type: .int, span: .none) }
    static func date(_ day: Int64) -> BoundExpression { BoundExpression(.constant(.date(day)), type: .date, span: .none) }
    static func decimal(_ value: Double) -> BoundExpression { BoundExpression(.constant(.decimal(value)), type: .decimal, span: .none) }
    static func text(_ value: String) -> BoundExpression { BoundExpression(.constant(.text(value)), type: .text, span: .none) }
    static func null(_ type: DataType) -> BoundExpression { BoundExpression(.constant(.null), type: type, span: .none) }

    static func comparison(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
        BoundExpression(.comparison(op, a, b), type: .bool, span: .none)
    }

    static func project(_ input: LogicalPlan, _ items: [(String, BoundExpression)]) -> LogicalPlan {
        let kept = items.filter { !$0.0.isEmpty }
        return .project(input, kept.map(\.1), Schema(fields: kept.map { Schema.Field(name: $0.0, type: $0.1.type ?? .text) }))
    }

    /// `values` left-joined with `right` on a key column added for the join (`key`, named
    /// `keyName`) and, after it, `values`' columns `alsoOn`; the output is `values`' columns
    /// and then right's `rightColumns`, without the added key.
    static func leftJoin(_ values: LogicalPlan, on keyName: String, _ key: BoundExpression, alsoOn: [String] = [], with right: LogicalPlan,
                         rightKeys: [Int], nullsEqual: Bool, rightColumns: [Int]) -> LogicalPlan {
        let vs = values.schema
        let keyed = project(values, vs.names.enumerated().map { ($0.element, column($0.offset, vs)) } + [(keyName, key)])
        let ks = keyed.schema
        let leftKeys = [ks.index(of: keyName)!] + alsoOn.map { ks.index(of: $0)! }
        let joined = join(keyed, right, leftKeys: leftKeys, rightKeys: rightKeys, kind: .left, nullsEqual: nullsEqual, rightColumns: rightColumns)
        let js = joined.schema
        return project(joined, js.names.enumerated().filter { $0.element != keyName }.map { ($0.element, column($0.offset, js)) })
    }

    /// `left` joined with `right` on key columns; the output is left's columns, then
    /// `rightColumns` (default: all but the keys).
    static func join(_ left: LogicalPlan, _ right: LogicalPlan, leftKeys: [Int], rightKeys: [Int], kind: JoinStep.Kind = .inner,
                     nullsEqual: Bool, rightColumns: [Int]? = nil) -> LogicalPlan {
        let ls = left.schema, rs = right.schema
        let kept = rightColumns ?? rs.fields.indices.filter { !rightKeys.contains($0) }
        var spec = JoinSpec(kind: kind, leftKeys: leftKeys, rightKeys: rightKeys, rightColumns: kept)
        spec.nullsEqual = nullsEqual
        return .join(left: left, right: right, spec, Schema(fields: ls.fields + kept.map { rs.fields[$0] }))
    }
}

extension MetricExpression {
    /// The expression with `share(...)` replaced by what it divides (the share is a later step).
    var withoutShare: MetricExpression {
        if case .share(let inner) = self { return inner }
        return self
    }
}
