/// Window functions in pipelines: `derive prev = lag(visitors), share = share(visitors) by source`
/// after a `sort`, `top 3 by source`, `where total(x) > 0`. Each becomes one
/// `LogicalPlan.window` over the rows, partitioned by the `by` keys and ordered by the keys
/// of the `sort` before (input order without one), which keeps the rows where they are.

/// A window function call found while binding an expression, over the input's rows.
struct WindowCall {
    enum Kind {
        case shifted(offset: Int)
        case runningSum, runningCount
        case moving(MovingAggregate, WindowFrame)
        case rank, denseRank, rowNumber
        case total, share
        case anomaly(previous: Int)
    }

    var kind: Kind
    /// The argument, over the input (nil for `rank()`, `row_number()`, `running_count()`).
    var argument: BoundExpression?
    var type: DataType
    var name: Identifier
    var span: Span

    /// The names, for messages and completion.
    static let names = [
        "lag", "lead", "running_sum", "running_count", "moving_avg", "moving_sum", "moving_count", "rank", "dense_rank", "row_number",
        "total", "share", "anomaly",
    ]

    /// Column numbers of window results while the expressions are bound; moved after the
    /// window's input columns once they are all known.
    static let placeholderBase = 1 << 40
}

extension ExpressionBinder {
    /// `lag(x)`, `running_sum(x)`, `total(x)`, ...: collected in `.windows` mode and replaced by
    /// a reference to the column the window will add.
    mutating func windowCall(_ lower: String, name: Identifier, _ arguments: [Expression], filter: Expression?, span: Span) throws -> BoundExpression {
        guard case .windows = mode else {
            throw Diagnostic(.invalidArgument, "window function `\(name.name)` is only allowed in a pipeline's `derive` (or `where`, `top ... by`)", at: span,
                             hints: ["for example: | sort month | derive previous = lag(visitors) by source"])
        }
        if filter != nil { throw Diagnostic(.invalidArgument, "a window function takes no `where` filter", at: span) }
        var rows = ExpressionBinder(binder: binder, schema: schema, mode: .rows)
        func numeric(_ argument: BoundExpression) throws {
            guard let type = argument.type, !(type.isNumeric || type == .bool) else { return }
            throw Diagnostic(.typeMismatch, "`\(name.name)` needs numbers, found \(type.name)", at: argument.span)
        }
        func sumType(_ argument: BoundExpression) -> DataType { argument.type == .decimal ? .decimal : .int }
        /// A whole number of rows written as a constant, at least `minimum`.
        func count(_ expression: Expression, minimum: Int64, what: String) throws -> Int {
            guard case .int(let value)? = try rows.bind(expression).constantValue, value >= minimum, value <= Int64(Int32.max) else {
                throw Diagnostic(.invalidArgument, "\(what) of `\(name.name)` must be a whole number, at least \(minimum)", at: expression.span)
            }
            return Int(value)
        }
        let call: WindowCall
        switch lower {
        case "lag", "lead":
            try arity(name, arguments, 1, 2)
            let argument = try rows.bind(arguments[0])
            let offset = arguments.count > 1 ? try count(arguments[1], minimum: 0, what: "the offset") : 1
            call = WindowCall(kind: .shifted(offset: lower == "lag" ? -offset : offset), argument: argument, type: argument.type ?? .int, name: name, span: span)
        case "running_sum", "total", "share":
            try arity(name, arguments, 1, 1)
            let argument = try rows.bind(arguments[0])
            try numeric(argument)
            let kind: WindowCall.Kind = lower == "running_sum" ? .runningSum : lower == "total" ? .total : .share
            call = WindowCall(kind: kind, argument: argument, type: lower == "share" ? .decimal : sumType(argument), name: name, span: span)
        case "running_count":
            try arity(name, arguments, 0, 1)
            let argument: BoundExpression?
            if let first = arguments.first, case .star = first.kind { argument = nil } else { argument = try arguments.first.map { try rows.bind($0) } }
            call = WindowCall(kind: .runningCount, argument: argument, type: .int, name: name, span: span)
        case "moving_avg", "moving_sum", "moving_count":
            try arity(name, arguments, 2, 2)
            let argument = try rows.bind(arguments[0])
            let aggregate: MovingAggregate = lower == "moving_avg" ? .mean : lower == "moving_sum" ? .sum : .count
            if aggregate != .count { try numeric(argument) }
            let frame: WindowFrame
            if case .literal(.interval(let length)) = arguments[1].kind {
                guard length.months > 0 || length.days > 0 || length.micros > 0, length.months >= 0, length.days >= 0, length.micros >= 0 else {
                    throw Diagnostic(.invalidArgument, "the length of `\(name.name)` must be positive", at: arguments[1].span)
                }
                frame = .length(length)
            } else {
                frame = .rows(try count(arguments[1], minimum: 1, what: "the number of rows"))
            }
            let type: DataType = aggregate == .mean ? .decimal : aggregate == .count ? .int : sumType(argument)
            call = WindowCall(kind: .moving(aggregate, frame), argument: argument, type: type, name: name, span: span)
        case "anomaly":
            try arity(name, arguments, 2, 2)
            let argument = try rows.bind(arguments[0])
            try numeric(argument)
            let previous = try count(arguments[1], minimum: Int64(AnomalyRule.minimumBaseline), what: "the baseline (rows before)")
            guard previous <= AnomalyRule.maximumBaseline else {
                throw Diagnostic(.invalidArgument, "`anomaly` looks back at most \(AnomalyRule.maximumBaseline) rows", at: arguments[1].span)
            }
            call = WindowCall(kind: .anomaly(previous: previous), argument: argument, type: .bool, name: name, span: span)
        default:  // rank, dense_rank, row_number
            try arity(name, arguments, 0, 0)
            let kind: WindowCall.Kind = lower == "rank" ? .rank : lower == "dense_rank" ? .denseRank : .rowNumber
            call = WindowCall(kind: kind, argument: nil, type: .int, name: name, span: span)
        }
        windowCalls.append(call)
        return BoundExpression(.column(WindowCall.placeholderBase + windowCalls.count - 1), type: call.type, span: span)
    }
}

