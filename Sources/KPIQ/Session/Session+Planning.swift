/// KPI statements compiled to plans.
extension Session {
    /// The plan `statement` runs, compiled without running it (nil for statements that compute
    /// no table). `.explain` prints it; running a KPI statement runs the same plan.
    func planKPI(_ statement: Statement, _ context: StatementContext) throws -> PlannedStatement? {
        let asOf = settings.effectiveAsOf
        switch statement.kind {
        case .show(let show):
            let executor = ShowExecutor(catalog: catalog, kpis: kpis, asOf: asOf, cancel: context.cancel, source: context.source)
            return try ShowPlanner(context: executor).plan(show).planned
        case .funnel(let funnel):
            return try FunnelPlanner(catalog: catalog, asOf: asOf).plan(funnel)
        case .cohort:
            // Its planner is wired in with its own change.
            return nil
        default:
            return nil
        }
    }
}
