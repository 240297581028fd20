/// An expression after binding: every name resolved to a column of the input, every node
/// typed, constants folded into `Scalar`s. Different from the parsed `Expression` on purpose:
/// execution never sees a name or an unknown type.
package struct BoundExpression: Sendable {
    package indirect enum Kind: Sendable {
        /// Column `index` of the input schema.
        case column(Int)
        case constant(Scalar)
        /// `a + b * ...` left to right: each step applies its operator to the value so far.
        /// A chain of 10,000 terms is one node, evaluated in a loop.
        case arithmetic(BoundExpression, [ArithmeticStep])
        case comparison(BinaryOperator, BoundExpression, BoundExpression)
        /// All of the operands (`and` and `or` are associative, so nested ones are flattened).
        case and([BoundExpression])
        case or([BoundExpression])
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

    package var kind: Kind {
        didSet { depth = Self.depth(of: kind) }
    }
    /// Nil only for a `null` constant whose type nothing decided.
    package var type: DataType?
    package var span: Span
    /// Nodes from here to the deepest leaf (1 for a column or constant): how deep evaluating
    /// it recurses, checked against `Binder.maxDepth` and used to keep deep expressions off
    /// small-stack worker threads.
    package private(set) var depth: Int

    package init(_ kind: Kind, type: DataType?, span: Span) {
        self.kind = kind
        self.type = type
        self.span = span
        self.depth = Self.depth(of: kind)
    }

    private static func depth(of kind: Kind) -> Int {
        var deepest = 0
        forEachChild(of: kind) { deepest = max(deepest, $0.depth) }
        return deepest + 1
    }

    /// `a op b` as a chain of one step.
    package static func arithmetic(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression, type: DataType?, span: Span) -> BoundExpression {
        BoundExpression(.arithmetic(a, [ArithmeticStep(op: op, operand: b, type: type)]), type: type, span: span)
    }

    /// `and` (or `or`) of `parts`, with operands that are themselves `and` (`or`) spliced in.
    package static func logical(isAnd: Bool, _ parts: [BoundExpression], span: Span) -> BoundExpression {
        var flat: [BoundExpression] = []
        for part in parts {
            switch (isAnd, part.kind) {
            case (true, .and(let inner)), (false, .or(let inner)): flat += inner
            default: flat.append(part)
            }
        }
        return BoundExpression(isAnd ? .and(flat) : .or(flat), type: .bool, span: span)
    }

    package var constantValue: Scalar? {
        if case .constant(let value) = kind { return value }
        return nil
    }

    /// Column indexes this expression reads.
    package var columnsRead: Set<Int> {
        var result = Set<Int>()
        visit { if case .column(let i) = $0.kind { result.insert(i) } }
        return result
    }

    /// The expressions directly below this one.
    package var children: [BoundExpression] {
        var result: [BoundExpression] = []
        Self.forEachChild(of: kind) { result.append($0) }
        return result
    }

    private static func forEachChild(of kind: Kind, _ body: (BoundExpression) -> Void) {
        switch kind {
        case .column, .constant: break
        case .arithmetic(let first, let steps):
            body(first)
            for step in steps { body(step.operand) }
        case .comparison(_, let a, let b):
            body(a)
            body(b)
        case .not(let a), .negate(let a), .isNull(let a, _), .inList(let a, _, _), .like(let a, _, _), .cast(let a), .shift(let a, _):
            body(a)
        case .caseWhen(let clauses, let otherwise):
            for clause in clauses {
                body(clause.condition)
                body(clause.result)
            }
            if let otherwise { body(otherwise) }
        case .and(let parts), .or(let parts), .function(_, let parts), .concat(let parts):
            for part in parts { body(part) }
        }
    }

    /// Calls `body` on this node and every node below it.
    package func visit(_ body: (BoundExpression) -> Void) {
        body(self)
        Self.forEachChild(of: kind) { $0.visit(body) }
    }

    /// The same expression with column indexes renumbered.
    package func remapColumns(_ map: (Int) -> Int) -> BoundExpression {
        func r(_ e: BoundExpression) -> BoundExpression { e.remapColumns(map) }
        let newKind: Kind
        switch kind {
        case .column(let i): newKind = .column(map(i))
        case .constant: newKind = kind
        case .arithmetic(let first, let steps):
            newKind = .arithmetic(r(first), steps.map { ArithmeticStep(op: $0.op, operand: r($0.operand), type: $0.type) })
        case .comparison(let op, let a, let b): newKind = .comparison(op, r(a), r(b))
        case .and(let parts): newKind = .and(parts.map(r))
        case .or(let parts): newKind = .or(parts.map(r))
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

/// One step of an arithmetic chain: `op` applied to the value so far and `operand`, giving
/// a value of `type` (so `date + 1 - date` is a date, then a number of days).
package struct ArithmeticStep: Sendable {
    package var op: BinaryOperator
    package var operand: BoundExpression
    package var type: DataType?
}

package struct BoundWhen: Sendable {
    package var condition: BoundExpression
    package var result: BoundExpression
}

/// An aggregate call after binding: `sum(amount) where won`.
package struct BoundAggregate: Sendable {
    package var function: AggregateFunction
    /// Nil for `count()` / `count(*)`.
    package var argument: BoundExpression?
    /// `percentile(x, 0.9)`: the fraction.
    package var fraction: Double?
    /// `first(x, by)` / `last(x, by)`: the ordering expression.
    package var orderBy: BoundExpression?
    package var filter: BoundExpression?
    package var type: DataType
    package var span: Span
}

/// The aggregate functions.
package enum AggregateFunction: String, Sendable, CaseIterable {
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
    case bitOr = "bit_or"

    package init?(name: String) {
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
        case "bit_or": self = .bitOr
        default: return nil
        }
    }
}
