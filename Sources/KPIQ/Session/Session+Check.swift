/// `check ...`: a query whose rows are alerts, for scheduled scripts. Its rows are shown
/// with a note saying the check failed, and the outcome counts it (`RunOutcome.failedChecks`),
/// which the command line turns into exit status 3; no row is a one-line "passed" message.
extension Session {
    func executeCheck(_ pipeline: Pipeline, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        var (result, _, warnings) = try runPipeline(pipeline, context)
        // The query on one line, to name it in the message.
        let what = context.source.text(of: pipeline.span).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let rows = result.table.rowCount
        guard rows > 0 else {
            return (.message("check passed: no row of `\(what)`"), warnings)
        }
        result.isFailedCheck = true
        result.notes.insert("check failed: \(Self.rows(rows)) of `\(what)`", at: 0)
        return (.result(result), warnings)
    }
}
