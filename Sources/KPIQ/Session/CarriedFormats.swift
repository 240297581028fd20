/// How a pipeline's result columns are shown, carried over from its sources.
///
/// A column that a step passes through unchanged (kept, renamed by `select new = old`,
/// filtered, sorted, a group key, a join's column) keeps its origin (`Schema.Field.origin`):
/// the source column it is. When that column has a format, so does the result's: a KPI
/// result's percent or 2024-03 survives `| where` and `| select`. A computed column has no
/// origin, so it is shown by its type, whatever it was computed from (a rate times 100 is no
/// longer a percent).
struct CarriedFormats {
    /// Formats by source name, then column name.
    private var sources: [String: [String: ValueFormat]] = [:]

    /// The formats of the catalog's datasets (those kept from a KPI result with `let`).
    init(catalog: Catalog) {
        for dataset in catalog.datasets where !dataset.formats.isEmpty {
            sources[dataset.name] = dataset.formats
        }
    }

    /// The source name of a KPI statement's table in a plan. It is not a name a statement can
    /// reach (no `from (show)`), and a dataset is only called this if named in backquotes.
    static func sourceName(_ statement: KPIStatement) -> String { "(\(statement.word))" }

    /// A plan that reads a KPI statement's table, whose columns have that table as origin.
    /// Its schema names no dataset, so an unknown column is "unknown column `x`" with the
    /// closest of the table's columns, not "in dataset `(show)`".
    mutating func source(_ result: QueryResult, of statement: KPIStatement) -> LogicalPlan {
        let name = Self.sourceName(statement)
        let table = result.table
        var formats: [String: ValueFormat] = [:]
        for (column, format) in zip(table.names, result.formats) { formats[column] = format }
        sources[name] = formats
        let scan = LogicalPlan.scan(name: name, table: table)
        let columns = table.types.indices.map { BoundExpression(.column($0), type: table.types[$0], span: statement.span) }
        return .project(scan, columns, Schema(fields: scan.schema.fields, datasetName: nil))
    }

    /// Per column of `schema`: the format of the source column it passes through, if any.
    func formats(of schema: Schema) -> [ValueFormat?] {
        schema.fields.map { field in
            field.origin.flatMap { sources[$0.dataset]?[$0.column] }
        }
    }
}
