/// What a pipeline computes, as a tree of relational operators over bound expressions.
/// The executor decides how (`Executor`); `PlanPrinter` shows it for `.explain`.
package indirect enum LogicalPlan: Sendable {
    /// The rows of a dataset (or of a table computed earlier).
    case scan(name: String, table: Table)
    /// The result of an earlier stage of the same `QueryPlan`, by name (SQL's `WITH name AS`).
    case stage(name: String, Schema)
    case filter(LogicalPlan, BoundExpression)
    /// The rows whose `key` is one of the values in the first column of `values` (nulls
    /// included), SQL's `WHERE key IN (SELECT ...)` with nulls matching: a filter that streams,
    /// its list read from `values` (a small plan, run first) when the filter runs.
    case filterIn(LogicalPlan, key: BoundExpression, values: LogicalPlan)
    /// The output columns, each an expression over the input.
    case project(LogicalPlan, [BoundExpression], Schema)
    /// Groups by `keys` and computes `aggregates`; output is keys then aggregates.
    case aggregate(LogicalPlan, keys: [BoundExpression], aggregates: [BoundAggregate], Schema)
    case sort(LogicalPlan, [BoundSortKey])
    case limit(LogicalPlan, count: Int, offset: Int)
    /// Rows of `left` matched with rows of `right` on equal keys.
    case join(left: LogicalPlan, right: LogicalPlan, JoinSpec, Schema)
    case union(LogicalPlan, LogicalPlan, Schema)
    /// The input with one column added per window function (SQL's `f(x) OVER (PARTITION BY ...
    /// ORDER BY ...)`), computed over the rows sorted by `partition` then `order` columns. The
    /// rows come out in that sorted order, or in the input's own order when `keepsInputOrder`
    /// (a pipeline's `derive`: a window adds columns, it does not move rows).
    case window(LogicalPlan, partition: [Int], order: [WindowOrderKey], functions: [WindowFunction], keepsInputOrder: Bool, Schema)

    package var schema: Schema {
        switch self {
        case .scan(let name, let table): return Schema(table: table, dataset: name)
        case .stage(_, let schema): return schema
        case .filter(let input, _), .filterIn(let input, _, _), .sort(let input, _), .limit(let input, _, _): return input.schema
        case .project(_, _, let schema), .aggregate(_, _, _, let schema), .join(_, _, _, let schema), .union(_, _, let schema),
             .window(_, _, _, _, _, let schema):
            return schema
        }
    }

    /// The inputs of a run of unions (`| union a | union b`, nested to the left), first to
    /// last: such a run is printed as one node and concatenated at once, not a pair at a time.
    /// A plan that is not a union is its own only input.
    var unionInputs: [LogicalPlan] {
        var inputs: [LogicalPlan] = []
        var rest = self
        while case .union(let left, let right, _) = rest {
            inputs.append(right)
            rest = left
        }
        inputs.append(rest)
        return inputs.reversed()
    }
}

/// A window function of `LogicalPlan.window`, over a column of its input.
package enum WindowFunction: Sendable {
    /// `SUM(x) OVER (... ROWS UNBOUNDED PRECEDING)`: the partition's sum up to the row.
    case runningSum(Int)
    /// `LEAD(x) OVER (...)`: the next row's value, null on the partition's last row.
    case lead(Int)
    /// `ROW_NUMBER() OVER (...)`: the row's place in its partition, from 1 (with no order
    /// columns, the input's own order: a sorted stage's).
    case rowNumber
    /// `LAG(x, n)` for a negative `offset` (-n), `LEAD(x, n)` for a positive one: the value
    /// `offset` rows away in the partition, null past its ends.
    case shifted(Int, offset: Int)
    /// `COUNT(x) OVER (... ROWS UNBOUNDED PRECEDING)` (nil: `COUNT(*)`): values (rows) up to the row.
    case runningCount(Int?)
    /// `SUM`, `AVG` or `COUNT` of `x` over a frame ending with the row.
    case moving(MovingAggregate, Int, WindowFrame)
    /// `RANK()` and `DENSE_RANK()` by the order columns: ties (equal values, nulls equal to
    /// each other) share a rank.
    case rank
    case denseRank
    /// `SUM(x) OVER (PARTITION BY ...)`: the partition's total on each of its rows.
    case total(Int)
    /// `COUNT(*) OVER (PARTITION BY ...)`: the partition's number of rows on each of its rows.
    case partitionRows
    /// `x / SUM(x) OVER (PARTITION BY ...)`: the row's part of its partition's total (null
    /// when the total is 0 or null).
    case share(Int)
    /// Whether the row's value lies outside the median +/- 3 scaled MADs (1.4826 x the median
    /// absolute deviation) of the `previous` rows before it in the partition: a robust
    /// anomaly flag. Null for a null value, or with fewer than `AnomalyRule.minimumBaseline`
    /// values before it.
    case anomaly(Int, previous: Int)

    /// The column the function reads, if any.
    package var argument: Int? {
        switch self {
        case .runningSum(let c), .lead(let c), .shifted(let c, _), .moving(_, let c, _), .total(let c), .share(let c), .anomaly(let c, _): return c
        case .runningCount(let c): return c
        case .rowNumber, .rank, .denseRank, .partitionRows: return nil
        }
    }

    /// The same function reading column `map(c)` instead of `c`.
    package func remapped(_ map: (Int) -> Int) -> WindowFunction {
        switch self {
        case .runningSum(let c): return .runningSum(map(c))
        case .lead(let c): return .lead(map(c))
        case .shifted(let c, let offset): return .shifted(map(c), offset: offset)
        case .runningCount(let c): return .runningCount(c.map(map))
        case .moving(let aggregate, let c, let frame): return .moving(aggregate, map(c), frame)
        case .total(let c): return .total(map(c))
        case .share(let c): return .share(map(c))
        case .anomaly(let c, let previous): return .anomaly(map(c), previous: previous)
        case .rowNumber, .rank, .denseRank, .partitionRows: return self
        }
    }
}

