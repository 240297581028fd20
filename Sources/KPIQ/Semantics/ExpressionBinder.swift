/// Binds expressions against one schema.
///
/// In `.rows` mode aggregates are refused. In `.aggregates` mode (the `agg` step) each
/// aggregate call is bound against the input, collected, and replaced by a reference to its
/// output column; a plain column is allowed only when it is a group key.
struct ExpressionBinder {
    enum Mode {
        case rows
        case aggregates
        /// Rows, where window functions may be called (`derive`, `where`): each is collected
        /// in `windowCalls` and read from the column the window adds.
        case windows
    }

    let binder: Binder
    let schema: Schema
    let mode: Mode
    /// Aggregate mode: group keys (their bound expressions over the input), by position.
    var keys: [BoundExpression] = []
    var keyNames: [String] = []
    /// Aggregate mode: aggregates found so far; output column `keys.count + i`.
    var aggregates: [BoundAggregate] = []
    /// Window mode: window function calls found so far; call `k` is read from column
    /// `WindowCall.placeholderBase + k` until the window's input is laid out.
    var windowCalls: [WindowCall] = []

    init(binder: Binder, schema: Schema, mode: Mode = .rows) {
        self.binder = binder
        self.schema = schema
        self.mode = mode
    }

    mutating func bind(_ expression: Expression) throws -> BoundExpression {
        let span = expression.span
        switch expression.kind {
        case .literal(let literal):
            return try Self.literal(literal, span: span)
        case .star:
            throw Diagnostic(.unexpectedToken, "`*` is only allowed as `count(*)`", at: span)
        case .name(let parts):
            return try name(parts, span: span)
        case .unary(.negate, let operand):
            let bound = try bind(operand)
            guard bound.type == nil || bound.type!.isNumeric else {
                throw Diagnostic(.typeMismatch, "cannot negate a value of type \(bound.type!.name)", at: span)
            }
            return fold(BoundExpression(.negate(bound), type: bound.type, span: span))
        case .unary(.not, let operand):
            return fold(BoundExpression(.not(try condition(operand)), type: .bool, span: span))
        case .chain(let first, let links):
            return try chain(first, links)
        case .call(let name, let arguments, let filter):
            return try call(name, arguments, filter: filter, span: span)
        case .isNull(let operand, let negated):
            return fold(BoundExpression(.isNull(try bind(operand), negated: negated), type: .bool, span: span))
        case .inList(let operand, let items, let negated):
            return try inList(operand, items, negated: negated, span: span)
        case .between(let operand, let low, let high, let negated):
            let x = try bind(operand)
            let lower = try comparison(.greaterOrEqual, x, try bind(low), span: span)
            let upper = try comparison(.lessOrEqual, x, try bind(high), span: span)
            let both = BoundExpression.logical(isAnd: true, [lower, upper], span: span)
            return fold(negated ? BoundExpression(.not(fold(both)), type: .bool, span: span) : both)
        case .like(let operand, let pattern, let negated):
            let x = try bind(operand)
            guard x.type == .text || x.type == nil else {
                throw Diagnostic(.typeMismatch, "`like` needs text, found \(x.type!.name)", at: operand.span)
            }
            guard case .constant(.text(let text)) = try bind(pattern).kind else {
                throw Diagnostic(.invalidArgument, "the pattern of `like` must be a text constant", at: pattern.span,
                                 hints: ["for example: page like \"/blog/%\""])
            }
            return fold(BoundExpression(.like(x, pattern: text, negated: negated), type: .bool, span: span))
        case .caseWhen(let clauses, let otherwise):
            return try caseWhen(clauses.map { ($0.condition, $0.result) }, otherwise: otherwise, span: span)
        case .during(let operand, let range):
            let x = try bind(operand)
            guard x.type == .date || x.type == .timestamp else {
                throw Diagnostic(.typeMismatch, "`during` needs a date or timestamp, found \(x.type?.name ?? "null")", at: operand.span)
            }
            let (start, end) = TimeRangeResolver.resolve(range, asOf: binder.asOf)
            let low = Self.timeConstant(start, like: x.type!, span: range.span)
            let high = Self.timeConstant(end, like: x.type!, span: range.span)
            let lower = BoundExpression(.comparison(.greaterOrEqual, x, low), type: .bool, span: span)
            let upper = BoundExpression(.comparison(.less, x, high), type: .bool, span: span)
            return fold(BoundExpression.logical(isAnd: true, [lower, upper], span: span))
        }
    }

    static func timeConstant(_ day: Int64, like type: DataType, span: Span) -> BoundExpression {
        type == .timestamp
            ? BoundExpression(.constant(.timestamp(day * CivilCalendar.microsPerDay)), type: .timestamp, span: span)
            : BoundExpression(.constant(.date(day)), type: .date, span: span)
    }

