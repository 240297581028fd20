/// Drops the columns a plan computes or carries but nothing above reads, before it runs.
///
/// Streaming steps only touch the columns their expressions name, but joins, sorts and unions
/// gather every column of their inputs: `from deals | join contacts on contact_id | group
/// campaign | agg sum(amount)` would copy all of both tables' columns for the matched rows to
/// read two of them. Here each node is asked only for the columns its parent reads; a project
/// keeps only those expressions, and the input of a join, sort or union is narrowed to them by
/// a pass-through projection (which picks columns, copying nothing). The top-level output is
/// unchanged.
enum ColumnPruning {
    /// `plan` computing its own output, with unread columns dropped below it.
    static func prune(_ plan: LogicalPlan) -> LogicalPlan {
        exactly(Array(0..<plan.width), of: plan)
    }

    /// A plan for `plan`'s output columns `needed` (ascending) and nothing else, in that order.
    private static func exactly(_ needed: [Int], of plan: LogicalPlan) -> LogicalPlan {
        let (pruned, position) = narrowed(plan, to: needed)
        if pruned.width == needed.count, needed.enumerated().allSatisfy({ position[$0.element] == $0.offset }) { return pruned }
        let schema = plan.schema
        let picks = needed.map { BoundExpression(.column(position[$0]), type: schema.fields[$0].type, span: .none) }
        return .project(pruned, picks, subset(schema, needed))
    }

    /// A plan whose output holds at least `plan`'s columns `needed` (ascending), and where each
    /// of them now is: `position[old]`, -1 for a column dropped.
    private static func narrowed(_ plan: LogicalPlan, to needed: [Int]) -> (LogicalPlan, position: [Int]) {
        switch plan {
        case .scan(_, let table):
            // Streaming readers take columns from the table as they need them.
            return (plan, Array(0..<table.columns.count))
        case .stage(_, let schema):
            // A stage's result is a table too: read as it is.
            return (plan, Array(0..<schema.fields.count))
        case .filter(let input, let condition):
            let (child, position) = narrowed(input, to: merged(needed, columns(readBy: [condition])))
            return (.filter(child, remap([condition], position)[0]), position)
        case .filterIn(let input, let key, let values):
            let (child, position) = narrowed(input, to: merged(needed, columns(readBy: [key])))
            return (.filterIn(child, key: remap([key], position)[0], values: exactly([0], of: values)), position)
        case .project(let input, let expressions, let schema):
            let kept = expressions.isEmpty ? [] : atLeastOne(needed)
            let keptExpressions = kept.count == expressions.count ? expressions : kept.map { expressions[$0] }
            let (child, position) = narrowed(input, to: columns(readBy: keptExpressions))
            let keptSchema = kept.count == expressions.count ? schema : subset(schema, kept)
            return (.project(child, remap(keptExpressions, position), keptSchema), positions(of: kept, width: expressions.count))
        case .aggregate(let input, let keys, let aggregates, let schema):
            let (arguments, filters, orders) = (aggregates.map(\.argument), aggregates.map(\.filter), aggregates.map(\.orderBy))
            let (child, position) = narrowed(input, to: columns(readBy: keys + (arguments + filters + orders).compactMap { $0 }))
            let remapped = aggregates.map { aggregate in
                var aggregate = aggregate
                aggregate.argument = aggregate.argument.map { remap([$0], position)[0] }
                aggregate.filter = aggregate.filter.map { remap([$0], position)[0] }
                aggregate.orderBy = aggregate.orderBy.map { remap([$0], position)[0] }
                return aggregate
            }
            let aggregate = LogicalPlan.aggregate(child, keys: remap(keys, position), aggregates: remapped, schema)
            return (aggregate, Array(schema.fields.indices))
        case .sort(let input, let keys):
            let carried = atLeastOne(merged(needed, columns(readBy: keys.map(\.expression))))
            let position = positions(of: carried, width: input.width)
            let expressions = remap(keys.map(\.expression), position)
            let remapped = keys.indices.map { k in
                var key = keys[k]
                key.expression = expressions[k]
                return key
            }
            return (.sort(exactly(carried, of: input), remapped), position)
        case .limit(let input, let count, let offset):
            let (child, position) = narrowed(input, to: needed)
            return (.limit(child, count: count, offset: offset), position)
        case .join(let left, let right, let spec, let schema):
            let leftWidth = left.width
            let leftNeeded = merged(needed.filter { $0 < leftWidth }, spec.leftKeys.sorted())
            // Right output column j of the join is right input column spec.rightColumns[j].
            let rightKept = needed.filter { $0 >= leftWidth }.map { $0 - leftWidth }
            let rightNeeded = merged(rightKept.map { spec.rightColumns[$0] }.sorted(), spec.rightKeys.sorted())
            let leftPosition = positions(of: leftNeeded, width: leftWidth)
            let rightPosition = positions(of: rightNeeded, width: right.width)
            var narrowedSpec = spec
            narrowedSpec.leftKeys = spec.leftKeys.map { leftPosition[$0] }
            narrowedSpec.rightKeys = spec.rightKeys.map { rightPosition[$0] }
            narrowedSpec.rightColumns = rightKept.map { rightPosition[spec.rightColumns[$0]] }
            let outputs = leftNeeded + rightKept.map { leftWidth + $0 }
            let join = LogicalPlan.join(left: exactly(leftNeeded, of: left), right: exactly(rightNeeded, of: right), narrowedSpec,
                                        subset(schema, outputs))
            return (join, positions(of: outputs, width: schema.fields.count))
        case .window(let input, let partition, let order, let functions, let keepsInputOrder, let schema):
            // The input carries the columns read above and those the window reads (partition,
            // order, arguments); every function's column is kept.
            let width = input.width
            let read = (partition + order.map(\.column) + functions.compactMap(\.argument)).sorted()
            let carried = atLeastOne(merged(needed.filter { $0 < width }, read))
            let position = positions(of: carried, width: width)
            let remappedOrder = order.map { WindowOrderKey(column: position[$0.column], descending: $0.descending, nullsFirst: $0.nullsFirst) }
            let outputs = carried + Array(width..<schema.fields.count)
            let window = LogicalPlan.window(exactly(carried, of: input), partition: partition.map { position[$0] }, order: remappedOrder,
                                            functions: functions.map { $0.remapped { position[$0] } }, keepsInputOrder: keepsInputOrder,
                                            subset(schema, outputs))
            return (window, positions(of: outputs, width: schema.fields.count))
        case .union(let left, let right, let schema):
            // The left input of a union is usually a union itself: narrowed in place, so that
            // the executor still sees one chain to concatenate at once.
            let kept = atLeastOne(needed)
            return (.union(exactly(kept, of: left), exactly(kept, of: right), subset(schema, kept)), positions(of: kept, width: schema.fields.count))
        }
    }

