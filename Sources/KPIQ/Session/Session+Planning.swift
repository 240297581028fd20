/// KPI statements compiled to plans.
extension Session {
    /// SEAM for the planners of `show`, `funnel` and `cohort` (`ShowPlanner`, `FunnelPlanner`,
    /// `CohortPlanner`, each `plan(statement) -> PlannedStatement`): the plan `statement` would
    /// run, compiled without running it, or nil for a statement that is not compiled to a
    /// plan yet. Today every kind answers nil, and `.explain` says so; wiring a planner in here
    /// is all it takes for `.explain STATEMENT` and `.explain METRIC` to print its plan.
    func planKPI(_ statement: Statement, _ context: StatementContext) throws -> PlannedStatement? {
        switch statement.kind {
        case .show, .funnel, .cohort:
            // Not compiled to plans yet: the planners go here.
            return nil
        default:
            // The other statements compute no table.
            return nil
        }
    }
}
