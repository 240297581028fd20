/// A KPI statement (`show`, `funnel`, `cohort`) compiled: the plan that computes its table,
/// and how that table is presented. The plan is the whole computation; what is here besides it
/// (formats, title, notes) only says how to read the result.
struct PlannedStatement: Sendable {
    var plan: QueryPlan
    /// Per output column of the plan's result: how to show its numbers (nil: by type).
    var formats: [ValueFormat?]
    var title: String?
    var notes: [String] = []
    var chart: ChartRequest?
    /// Columns for machine formats only (the notes say the same to a person).
    var detailColumns: [String] = []
    /// A show's metrics, dimensions and period.
    var shape: KPIShape?

    /// Runs the plan and wraps its table for the client.
    func run(cancel: CancellationToken?, budget: MemoryBudget? = nil) throws -> QueryResult {
        let table = try Executor(cancel: cancel, budget: budget).run(plan)
        var result = QueryResult(table: table.renamed(plan.result.schema.names), formats: formats, chart: chart, title: title, notes: notes,
                                 detailColumns: detailColumns)
        result.shape = shape
        return result
    }
}
