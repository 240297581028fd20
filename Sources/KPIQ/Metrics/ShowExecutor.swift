/// Runs `show metrics [by dims] [over grain] [during range] [vs ...] [where ...] [sort] [top]`:
/// binds the metrics into leaves (one aggregate on one dataset each), has `ShowPlanner` compile
/// the statement into one `QueryPlan`, and runs it. No row dated after the as-of day is ever
/// read.
///
/// The plan: ShowPlanner (+Windows for rolling, cumulative and snapshot leaves, +Top for `top N
/// [with other]`); reading a group of leaves: ShowExecutor+Leaves (`GroupReading`);
/// dimensions: +Dimensions; the units and comparisons: ShowCalendar.
struct ShowExecutor {
    let catalog: Catalog
    let kpis: KPIState
    let asOf: Int64
    let cancel: CancellationToken?
    let source: SourceText?
    /// What the plan's steps may allocate (`MemoryBudget`).
    var budget: MemoryBudget?
    /// Rolling and cumulative counts, sums and distinct counts read off running sums
    /// (O(rows + units)); tests turn it off to compare with one aggregate per unit.
    var windowsByRunningSums = true

    /// A metric column of the result.
    struct Output {
        var name: String
        var expression: MetricExpression
        var format: ValueFormat
        var isInteger: Bool
    }

    /// Binds the shown metrics: each output's formula over the leaves they read.
    func bindOutputs(_ show: ShowStatement) throws -> ([Output], [MetricLeaf]) {
        // Metrics and their leaves.
        var binder = MetricBinder(catalog: catalog, metrics: kpis.metrics, library: kpis.resolver(catalog), asOf: asOf)
        var outputs: [Output] = []
        for item in show.metrics {
            let name = item.name?.name ?? Self.metricName(item.expression, source: source)
            guard !outputs.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "`\(name)` is shown twice", at: item.span)
            }
            var definition = MetricDefinition(name: Identifier(name, span: item.span), expression: item.expression, format: nil, timeColumn: nil,
                                              text: source?.text(of: item.expression.span) ?? "")
            if case .name(let parts) = item.expression.kind, parts.count == 1,
                let named = kpis.metrics[parts[0].name] ?? KPILibrary.definition(parts[0].name)
            {
                definition = MetricDefinition(name: Identifier(name, span: item.span), expression: named.expression, format: named.format,
                                              timeColumn: named.timeColumn, text: named.text)
                // Report problems at the place the metric is named in this statement.
                do {
                    let bound = try binder.bindMetric(definition)
                    outputs.append(Output(name: name, expression: bound.expression, format: bound.format, isInteger: bound.isInteger))
                } catch var diagnostic as Diagnostic {
                    guard kpis.metrics[parts[0].name] == nil else { throw diagnostic.storedMetric(named, usedAt: parts[0].span) }
                    diagnostic.hints.insert("`\(parts[0].name)` comes from the KPI library; bind its datasets with `use kpis with ROLE = DATASET`", at: 0)
                    diagnostic.message = "cannot compute `\(parts[0].name)`: " + diagnostic.message
                    diagnostic.span = parts[0].span
                    diagnostic.label = nil
                    throw diagnostic
                }
            } else {
                var bound = try binder.bindMetric(definition, anonymous: true)
                if case .call(let function, _, _) = item.expression.kind, let parametric = KPILibrary.parametric(function.name) {
                    bound.format = parametric == .activeContacts ? .count : .percent
                }
                outputs.append(Output(name: name, expression: bound.expression, format: bound.format, isInteger: bound.isInteger))
            }
        }
        return (outputs, binder.leaves)
    }

    func run(_ show: ShowStatement) throws -> QueryResult {
        let compiled = try ShowPlanner(context: self).plan(show)
        var result = try compiled.planned.run(cancel: cancel, budget: budget)
        let dimensions = compiled.dimensions
        if !dimensions.isEmpty, result.table.rowCount == 0, !show.metrics.isEmpty {
            let range = try show.range.map { try AsOfRange.resolve($0, asOf: asOf) }
            let days = range.map { ShowCalendar.days($0.start, $0.end) } ?? "up to " + CivilCalendar.formatDate(asOf)
            result.notes.insert("no rows \(range == nil ? "" : "in ")\(days), so no `\(dimensions.map(\.name).joined(separator: "`, `"))` value to list", at: 0)
        }
        return result
    }

    // MARK: - Helpers

    static func literal(_ value: Scalar) -> Literal {
        switch value {
        case .null: return .null
        case .int(let v): return .integer(v)
        case .decimal(let v): return .decimal(v)
        case .bool(let b): return .bool(b)
        case .date(let d): return .date(d)
        case .timestamp(let t): return .timestamp(t)
        case .text(let s): return .string(s)
        }
    }

    static func type(_ value: Scalar) -> DataType {
        switch value {
        case .int: return .int
        case .decimal: return .decimal
        case .bool: return .bool
        case .date: return .date
        case .timestamp: return .timestamp
        case .text, .null: return .text
        }
    }

    /// The parts of an `and` chain (its operands, and theirs when bracketed: `a and (b and c)`).
    static func conjuncts(_ e: Expression?) -> [Expression] {
        guard let e else { return [] }
        var result: [Expression] = []
        var pending = [e]
        while let next = pending.popLast() {
            if case .chain(let first, let links) = next.kind, links.allSatisfy({ $0.op == .and }) {
                pending.append(contentsOf: ([first] + links.map(\.operand)).reversed())
            } else {
                result.append(next)
            }
        }
        return result
    }

    /// Column names an expression reads (plain names only).
    static func columnNames(_ e: Expression) -> [Identifier] {
        var names: [Identifier] = []
        e.forEachNode { node in
            if case .name(let parts) = node.kind { names.append(parts.last!) }
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0.name).inserted }
    }

    /// A name for an unnamed metric expression: the metric's name, or the text written.
    static func metricName(_ e: Expression, source: SourceText?) -> String {
        if case .name(let parts) = e.kind { return parts.map(\.name).joined(separator: ".") }
        if case .call(let f, let args, nil) = e.kind, f.name == "share", args.count == 1, case .name(let parts) = args[0].kind {
            return "share_" + parts.last!.name
        }
        return source?.text(of: e.span) ?? ExpressionPrinter.text(e)
    }
}

extension ValueFormat {
    init?(grain: Grain) {
        switch grain {
        case .day: return nil
        case .week: self = .week
        case .month: self = .month
        case .quarter: self = .quarter
        case .year: self = .year
        }
    }
}
