/// `from source | step | step ...`, or `show ... | step | step ...`.
public struct Pipeline: Sendable {
    public var source: PipelineSource
    public var steps: [PipelineStep]
    public var span: Span
}

/// Where a pipeline's rows come from: a dataset, a pipeline in brackets, or the table of a
/// KPI statement (`show ... | where ...`; only at the head of a statement's pipeline).
public indirect enum PipelineSource: Sendable {
    case dataset(Identifier)
    case pipeline(Pipeline)
    case kpi(KPIStatement)

    public var span: Span {
        switch self {
        case .dataset(let name): return name.span
        case .pipeline(let pipeline): return pipeline.span
        case .kpi(let statement): return statement.span
        }
    }
}

public struct PipelineStep: Sendable {
    public enum Kind: Sendable {
        /// `where condition`
        case filter(Expression)
        /// `group keys | agg values [with total]` (an `agg` without `group` has no keys);
        /// `with total` adds a row computed over all rows (SQL's `ROLLUP`, grand total only).
        case aggregate(keys: [NamedExpression], values: [NamedExpression], withTotal: Bool)
        /// `derive name = expression, ... [by keys]`: with window functions (`lag(x)`,
        /// `running_sum(x)`, `total(x)`, ...) computed within the partitions of `by`, in the
        /// order of the `sort` before.
        case derive([NamedExpression], by: [NamedExpression])
        /// `select a, b, c = d`
        case select([NamedExpression])
        /// `select -a, -b`: every column but these.
        case exclude([Identifier])
        /// `sort a desc, b`
        case sort([SortKey])
        /// `top n` / `limit n [offset m]`
        case limit(count: Int64, offset: Int64)
        /// `top n [offset m] by keys`: the first rows of each partition, in the order of the
        /// `sort` before.
        case limitPer(count: Int64, offset: Int64, by: [NamedExpression])
        /// `distinct` (whole rows) or `distinct a, b`
        case distinct([NamedExpression])
        /// `join [left] other on key` / `on a = b`
        case join(JoinStep)
        /// `union other`
        case union(PipelineSource)
        /// `chart [bar|line] [x] [y]`
        case chart(ChartRequest)
    }

    public var kind: Kind
    public var span: Span
}

/// An expression with an optional name: `visitors = count_distinct(visitor_id)` or `source`.
public struct NamedExpression: Sendable {
    public var name: Identifier?
    public var expression: Expression

    public init(name: Identifier?, expression: Expression) {
        self.name = name
        self.expression = expression
    }

    public var span: Span { name.map { $0.span.to(expression.span) } ?? expression.span }
}

public struct SortKey: Sendable {
    public var expression: Expression
    public var descending: Bool
    /// Nil: nulls last (the default, whatever the direction).
    public var nullsFirst: Bool?
}

public struct JoinStep: Sendable {
    public enum Kind: String, Sendable { case inner, left }

    public var kind: Kind
    public var source: PipelineSource
    /// Pairs of (this side's column, the other side's column); the same name for `on key`.
    public var keys: [(left: Identifier, right: Identifier)]
}

/// How the client should draw a result.
public struct ChartRequest: Sendable, Equatable {
    public enum Style: String, Sendable { case auto, bar, line }

    public var style: Style
    /// The column for categories or time, and the columns to plot (all numeric ones when empty).
    public var x: String?
    public var y: [String]

    public init(style: Style, x: String?, y: [String]) {
        self.style = style
        self.x = x
        self.y = y
    }
}
