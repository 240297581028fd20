/// Pipelines: `from source | step | ...` to a logical plan.
extension Binder {
    package struct BoundPipeline: Sendable {
        package var plan: LogicalPlan
        package var chart: ChartRequest?
    }

    package func bind(_ pipeline: Pipeline) throws -> BoundPipeline {
        try bind(pipeline.steps, on: try source(pipeline.source))
    }

    /// Steps over a plan bound already: a pipeline's source, or the table of a KPI statement
    /// (which the session computes, since the binder does not run statements).
    package func bind(_ steps: [PipelineStep], on source: LogicalPlan) throws -> BoundPipeline {
        var plan = source
        var chart: ChartRequest?
        // Keys of the other side that a join dropped (`join u on a = w` keeps `a` only), so
        // that a later `w` is explained instead of called unknown in the first dataset.
        var droppedKeys: [DroppedJoinKey] = []
        // The keys of the last `sort`, while the rows stay in its order and its columns hold:
        // the order of window functions (nil: the input's own order).
        var order: [BoundSortKey]?
        for step in steps {
            if chart != nil {
                throw Diagnostic(.invalidStep, "`chart` must be the last step", at: step.span)
            }
            switch step.kind {
            case .chart(let request):
                let names = plan.schema.names
                for column in [request.x].compactMap({ $0 }) + request.y where !names.contains(column) {
                    throw Diagnostic(.unknownColumn, "unknown column `\(column)` in this result", at: step.span,
                                     label: EditDistance.closest(to: column, among: names).map { "did you mean `\($0)`?" })
                }
                chart = request
            default:
                do {
                    plan = try bind(step, on: plan, order: &order)
                } catch let diagnostic as Diagnostic {
                    throw DroppedJoinKey.explain(diagnostic, droppedKeys)
                }
                let names = Set(plan.schema.names)
                droppedKeys.removeAll { names.contains($0.name) }
                if case .join(let join) = step.kind { droppedKeys += DroppedJoinKey.keys(of: join) }
            }
        }
        return BoundPipeline(plan: plan, chart: chart)
    }

    func source(_ source: PipelineSource) throws -> LogicalPlan {
        switch source {
        case .dataset(let name):
            let dataset = try dataset(name)
            return .scan(name: dataset.name, table: dataset.table)
        case .pipeline(let inner):
            return try bind(inner).plan
        case .kpi(let statement):
            // The parser reads a KPI statement only at the head of a statement, where the
            // session runs it and binds the steps over its table (`bind(_:on:)`).
            throw Diagnostic(.invalidStep, "a `\(statement.word)` can only start a statement", at: statement.span,
                             hints: ["keep its result with `let name = \(statement.word) ...`, then use `name` here"])
        }
    }

    private func bind(_ step: PipelineStep, on plan: LogicalPlan, order: inout [BoundSortKey]?) throws -> LogicalPlan {
        let schema = plan.schema
        let kept = order
        order = nil
        switch step.kind {
        case .filter(let condition):
            order = kept
            if condition.callsWindowFunction, let filtered = try windowedFilter(condition, on: plan, order: kept, span: step.span) {
                return filtered
            }
            var binder = ExpressionBinder(binder: self, schema: schema)
            let bound = try binder.condition(condition)
            if case .constant(.bool(true)) = bound.kind { return plan }
            return .filter(plan, bound)

        case .derive(let items, let partition):
            order = kept
            return try derive(items, by: partition, on: plan, order: &order, span: step.span)

        case .select(let items):
            let projected = try select(items, on: plan)
            order = Self.carried(kept, through: projected)
            return projected

        case .exclude(let names):
            var dropped = Set<Int>()
            for name in names { dropped.insert(try Binder.column(name, in: schema)) }
            let remaining = schema.fields.indices.filter { !dropped.contains($0) }
            guard !remaining.isEmpty else { throw Diagnostic(.invalidStep, "this `select` leaves no column", at: step.span) }
            let projected = LogicalPlan.project(plan, remaining.map { BoundExpression(.column($0), type: schema.fields[$0].type, span: step.span) },
                                                Schema(fields: remaining.map { schema.fields[$0] }, datasetName: schema.datasetName))
            order = Self.carried(kept, through: projected)
            return projected

        case .aggregate(let keyItems, let valueItems, let withTotal):
            return try aggregate(plan, keys: keyItems, values: valueItems, withTotal: withTotal, span: step.span)

        case .sort(let keys):
            var binder = ExpressionBinder(binder: self, schema: schema)
            let bound = try keys.map { key in
                BoundSortKey(expression: try binder.bind(key.expression), descending: key.descending, nullsFirst: key.nullsFirst ?? false)
            }
            order = bound
            return .sort(plan, bound)

        case .limit(let count, let offset):
            order = kept
            guard count >= 0, offset >= 0 else { throw Diagnostic(.invalidArgument, "the number of rows cannot be negative", at: step.span) }
            return .limit(plan, count: Int(clamping: count), offset: Int(clamping: offset))

        case .limitPer(let count, let offset, let partition):
            order = kept
            return try limitPer(count: count, offset: offset, by: partition, on: plan, order: kept, span: step.span)

        case .distinct(let items):
            var input = plan
            if !items.isEmpty {
                input = try select(items, on: plan)
            }
            let s = input.schema
            let keys = s.fields.indices.map { BoundExpression(.column($0), type: s.fields[$0].type, span: step.span) }
            return .aggregate(input, keys: keys, aggregates: [], s)

        case .join(let join):
            return try bindJoin(join, on: plan, span: step.span)

        case .union(let other):
            return try union(other, on: plan, span: step.span)

        case .chart:
            order = kept
            return plan
        }
    }

