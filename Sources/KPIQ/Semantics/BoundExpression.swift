/// An expression after binding: every name resolved to a column of the input, every node
/// typed, constants folded into `Scalar`s. Different from the parsed `Expression` on purpose:
/// execution never sees a name or an unknown type.
public struct BoundExpression: Sendable {
    public indirect enum Kind: Sendable {
        /// Column `index` of the input schema.
        case column(Int)
        case constant(Scalar)
        case arithmetic(BinaryOperator, BoundExpression, BoundExpression)
        case comparison(BinaryOperator, BoundExpression, BoundExpression)
        case and(BoundExpression, BoundExpression)
        case or(BoundExpression, BoundExpression)
        case not(BoundExpression)
        case negate(BoundExpression)
        case isNull(BoundExpression, negated: Bool)
        case inList(BoundExpression, [Scalar], negated: Bool)
        case like(BoundExpression, pattern: String, negated: Bool)
        case caseWhen([BoundWhen], otherwise: BoundExpression?)
        case function(ScalarFunction, [BoundExpression])
        case cast(BoundExpression)
        /// A date or timestamp moved by a calendar interval.
        case shift(BoundExpression, Interval)
        /// `text || text`
        case concat([BoundExpression])
    }

    public var kind: Kind
    /// Nil only for a `null` constant whose type nothing decided.
    public var type: DataType?
    public var span: Span

    public init(_ kind: Kind, type: DataType?, span: Span) {
        self.kind = kind
        self.type = type
        self.span = span
    }

    public var constantValue: Scalar? {
        if case .constant(let value) = kind { return value }
        return nil
    }

    /// Column indexes this expression reads.
    public var columnsRead: Set<Int> {
        var result = Set<Int>()
        visit { if case .column(let i) = $0.kind { result.insert(i) } }
        return result
    }

    /// Calls `body` on this node and every node below it.
    public func visit(_ body: (BoundExpression) -> Void) {
        body(self)
        switch kind {
        case .column, .constant: break
        case .arithmetic(_, let a, let b), .comparison(_, let a, let b), .and(let a, let b), .or(let a, let b):
            a.visit(body)
            b.visit(body)
        case .not(let a), .negate(let a), .isNull(let a, _), .inList(let a, _, _), .like(let a, _, _), .cast(let a), .shift(let a, _):
            a.visit(body)
        case .caseWhen(let clauses, let otherwise):
            for clause in clauses {
                clause.condition.visit(body)
                clause.result.visit(body)
            }
            otherwise?.visit(body)
        case .function(_, let arguments), .concat(let arguments):
            for argument in arguments { argument.visit(body) }
        }
    }

    /// The same expression with column indexes renumbered.
    public func remapColumns(_ map: (Int) -> Int) -> BoundExpression {
        func r(_ e: BoundExpression) -> BoundExpression { e.remapColumns(map) }
        let newKind: Kind
        switch kind {
        case .column(let i): newKind = .column(map(i))
        case .constant: newKind = kind
        case .arithmetic(let op, let a, let b): newKind = .arithmetic(op, r(a), r(b))
        case .comparison(let op, let a, let b): newKind = .comparison(op, r(a), r(b))
        case .and(let a, let b): newKind = .and(r(a), r(b))
        case .or(let a, let b): newKind = .or(r(a), r(b))
        case .not(let a): newKind = .not(r(a))
        case .negate(let a): newKind = .negate(r(a))
        case .isNull(let a, let n): newKind = .isNull(r(a), negated: n)
        case .inList(let a, let items, let n): newKind = .inList(r(a), items, negated: n)
        case .like(let a, let p, let n): newKind = .like(r(a), pattern: p, negated: n)
        case .caseWhen(let clauses, let otherwise):
            newKind = .caseWhen(clauses.map { BoundWhen(condition: r($0.condition), result: r($0.result)) }, otherwise: otherwise.map(r))
        case .function(let f, let args): newKind = .function(f, args.map(r))
        case .cast(let a): newKind = .cast(r(a))
        case .shift(let a, let interval): newKind = .shift(r(a), interval)
        case .concat(let args): newKind = .concat(args.map(r))
        }
        return BoundExpression(newKind, type: type, span: span)
    }
}

public struct BoundWhen: Sendable {
    public var condition: BoundExpression
    public var result: BoundExpression
}

/// An aggregate call after binding: `sum(amount) where won`.
public struct BoundAggregate: Sendable {
    public var function: AggregateFunction
    /// Nil for `count()` / `count(*)`.
    public var argument: BoundExpression?
    /// `percentile(x, 0.9)`: the fraction.
    public var fraction: Double?
    /// `first(x, by)` / `last(x, by)`: the ordering expression.
    public var orderBy: BoundExpression?
    public var filter: BoundExpression?
    public var type: DataType
    public var span: Span
}

/// The aggregate functions.
public enum AggregateFunction: String, Sendable, CaseIterable {
    case count
    case countDistinct = "count_distinct"
    case sum
    case mean
    case min
    case max
    case median
    case percentile
    case first
    case last
    case stddev

    public init?(name: String) {
        switch name.lowercased() {
        case "count": self = .count
        case "count_distinct": self = .countDistinct
        case "sum": self = .sum
        case "mean", "avg": self = .mean
        case "min": self = .min
        case "max": self = .max
        case "median": self = .median
        case "percentile": self = .percentile
        case "first": self = .first
        case "last": self = .last
        case "stddev": self = .stddev
        default: return nil
        }
    }
}
