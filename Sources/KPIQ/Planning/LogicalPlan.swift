/// What a pipeline computes, as a tree of relational operators over bound expressions.
/// The executor decides how (`Executor`); `PlanPrinter` shows it for `.explain`.
public indirect enum LogicalPlan: Sendable {
    /// The rows of a dataset (or of a table computed earlier).
    case scan(name: String, table: Table)
    case filter(LogicalPlan, BoundExpression)
    /// The output columns, each an expression over the input.
    case project(LogicalPlan, [BoundExpression], Schema)
    /// Groups by `keys` and computes `aggregates`; output is keys then aggregates.
    case aggregate(LogicalPlan, keys: [BoundExpression], aggregates: [BoundAggregate], Schema)
    case sort(LogicalPlan, [BoundSortKey])
    case limit(LogicalPlan, count: Int, offset: Int)
    /// Rows of `left` matched with rows of `right` on equal keys.
    case join(left: LogicalPlan, right: LogicalPlan, JoinSpec, Schema)
    case union(LogicalPlan, LogicalPlan, Schema)

    public var schema: Schema {
        switch self {
        case .scan(let name, let table): return Schema(table: table, dataset: name)
        case .filter(let input, _), .sort(let input, _), .limit(let input, _, _): return input.schema
        case .project(_, _, let schema), .aggregate(_, _, _, let schema), .join(_, _, _, let schema), .union(_, _, let schema):
            return schema
        }
    }
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
}