extension Expression {
    /// Whether a window function is called anywhere in this expression.
    var callsWindowFunction: Bool {
        var found = false
        forEachNode { node in
            if case .call(let name, _, _) = node.kind, WindowCall.names.contains(name.name.lowercased()) { found = true }
        }
        return found
    }
}

extension Binder {
    /// `expressions` bound over `plan` with their window functions computed: the plan with one
    /// window node on top (over a projection of the arguments and keys that are not plain
    /// columns, when there are any), and the expressions over its output, whose first columns
    /// are `plan`'s. Nil when no expression calls a window function.
    /// `names`: what each expression will be called, for the window's column when the
    /// expression is a window call alone (so that `.explain` shows `prev = lag(x)`). The same
    /// call written twice (`x - lag(x)`, `lag(x) / x`) is computed once.
    func windowed(_ expressions: [Expression], names: [String?] = [], over plan: LogicalPlan, partition: [NamedExpression], order: [BoundSortKey]?,
                  span: Span) throws -> (plan: LogicalPlan, expressions: [BoundExpression])? {
        let schema = plan.schema
        let width = schema.fields.count
        var extras: [BoundExpression] = []
        func column(_ expression: BoundExpression) -> Int {
            if case .column(let index) = expression.kind { return index }
            extras.append(expression)
            return width + extras.count - 1
        }
        var collector = ExpressionBinder(binder: self, schema: schema, mode: .windows)
        var bound = try expressions.map { try collector.bind($0) }
        if collector.windowCalls.isEmpty { return nil }
        // Calls written more than once, computed once: `unique[k]` is call k's column.
        var calls: [WindowCall] = []
        var unique: [Int] = []
        var seen: [String: Int] = [:]
        for call in collector.windowCalls {
            let key = String(describing: call.kind) + "|" + (call.argument.map { BoundExpressionPrinter.text($0, in: schema) } ?? "")
            if let index = seen[key] {
                unique.append(index)
            } else {
                seen[key] = calls.count
                unique.append(calls.count)
                calls.append(call)
            }
        }
        bound = bound.map { $0.remapColumns { $0 >= WindowCall.placeholderBase ? WindowCall.placeholderBase + unique[$0 - WindowCall.placeholderBase] : $0 } }
        var callNames = calls.enumerated().map { "__" + $0.element.name.name.lowercased() + "\($0.offset)" }
        for (k, expression) in bound.enumerated() where k < names.count {
            if case .column(let c) = expression.kind, c >= WindowCall.placeholderBase, let name = names[k], schema.index(of: name) == nil {
                callNames[c - WindowCall.placeholderBase] = name
            }
        }

        var rows = ExpressionBinder(binder: self, schema: schema, mode: .rows)
        let partitionColumns = try partition.map { column(try rows.bind($0.expression)) }
        let orderKeys = (order ?? []).map { WindowOrderKey(column: column($0.expression), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        var functions: [WindowFunction] = []
        for call in calls {
            let argument = call.argument.map(column)
            switch call.kind {
            case .shifted(let offset): functions.append(.shifted(argument!, offset: offset))
            case .runningSum: functions.append(.runningSum(argument!))
            case .runningCount: functions.append(.runningCount(argument))
            case .total: functions.append(.total(argument!))
            case .share: functions.append(.share(argument!))
            case .anomaly(let previous): functions.append(.anomaly(argument!, previous: previous))
            case .rowNumber: functions.append(.rowNumber)
            case .rank, .denseRank:
                guard !orderKeys.isEmpty else {
                    throw Diagnostic(.invalidArgument, "`\(call.name.name)` ranks by the order of a `sort` step before it", at: call.span,
                                     hints: ["for example: | sort revenue desc | derive place = \(call.name.name)() by source"])
                }
                if case .rank = call.kind { functions.append(.rank) } else { functions.append(.denseRank) }
            case .moving(let aggregate, let frame):
                if case .length(let length) = frame {
                    guard let keys = order, keys.count == 1, let type = keys[0].expression.type, type.isTemporal, !keys[0].descending else {
                        throw Diagnostic(.invalidArgument, "`\(call.name.name)` over a length of time needs the rows sorted by one date or timestamp, ascending",
                                         at: call.span, hints: ["for example: | sort day | derive weekly = \(call.name.name)(visitors, 7 days)"])
                    }
                    if type == .date, length.micros != 0 {
                        throw Diagnostic(.invalidArgument, "the rows are sorted by a date: the length must be days, weeks, months or years", at: call.span)
                    }
                }
                functions.append(.moving(aggregate, argument!, frame))
            }
        }
        let preWidth = width + extras.count
        let preFields = schema.fields + extras.enumerated().map { Schema.Field(name: "__window_input\($0.offset)", type: $0.element.type ?? .int) }
        let input: LogicalPlan = extras.isEmpty ? plan
            : .project(plan, schema.fields.indices.map { BoundExpression(.column($0), type: schema.fields[$0].type, span: span) } + extras,
                       Schema(fields: preFields, datasetName: schema.datasetName))
        let outputFields = preFields + calls.enumerated().map { Schema.Field(name: callNames[$0.offset], type: $0.element.type) }
        let window = LogicalPlan.window(input, partition: partitionColumns, order: orderKeys, functions: functions, keepsInputOrder: true,
                                        Schema(fields: outputFields, datasetName: schema.datasetName))
        let remapped = bound.map { expression in
            expression.remapColumns { $0 >= WindowCall.placeholderBase ? preWidth + ($0 - WindowCall.placeholderBase) : $0 }
        }
        return (window, remapped)
    }

    /// `derive ... [by keys]`: items that call window functions are computed over one window
    /// per run of items that do not read each other (an item reading a column derived before it
    /// in the same step starts a new run, as for plain items).
    func derive(_ items: [NamedExpression], by partition: [NamedExpression], on plan: LogicalPlan, order: inout [BoundSortKey]?,
                span: Span) throws -> LogicalPlan {
        let windowed = items.contains { $0.expression.callsWindowFunction }
        if !partition.isEmpty, !windowed {
            throw Diagnostic(.invalidStep, "`by` in `derive` gives the partitions of window functions, and this `derive` calls none", at: partition[0].span,
                             hints: ["window functions: " + WindowCall.names.joined(separator: ", "),
                                     "to compute per group, use `| group ... | agg ...`"])
        }
        var result = plan
        if !windowed {
            result = try deriveRows(items, on: plan, span: span)
        } else {
            var run: [NamedExpression] = []
            var runNames = Set<String>()
            func flush() throws {
                guard !run.isEmpty else { return }
                result = try deriveRun(run, by: partition, on: result, order: order, span: span)
                run = []
                runNames = []
            }
            for item in items {
                var readsRun = false
                item.expression.forEachNode { node in
                    if case .name(let parts) = node.kind, parts.count == 1, runNames.contains(parts[0].name) { readsRun = true }
                }
                if readsRun { try flush() }
                run.append(item)
                runNames.insert(item.name!.name)
            }
            try flush()
        }
        // An order key reading a column this step replaced no longer holds.
        let replaced = Set(plan.schema.fields.indices.filter { index in items.contains { $0.name?.name == plan.schema.fields[index].name } })
        if let keys = order, keys.contains(where: { !$0.expression.columnsRead.isDisjoint(with: replaced) }) { order = nil }
        return result
    }

    /// One run of derive items, some calling window functions.
    private func deriveRun(_ items: [NamedExpression], by partition: [NamedExpression], on plan: LogicalPlan, order: [BoundSortKey]?,
                           span: Span) throws -> LogicalPlan {
        let schema = plan.schema
        var seen = Set<String>()
        for item in items where !seen.insert(item.name!.name).inserted {
            throw Diagnostic(.duplicateName, "`\(item.name!.name)` is derived twice in this step", at: item.name!.span)
        }
        guard let (window, bound) = try windowed(items.map(\.expression), names: items.map { $0.name?.name }, over: plan, partition: partition,
                                                 order: order, span: span) else {
            return try deriveRows(items, on: plan, span: span)
        }
        var fields = schema.fields
        var expressions = fields.indices.map { BoundExpression(.column($0), type: fields[$0].type, span: span) }
        for (item, expression) in zip(items, bound) {
            let name = item.name!.name
            let field = Schema.Field(name: name, type: expression.type ?? .int, origin: nil)
            if let index = fields.firstIndex(where: { $0.name == name }) {
                fields[index] = field
                expressions[index] = expression
            } else {
                fields.append(field)
                expressions.append(expression)
            }
        }
        return .project(window, expressions, Schema(fields: fields, datasetName: schema.datasetName))
    }

    /// `where` with window functions: computed, filtered on, then dropped.
    func windowedFilter(_ condition: Expression, on plan: LogicalPlan, order: [BoundSortKey]?, span: Span) throws -> LogicalPlan? {
        guard let (window, bound) = try windowed([condition], over: plan, partition: [], order: order, span: span) else { return nil }
        let schema = plan.schema
        let test = try ExpressionBinder(binder: self, schema: window.schema).asCondition(bound[0])
        return .project(.filter(window, test), schema.fields.indices.map { BoundExpression(.column($0), type: schema.fields[$0].type, span: span) }, schema)
    }

    /// `top N [offset M] by keys`: the rows numbered M+1 .. M+N in each partition, in the
    /// order of the `sort` before (input order without one).
    func limitPer(count: Int64, offset: Int64, by partition: [NamedExpression], on plan: LogicalPlan, order: [BoundSortKey]?,
                  span: Span) throws -> LogicalPlan {
        guard count >= 0, offset >= 0 else { throw Diagnostic(.invalidArgument, "the number of rows cannot be negative", at: span) }
        let call = Expression(.call(Identifier("row_number", span: span), [], filter: nil), span: span)
        guard let (window, bound) = try windowed([call], over: plan, partition: partition, order: order, span: span) else {
            preconditionFailure("row_number() is a window function")
        }
        let schema = plan.schema
        let (first, last) = (offset, offset.addingReportingOverflow(count).overflow ? Int64.max : offset + count)
        let number = bound[0]
        let test = BoundExpression.logical(isAnd: true, [
            BoundExpression(.comparison(.greater, number, BoundExpression(.constant(.int(first)), type: .int, span: span)), type: .bool, span: span),
            BoundExpression(.comparison(.lessOrEqual, number, BoundExpression(.constant(.int(last)), type: .int, span: span)), type: .bool, span: span),
        ], span: span)
        return .project(.filter(window, test), schema.fields.indices.map { BoundExpression(.column($0), type: schema.fields[$0].type, span: span) }, schema)
    }
}