    static func literal(_ literal: Literal, span: Span) throws -> BoundExpression {
        switch literal {
        case .integer(let v): return BoundExpression(.constant(.int(v)), type: .int, span: span)
        case .decimal(let v): return BoundExpression(.constant(.decimal(v)), type: .decimal, span: span)
        case .string(let s): return BoundExpression(.constant(.text(s)), type: .text, span: span)
        case .bool(let b): return BoundExpression(.constant(.bool(b)), type: .bool, span: span)
        case .null: return BoundExpression(.constant(.null), type: nil, span: span)
        case .date(let d): return BoundExpression(.constant(.date(d)), type: .date, span: span)
        case .timestamp(let t): return BoundExpression(.constant(.timestamp(t)), type: .timestamp, span: span)
        case .interval:
            throw Diagnostic(.typeMismatch, "a length of time can only be added to or taken from a date or timestamp", at: span,
                             hints: ["for example: ts >= today() - 30 days"])
        }
    }

    private mutating func name(_ parts: [Identifier], span: Span) throws -> BoundExpression {
        let index: Int
        if parts.count == 1 {
            index = try Binder.column(parts[0], in: schema)
        } else if parts.count == 2 {
            // `dataset.column`: a column of this input read from that dataset.
            if let found = schema.fields.firstIndex(where: { $0.origin?.dataset == parts[0].name && $0.origin?.column == parts[1].name }) {
                index = found
            } else if schema.datasetName == parts[0].name || binder.catalog[parts[0].name] != nil {
                index = try Binder.column(parts[1], in: schema)
            } else {
                _ = try binder.dataset(parts[0])
                index = try Binder.column(parts[1], in: schema)
            }
        } else {
            throw Diagnostic(.unknownColumn, "a name has at most two parts (`dataset.column`)", at: span)
        }
        let field = schema.fields[index]
        let column = BoundExpression(.column(index), type: field.type, span: span)
        if case .aggregates = mode {
            if let k = keys.firstIndex(where: { if case .column(let i) = $0.kind { return i == index } else { return false } }) {
                return BoundExpression(.column(k), type: field.type, span: span)
            }
            throw Diagnostic(.aggregateRequired, "column `\(field.name)` is neither a group key nor inside an aggregate", at: span,
                             hints: ["group by it (`| group \(Identifier.quote(field.name)) | agg ...`) or aggregate it, e.g. `max(\(Identifier.quote(field.name)))`"])
        }
        // A column with no values is null in every row: the `null` literal, whose type mixes
        // with any other in comparisons, functions and aggregates.
        if field.untyped { return BoundExpression(.constant(.null), type: nil, span: span) }
        return column
    }

    /// A boolean operand: numbers count as true when not zero (`where converted`).
    mutating func condition(_ expression: Expression) throws -> BoundExpression {
        try asCondition(try bind(expression))
    }

    /// `bound` used as a condition.
    func asCondition(_ bound: BoundExpression) throws -> BoundExpression {
        switch bound.type {
        case .bool?, nil: return bound
        case .int?, .decimal?:
            let zero = BoundExpression(.constant(.int(0)), type: .int, span: bound.span)
            return fold(BoundExpression(.comparison(.notEqual, bound, zero), type: .bool, span: bound.span))
        case let type?:
            throw Diagnostic(.typeMismatch, "expected a condition (bool), found \(type.name)", at: bound.span,
                             hints: ["compare it with something, e.g. `x = ...`"])
        }
    }

    func shift(_ x: BoundExpression, _ interval: Interval, span: Span) throws -> BoundExpression {
        guard x.type == .date || x.type == .timestamp else {
            throw Diagnostic(.typeMismatch, "a length of time can only move a date or timestamp, not \(x.type?.name ?? "null")", at: x.span)
        }
        let type: DataType = x.type == .date && interval.micros == 0 ? .date : .timestamp
        return fold(BoundExpression(.shift(x, interval), type: type, span: span))
    }

    /// The type of `x op y` for an arithmetic operator, or an error at `span`.
    static func arithmeticType(_ op: BinaryOperator, _ x: DataType?, _ y: DataType?, span: Span) throws -> DataType? {
        switch (x, y) {
        case (nil, _), (_, nil):
            return x ?? y
        case (.date?, .int?) where op == .add || op == .subtract, (.int?, .date?) where op == .add:
            return .date
        case (.date?, .date?) where op == .subtract:
            return .int
        case (.timestamp?, .timestamp?) where op == .subtract:
            return .decimal
        case (let a?, let b?) where a.isNumeric && b.isNumeric:
            return op == .divide || a == .decimal || b == .decimal ? .decimal : .int
        case (.bool?, let b?) where b.isNumeric, (let b?, .bool?) where b.isNumeric:
            return op == .divide || b == .decimal ? .decimal : .int
        case (let a?, let b?):
            throw Diagnostic(.typeMismatch, "cannot apply `\(op.rawValue)` to \(a.name) and \(b.name)", at: span,
                             hints: a.isTemporal || b.isTemporal
                                 ? ["for differences between times use date_diff(\"day\", start, end); add lengths of time like `+ 7 days`"] : [])
        }
    }

