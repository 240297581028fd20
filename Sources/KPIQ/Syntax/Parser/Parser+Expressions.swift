/// Expressions, by increasing precedence:
///   or < and < not < comparison (= != < <= > >=, in, between, like, is null, during)
///   < additive (+ - ||) < multiplicative (* / %) < unary minus < primary.
extension Parser {
    /// Aggregate functions: a `where` right after one of these calls filters its rows.
    static let aggregateNames: Set<String> = [
        "count", "count_distinct", "sum", "mean", "avg", "min", "max", "median", "percentile", "first", "last",
        "stddev", "any_value", "bit_or",
    ]

    /// How deeply expressions may nest: brackets, calls, `case`, `not` and minus signs inside
    /// one another. The parser, the binder and the evaluator recurse once per level, so this
    /// limit is what keeps `((((...))))` from overflowing the stack. Long flat runs
    /// (`a or b or ...`, `1 + 2 + ...`) are chains, not nesting, and have no limit.
    package static let maxNesting = 1000

    mutating func expression() throws -> Expression {
        try nested("expression") { try $0.orExpression() }
    }

    /// Runs `parse` one level deeper; past `maxNesting`, an error at the current token.
    mutating func nested<T>(_ what: String, _ parse: (inout Parser) throws -> T) throws -> T {
        guard depth < Self.maxNesting else {
            throw Diagnostic(.nestedTooDeeply, "\(what) nested too deeply", at: current.span,
                             hints: ["at most \(Self.maxNesting) levels of brackets, calls and operators can be inside one another"])
        }
        depth += 1
        defer { depth -= 1 }
        return try parse(&self)
    }

    /// `first op operand op operand ...` for the operators `op(token)` recognizes, as one
    /// chain read in a loop (left-associative, any length, no recursion per term).
    private mutating func chain(
        _ operand: (inout Parser) throws -> Expression, operators op: (Token) -> BinaryOperator?
    ) throws -> Expression {
        let first = try operand(&self)
        var links: [ChainLink] = []
        while let next = op(current) {
            advance()
            links.append(ChainLink(op: next, operand: try operand(&self)))
        }
        guard let last = links.last else { return first }
        return Expression(.chain(first, links), span: first.span.to(last.operand.span))
    }

    private mutating func orExpression() throws -> Expression {
        try chain({ try $0.andExpression() }, operators: { $0.isWord("or") ? .or : nil })
    }

    private mutating func andExpression() throws -> Expression {
        try chain({ try $0.notExpression() }, operators: { $0.isWord("and") ? .and : nil })
    }

    private mutating func notExpression() throws -> Expression {
        if current.isWord("not") {
            let start = advance().span
            let operand = try nested("expression") { try $0.notExpression() }
            return Expression(.unary(.not, operand), span: start.to(operand.span))
        }
        return try comparison()
    }

    private static let comparisonSymbols: [String: BinaryOperator] = [
        "=": .equal, "==": .equal, "!=": .notEqual, "<>": .notEqual, "<": .less, "<=": .lessOrEqual,
        ">": .greater, ">=": .greaterOrEqual,
    ]

    private mutating func comparison() throws -> Expression {
        let left = try additive()
        if current.kind == .symbol, let op = Self.comparisonSymbols[current.text] {
            advance()
            return Expression.binary(op, left, try additive())
        }
        var negated = false
        if current.isWord("not"), peek().isWord("in") || peek().isWord("between") || peek().isWord("like") {
            advance()
            negated = true
        }
        if accept(word: "in") {
            try expect(symbol: "(")
            var items: [Expression] = []
            if !current.isSymbol(")") {
                repeat { items.append(try expression()) } while accept(symbol: ",")
            }
            let close = try expect(symbol: ")")
            return Expression(.inList(left, items, negated: negated), span: left.span.to(close.span))
        }
        if accept(word: "between") {
            let low = try additive()
            try expect(word: "and")
            let high = try additive()
            return Expression(.between(left, low, high, negated: negated), span: left.span.to(high.span))
        }
        if accept(word: "like") {
            let pattern = try additive()
            return Expression(.like(left, pattern, negated: negated), span: left.span.to(pattern.span))
        }
        if negated { throw unexpected("`in`, `between` or `like`") }
        if current.isWord("is") {
            advance()
            let isNegated = accept(word: "not")
            let null = try expect(word: "null")
            return Expression(.isNull(left, negated: isNegated), span: left.span.to(null.span))
        }
        if current.isWord("during"), !duringEndsExpression {
            advance()
            let range = try timeRange()
            return Expression(.during(left, range), span: left.span.to(range.span))
        }
        return left
    }

