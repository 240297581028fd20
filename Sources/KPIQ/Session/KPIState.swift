/// Metrics, targets, relationships and library bindings of a session.
public struct KPIState: Sendable {
    public internal(set) var metrics: [String: MetricDefinition] = [:]
    public internal(set) var metricOrder: [String] = []

    mutating func removeMetric(_ name: String) {
        metrics[name] = nil
        metricOrder.removeAll { $0 == name }
    }
}

extension Session {
    func executeKPI(_ statement: Statement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        throw Diagnostic(.unknownStatement, "this statement is not available yet", at: statement.span)
    }
}

extension Session {
    /// One row per metric: name, formula, format, datasets read.
    public func metricsTable() -> Table {
        let names = kpis.metricOrder
        return Table(names: ["metric", "formula", "format"], columns: [
            ColumnFactory.text(names),
            ColumnFactory.text(names.map { kpis.metrics[$0]!.text }),
            ColumnFactory.text(names.map { kpis.metrics[$0]!.format?.name }),
        ], rowCount: names.count)
    }

    public func targetsTable() -> Table {
        Table(names: ["metric", "target"], columns: [ColumnFactory.text([]), ColumnFactory.text([])], rowCount: 0)
    }

    public func explain(_ name: String) throws -> String {
        throw Diagnostic(.unknownMetric, "unknown metric `\(name)`")
    }
}
