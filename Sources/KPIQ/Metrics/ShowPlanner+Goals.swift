/// Goals per period (`target leads >= 500 per month`, `target leads per month from goals`):
/// beside the metric, `_goal`, `_attainment` (actual / goal), `_pace` (the goal times the share
/// of the period counted so far: the value expected by the as-of day at a linear pace) and
/// `_goal_status`.
///
/// One rule decides where a goal is shown: a goal is for one cell, a period of its grain and
/// (when scoped, or read from a dataset with dimension columns) one value of each of its
/// dimensions. It is shown on the rows that are such cells: the `show` is `over` the goal's
/// grain (or `during` exactly one of its periods) and `by` exactly the goal's dimensions.
/// Elsewhere it is not summed or split (a monthly goal says nothing about a week, a goal for
/// all sources nothing about one); the notes say why it is not shown.
extension ShowPlanner {
    /// The goal columns of one metric.
    struct GoalColumns {
        var columns: [(name: String, expression: BoundExpression, format: ValueFormat?)]
    }

    /// Which per-period targets apply to this show, and the reasons for those that do not.
    static func applicableGoals(_ targets: [Target], show: ShowStatement, calendar: ShowCalendar,
                                dimensions: [ShowExecutor.Dimension]) -> (applicable: [Target], notes: [String]) {
        var applicable: [Target] = []
        var notes: [String] = []
        let shownColumns = dimensions.map { $0.column ?? "" }
        for target in targets where target.isPerPeriod {
            let grain = target.grain!
            guard unitsArePeriods(of: grain, show: show, calendar: calendar) else {
                notes.append("target: \(target.metric) \(target.text): shown over \(grain.rawValue) (or during one \(grain.rawValue)) only")
                continue
            }
            let goalDimensions = target.goals?.dimensions ?? target.scope.map { [$0.dimension] } ?? []
            guard Set(goalDimensions) == Set(shownColumns), goalDimensions.count == shownColumns.count else {
                let wanted = goalDimensions.isEmpty ? "without `by`" : "by " + goalDimensions.joined(separator: ", ")
                notes.append("target: \(target.metric) \(target.text): shown \(wanted) only")
                continue
            }
            applicable.append(target)
        }
        // Goals read from a dataset replace the metric's inline ones.
        for target in applicable where target.goals == nil {
            if let dataset = applicable.last(where: { $0.metric == target.metric && $0.goals != nil })?.goals?.dataset {
                notes.append("target: \(target.metric) \(target.text): replaced by the goals of `\(dataset)`")
            }
        }
        let fromDatasets = Set(applicable.filter { $0.goals != nil }.map(\.metric))
        applicable.removeAll { $0.goals == nil && fromDatasets.contains($0.metric) }
        return (applicable, notes)
    }

    /// Every row of the show is one period of `grain`: `over` it, or one unit written as
    /// exactly one of its periods (`during this month`, `during 2024-03`).
    private static func unitsArePeriods(of grain: Grain, show: ShowStatement, calendar: ShowCalendar) -> Bool {
        if let shown = show.grain { return shown == grain }
        guard calendar.units.count == 1, let unit = calendar.units.first else { return false }
        let start = CalendarMath.truncate(unit.written.start, to: grain)
        return start == unit.written.start && CalendarMath.nextPeriod(start, grain) == unit.written.end
    }

    /// The values plan with one `__goal_METRIC` column per metric that has goals read from a
    /// dataset, joined on the period and the dimensions.
    func joiningGoalDatasets(_ values: LogicalPlan, goals: [(output: String, target: Target)], show: ShowStatement,
                             calendar: ShowCalendar, dimensions: [ShowExecutor.Dimension], plan: inout QueryPlan) -> LogicalPlan {
        var values = values
        for (output, target) in goals {
            guard let source = target.goals, let grain = target.grain, let table = context.catalog[source.dataset]?.table else { continue }
            let tableSchema = Schema(table: table, dataset: source.dataset)
            // The goals, one per (period, dimension values): several rows of one cell add up.
            let periodIndex = table.index(of: source.periodColumn)!
            let periodColumn = Self.column(periodIndex, tableSchema)
            let period = BoundExpression(.function(ScalarFunction(rawValue: grain.rawValue)!, [periodColumn]), type: .date, span: .none)
            let goal = BoundExpression(.cast(Self.column(table.index(of: source.goalColumn)!, tableSchema)), type: .decimal, span: .none)
            // The goal's dimensions in the order of the show's.
            let ordered = dimensions.map { dimension in table.index(of: dimension.column!)! }
            let items: [(String, BoundExpression)] = [("__goal_period", period)] + ordered.map { (table.names[$0], Self.column($0, tableSchema)) } + [("__goal", goal)]
            let projected = Self.project(.scan(name: source.dataset, table: table), items)
            let ps = projected.schema
            let keys = (0...ordered.count).map { Self.column($0, ps) }
            let sum = BoundAggregate(function: .sum, argument: Self.column(ordered.count + 1, ps), fraction: nil, orderBy: nil, filter: nil,
                                     type: .decimal, span: .none)
            let fields = Array(ps.fields.prefix(ordered.count + 1)) + [Schema.Field(name: "__goal_" + output, type: .decimal)]
            let perCell = plan.add(stagePrefix + "goals_" + output, .aggregate(projected, keys: keys, aggregates: [sum], Schema(fields: fields)))
            // The row's period: its own, or the one period a show without `over` covers.
            let vs = values.schema
            let rowPeriod = show.grain != nil ? Self.column(vs.index(of: "__period")!, vs) : Self.date(calendar.units[0].written.start)
            values = Self.leftJoin(values, on: "__goal_row_period", rowPeriod, alsoOn: dimensions.map(\.name), with: perCell,
                                   rightKeys: Array(0...ordered.count), nullsEqual: true, rightColumns: [ordered.count + 1])
        }
        return values
    }

