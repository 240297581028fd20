/// KPI statements compiled to plans.
extension Session {
    /// The plan `statement` runs, compiled without running it (nil for statements that compute
    /// no table). `.explain` prints it; running a KPI statement runs the same plan.
    func planKPI(_ statement: Statement, _ context: StatementContext) throws -> PlannedStatement? {
        let asOf = settings.effectiveAsOf
        switch statement.kind {
        case .show(let show):
            let executor = ShowExecutor(catalog: catalog, kpis: kpis, asOf: asOf, cancel: context.cancel, source: context.source, budget: context.budget)
            return try ShowPlanner(context: executor).plan(show).planned
        case .funnel(let funnel):
            return try FunnelPlanner(catalog: catalog, asOf: asOf).plan(funnel)
        case .cohort(let cohort):
            return try CohortPlanner(catalog: catalog, asOf: asOf).plan(cohort)
        case .attribution(let attribution):
            return try AttributionPlanner(catalog: catalog, asOf: asOf, relationships: kpis.allRelationships(catalog)).plan(attribution)
        default:
            return nil
        }
    }
}
