/// How a number should read to a person; machine formats (CSV, JSON) ignore it.
public enum ValueFormat: String, Sendable, CaseIterable {
    /// Whole numbers with thousands separators.
    case count
    /// A ratio shown as 12.3%.
    case percent
    /// A difference of two ratios, shown in percentage points: +0.48 pp (0.0048 as data).
    case percentPoints
    /// Two decimals with thousands separators.
    case money
    /// A length of time in days, one decimal.
    case days
    /// A general number.
    case number
    /// Dates shown as the period they start: 2024-W05, 2024-03, 2024-Q1, 2024.
    case week, month, quarter, year

    public init?(name: String) {
        switch name.lowercased() {
        case "count", "integer": self = .count
        case "percent", "percentage", "rate": self = .percent
        case "money", "currency": self = .money
        case "days", "duration": self = .days
        case "number", "decimal": self = .number
        default: return nil
        }
    }
}

/// A result to show: a typed table plus what helps render it.
public struct QueryResult: Sendable {
    public var table: Table
    /// Per column: how to show numbers (nil: by type).
    public var formats: [ValueFormat?]
    /// A chart the query asked for (`| chart`).
    package var chart: ChartRequest?
    /// A line to print above the table (`show` results say what and when).
    public var title: String?
    /// Lines to print under the table (targets, partial periods, ...).
    public var notes: [String]
    /// Columns that only machine formats (CSV, JSON) carry: details the notes already give a
    /// person (the days a comparison read).
    public var detailColumns: [String]
    /// The rows of a `check` that found some: alerts.
    public var isFailedCheck = false
    /// For a `show`: which columns are its metrics, dimensions and period (reports draw a
    /// show without `by` as KPI cards). Nil for other results.
    public var shape: KPIShape?

    package init(table: Table, formats: [ValueFormat?]? = nil, chart: ChartRequest? = nil, title: String? = nil, notes: [String] = [],
                detailColumns: [String] = []) {
        self.detailColumns = detailColumns
        self.table = table
        self.formats = formats ?? [ValueFormat?](repeating: nil, count: table.columnCount)
        self.chart = chart
        self.title = title
        self.notes = notes
    }
}

extension QueryResult {
    /// The result without its detail columns, for the formats people read.
    public func withoutDetailColumns() -> QueryResult {
        guard !detailColumns.isEmpty else { return self }
        let kept = table.names.indices.filter { !detailColumns.contains(table.names[$0]) }
        var result = self
        result.table = Table(names: kept.map { table.names[$0] }, columns: kept.map { table.columns[$0] }, rowCount: table.rowCount)
        result.formats = kept.map { formats[$0] }
        result.detailColumns = []
        return result
    }
}

/// The columns of a `show` result: its metrics (each followed by `METRIC_prev_period`,
/// `METRIC_change_prev_period`, `METRIC_rel_change_prev_period` per comparison, and
/// `METRIC_target` with a target), its dimensions and its period column.
public struct KPIShape: Sendable, Equatable {
    public var metrics: [String]
    public var dimensions: [String]
    /// The period column (`month`) of a show with `over`.
    public var period: String?
    /// Column prefixes of the comparisons (`prev_period`, `prev_year`), in order.
    public var comparisons: [String]

    public init(metrics: [String], dimensions: [String], period: String?, comparisons: [String]) {
        self.metrics = metrics
        self.dimensions = dimensions
        self.period = period
        self.comparisons = comparisons
    }
}

/// What one statement produced.
public enum StatementOutput: Sendable {
    /// A table to show.
    case result(QueryResult)
    /// A short confirmation ("loaded `events`: 1,000,000 rows, 11 columns").
    case message(String)
}

/// The outcome of running a piece of source: what each statement produced, in order, and
/// the error that stopped it, if any (later statements did not run).
/// What one statement of a run produced, handed to `Session.run`'s `onStatement` when the
/// statement ends.
public struct StatementReport: Sendable {
    /// A table or a message; nil for a statement that prints nothing (`as of`, `metric`).
    public var output: StatementOutput?
    /// Where the statement is in the source.
    public var span: Span
    /// Its warnings (CSV quirks, ...).
    public var warnings: [Diagnostic]
    /// Its wall time.
    public var seconds: Double
}

public struct RunOutcome: Sendable {
    public var outputs: [StatementOutput] = []
    /// Where in the source the statement of each output is (reports place the script's
    /// comments between results by it).
    public var outputSpans: [Span] = []
    public var error: Diagnostic?
    public var source: SourceText
    /// Warnings from statements that ran (CSV quirks, ...).
    public var warnings: [Diagnostic] = []
    /// How many `check`s found rows (alerts): a script that had any exits with status 3.
    public var failedChecks = 0
    /// Wall time of each statement that ran, in seconds, in order (kept when `run` has no
    /// `onStatement`, as are `outputs`, `outputSpans` and `warnings`).
    public var timings: [Double] = []
}
