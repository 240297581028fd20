/// A show derived from the one being planned (its `(total)` row, its `other` row, the totals
/// of its rates) is planned by a planner of its own into the same plan: its stages are named
/// `PREFIX<name>_...` and its result is the stage `PREFIX<name>`, so `.explain` shows where
/// each comes from and no name clashes with the show's own stages.
extension ShowPlanner {
    /// Plans `show` into `plan` under the name `name`; returns the scan of its result stage.
    /// `restricting` keeps only the rows whose dimension value is among its values.
    func planNested(_ show: ShowStatement, as name: String, restricting: (dimension: ShowExecutor.Dimension, values: LogicalPlan)? = nil,
                    into plan: inout QueryPlan) throws -> LogicalPlan {
        var planner = ShowPlanner(context: context)
        planner.stagePrefix = stagePrefix + name + "_"
        planner.restricting = restricting
        let nested = try planner.plan(show).planned.plan
        plan.stages += nested.stages
        return plan.add(stagePrefix + name, nested.result)
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