package enum MovingAggregate: String, Sendable {
    case sum, mean, count
}

/// The rows a moving aggregate reads, ending with the current row.
package enum WindowFrame: Sendable {
    /// The row and the `n - 1` rows before it (`ROWS BETWEEN n-1 PRECEDING AND CURRENT ROW`).
    case rows(Int)
    /// The rows whose order value `t` lies in `(t_row - length, t_row]`, ties of the row
    /// included (`RANGE BETWEEN ... PRECEDING AND CURRENT ROW` with an exclusive start): one
    /// ascending date or timestamp order column. `7 days` over dates is the day and the 6 before.
    case length(Interval)
}

/// An order column of a window, as `sort` orders it: ascending or descending, nulls last
/// unless asked otherwise.
package struct WindowOrderKey: Sendable {
    package var column: Int
    package var descending: Bool
    package var nullsFirst: Bool

    package init(column: Int, descending: Bool = false, nullsFirst: Bool = false) {
        self.column = column
        self.descending = descending
        self.nullsFirst = nullsFirst
    }
}

package struct BoundSortKey: Sendable {
    package var expression: BoundExpression
    package var descending: Bool
    package var nullsFirst: Bool
}

package struct JoinSpec: Sendable {
    package var kind: JoinStep.Kind
    /// Key column indexes on each side, pairwise.
    package var leftKeys: [Int]
    package var rightKeys: [Int]
    /// Right columns kept in the output (all but its keys), in order.
    package var rightColumns: [Int]
    /// Null keys match each other (SQL's `IS NOT DISTINCT FROM`): KPI statements line up the
    /// "no campaign" rows of several datasets this way. Pipelines' joins keep SQL's rule.
    package var nullsEqual = false
}

/// What a statement runs: named intermediate results computed in order, each a logical plan
/// that may read the ones before it (`.stage`), then the plan of the result. KPI statements
/// (`show`, `funnel`, `cohort`) compile to one; a pipeline is a plan with no stages. Every
/// step is an operator of the engine, so the same object is what runs, what `.explain`
/// prints, and what could be written as SQL (`WITH name AS (...) SELECT ...`).
package struct QueryPlan: Sendable {
    package struct Stage: Sendable {
        package var name: String
        package var plan: LogicalPlan

        package init(name: String, plan: LogicalPlan) {
            self.name = name
            self.plan = plan
        }
    }

    package var stages: [Stage]
    package var result: LogicalPlan

    package init(stages: [Stage] = [], result: LogicalPlan) {
        self.stages = stages
        self.result = result
    }

    /// A reference to a stage already added, for the plans that follow it.
    package func reference(_ name: String) -> LogicalPlan {
        guard let stage = stages.last(where: { $0.name == name }) else { preconditionFailure("no stage `\(name)` in this plan") }
        return .stage(name: name, stage.plan.schema)
    }

    /// Adds a stage and returns the plan that reads it.
    @discardableResult
    package mutating func add(_ name: String, _ plan: LogicalPlan) -> LogicalPlan {
        stages.append(Stage(name: name, plan: plan))
        return .stage(name: name, plan.schema)
    }
}
