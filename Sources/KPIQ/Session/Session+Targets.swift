/// `target METRIC between A and B | >= X | <= X [for DIMENSION = VALUE]`
extension Session {
    func executeTarget(_ target: TargetStatement, _ statement: Statement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let name = target.metric.name
        guard let definition = kpis.metrics[name] ?? KPILibrary.definition(name) else {
            var diagnostic = Diagnostic(.unknownMetric, "unknown metric `\(name)`", at: target.metric.span)
            if let near = EditDistance.closest(to: name, among: kpis.metricOrder + KPILibrary.names) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        func number(_ e: Expression) throws -> Double {
            var binder = ExpressionBinder(binder: binder(context), schema: Schema(fields: []))
            guard let value = try binder.bind(e).constantValue?.doubleValue else {
                throw Diagnostic(.invalidArgument, "a target is a number: 3%, 0.25, 120", at: e.span)
            }
            return value
        }
        if case .goals(let dataset) = target.bound, let grain = target.grain {
            return try executeGoalsTarget(name, definition: definition, dataset: dataset, grain: grain)
        }
        var low: Double?, high: Double?
        var text: String
        switch target.bound {
        case .goals:
            preconditionFailure("goals from a dataset are per period")
        case .between(let a, let b):
            low = try number(a)
            high = try number(b)
            guard low! <= high! else { throw Diagnostic(.invalidArgument, "the lower bound is above the upper one", at: statement.span) }
            text = "between \(source(of: a, context)) and \(source(of: b, context))"
        case .atLeast(let a):
            low = try number(a)
            text = ">= \(source(of: a, context))"
        case .atMost(let a):
            high = try number(a)
            text = "<= \(source(of: a, context))"
        }
        if let grain = target.grain { text += " per \(grain.rawValue)" }
        var scope: (String, Scalar)?
        var scopeText = ""
        if let (dimension, value) = target.scope {
            try checkScope(dimension, of: definition)
            var binder = ExpressionBinder(binder: binder(context), schema: Schema(fields: []))
            guard let constant = try binder.bind(value).constantValue else {
                throw Diagnostic(.invalidArgument, "a target's scope is one value: for source = \"paid\"", at: value.span)
            }
            scope = (dimension.name, constant)
            scopeText = " for \(dimension.name) = \(source(of: value, context))"
        }
        // A new target replaces the one of the same metric, scope and kind (band, or goal per grain).
        kpis.targets.removeAll {
            $0.metric == name && $0.scope?.dimension == scope?.0 && $0.scope?.value == scope?.1 && $0.grain == target.grain && $0.goals == nil
        }
        kpis.targets.append(Target(metric: name, low: low, high: high, scope: scope, text: text + scopeText, grain: target.grain))
        return (.message("target: \(name) \(text)\(scopeText)"), [])
    }

    /// `target METRIC per GRAIN from DATASET`: the dataset has a period column (named like the
    /// grain, or `period`; a date or timestamp in the period), a numeric `goal` column, and
    /// dimension columns (every other column), each one the metric can be shown by.
    private func executeGoalsTarget(_ name: String, definition: MetricDefinition, dataset: Identifier, grain: Grain) throws -> (StatementOutput?, [Diagnostic]) {
        guard let entry = catalog[dataset.name] else {
            var diagnostic = Diagnostic(.unknownDataset, "unknown dataset `\(dataset.name)`", at: dataset.span,
                                        hints: ["load the goals first: load \"goals.csv\" as \(dataset.name)"])
            if let near = EditDistance.closest(to: dataset.name, among: catalog.names) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        let table = entry.table
        guard let periodColumn = [grain.rawValue, "period"].first(where: { table.index(of: $0) != nil }) else {
            throw Diagnostic(.missingDimension, "`\(dataset.name)` has no `\(grain.rawValue)` or `period` column: the period of each goal", at: dataset.span,
                             hints: ["columns: \(table.names.joined(separator: ", "))"])
        }
        let periodType = table.columns[table.index(of: periodColumn)!].type
        guard periodType == .date || periodType == .timestamp else {
            throw Diagnostic(.typeMismatch, "`\(dataset.name).\(periodColumn)` is \(periodType), not a date: write a day of each period (2024-01-01)",
                             at: dataset.span)
        }
        guard let goalIndex = table.index(of: "goal") else {
            throw Diagnostic(.missingDimension, "`\(dataset.name)` has no `goal` column", at: dataset.span, hints: ["columns: \(table.names.joined(separator: ", "))"])
        }
        let goalType = table.columns[goalIndex].type
        guard goalType == .int || goalType == .decimal else {
            throw Diagnostic(.typeMismatch, "`\(dataset.name).goal` is \(goalType), not a number", at: dataset.span)
        }
        let dimensions = table.names.filter { $0 != periodColumn && $0 != "goal" }
        for dimension in dimensions { try checkScope(Identifier(dimension, span: dataset.span), of: definition) }
        let goals = Target.GoalsDataset(dataset: dataset.name, periodColumn: periodColumn, goalColumn: "goal", dimensions: dimensions)
        let text = "per \(grain.rawValue) from \(dataset.name)" + (dimensions.isEmpty ? "" : " (by \(dimensions.joined(separator: ", ")))")
        kpis.targets.removeAll { $0.metric == name && $0.grain == grain && $0.goals != nil }
        kpis.targets.append(Target(metric: name, low: nil, high: nil, scope: nil, text: text, grain: grain, goals: goals))
        return (.message("target: \(name) \(text), \(table.rowCount) goals"), [])
    }

    /// `for DIMENSION = ...` must name a column the metric can be shown `by`: one that every
    /// dataset it reads has, or reaches through a relationship. A target scoped to anything
    /// else would never apply, silently.
    private func checkScope(_ dimension: Identifier, of definition: MetricDefinition) throws {
        let metric = definition.name.name
        var binder = MetricBinder(catalog: catalog, metrics: kpis.metrics, library: kpis.resolver(catalog), asOf: settings.effectiveAsOf)
        let bound: BoundMetric
        do {
            bound = try binder.bindMetric(definition)
        } catch let diagnostic as Diagnostic {
            throw Diagnostic(.missingDimension, "cannot check the dimension `\(dimension.name)`: `\(metric)` cannot be computed with the data loaded (\(diagnostic.message))",
                             at: dimension.span, hints: ["load its data first, then set the target"])
        }
        let lookup = DimensionLookup(catalog: catalog, relationships: kpis.allRelationships(catalog))
        for dataset in bound.datasets where catalog[dataset]?.table.index(of: dimension.name) == nil && lookup.path(from: dataset, to: dimension.name) == nil {
            var diagnostic = Diagnostic(.missingDimension, "`\(metric)` cannot be shown by `\(dimension.name)`: `\(dataset)` has no such column and reaches none",
                                        at: dimension.span)
            // Suggest only columns every dataset of the metric reaches.
            let shared = bound.datasets.dropFirst().reduce(Set(lookup.reachableColumns(from: bound.datasets[0]))) {
                $0.intersection(lookup.reachableColumns(from: $1))
            }
            if let near = EditDistance.closest(to: dimension.name, among: lookup.reachableColumns(from: dataset).filter(shared.contains)) {
                diagnostic.label = "did you mean `\(near)`?"
            }
            throw diagnostic
        }
    }
}