    /// A table of no columns still has to carry its row count through a projection, sort or
    /// union: keep one column.
    private static func atLeastOne(_ columns: [Int]) -> [Int] { columns.isEmpty ? [0] : columns }

    /// The columns `expressions` read, ascending, each once (arrays, not sets: plans are
    /// pruned before every query, and most read a handful of columns).
    private static func columns(readBy expressions: [BoundExpression]) -> [Int] {
        var read: [Int] = []
        for expression in expressions {
            expression.visit { if case .column(let i) = $0.kind { read.append(i) } }
        }
        return merged(read.sorted(), [])
    }

    /// The union of two ascending lists, ascending and without repeats.
    private static func merged(_ a: [Int], _ b: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            let next = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            if result.last != next { result.append(next) }
            if i < a.count, a[i] == next { i += 1 }
            if j < b.count, b[j] == next { j += 1 }
        }
        return result
    }

    /// Where each of `columns` lands when only they are kept, in order.
    private static func positions(of columns: [Int], width: Int) -> [Int] {
        var position = [Int](repeating: -1, count: width)
        for (new, old) in columns.enumerated() { position[old] = new }
        return position
    }

    /// `expressions` reading the columns at their new places. Usually nothing before the
    /// columns they read was dropped: then they are kept as they are, not rebuilt.
    private static func remap(_ expressions: [BoundExpression], _ position: [Int]) -> [BoundExpression] {
        let moved = columns(readBy: expressions).contains { position[$0] != $0 }
        return moved ? expressions.map { $0.remapColumns { position[$0] } } : expressions
    }

    private static func subset(_ schema: Schema, _ columns: [Int]) -> Schema {
        Schema(fields: columns.map { schema.fields[$0] }, datasetName: schema.datasetName)
    }
}

extension LogicalPlan {
    /// The number of output columns, without building the schema (names and origins).
    var width: Int {
        var node = self
        while true {
            switch node {
            case .scan(_, let table): return table.columns.count
            case .stage(_, let schema): return schema.fields.count
            case .filter(let input, _), .filterIn(let input, _, _), .sort(let input, _), .limit(let input, _, _): node = input
            case .project(_, let expressions, _): return expressions.count
            case .aggregate(_, _, _, let schema), .join(_, _, _, let schema), .union(_, _, let schema), .window(_, _, _, _, _, let schema):
                return schema.fields.count
            }
        }
    }
}
