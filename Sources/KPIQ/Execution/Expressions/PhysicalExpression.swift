/// An expression ready to run: evaluates a whole batch at a time into a vector.
///
/// Built once per query from a `BoundExpression` (`PhysicalExpressions.build`); the tree is
/// walked once per batch, never per row. Implementations must be safe to call from several
/// threads at once (each batch is private to its thread; shared caches are locked).
protocol PhysicalExpression: Sendable {
    var type: DataType? { get }
    func evaluate(_ batch: Batch) throws -> Vector
}

enum PhysicalExpressions {
    static func build(_ bound: BoundExpression) -> any PhysicalExpression {
        switch bound.kind {
        case .column(let index):
            return ColumnExpression(index: index, type: bound.type)
        case .constant(let value):
            return ConstantExpression(value: value, type: bound.type)
        case .arithmetic(let first, let steps):
            return ArithmeticExpression(
                first: build(first), steps: steps.map { .init(op: $0.op, operand: build($0.operand), type: $0.type ?? .decimal) })
        case .negate(let a):
            let zero = ConstantExpression(value: a.type == .decimal ? .decimal(0) : .int(0), type: a.type)
            return ArithmeticExpression(first: zero, steps: [.init(op: .subtract, operand: build(a), type: bound.type ?? .int)])
        case .comparison(let op, let a, let b):
            return ComparisonExpression(op: op, left: build(a), right: build(b))
        case .and(let parts):
            return LogicalExpression(isAnd: true, operands: parts.map(build))
        case .or(let parts):
            return LogicalExpression(isAnd: false, operands: parts.map(build))
        case .not(let a):
            return NotExpression(operand: build(a))
        case .isNull(let a, let negated):
            return IsNullExpression(operand: build(a), negated: negated)
        case .inList(let a, let items, let negated):
            return InListExpression(operand: build(a), items: items, negated: negated)
        case .like(let a, let pattern, let negated):
            return TextPredicateExpression(operand: build(a), predicate: .like(LikePattern(pattern)), negated: negated)
        case .caseWhen(let clauses, let otherwise):
            return CaseExpression(
                clauses: clauses.map { (build($0.condition), build($0.result)) }, otherwise: otherwise.map(build),
                type: bound.type)
        case .function(let function, let arguments):
            return FunctionExpressions.build(function, arguments: arguments, type: bound.type)
        case .cast(let a):
            return CastExpression(operand: build(a), type: bound.type ?? .text)
        case .shift(let a, let interval):
            return ShiftExpression(operand: build(a), interval: interval, type: bound.type ?? .timestamp)
        case .concat(let parts):
            return ConcatExpression(parts: parts.map(build))
        }
    }
}

/// Reads a column of the batch.
struct ColumnExpression: PhysicalExpression {
    let index: Int
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector { batch.vector(index) }
}

/// The same value for every row.
struct ConstantExpression: PhysicalExpression {
    let value: Scalar
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector { .constant(value, type: type, count: batch.count) }
}
