/// One statement of a script or one line typed at the prompt, as parsed.
package struct Statement: Sendable {
    package enum Kind: Sendable {
        case load(LoadStatement)
        /// `from ... | ...`, or a KPI statement followed by steps (`show ... | ...`): runs and
        /// shows the result.
        case query(Pipeline)
        /// `let name = from ...` (or `let name = show ...`): keeps the result as a dataset.
        case assign(name: Identifier, Pipeline)
        case metric(MetricDefinition)
        /// `show`, `funnel`, `cohort` and `attribution` on their own; followed by `| step`s they are the
        /// source of a `.query` instead (see `KPIStatement`).
        case show(ShowStatement)
        case target(TargetStatement)
        /// `set time sessions.ts`, `set time campaigns.start_date .. end_date`
        case setTime(dataset: Identifier, column: Identifier, end: Identifier?)
        /// `as of 2024-06-30` (or `as of today`).
        case asOf(Expression?)
        /// `relate contacts.campaign -> campaigns.campaign`
        case relate(from: QualifiedName, to: QualifiedName)
        case use(UseStatement)
        case funnel(FunnelStatement)
        case cohort(CohortStatement)
        case attribution(AttributionStatement)
        /// `check visitor_to_lead by source during last 7 days vs previous period where ...`:
        /// a query whose rows are alerts (a `show`'s clauses, or a pipeline or KPI statement).
        case check(Pipeline)
        /// `export "file.csv" [overwrite]`: writes the last result; `overwrite` lets it replace
        /// a file a dataset was loaded from.
        case export(path: String, pathSpan: Span, overwrite: Bool)
        /// `drop name`: forgets a dataset or metric.
        case drop(Identifier)
        /// `save "q4.kpiq" [overwrite]`: writes the session's datasets and definitions to a file.
        case save(path: String, pathSpan: Span, overwrite: Bool)
        /// `open "q4.kpiq"`: replaces the session with one `save` wrote.
        case open(path: String, pathSpan: Span)
    }

    package var kind: Kind
    package var span: Span

    package init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }
}

/// `dataset.column`
package struct QualifiedName: Sendable {
    package var dataset: Identifier
    package var column: Identifier
    package var span: Span { dataset.span.to(column.span) }
}

/// `load "file.csv" [sheet "name"] as name [time column] [with (option value, ...)]`
package struct LoadStatement: Sendable {
    package var path: String
    package var pathSpan: Span
    package var name: Identifier
    package var timeColumn: Identifier?
    /// `time start_date .. end_date`: each row runs from its time to this day (a flight).
    package var endColumn: Identifier?
    package var options: [LoadOption]
    /// `sheet "Deals"`: the worksheet of a workbook to read (XLSX).
    package var sheet: String? = nil
    package var sheetSpan: Span? = nil
}

package struct LoadOption: Sendable {
    package enum Value: Sendable {
        case word(Identifier)
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case strings([String])
        case integers([Int64])
        case words([Identifier])
        /// `types (a int, b date)`
        case pairs([(Identifier, Identifier)])
    }

    package var name: Identifier
    package var value: Value
    package var span: Span
}

/// `metric name = expression [as format] [time column]`
package struct MetricDefinition: Sendable {
    package var name: Identifier
    package var expression: Expression
    package var format: Identifier?
    /// Buckets the metric's rows by this column instead of its dataset's time column
    /// (`metric mqls = count(contacts) where mql_at is not null time mql_at`).
    package var timeColumn: Identifier?
    /// The source text of the expression, kept for `.metrics` and `.explain`.
    package var text: String

    package init(name: Identifier, expression: Expression, format: Identifier?, timeColumn: Identifier?, text: String) {
        self.name = name
        self.expression = expression
        self.format = format
        self.timeColumn = timeColumn
        self.text = text
    }
}