    /// Comparisons; a text constant next to a date or timestamp is read as one.
    func comparison(_ op: BinaryOperator, _ x: BoundExpression, _ y: BoundExpression, span: Span) throws -> BoundExpression {
        var x = x, y = y
        if let coerced = Self.coerceTextConstant(y, toMatch: x) { y = coerced }
        if let coerced = Self.coerceTextConstant(x, toMatch: y) { x = coerced }
        let compatible: Bool
        switch (x.type, y.type) {
        case (nil, _), (_, nil): compatible = true
        case (let a?, let b?):
            compatible = a == b || (a.isNumeric && b.isNumeric) || (a.isTemporal && b.isTemporal)
                || (a == .bool && b.isNumeric) || (b == .bool && a.isNumeric)
        }
        guard compatible else {
            throw Diagnostic(.typeMismatch, "cannot compare \(x.type!.name) with \(y.type!.name)", at: span,
                             hints: x.type == .text || y.type == .text ? ["convert one side: int(x), decimal(x), date(x) or text(x)"] : [])
        }
        return fold(BoundExpression(.comparison(op, x, y), type: .bool, span: span))
    }

    /// `"2024-03-01"` compared with a date column is the date 2024-03-01.
    static func coerceTextConstant(_ constant: BoundExpression, toMatch other: BoundExpression) -> BoundExpression? {
        guard case .constant(.text(let text)) = constant.kind, let target = other.type, target.isTemporal || target.isNumeric || target == .bool else {
            return nil
        }
        let converted = CastExpression.convert(.text(text), to: target)
        guard !converted.isNull else { return nil }
        return BoundExpression(.constant(converted), type: target, span: constant.span)
    }

    private mutating func inList(_ operand: Expression, _ items: [Expression], negated: Bool, span: Span) throws -> BoundExpression {
        let x = try bind(operand)
        var constants: [Scalar] = []
        var others: [BoundExpression] = []
        for item in items {
            var bound = try bind(item)
            if let coerced = Self.coerceTextConstant(bound, toMatch: x) { bound = coerced }
            if let value = bound.constantValue {
                _ = try comparison(.equal, x, bound, span: item.span)
                constants.append(value)
            } else {
                others.append(try comparison(.equal, x, bound, span: item.span))
            }
        }
        var result = BoundExpression(.inList(x, constants, negated: false), type: .bool, span: span)
        if !others.isEmpty { result = BoundExpression.logical(isAnd: false, [result] + others, span: span) }
        return fold(negated ? BoundExpression(.not(result), type: .bool, span: span) : result)
    }

    mutating func caseWhen(_ clauses: [(Expression, Expression)], otherwise: Expression?, span: Span) throws -> BoundExpression {
        var bound: [BoundWhen] = []
        var type: DataType?
        var first = true
        for (condition, result) in clauses {
            let c = try self.condition(condition)
            let r = try bind(result)
            guard let unified = Binder.unify(type, r.type) else {
                throw Diagnostic(.typeMismatch, "the branches of this `case` mix \(type!.name) and \(r.type!.name)", at: result.span)
            }
            type = first ? r.type : unified
            first = false
            bound.append(BoundWhen(condition: c, result: r))
        }
        var otherwiseBound: BoundExpression?
        if let otherwise {
            let r = try bind(otherwise)
            guard let unified = Binder.unify(type, r.type) else {
                throw Diagnostic(.typeMismatch, "the branches of this `case` mix \(type!.name) and \(r.type!.name)", at: otherwise.span)
            }
            type = unified
            otherwiseBound = r
        }
        if type == .timestamp {
            // A date branch among timestamps is its midnight (its stored value is a day number).
            func midnight(_ e: BoundExpression) -> BoundExpression { e.type == .date ? Binder.converted(e, to: .timestamp) : e }
            bound = bound.map { BoundWhen(condition: $0.condition, result: midnight($0.result)) }
            otherwiseBound = otherwiseBound.map(midnight)
        }
        return fold(BoundExpression(.caseWhen(bound, otherwise: otherwiseBound), type: type, span: span))
    }

    /// Evaluates an expression whose inputs are all constants. Its operands were folded when
    /// they were bound, so it is constant exactly when they all are (no walk down the tree).
    func fold(_ expression: BoundExpression) -> BoundExpression {
        switch expression.kind {
        case .constant, .column: return expression
        default: break
        }
        guard expression.children.allSatisfy({ $0.constantValue != nil }) else { return expression }
        let table = Table(names: [], columns: [], rowCount: 1)
        let batch = Batch(table: table, start: 0, count: 1)
        guard let vector = try? PhysicalExpressions.build(expression).evaluate(batch) else { return expression }
        return BoundExpression(.constant(vector.scalar(at: 0)), type: expression.type, span: expression.span)
    }
}