    private static let additiveSymbols: [String: BinaryOperator] = ["+": .add, "-": .subtract, "||": .concat]
    private static let multiplicativeSymbols: [String: BinaryOperator] = ["*": .multiply, "/": .divide, "%": .modulo]

    private mutating func additive() throws -> Expression {
        try chain({ try $0.multiplicative() }, operators: { $0.kind == .symbol ? Self.additiveSymbols[$0.text] : nil })
    }

    private mutating func multiplicative() throws -> Expression {
        try chain({ try $0.unary() }, operators: { $0.kind == .symbol ? Self.multiplicativeSymbols[$0.text] : nil })
    }

    private mutating func unary() throws -> Expression {
        if current.isSymbol("-") {
            let start = advance().span
            let operand = try nested("expression") { try $0.unary() }
            // Fold a minus sign into a number literal: `-5` is a constant.
            if case .literal(let literal) = operand.kind {
                switch literal {
                case .integer(let v): return Expression(.literal(.integer(-v)), span: start.to(operand.span))
                case .decimal(let v): return Expression(.literal(.decimal(-v)), span: start.to(operand.span))
                case .interval(let v): return Expression(.literal(.interval(-v)), span: start.to(operand.span))
                default: break
                }
            }
            return Expression(.unary(.negate, operand), span: start.to(operand.span))
        }
        if current.isSymbol("+") { advance() }
        return try primary()
    }

    private mutating func primary() throws -> Expression {
        let token = current
        switch token.kind {
        case .integer, .decimal:
            advance()
            // A whole number too large for Int64 reads as a decimal, but not as a length of time.
            if token.kind == .integer, Int64(token.text) == nil, current.kind == .identifier, Interval.unit(current.text) != nil {
                throw Self.lengthTooLong(at: token.span.to(current.span))
            }
            let value: Literal
            if token.kind == .integer, let v = Int64(token.text) {
                value = .integer(v)
            } else if let v = Double(token.text) {
                value = .decimal(v)
            } else {
                throw Diagnostic(.invalidNumber, "number `\(token.text)` is out of range", at: token.span)
            }
            // `-1 pp`: percentage points, the unit of a rate's change (0.01).
            if current.kind == .identifier, current.text.lowercased() == "pp" {
                let unitToken = advance()
                let number: Double
                switch value {
                case .integer(let v): number = Double(v)
                case .decimal(let v): number = v
                default: number = 0
                }
                return Expression(.literal(.decimal(number / 100)), span: token.span.to(unitToken.span))
            }
            // `30 days`: a number followed by a unit of time.
            if current.kind == .identifier, let unit = Interval.unit(current.text) {
                let unitToken = advance()
                let n: Int64
                switch value {
                case .integer(let v): n = v
                default:
                    throw Diagnostic(.invalidNumber, "a length of time needs a whole number", at: token.span.to(unitToken.span),
                                     hints: ["write for example `36 hours` instead of `1.5 days`"])
                }
                let span = token.span.to(unitToken.span)
                return Expression(.literal(.interval(try Self.lengthOfTime(n, unit, span: span))), span: span)
            }
            return Expression(.literal(value), span: token.span)
        case .percent:
            advance()
            guard let v = Double(token.text) else {
                throw Diagnostic(.invalidNumber, "number `\(token.text)` is out of range", at: token.span)
            }
            return Expression(.literal(.decimal(v / 100)), span: token.span)
        case .string:
            advance()
            return Expression(.literal(.string(token.text)), span: token.span)
        case .date:
            advance()
            return Expression(.literal(.date(try Self.dateValue(token))), span: token.span)
        case .timestamp:
            advance()
            return Expression(.literal(.timestamp(try Self.timestampValue(token))), span: token.span)
        case .quotedIdentifier:
            return try nameOrCall()
        case .identifier:
            switch token.text.lowercased() {
            case "true", "false":
                advance()
                return Expression(.literal(.bool(token.text.lowercased() == "true")), span: token.span)
            case "null":
                advance()
                return Expression(.literal(.null), span: token.span)
            case "case":
                return try caseExpression()
            default:
                if ReservedWords.all.contains(token.text.lowercased()) { throw unexpected("an expression") }
                return try nameOrCall()
            }
        case .symbol where token.text == "(":
            advance()
            let inner = try bracketed { try $0.expression() }
            let close = try expect(symbol: ")")
            return Expression(inner.kind, span: token.span.to(close.span))
        case .symbol where token.text == "*":
            advance()
            return Expression(.star, span: token.span)
        default:
            throw unexpected("an expression")
        }
    }