/// `show m1, m2 by d1, d2 over month during 2024 vs previous year where ... sort ... top N`
package struct ShowStatement: Sendable {
    package var metrics: [NamedExpression]
    package var dimensions: [NamedExpression]
    package var grain: Grain?
    package var grainSpan: Span?
    package var range: TimeRange?
    /// `vs previous period, previous year`: each adds the earlier value and the changes.
    package var comparisons: [Comparison]
    package var filter: Expression?
    package var sort: [SortKey]
    package var top: Int64?
    /// `top 5 by source with other`: fold the rest into an `other` row.
    package var withOther: Bool
    /// `with n, ci`: for each rate, its denominator, or a confidence interval and significance.
    package var statistics: Set<Statistic> = []
    /// `with total`: a row (per period) over all the rows of `by`, computed from the rows.
    package var withTotal = false

    package enum Statistic: Sendable, Hashable {
        /// `_n`: the rate's denominator, and `_small_n` when it is under 30.
        case n
        /// `_low`, `_high`: the 95% Wilson score interval; under `vs`, whether each change is
        /// significant at 95% (a two-proportion z-test).
        case confidence
    }

    /// One `vs`: the period (or range) compared with, and whether a period cut short is compared
    /// with the same span of the earlier one (the default) or with all of it (`whole`).
    package struct Comparison: Sendable, Equatable {
        package enum Kind: Sendable, Equatable {
            case previousPeriod
            case previousYear
        }

        package var kind: Kind
        package var whole = false
        package var span: Span = .none

        package init(kind: Kind, whole: Bool = false) {
            self.kind = kind
            self.whole = whole
        }

        /// The prefix of the columns it adds: `visitors_prev_period`, `visitors_prev_year`.
        package var columnPrefix: String { kind == .previousYear ? "prev_year" : "prev_period" }
    }
}

/// `target metric between 1% and 3% [for source = "paid"]`, `target metric >= 10%`
package struct TargetStatement: Sendable {
    package enum Bound: Sendable {
        case between(Expression, Expression)
        case atLeast(Expression)
        case atMost(Expression)
        /// `per month from goals`: one goal per period (and dimension values) in a dataset.
        case goals(dataset: Identifier)
    }

    package var metric: Identifier
    package var bound: Bound
    /// Limits the target to one value of a dimension.
    package var scope: (dimension: Identifier, value: Expression)?
    /// `per month`: the bound is a goal for each period of the grain.
    package var grain: Grain?
}

/// `use kpis [with sessions = web (visitor_id = vid), contacts = crm]`
package struct UseStatement: Sendable {
    package struct Binding: Sendable {
        package var role: Identifier
        package var dataset: Identifier
        /// Column renames: the library's name, then the dataset's.
        package var columns: [(role: Identifier, dataset: Identifier)]
    }

    package var library: Identifier
    package var bindings: [Binding]
}

/// `funnel contacts: created_at -> mql_at -> sql_at -> customer_at by source within 90 days`
package struct FunnelStatement: Sendable {
    /// More stages than this are refused when the statement is read.
    package static let maxStages = 16

    package var dataset: Identifier
    /// Stage time columns (empty in an event funnel).
    package var steps: [Identifier]
    package var dimensions: [Identifier]
    /// `within 30 days`: every stage within this of the entry.
    package var within: Interval?
    /// `each within 7 days`: every stage within this of the stage before it.
    package var stepWithin: Interval?
    package var range: TimeRange?
    /// `funnel sessions per visitor_id: source = "paid" -> converted_to_lead = 1`: an event
    /// funnel, whose steps are conditions on the rows of one entity, strictly in time order.
    package var entity: Identifier?
    /// Per step, the condition its rows meet; nil for every row of the step's dataset
    /// (`-> from deals` with no `where`).
    package var conditions: [Expression?] = []
    /// Per condition, the dataset whose rows it tests when not the funnel's:
    /// `-> from deals where stage = "won"`, on any step, the first too (nil: the funnel's
    /// dataset).
    package var stepDatasets: [Identifier?] = []
    /// `over week`: reported by the period of entry.
    package var grain: Grain?

    package var isEventFunnel: Bool { entity != nil }
}

/// `cohort orders: customer_id, order_date over month [measure sum(amount)]`
package struct CohortStatement: Sendable {
    /// The most period offsets a cohort table has (`periods 1000` is 83 years of months); the
    /// work grows with customers times periods, so a typo of a few zeros is refused.
    package static let maxPeriods: Int64 = 1000

    package var dataset: Identifier
    package var entity: Identifier
    package var time: Identifier
    package var grain: Grain
    package var periods: Int64?
    /// `by source`: cohorts split by the customer's value on their first purchase.
    package var dimensions: [Identifier] = []
    /// `value amount`: revenue per cohort offset, and the cumulative revenue per customer.
    package var value: Identifier?
    /// `with churn`: the churn between consecutive offsets, 1 - r(k)/r(k-1).
    package var withChurn = false
}