    /// The goal columns of `output` over the values' schema; nil when no goal applies.
    static func goalColumns(_ output: ShowExecutor.Output, leaves: [MetricLeaf], value: BoundExpression, targets: [Target],
                            dimensions: [ShowExecutor.Dimension], schema: Schema) -> GoalColumns? {
        let mine = targets.filter { $0.metric == output.name }
        guard let latest = mine.last else { return nil }
        // Goals from a dataset are goals to reach; inline ones say which way.
        let reach = latest.goals != nil || latest.low != nil
        let goal: BoundExpression
        if latest.goals != nil {
            goal = column(schema.index(of: "__goal_" + output.name)!, schema)
        } else {
            // Inline goals: the latest one of the row's scope (at most one scope is shown).
            var clauses: [BoundWhen] = []
            var otherwise: BoundExpression = null(.decimal)
            for target in mine.reversed() where target.goals == nil {
                let number = decimal(target.low ?? target.high!)
                guard let scope = target.scope else {
                    otherwise = number
                    break
                }
                guard let d = dimensions.firstIndex(where: { $0.column == scope.dimension }), let index = schema.index(of: dimensions[d].name) else { continue }
                let equal = comparison(.equal, column(index, schema), BoundExpression(.constant(scope.value), type: ShowExecutor.type(scope.value), span: .none))
                clauses.append(BoundWhen(condition: equal, result: number))
            }
            goal = clauses.isEmpty ? otherwise : BoundExpression(.caseWhen(clauses, otherwise: otherwise), type: .decimal, span: .none)
        }
        let actual = BoundExpression(.cast(value), type: .decimal, span: .none)
        // A count or sum grows through the period: its pace is the goal prorated to the days
        // counted. A ratio's goal holds on any day: its pace is the goal itself.
        let pace = accumulates(output.expression, leaves: leaves)
            ? BoundExpression.arithmetic(.multiply, goal, column(schema.index(of: "__counted_share")!, schema), type: .decimal, span: .none)
            : goal
        let attainment = BoundExpression.arithmetic(.divide, actual, goal, type: .decimal, span: .none)
        let partial = column(schema.index(of: "__partial")!, schema)
        let unknown = BoundExpression.logical(isAnd: false, [BoundExpression(.isNull(actual, negated: false), type: .bool, span: .none),
                                                             BoundExpression(.isNull(goal, negated: false), type: .bool, span: .none)], span: .none)
        let ahead = comparison(reach ? .greaterOrEqual : .lessOrEqual, actual, pace)
        let (onTrack, offTrack, met, missed) = reach ? ("on track", "behind", "met", "missed") : ("on track", "over pace", "met", "exceeded")
        let status = BoundExpression(.caseWhen([
            BoundWhen(condition: unknown, result: null(.text)),
            BoundWhen(condition: partial, result: BoundExpression(.caseWhen([BoundWhen(condition: ahead, result: text(onTrack))], otherwise: text(offTrack)),
                                                                  type: .text, span: .none)),
            BoundWhen(condition: ahead, result: text(met)),
        ], otherwise: text(missed)), type: .text, span: .none)
        // A prorated count is fractional: shown as a number, not rounded to a whole count.
        let paceFormat: ValueFormat = output.format == .count ? .number : output.format
        return GoalColumns(columns: [
            (output.name + "_goal", goal, output.format),
            (output.name + "_attainment", attainment, .percent),
            (output.name + "_pace", pace, paceFormat),
            (output.name + "_goal_status", status, nil),
        ])
    }

    /// A metric that adds up over the days of a period: a count or sum over the period's rows,
    /// or sums and differences of them.
    static func accumulates(_ expression: MetricExpression, leaves: [MetricLeaf]) -> Bool {
        switch expression {
        case .leaf(let index):
            let leaf = leaves[index]
            return leaf.kind == .aggregate && [.count, .sum, .countDistinct].contains(leaf.function)
        case .arithmetic(let first, let steps):
            return accumulates(first, leaves: leaves) && steps.allSatisfy { [.add, .subtract].contains($0.op) && accumulates($0.operand, leaves: leaves) }
        default:
            return false
        }
    }
}
