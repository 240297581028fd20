/// Prints a plan for `.explain` as an indented tree of operators, each over the ones it reads
/// (as DuckDB's and DataFusion's EXPLAIN do, in plain text), with what it takes to read it:
///
///     project: source, n = _agg0, paid = _agg1
///       aggregate: by source
///                  _agg0 = count()
///                  _agg1 = count() where source = "paid"
///                  strategy: groups by dictionary codes
///         filter: seconds >= 60
///           scan: sessions, 10 rows, reads 2 of 7 columns: source, seconds
///
/// What is printed is what runs: each plan is pruned first, as the executor does
/// (`ColumnPruning`), so a scan lists the columns read, and the inputs of joins, sorts and
/// unions show the projections that narrow them; aggregates, projections and sorts under a
/// limit show how they run (`PhysicalPlanner`). Expressions name columns
/// (`BoundExpressionPrinter`). The text depends only on the plan, so tests can pin it.
/// Printing recurses down the plan and its expressions: deep ones need the large stack, as
/// `Session.explain` runs it (`LargeStack`).
package struct PlanPrinter {
    /// Lists (columns, outputs, conditions) wrap to keep lines about this short.
    package static let lineWidth = 120

    /// Operators deeper than this are indented as much as at this depth: a pipeline of 10,000
    /// steps would otherwise print 10,000 squared spaces. Below it, operators still read in order.
    static let deepestIndent = 40

    /// Names of the datasets: a scan of any other name reads a table the plan made (a
    /// calendar of periods), shown by its rows rather than as a dataset.
    let datasets: Set<String>

    package init(datasets: some Sequence<String>) {
        self.datasets = Set(datasets)
    }

    /// The stages in order, each under its name, then the result; a plan without stages (a
    /// pipeline) is its result's tree alone.
    package func text(_ plan: QueryPlan) -> String {
        if plan.stages.isEmpty { return text(plan.result) }
        var lines: [String] = []
        for stage in plan.stages {
            lines.append("stage " + Identifier.quote(stage.name))
            let pruned = ColumnPruning.prune(stage.plan)
            node(pruned, pruned.schema, depth: 1, reads: nil, into: &lines)
        }
        lines.append("result")
        let result = ColumnPruning.prune(plan.result)
        node(result, result.schema, depth: 1, reads: nil, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    package func text(_ plan: LogicalPlan) -> String {
        var lines: [String] = []
        let pruned = ColumnPruning.prune(plan)
        node(pruned, pruned.schema, depth: 0, reads: nil, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Appends `plan`'s lines at `depth`, then its inputs'. `schema`: `plan.schema`, passed down
    /// because filters, sorts and limits have their input's, which a long run of them would
    /// otherwise compute again at each step. `reads`: the columns of its output that the
    /// operator above reads as rows stream through it (nil: all, because the operator above
    /// gathers its whole input, or there is none).
    /// `intoStream`: the operator above streams this one's rows (a filter, projection or
    /// aggregate), so its rows are not gathered here.
    private func node(_ plan: LogicalPlan, _ schema: Schema, depth: Int, reads: Set<Int>?, intoStream: Bool = false, into lines: inout [String]) {
        let indent = Self.indentation(depth)
        switch plan {
        case .scan(let name, let table):
            lines += datasets.contains(name) ? scan(name, table, reads: reads, indent) : generated(name, table, indent)

        case .stage(let name, _):
            lines.append(indent + "stage: " + Identifier.quote(name))

        case .filterIn(let input, let key, let values):
            lines.append(indent + "filter: " + BoundExpressionPrinter.text(key, in: schema) + " in (values below, nulls matching)")
            node(input, schema, depth: depth + 1, reads: reads.map { $0.union(key.columnsRead) }, intoStream: true, into: &lines)
            node(values, values.schema, depth: depth + 1, reads: nil, into: &lines)

        case .filter(let input, let condition):
            // One item per `and`ed condition, so that a long condition wraps between them.
            var items = BoundExpressionPrinter.conjuncts(condition, in: schema)
            if case .scan(_, let table) = input.streamSource {
                // As the executor runs it: conditions every stored row passes are skipped.
                for (k, part) in PhysicalPlanner.conjuncts(condition).enumerated() where k < items.count && PhysicalPlanner.holdsForEveryRow(part, input: input, source: table) {
                    items[k] += " (every stored row passes: not evaluated)"
                }
            }
            lines += wrapped(indent, "filter: ", items, separator: " and ")
            node(input, schema, depth: depth + 1, reads: reads.map { $0.union(condition.columnsRead) }, intoStream: true, into: &lines)

        case .project(let input, let expressions, _):
            let inputSchema = input.schema
            let items = zip(expressions, schema.fields).map { named($1.name, $0, in: inputSchema) }
            lines += wrapped(indent, "project: ", items)
            if !intoStream, case .passThrough = PhysicalPlanner.stream(plan) { lines[lines.count - 1] += " (passes the columns through)" }
            node(input, inputSchema, depth: depth + 1, reads: Self.columns(readBy: expressions), intoStream: true, into: &lines)

        case .aggregate(let input, let keys, let aggregates, _):
            let inputSchema = input.schema
            let keyItems = zip(keys, schema.fields).map { named($1.name, $0, in: inputSchema) }
            let aggregateItems = aggregates.enumerated().map { k, aggregate in
                Identifier.quote(schema.fields[keys.count + k].name) + " = " + Self.text(aggregate, in: inputSchema)
            }
            let label = "aggregate: "
            var own = keyItems.isEmpty ? [] : wrapped(indent, label, keyItems, head: "by ")
            let hang = String(repeating: " ", count: indent.count + label.count)
            for item in aggregateItems { own.append((own.isEmpty ? indent + label : hang) + item) }
            // The planner's choice, from the dataset when the input streams from one (the
            // table of a stage or of a join is known only when it runs).
            var source: Table?
            if case .scan(_, let table) = input.streamSource { source = table }
            let strategy = PhysicalPlanner.aggregate(input: input, keys: keys, aggregates: aggregates, source: source)
            let calls = aggregates.map { Self.text($0, in: inputSchema) }
            own.append((own.isEmpty ? indent + label : hang) + "strategy: " + strategy.label(calls: calls, inputNames: inputSchema.names))
            lines += own
            let read = aggregates.flatMap { [$0.argument, $0.filter, $0.orderBy].compactMap { $0 } } + keys
            node(input, inputSchema, depth: depth + 1, reads: Self.columns(readBy: read), intoStream: true, into: &lines)

        case .sort(let input, let keys):
            lines += sort(keys, schema, keeping: nil, indent)
            node(input, schema, depth: depth + 1, reads: nil, into: &lines)

        case .limit(let input, let count, let offset):
            lines.append(indent + "limit: \(count)" + (offset > 0 ? ", offset \(offset)" : ""))
            if case .sort(let sortInput, let keys) = input {
                // The executor sorts keeping only the rows the limit takes (a top-N sort).
                let kept = PhysicalPlanner.sortKeeping(count: count, offset: offset)
                lines += sort(keys, schema, keeping: kept, Self.indentation(depth + 1))
                node(sortInput, schema, depth: depth + 2, reads: nil, into: &lines)
            } else {
                node(input, schema, depth: depth + 1, reads: nil, into: &lines)
            }

        case .join(let left, let right, let spec, _):
            let (leftSchema, rightSchema) = (left.schema, right.schema)
            let pairs = zip(spec.leftKeys, spec.rightKeys).map {
                Identifier.quote(leftSchema.fields[$0].name) + " = " + Identifier.quote(rightSchema.fields[$1].name)
            }
            lines += wrapped(indent, "join: ", pairs, head: "\(spec.kind.rawValue) on ")
            // Right columns whose names the left side has already are renamed: say to what, as
            // the operators above read them by their new names.
            let renamed = spec.rightColumns.enumerated().compactMap { j, column -> String? in
                let (before, after) = (rightSchema.fields[column].name, schema.fields[leftSchema.fields.count + j].name)
                return before == after ? nil : Identifier.quote(before) + " as " + Identifier.quote(after)
            }
            if !renamed.isEmpty { lines += wrapped(String(repeating: " ", count: indent.count + "join: ".count), "", renamed, head: "right columns renamed: ") }
            // A hash join gathers both inputs whole.
            node(left, leftSchema, depth: depth + 1, reads: nil, into: &lines)
            node(right, rightSchema, depth: depth + 1, reads: nil, into: &lines)

        case .window(let input, let partition, let order, let functions, _, _):
            let inputSchema = input.schema
            let name = { (i: Int) in Identifier.quote(inputSchema.fields[i].name) }
            var items = functions.enumerated().map { k, function -> String in
                Identifier.quote(schema.fields[inputSchema.fields.count + k].name) + " = " + Self.text(function, name)
            }
            let orderText = order.map { key in name(key.column) + (key.descending ? " desc" : "") + (key.nullsFirst ? " nulls first" : "") }
            items.append(order.isEmpty ? "in input order" : "order by " + orderText.joined(separator: ", "))
            lines += wrapped(indent, "window: ", items, head: partition.isEmpty ? "" : "by " + partition.map(name).joined(separator: ", ") + "; ")
            node(input, inputSchema, depth: depth + 1, reads: nil, into: &lines)

        case .union:
            let inputs = plan.unionInputs
            lines.append(indent + "union: \(inputs.count) inputs")
            for input in inputs { node(input, input.schema, depth: depth + 1, reads: nil, into: &lines) }
        }
    }

    /// A dataset read: its rows, and the columns read out of all it has.
    private func scan(_ name: String, _ table: Table, reads: Set<Int>?, _ indent: String) -> [String] {
        let read = reads.map { $0.sorted() } ?? Array(0..<table.columnCount)
        let rows = "\(Session.count(table.rowCount)) row\(table.rowCount == 1 ? "" : "s")"
        let columns = "\(table.columnCount) column\(table.columnCount == 1 ? "" : "s")"
        let head = "\(Identifier.quote(name)), \(rows), reads "
        // Counting rows reads no column at all.
        if read.isEmpty { return [indent + "scan: " + head + "none of \(columns)"] }
        return wrapped(indent, "scan: ", read.map { Identifier.quote(table.names[$0]) }, head: head + "\(read.count) of \(columns): ")
    }

    /// A table the plan made: its columns, how many rows, and the first and last of them.
    private func generated(_ name: String, _ table: Table, _ indent: String) -> [String] {
        let columns = table.names.map(Identifier.quote).joined(separator: ", ")
        var items = ["\(Identifier.quote(name)) (\(columns))", "\(Session.count(table.rowCount)) row\(table.rowCount == 1 ? "" : "s")"]
        func row(_ i: Int) -> String {
            let values = table.row(i).map(BoundExpressionPrinter.constant)
            return values.count == 1 ? values[0] : "(" + values.joined(separator: ", ") + ")"
        }
        switch table.rowCount {
        case 0: break
        case 1: items.append("only " + row(0))
        default: items += ["first " + row(0), "last " + row(table.rowCount - 1)]
        }
        return wrapped(indent, "table: ", items)
    }

    private func sort(_ keys: [BoundSortKey], _ schema: Schema, keeping kept: Int?, _ indent: String) -> [String] {
        let items = keys.map { key in
            BoundExpressionPrinter.text(key.expression, in: schema) + (key.descending ? " desc" : " asc") + (key.nullsFirst ? " nulls first" : "")
        }
        var lines = wrapped(indent, "sort: ", items)
        if let kept { lines[lines.count - 1] += " (keeps the first \(Session.count(kept)))" }
        return lines
    }

    static func indentation(_ depth: Int) -> String {
        String(repeating: " ", count: min(depth, deepestIndent) * 2)
    }

    /// `name = expression`, or the name alone for a column passed on under its own name.
    private func named(_ name: String, _ expression: BoundExpression, in schema: Schema) -> String {
        if case .column(let index) = expression.kind, index < schema.fields.count, schema.fields[index].name == name {
            return Identifier.quote(name)
        }
        return Identifier.quote(name) + " = " + BoundExpressionPrinter.text(expression, in: schema)
    }

    /// An aggregate call as written: `sum(amount) where won`, `percentile(x, 0.9)`, `first(x, ts)`.
    static func text(_ aggregate: BoundAggregate, in schema: Schema) -> String {
        var arguments = aggregate.argument.map { [BoundExpressionPrinter.text($0, in: schema)] } ?? []
        if let fraction = aggregate.fraction, aggregate.function == .percentile { arguments.append(Scalar.formatDouble(fraction)) }
        if let order = aggregate.orderBy { arguments.append(BoundExpressionPrinter.text(order, in: schema)) }
        let call = aggregate.function.rawValue + "(" + arguments.joined(separator: ", ") + ")"
        return call + (aggregate.filter.map { " where " + BoundExpressionPrinter.text($0, in: schema) } ?? "")
    }

    /// A window function as written in a pipeline (`lag(x, 2)`, `moving_avg(x, 7 days)`);
    /// the KPI planner's running sums and next values by what they do.
    static func text(_ function: WindowFunction, _ name: (Int) -> String) -> String {
        switch function {
        case .runningSum(let c): return "running sum(" + name(c) + ")"
        case .lead(let c): return "next(" + name(c) + ")"
        case .rowNumber: return "row_number()"
        case .shifted(let c, let offset):
            return (offset < 0 ? "lag(" : "lead(") + name(c) + (abs(offset) == 1 ? "" : ", \(abs(offset))") + ")"
        case .runningCount(let c): return "running_count(" + (c.map(name) ?? "") + ")"
        case .moving(let aggregate, let c, let frame):
            let function = aggregate == .mean ? "moving_avg" : "moving_" + aggregate.rawValue
            switch frame {
            case .rows(let n): return function + "(" + name(c) + ", \(n))"
            case .length(let length): return function + "(" + name(c) + ", " + length.description + ")"
            }
        case .rank: return "rank()"
        case .denseRank: return "dense_rank()"
        case .partitionRows: return "count()"
        case .total(let c): return "total(" + name(c) + ")"
        case .share(let c): return "share(" + name(c) + ")"
        case .anomaly(let c, let previous): return "anomaly(" + name(c) + ", \(previous))"
        }
    }

    private static func columns(readBy expressions: [BoundExpression]) -> Set<Int> {
        var read = Set<Int>()
        for expression in expressions { read.formUnion(expression.columnsRead) }
        return read
    }

    /// `indent`, `label` and `head`, then `items` joined by `separator` over as many lines as
    /// keep each within `lineWidth`; later lines start under the first character after `label`.
    private func wrapped(_ indent: String, _ label: String, _ items: [String], head: String = "", separator: String = ", ") -> [String] {
        var lines: [String] = []
        var line = indent + label + head
        let hang = String(repeating: " ", count: indent.count + label.count)
        var end = separator
        while end.last == " " { end.removeLast() }
        for (k, item) in items.enumerated() {
            if k > 0, line.count + separator.count + item.count > Self.lineWidth {
                lines.append(line + end)
                line = hang + item
            } else {
                line += (k > 0 ? separator : "") + item
            }
        }
        lines.append(line)
        return lines
    }
}