    /// `plan` with the given untyped columns cast to a type (all their values are null).
    private static func retyped(_ plan: LogicalPlan, _ types: [Int: DataType], span: Span) -> LogicalPlan {
        guard !types.isEmpty else { return plan }
        var fields = plan.schema.fields
        var expressions: [BoundExpression] = []
        for (index, field) in fields.enumerated() {
            let column = BoundExpression(.column(index), type: field.type, span: span)
            guard let type = types[index] else {
                expressions.append(column)
                continue
            }
            // Every value is null: a typed null, without reading the column.
            expressions.append(BoundExpression(.constant(.null), type: type, span: span))
            fields[index] = Schema.Field(name: field.name, type: type, origin: field.origin)
        }
        return .project(plan, expressions, Schema(fields: fields, datasetName: plan.schema.datasetName))
    }

    /// A bare name of a column with no values, bound as that column (not as `null`), for the
    /// steps that pass a column through (a `select` item, a group key): it stays untyped.
    private func untypedColumn(_ expression: Expression, in schema: Schema) throws -> BoundExpression? {
        guard case .name(let parts) = expression.kind, parts.count == 1 else { return nil }
        guard let index = try? Binder.column(parts[0], in: schema), schema.fields[index].untyped else { return nil }
        return BoundExpression(.column(index), type: schema.fields[index].type, span: expression.span)
    }

    /// A column of one side of a union in the unified type: a typed null when it has no values.
    private static func unionColumn(_ index: Int, _ field: Schema.Field, to type: DataType, span: Span) -> BoundExpression {
        if field.untyped, type != field.type { return BoundExpression(.constant(.null), type: type, span: span) }
        return converted(BoundExpression(.column(index), type: field.type, span: span), to: type)
    }

    /// Sort keys over a projection's input, over its output instead: when each column they read
    /// is passed through unchanged (else nil: the order is no longer known by name).
    static func carried(_ keys: [BoundSortKey]?, through projection: LogicalPlan) -> [BoundSortKey]? {
        guard let keys, case .project(_, let expressions, _) = projection else { return nil }
        var position: [Int: Int] = [:]
        for (k, expression) in expressions.enumerated() {
            if case .column(let index) = expression.kind, position[index] == nil { position[index] = k }
        }
        guard keys.allSatisfy({ $0.expression.columnsRead.allSatisfy { position[$0] != nil } }) else { return nil }
        return keys.map { key in
            var key = key
            key.expression = key.expression.remapColumns { position[$0]! }
            return key
        }
    }

    /// `derive` items without window functions.
    func deriveRows(_ items: [NamedExpression], on plan: LogicalPlan, span: Span) throws -> LogicalPlan {
        let schema = plan.schema
        // Later items may use earlier ones. An item that reads a column derived in this
        // step starts a new projection over the one before, so each expression is computed
        // once (`b = a + a` does not compute `a` twice, and chains of such items do not
        // grow exponentially).
        var plan = plan
        var fields = schema.fields
        var expressions = fields.indices.map { BoundExpression(.column($0), type: fields[$0].type, span: span) }
        var derivedHere = Set<Int>()
        var seen = Set<String>()
        for item in items {
            let name = item.name!.name
            guard seen.insert(name).inserted else {
                throw Diagnostic(.duplicateName, "`\(name)` is derived twice in this step", at: item.name!.span)
            }
            let current = Schema(fields: fields, datasetName: schema.datasetName)
            var binder = ExpressionBinder(binder: self, schema: current)
            let bound = try binder.bind(item.expression)
            if !bound.columnsRead.isDisjoint(with: derivedHere) {
                plan = .project(plan, expressions, current)
                expressions = fields.indices.map { BoundExpression(.column($0), type: fields[$0].type, span: span) }
                derivedHere = []
            }
            let field = Schema.Field(name: name, type: bound.type ?? .int, origin: nil)
            let index = fields.firstIndex(where: { $0.name == name }) ?? fields.count
            if index == fields.count {
                fields.append(field)
                expressions.append(bound)
            } else {
                fields[index] = field
                expressions[index] = bound
            }
            derivedHere.insert(index)
        }
        return .project(plan, expressions, Schema(fields: fields, datasetName: schema.datasetName))
    }

