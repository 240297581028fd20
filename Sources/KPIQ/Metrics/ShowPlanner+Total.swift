/// `show ... by DIM with total`: after the rows, one row per unit (period, or the range) over
/// every row of the dimensions, as SQL's ROLLUP gives its grand total and `group ... with
/// total` does in pipelines. It is the show planned again without its dimensions, into the
/// same plan (stages `total_...`), so its ratios are ratios of totals and its distinct counts
/// exact (a visitor seen under two sources is one visitor), never a sum of the rows. It counts
/// the rows the show's row conditions let through, whatever `top` keeps or a condition on
/// shown values removes. The first text dimension says `(total)`, the others are null.
extension ShowPlanner {
    func total(of shown: LogicalPlan, show: ShowStatement, dimensions: [ShowExecutor.Dimension], calendar: ShowCalendar,
               rowFilter: Expression?, plan: inout QueryPlan) throws -> LogicalPlan {
        guard !dimensions.isEmpty else {
            throw Diagnostic(.invalidArgument, "`with total` adds a total row to the rows of `by`; this show has no `by`", at: show.metrics.first?.span,
                             hints: ["without `by` the show is already the total"])
        }
        let whole = Self.withoutDimensions(show, rowFilter: rowFilter, calendar: calendar)
        var totalPlanner = ShowPlanner(context: context)
        totalPlanner.stagePrefix = stagePrefix + "total_"
        let totalPlan = try totalPlanner.plan(whole).planned.plan
        plan.stages += totalPlan.stages
        let computed = plan.add(stagePrefix + "total", totalPlan.result)
        let cs = computed.schema
        let ss = shown.schema
        let firstText = ss.fields.prefix(dimensions.count).firstIndex { $0.type == .text }
        let items = ss.fields.enumerated().map { index, field -> (String, BoundExpression) in
            if index < dimensions.count {
                return (field.name, index == firstText ? Self.text("(total)") : Self.null(field.type))
            }
            guard let column = cs.index(of: field.name) else { return (field.name, Self.null(field.type)) }
            return (field.name, Self.column(column, cs))
        }
        return .union(shown, Self.project(computed, items), ss)
    }

    /// The show without its dimensions, its `top`, sort and result conditions, over the same
    /// units as the rows (even where the data would bound them differently): what a `(total)`
    /// row, an `other` row and a rate's total are computed from.
    static func withoutDimensions(_ show: ShowStatement, rowFilter: Expression?, calendar: ShowCalendar) -> ShowStatement {
        var whole = show
        whole.dimensions = []
        whole.top = nil
        whole.sort = []
        whole.withOther = false
        whole.withTotal = false
        whole.filter = rowFilter
        if whole.range == nil, show.grain != nil, let firstUnit = calendar.units.first, let lastUnit = calendar.units.last {
            whole.range = TimeRange(kind: .dates(from: firstUnit.written.start, to: lastUnit.counted.end - 1), span: .none)
        }
        return whole
    }
}
