/// What a pipeline computes, as a tree of relational operators over bound expressions.
/// The executor decides how (`Executor`); `PlanPrinter` shows it for `.explain`.
public indirect enum LogicalPlan: Sendable {
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
    /// The input sorted by `partition` then `order` columns, with one column added per window
    /// function (SQL's `f(x) OVER (PARTITION BY ... ORDER BY ...)`).
    case window(LogicalPlan, partition: [Int], order: [Int], functions: [WindowFunction], Schema)

    public var schema: Schema {
        switch self {
        case .scan(let name, let table): return Schema(table: table, dataset: name)
        case .stage(_, let schema): return schema
        case .filter(let input, _), .filterIn(let input, _, _), .sort(let input, _), .limit(let input, _, _): return input.schema
        case .project(_, _, let schema), .aggregate(_, _, _, let schema), .join(_, _, _, let schema), .union(_, _, let schema),
             .window(_, _, _, _, let schema):
            return schema
        }
    }
}

/// A window function of `LogicalPlan.window`, over a column of its input.
public enum WindowFunction: Sendable {
    /// `SUM(x) OVER (... ROWS UNBOUNDED PRECEDING)`: the partition's sum up to the row.
    case runningSum(Int)
    /// `LEAD(x) OVER (...)`: the next row's value, null on the partition's last row.
    case lead(Int)
    /// `ROW_NUMBER() OVER (...)`: the row's place in its partition, from 1 (with no order
    /// columns, the input's own order: a sorted stage's).
    case rowNumber
}

public struct BoundSortKey: Sendable {
    public var expression: BoundExpression
    public var descending: Bool
    public var nullsFirst: Bool
}

public struct JoinSpec: Sendable {
    public var kind: JoinStep.Kind
    /// Key column indexes on each side, pairwise.
    public var leftKeys: [Int]
    public var rightKeys: [Int]
    /// Right columns kept in the output (all but its keys), in order.
    public var rightColumns: [Int]
    /// Null keys match each other (SQL's `IS NOT DISTINCT FROM`): KPI statements line up the
    /// "no campaign" rows of several datasets this way. Pipelines' joins keep SQL's rule.
    public var nullsEqual = false
}

/// What a statement runs: named intermediate results computed in order, each a logical plan
/// that may read the ones before it (`.stage`), then the plan of the result. KPI statements
/// (`show`, `funnel`, `cohort`) compile to one; a pipeline is a plan with no stages. Every
/// step is an operator of the engine, so the same object is what runs, what `.explain`
/// prints, and what could be written as SQL (`WITH name AS (...) SELECT ...`).
public struct QueryPlan: Sendable {
    public struct Stage: Sendable {
        public var name: String
        public var plan: LogicalPlan

        public init(name: String, plan: LogicalPlan) {
            self.name = name
            self.plan = plan
        }
    }

    public var stages: [Stage]
    public var result: LogicalPlan

    public init(stages: [Stage] = [], result: LogicalPlan) {
        self.stages = stages
        self.result = result
    }

    /// A reference to a stage already added, for the plans that follow it.
    public func reference(_ name: String) -> LogicalPlan {
        guard let stage = stages.last(where: { $0.name == name }) else { preconditionFailure("no stage `\(name)` in this plan") }
        return .stage(name: name, stage.plan.schema)
    }

    /// Adds a stage and returns the plan that reads it.
    @discardableResult
    public mutating func add(_ name: String, _ plan: LogicalPlan) -> LogicalPlan {
        stages.append(Stage(name: name, plan: plan))
        return .stage(name: name, plan.schema)
    }
}