    /// Parses inside brackets, where every operator is available again.
    private mutating func bracketed(_ parse: (inout Parser) throws -> Expression) rethrows -> Expression {
        let saved = duringEndsExpression
        duringEndsExpression = false
        defer { duringEndsExpression = saved }
        return try parse(&self)
    }

    private mutating func nameOrCall() throws -> Expression {
        var first = try identifier()
        if current.isSymbol("(") {
            advance()
            if current.isWord("distinct"), current.kind == .identifier, !peek().isSymbol(")"), !peek().isSymbol(",") {
                // SQL's `count(distinct x)` is `count_distinct(x)`; no other aggregate takes it.
                guard first.name.lowercased() == "count" else {
                    throw Diagnostic(.invalidArgument, "`\(first.name)(distinct ...)` is not supported", at: current.span,
                                     hints: ["distinct values are counted with count_distinct(x), also written count(distinct x)"])
                }
                advance()
                first = Identifier("count_distinct", span: first.span)
            }
            var arguments: [Expression] = []
            if !current.isSymbol(")") {
                repeat { arguments.append(try bracketed { try $0.expression() }) } while accept(symbol: ",")
            }
            let close = try expect(symbol: ")")
            var span = first.span.to(close.span)
            var filter: Expression?
            if Self.aggregateNames.contains(first.name.lowercased()), current.isWord("where") {
                advance()
                let condition = try expression()
                span = span.to(condition.span)
                filter = condition
            }
            return Expression(.call(first, arguments, filter: filter), span: span)
        }
        var parts = [first]
        while current.isSymbol("."), peek().kind == .identifier || peek().kind == .quotedIdentifier {
            advance()
            parts.append(try identifier())
        }
        return Expression(.name(parts), span: parts.first!.span.to(parts.last!.span))
    }

    private mutating func caseExpression() throws -> Expression {
        let start = try expect(word: "case").span
        // `case x when 1 then ...` compares x with each value; `case when c then ...` tests conditions.
        let subject: Expression? = current.isWord("when") ? nil : try expression()
        var clauses: [WhenClause] = []
        while accept(word: "when") {
            var condition = try expression()
            if let subject {
                condition = Expression.binary(.equal, subject, condition, span: condition.span)
            }
            try expect(word: "then")
            clauses.append(WhenClause(condition: condition, result: try expression()))
        }
        if clauses.isEmpty { throw unexpected("`when`") }
        var otherwise: Expression?
        if accept(word: "else") { otherwise = try expression() }
        let end = try expect(word: "end")
        return Expression(.caseWhen(clauses, otherwise: otherwise), span: start.to(end.span))
    }

    static func dateValue(_ token: Token) throws -> Int64 {
        let bytes = Array(token.text.utf8)
        var days: Int64 = 0
        let ok = bytes.withUnsafeBufferPointer { FieldParsing.parseISODate($0.baseAddress!, $0.count, &days) }
        guard ok else {
            throw Diagnostic(.invalidDate, "`\(token.text)` is not a valid date", at: token.span,
                             hints: ["dates are written YYYY-MM-DD, with a real month and day"])
        }
        return days
    }

    static func timestampValue(_ token: Token) throws -> Int64 {
        let bytes = Array(token.text.utf8)
        var micros: Int64 = 0
        let ok = bytes.withUnsafeBufferPointer { FieldParsing.parseISOTimestamp($0.baseAddress!, $0.count, &micros) }
        guard ok else {
            throw Diagnostic(.invalidDate, "`\(token.text)` is not a valid timestamp", at: token.span,
                             hints: ["timestamps are written YYYY-MM-DDTHH:MM[:SS[.ffffff]]"])
        }
        return micros
    }
}