    /// `select` items over `plan`.
    private func select(_ items: [NamedExpression], on plan: LogicalPlan) throws -> LogicalPlan {
        let schema = plan.schema
        var expressions: [BoundExpression] = []
        var fields: [Schema.Field] = []
        for item in items {
            var binder = ExpressionBinder(binder: self, schema: schema)
            let untyped = try untypedColumn(item.expression, in: schema)
            let bound = try untyped ?? binder.bind(item.expression)
            let name = item.name?.name ?? defaultName(item.expression)
            guard !fields.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "two columns named `\(name)` in this `select`", at: item.span,
                                 hints: ["rename one: `select new_name = \(name)`"])
            }
            var origin: (dataset: String, column: String)?
            if let index = columnIndex(bound) { origin = schema.fields[index].origin }
            fields.append(Schema.Field(name: name, type: bound.type ?? .int, origin: origin, untyped: untyped != nil))
            expressions.append(bound)
        }
        return .project(plan, expressions, Schema(fields: fields, datasetName: schema.datasetName))
    }

    private func union(_ other: PipelineSource, on plan: LogicalPlan, span: Span) throws -> LogicalPlan {
        let schema = plan.schema
        let right = try source(other)
        let rs = right.schema
        guard Set(rs.names) == Set(schema.names), rs.names.count == schema.names.count else {
            throw Diagnostic(.unionMismatch, "`union` needs the same columns on both sides", at: span,
                             hints: ["left: " + schema.names.joined(separator: ", "), "right: " + rs.names.joined(separator: ", ")])
        }
        var fields: [Schema.Field] = []
        var rightExpressions: [BoundExpression] = []
        var leftExpressions: [BoundExpression] = []
        for (index, field) in schema.fields.enumerated() {
            let r = rs.index(of: field.name)!
            // A column with no values takes the other side's type (both without: still none).
            let bothUntyped = field.untyped && rs.fields[r].untyped
            guard let type = bothUntyped ? field.type : Binder.unify(field.unifiableType, rs.fields[r].unifiableType), let unified = type else {
                throw Diagnostic(.unionMismatch, "column `\(field.name)` is \(field.type.name) on the left and \(rs.fields[r].type.name) on the right",
                                 at: span)
            }
            fields.append(Schema.Field(name: field.name, type: unified, untyped: bothUntyped))
            leftExpressions.append(Self.unionColumn(index, field, to: unified, span: span))
            rightExpressions.append(Self.unionColumn(r, rs.fields[r], to: unified, span: span))
        }
        let outSchema = Schema(fields: fields, datasetName: schema.datasetName)
        // The left side needs no projection when no column changes type (so that a run of
        // unions stays one run for the executor).
        let leftKept = fields.indices.allSatisfy { fields[$0].type == schema.fields[$0].type }
        let left = leftKept ? plan : .project(plan, leftExpressions, outSchema)
        return .union(left, .project(right, rightExpressions, outSchema), outSchema)
    }

    static func converted(_ expression: BoundExpression, to type: DataType) -> BoundExpression {
        expression.type == type ? expression : BoundExpression(.cast(expression), type: type, span: expression.span)
    }

    private func columnIndex(_ expression: BoundExpression) -> Int? {
        if case .column(let i) = expression.kind { return i }
        return nil
    }

    /// `group keys | agg values` (or `agg values` alone).
    private func aggregate(_ plan: LogicalPlan, keys keyItems: [NamedExpression], values: [NamedExpression], withTotal: Bool,
                           span: Span) throws -> LogicalPlan {
        let schema = plan.schema
        var rows = ExpressionBinder(binder: self, schema: schema)
        var keys: [BoundExpression] = []
        var keyFields: [Schema.Field] = []
        for item in keyItems {
            let untyped = try untypedColumn(item.expression, in: schema)
            let bound = try untyped ?? rows.bind(item.expression)
            let name = item.name?.name ?? defaultName(item.expression)
            guard !keyFields.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "two group keys named `\(name)`", at: item.span)
            }
            var origin: (dataset: String, column: String)?
            if case .column(let index) = bound.kind { origin = schema.fields[index].origin }
            keys.append(bound)
            keyFields.append(Schema.Field(name: name, type: bound.type ?? .text, origin: origin, untyped: untyped != nil))
        }
        var collector = ExpressionBinder(binder: self, schema: schema, mode: .aggregates)
        collector.keys = keys
        collector.keyNames = keyFields.map(\.name)
        var outputs: [BoundExpression] = []
        var outputFields: [Schema.Field] = []
        for item in values {
            let bound = try collector.bind(item.expression)
            let name = item.name?.name ?? defaultName(item.expression)
            guard !keyFields.contains(where: { $0.name == name }), !outputFields.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "two columns named `\(name)` in this result", at: item.span,
                                 hints: ["name it: `\(Identifier.quote(name + "_2")) = ...`"])
            }
            outputs.append(bound)
            outputFields.append(Schema.Field(name: name, type: bound.type ?? .int))
        }
        let aggregates = collector.aggregates
        let aggregateFields = aggregates.enumerated().map { Schema.Field(name: "_agg\($0.offset)", type: $0.element.type) }
        let intermediate = Schema(fields: keyFields + aggregateFields, datasetName: schema.datasetName)
        let aggregated = LogicalPlan.aggregate(plan, keys: keys, aggregates: aggregates, intermediate)
        // Keys, then each value (usually a plain reference to one aggregate).
        let projection = keyFields.indices.map { BoundExpression(.column($0), type: keyFields[$0].type, span: span) } + outputs
        let finalSchema = Schema(fields: keyFields + outputFields, datasetName: schema.datasetName)
        let grouped = LogicalPlan.project(aggregated, projection, finalSchema)
        guard withTotal else { return grouped }
        // `with total`: the same aggregates over all rows (not a sum of the groups, so rates and
        // distinct counts are right), under keys that say so: `(total)` in the first text key,
        // null in the others (SQL's ROLLUP row, grand total only), appended after the groups.
        guard !keys.isEmpty else {
            throw Diagnostic(.invalidStep, "`with total` adds a total row to the groups of `group`; this `agg` has no groups", at: span)
        }
        let firstText = keyFields.firstIndex { $0.type == .text }
        let labels = keyFields.enumerated().map { k, field in
            BoundExpression(.constant(k == firstText ? .text("(total)") : .null), type: field.type, span: span)
        }
        let overAll = LogicalPlan.aggregate(plan, keys: [], aggregates: aggregates, Schema(fields: aggregateFields, datasetName: schema.datasetName))
        let totalRow = LogicalPlan.project(overAll, labels + aggregateFields.indices.map { BoundExpression(.column($0), type: aggregateFields[$0].type, span: span) },
                                           intermediate)
        return .union(grouped, .project(totalRow, projection, finalSchema), finalSchema)
    }

    private func bindJoin(_ join: JoinStep, on leftInput: LogicalPlan, span: Span) throws -> LogicalPlan {
        var plan = leftInput
        var rightPlan = try source(join.source)
        var leftKeys: [Int] = []
        var rightKeys: [Int] = []
        // Keys with no values take the other key's type (`Schema.Field.untyped`).
        var leftRetyped: [Int: DataType] = [:], rightRetyped: [Int: DataType] = [:]
        for (l, r) in join.keys {
            let li = try Binder.column(l, in: plan.schema), ri = try Binder.column(r, in: rightPlan.schema)
            let lf = plan.schema.fields[li], rf = rightPlan.schema.fields[ri]
            guard (lf.untyped && rf.untyped) || Binder.unify(lf.unifiableType, rf.unifiableType) != nil else {
                throw Diagnostic(.typeMismatch, "join keys differ in type: `\(l.name)` is \(lf.type.name), `\(r.name)` is \(rf.type.name)", at: l.span.to(r.span))
            }
            if lf.untyped, !rf.untyped { leftRetyped[li] = rf.type }
            if rf.untyped, !lf.untyped { rightRetyped[ri] = lf.type }
            leftKeys.append(li)
            rightKeys.append(ri)
        }
        plan = Self.retyped(plan, leftRetyped, span: span)
        rightPlan = Self.retyped(rightPlan, rightRetyped, span: span)
        let left = plan.schema
        let right = rightPlan.schema
        let rightColumns = right.fields.indices.filter { !rightKeys.contains($0) }
        var fields = left.fields
        let suffix: String
        switch join.source {
        case .dataset(let name): suffix = name.name
        case .pipeline, .kpi: suffix = "right"
        }
        for index in rightColumns {
            var field = right.fields[index]
            if fields.contains(where: { $0.name == field.name }) {
                var name = field.name + "_" + suffix
                var k = 2
                while fields.contains(where: { $0.name == name }) {
                    name = field.name + "_" + suffix + "_\(k)"
                    k += 1
                }
                field.name = name
            }
            fields.append(field)
        }
        let spec = JoinSpec(kind: join.kind, leftKeys: leftKeys, rightKeys: rightKeys, rightColumns: rightColumns)
        return .join(left: plan, right: rightPlan, spec, Schema(fields: fields, datasetName: left.datasetName))
    }
}
