/// `.explain`: what a statement or a metric computes, shown without running it.
extension Session {
    /// The plan `source` (one statement) would run, as `PlanPrinter` prints it, without
    /// running it or changing the session: pipelines (`from ...`, `let name = from ...`), and
    /// `show`, `funnel` and `cohort` once they compile to plans (`planKPI`; until then the
    /// text says that their plan is not available yet). Problems are diagnostics in `source`.
    package func explain(statement source: SourceText) throws -> String {
        try LargeStack.run { try explainHere(statement: source) }  // binds (see `LargeStack`)
    }

    private func explainHere(statement source: SourceText) throws -> String {
        let parsed = Parser.parseHere(source)
        if let first = parsed.diagnostics.first { throw first }
        guard let statement = parsed.statements.first else {
            throw Diagnostic(.invalidArgument, "`.explain` needs a statement or a metric name", hints: ["for example: .explain from sessions | group source | agg n = count()"])
        }
        if parsed.statements.count > 1 {
            throw Diagnostic(.invalidArgument, "`.explain` explains one statement at a time", at: parsed.statements[1].span)
        }
        let context = StatementContext(source: source, baseDirectory: nil, cancel: nil, progress: nil)
        let printer = PlanPrinter(datasets: catalog.names)
        switch statement.kind {
        case .query(let pipeline):
            return printer.text(try pipelinePlan(pipeline, context))
        case .assign(let name, let pipeline):
            return "let \(Identifier.quote(name.name)) =\n" + Self.indented(printer.text(try pipelinePlan(pipeline, context)), by: 2)
        case .check(let pipeline):
            return printer.text(try pipelinePlan(pipeline, context))
        case .show, .funnel, .cohort, .attribution:
            guard let planned = try planKPI(statement, context) else {
                let keyword = source.text(of: statement.span).prefix { $0.isLetter }.lowercased()
                return "the plan of a `\(keyword)` statement is not available yet\n"
            }
            return printer.text(planned.plan)
        default:
            throw Diagnostic(.invalidArgument, "this statement runs no query to explain", at: statement.span,
                             hints: ["`.explain` shows the plan of `from ...`, `let NAME = from ...`, `show`, `funnel` and `cohort`, or a metric: `.explain NAME`"])
        }
    }

    /// A pipeline's plan; one that continues a KPI statement (`show ... | where ...`) is the
    /// statement's plan with its result as a stage, then the steps over that stage.
    private func pipelinePlan(_ pipeline: Pipeline, _ context: StatementContext) throws -> QueryPlan {
        guard case .kpi(let statement) = pipeline.source else { return QueryPlan(result: try binder(context).bind(pipeline).plan) }
        guard var plan = try planKPI(Statement(statement.statementKind, span: statement.span), context)?.plan else {
            throw Diagnostic(.invalidArgument, "the plan of a `\(statement.word)` statement is not available", at: statement.span)
        }
        let result = plan.add(statement.word, plan.result)
        plan.result = try binder(context).bind(pipeline.steps, on: result).plan
        return plan
    }

    /// The printed plan of `show NAME`, or nil while `show` does not compile to a plan.
    private func showPlan(_ name: String) throws -> String? {
        let source = SourceText(name: "explain", text: "show " + Identifier.quote(name))
        let parsed = Parser.parseHere(source)
        guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else { return nil }
        let context = StatementContext(source: source, baseDirectory: nil, cancel: nil, progress: nil)
        return try planKPI(statement, context).map { PlanPrinter(datasets: catalog.names).text($0.plan) }
    }

    /// `text`'s lines moved right by `count` spaces.
    static func indented(_ text: String, by count: Int) -> String {
        let pad = String(repeating: " ", count: count)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }

    /// A metric's definition, the datasets and columns it reads, and the plan of `show NAME`.
    package func explain(_ name: String) throws -> String {
        try LargeStack.run { try explainHere(name) }  // binds the metric (see `LargeStack`)
    }

    private func explainHere(_ name: String) throws -> String {
        guard let definition = kpis.metrics[name] ?? KPILibrary.definition(name) else {
            var diagnostic = Diagnostic(.unknownMetric, "unknown metric `\(name)`")
            if let near = EditDistance.closest(to: name, among: kpis.metricOrder + KPILibrary.names) { diagnostic.hints = ["did you mean `\(near)`?"] }
            throw diagnostic
        }
        var binder = MetricBinder(catalog: catalog, metrics: kpis.metrics, library: kpis.resolver(catalog), asOf: settings.effectiveAsOf)
        let bound: BoundMetric
        do {
            bound = try binder.bindMetric(definition)
        } catch var diagnostic as Diagnostic {
            if kpis.metrics[name] != nil { throw diagnostic.storedMetric(definition, usedAt: nil) }
            // A library metric whose data is not loaded: its text is the library's.
            diagnostic.message = "cannot compute `\(name)`: " + diagnostic.message
            diagnostic.span = nil
            diagnostic.label = nil
            throw diagnostic
        }
        var out = "metric \(name) = \(definition.text)\n"
        if kpis.metrics[name] == nil { out += "  (from the KPI library)\n" }
        out += "  format: \(bound.format.rawValue)\n"
        if let time = definition.timeColumn { out += "  dated by: \(time.name)\n" }
        out += "  computed as: \(Self.describe(bound.expression, bound.leaves))\n"
        out += "  reads:\n"
        for (k, leaf) in bound.leaves.enumerated() {
            let time = leaf.timeColumn ?? catalog[leaf.dataset]?.timeColumn ?? "(no time column)"
            var line = "    [\(k)] \(leaf.function.rawValue)(\(leaf.argument.map(ExpressionPrinter.text) ?? "*"))"
            if let filter = leaf.filter { line += " where \(ExpressionPrinter.text(filter))" }
            line += " on \(leaf.dataset), dated by \(time)"
            switch leaf.kind {
            case .aggregate: break
            case .rolling(let window): line += ", over the \(window.description) before each period's end"
            case .cumulative: line += ", over everything before each period's end"
            case .repeated: line += ", the values with rows on two or more days before each period's end"
            case .open(let closedBy): line += ", over the rows open at each period's end (not closed by \(closedBy))"
            }
            out += line + "\n"
        }
        // The plan of `show NAME`, once `show` compiles to one (see `planKPI`); until then none,
        // rather than a sentence that would not say what runs.
        if let plan = try showPlan(name) { out += "  plan of `show \(name)`:\n" + Self.indented(plan, by: 4) }
        return out
    }

    static func describe(_ e: MetricExpression, _ leaves: [MetricLeaf]) -> String {
        switch e {
        case .leaf(let i): return "[\(i)]"
        case .constant(let v): return v.description
        case .arithmetic(let first, let steps):
            return "(" + describe(first, leaves) + steps.map { " \($0.op.rawValue) " + describe($0.operand, leaves) }.joined() + ")"
        case .negate(let a): return "-" + describe(a, leaves)
        case .function(let f, let args): return f.rawValue + "(" + args.map { describe($0, leaves) }.joined(separator: ", ") + ")"
        case .share(let a): return "share(" + describe(a, leaves) + ")"
        }
    }
}
