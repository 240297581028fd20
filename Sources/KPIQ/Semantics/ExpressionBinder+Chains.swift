/// Chains of operators (`a + b - c`, `x = 1 or x = 2 or ...`), bound in one loop over their
/// links, so that a chain of 10,000 terms needs no more stack than a chain of two.
extension ExpressionBinder {
    /// What the links so far add up to, kept open while the next link can extend it: a run
    /// of `and`, of `or`, of `||`, or of arithmetic becomes one node with all its operands.
    private struct Run {
        enum Kind { case value, and, or, concat, arithmetic }

        var kind = Kind.value
        /// The value (`.value`) or the first operand (`.arithmetic`).
        var head: BoundExpression
        /// Operands of `and`, `or` and `||`.
        var parts: [BoundExpression] = []
        var steps: [ArithmeticStep] = []
        /// The type after the last arithmetic step.
        var type: DataType?
        var span: Span

        init(_ value: BoundExpression, span: Span) {
            head = value
            self.span = span
        }
    }

    mutating func chain(_ first: Expression, _ links: [ChainLink]) throws -> BoundExpression {
        var run: Run
        var rest = links[...]
        // `7 days + ts`: a length of time may come first when a date or time is added to it.
        if case .literal(.interval(let interval)) = first.kind, let head = links.first, head.op == .add, !Self.isInterval(head.operand) {
            let span = first.span.to(head.operand.span)
            run = Run(try shift(try bind(head.operand), interval, span: span), span: span)
            rest = links.dropFirst()
        } else {
            run = Run(try bind(first), span: first.span)
        }
        for link in rest {
            let span = first.span.to(link.operand.span)
            switch link.op {
            case .and, .or:
                let kind: Run.Kind = link.op == .and ? .and : .or
                if run.kind != kind {
                    let left = try asCondition(close(run))
                    run = Run(left, span: run.span)
                    run.kind = kind
                    run.parts = [left]
                }
                run.parts.append(try condition(link.operand))
            case .concat:
                if run.kind != .concat {
                    let left = close(run)
                    run = Run(left, span: run.span)
                    run.kind = .concat
                    run.parts = Self.concatenated(left)
                }
                run.parts += Self.concatenated(try bind(link.operand))
            case _ where link.op.isComparison:
                let left = close(run)
                run = Run(try comparison(link.op, left, try bind(link.operand), span: span), span: span)
            default:
                // Intervals are only legal next to a date or timestamp.
                if case .literal(.interval(let interval)) = link.operand.kind, link.op == .add || link.op == .subtract {
                    run = Run(try shift(close(run), link.op == .add ? interval : -interval, span: span), span: span)
                    break
                }
                let operand = try bind(link.operand)
                if run.kind == .arithmetic {
                    run.type = try Self.arithmeticType(link.op, run.type, operand.type, span: span)
                    run.steps.append(ArithmeticStep(op: link.op, operand: operand, type: run.type))
                    break
                }
                let left = close(run)
                let type = try Self.arithmeticType(link.op, left.type, operand.type, span: span)
                if left.constantValue != nil, operand.constantValue != nil {
                    run = Run(fold(.arithmetic(link.op, left, operand, type: type, span: span)), span: span)
                } else {
                    run = Run(left, span: span)
                    run.kind = .arithmetic
                    run.steps = [ArithmeticStep(op: link.op, operand: operand, type: type)]
                    run.type = type
                }
            }
            run.span = span
        }
        return close(run)
    }

    /// The run as one bound expression.
    private func close(_ run: Run) -> BoundExpression {
        switch run.kind {
        case .value: return run.head
        case .and: return fold(BoundExpression.logical(isAnd: true, run.parts, span: run.span))
        case .or:
            let parts = Self.mergingEqualities(run.parts)
            return parts.count == 1 ? parts[0] : fold(BoundExpression.logical(isAnd: false, parts, span: run.span))
        case .concat: return fold(BoundExpression(.concat(run.parts), type: .text, span: run.span))
        case .arithmetic: return BoundExpression(.arithmetic(run.head, run.steps), type: run.type, span: run.span)
        }
    }

    /// `x = 1 or x = 2 or ...` (a list pasted from a spreadsheet) as `x in (1, 2, ...)`: one
    /// hash lookup per row instead of one comparison per term. Only a column compared with
    /// constants of its own type, so the two forms mean exactly the same.
    private static func mergingEqualities(_ parts: [BoundExpression]) -> [BoundExpression] {
        func equality(_ e: BoundExpression) -> (column: BoundExpression, index: Int, value: Scalar)? {
            guard case .comparison(.equal, let a, let b) = e.kind else { return nil }
            for (column, constant) in [(a, b), (b, a)] {
                if case .column(let index) = column.kind, let value = constant.constantValue, !value.isNull, column.type == constant.type {
                    return (column, index, value)
                }
            }
            return nil
        }
        var values: [Int: [Scalar]] = [:]
        for part in parts {
            if let (_, index, value) = equality(part) { values[index, default: []].append(value) }
        }
        guard values.values.contains(where: { $0.count > 1 }) else { return parts }
        var result: [BoundExpression] = []
        var merged = Set<Int>()
        for part in parts {
            guard let (column, index, _) = equality(part), let list = values[index], list.count > 1 else {
                result.append(part)
                continue
            }
            if merged.insert(index).inserted {
                result.append(BoundExpression(.inList(column, list, negated: false), type: .bool, span: part.span))
            }
        }
        return result
    }

    /// The parts of a concatenation (`a || (b || c)` has three).
    private static func concatenated(_ e: BoundExpression) -> [BoundExpression] {
        if case .concat(let inner) = e.kind { return inner }
        return [e]
    }

    private static func isInterval(_ e: Expression) -> Bool {
        if case .literal(.interval) = e.kind { return true }
        return false
    }
}
