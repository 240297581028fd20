/// `from source | step | step ...`, or `show ... | step | step ...`.
package struct Pipeline: Sendable {
    package var source: PipelineSource
    package var steps: [PipelineStep]
    package var span: Span
}

/// Where a pipeline's rows come from: a dataset, a pipeline in brackets, or the table of a
/// KPI statement (`show ... | where ...`; only at the head of a statement's pipeline).
package indirect enum PipelineSource: Sendable {
    case dataset(Identifier)
    case pipeline(Pipeline)
    case kpi(KPIStatement)

    package var span: Span {
        switch self {
        case .dataset(let name): return name.span
        case .pipeline(let pipeline): return pipeline.span
        case .kpi(let statement): return statement.span
        }
    }
}

package struct PipelineStep: Sendable {
    package enum Kind: Sendable {
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

    package var kind: Kind
    package var span: Span
}

/// An expression with an optional name: `visitors = count_distinct(visitor_id)` or `source`.
package struct NamedExpression: Sendable {
    package var name: Identifier?
    package var expression: Expression

    package init(name: Identifier?, expression: Expression) {
        self.name = name
        self.expression = expression
    }

    package var span: Span { name.map { $0.span.to(expression.span) } ?? expression.span }
}

package struct SortKey: Sendable {
    package var expression: Expression
    package var descending: Bool
    /// Nil: nulls last (the default, whatever the direction).
    package var nullsFirst: Bool?
}

package struct JoinStep: Sendable {
    package enum Kind: String, Sendable { case inner, left }

    package var kind: Kind
    package var source: PipelineSource
    /// Pairs of (this side's column, the other side's column); the same name for `on key`.
    package var keys: [(left: Identifier, right: Identifier)]
}

/// How the client should draw a result.
package struct ChartRequest: Sendable, Equatable {
    package enum Style: String, Sendable { case auto, bar, line }

    package var style: Style
    /// The column for categories or time, and the columns to plot (all numeric ones when empty).
    package var x: String?
    package var y: [String]

    package init(style: Style, x: String?, y: [String]) {
        self.style = style
        self.x = x
        self.y = y
    }
}
