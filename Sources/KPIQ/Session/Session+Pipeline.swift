/// Running a pipeline: `from ... | ...`, and the KPI statements that continue as one
/// (`show ... | where ...`, `let name = funnel ...`).
extension Session {
    /// Runs a pipeline; returns its result, the schema of its plan (which says where each
    /// column came from, for the time column of `let`) and the warnings of its KPI statement.
    func runPipeline(_ pipeline: Pipeline, _ context: StatementContext) throws -> (result: QueryResult, schema: Schema, warnings: [Diagnostic]) {
        var formats = CarriedFormats(catalog: catalog)
        let bound: Binder.BoundPipeline
        var kpi: QueryResult?
        var warnings: [Diagnostic] = []
        if case .kpi(let statement) = pipeline.source {
            let result: QueryResult
            (result, warnings) = try kpiResult(statement, context)
            kpi = result
            bound = try binder(context).bind(pipeline.steps, on: formats.source(result, of: statement))
        } else {
            bound = try binder(context).bind(pipeline)
        }
        let table = try Executor(cancel: context.cancel, budget: context.budget).run(bound.plan)
        // A KPI statement's title and notes stay with the rows that come from it. The notes
        // describe the statement as it ran, before the steps (a `where` may leave out a
        // period a "partial" note names); they say how the numbers were computed, which the
        // steps do not change.
        // Its detail columns (the days a comparison read) stay for machine formats only while
        // the steps pass them through.
        var result = QueryResult(table: table, formats: formats.formats(of: bound.plan.schema), chart: bound.chart,
                                 title: kpi?.title, notes: kpi?.notes ?? [],
                                 detailColumns: kpi?.detailColumns.filter { table.names.contains($0) } ?? [])
        // A show's shape holds while the steps keep its metrics (a report checks the rest).
        if let shape = kpi?.shape, shape.metrics.allSatisfy(table.names.contains) { result.shape = shape }
        return (result, bound.plan.schema, warnings)
    }

    /// The table of `show`, `funnel` or `cohort`, computed exactly as the statement on its own
    /// (through `executeKPI`, the one place that runs them).
    private func kpiResult(_ statement: KPIStatement, _ context: StatementContext) throws -> (QueryResult, [Diagnostic]) {
        let (output, warnings) = try executeKPI(Statement(statement.statementKind, span: statement.span), context)
        guard case .result(let result)? = output else {
            throw Diagnostic(.noResult, "`\(statement.word)` gave no table", at: statement.span)
        }
        return (result, warnings)
    }
}
