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
        let computed = try planNested(whole, as: "total", into: &plan)
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
}
