/// The KPI statements: metric, show, target, relate, use, funnel, cohort, attribution.
extension Session {
    func executeKPI(_ statement: Statement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let asOf = settings.effectiveAsOf
        switch statement.kind {
        case .metric(let definition):
            // Bind with the new definition in place, so a redefinition that loops is caught.
            var metrics = kpis.metrics
            metrics[definition.name.name] = definition
            var binder = MetricBinder(catalog: catalog, metrics: metrics, library: kpis.resolver(catalog), asOf: asOf)
            let bound = try binder.bindMetric(definition)
            let replaced = kpis.metrics[definition.name.name] != nil
            kpis.define(definition)
            let datasets = bound.datasets.joined(separator: ", ")
            return (.message("\(replaced ? "redefined" : "defined") metric `\(definition.name.name)` (\(bound.format.rawValue), reads \(datasets))"), [])

        case .show(let show):
            let result = try ShowExecutor(catalog: catalog, kpis: kpis, asOf: asOf, cancel: context.cancel, source: context.source,
                                      budget: context.budget).run(show)
            return (.result(result), [])

        case .target(let target):
            return try executeTarget(target, statement, context)

        case .relate(let from, let to):
            let a = try binder(context).dataset(from.dataset)
            let b = try binder(context).dataset(to.dataset)
            let fromIndex = try Binder.column(from.column, in: Schema(table: a.table, dataset: a.name))
            let toIndex = try Binder.column(to.column, in: Schema(table: b.table, dataset: b.name))
            guard Binder.unify(a.table.columns[fromIndex].type, b.table.columns[toIndex].type) != nil else {
                throw Diagnostic(.typeMismatch, "`\(from.column.name)` is \(a.table.columns[fromIndex].type.name) but `\(to.column.name)` is \(b.table.columns[toIndex].type.name)",
                                 at: from.span.to(to.span))
            }
            let column = b.table.columns[toIndex]
            if Session.distinctCount(column) != Int64(b.table.rowCount - column.nullCount) {
                throw Diagnostic(.invalidMetric, "`\(b.name).\(to.column.name)` has repeated values; a relationship must point at one row",
                                 at: to.span, hints: ["relate to a column that identifies the rows of `\(b.name)`"])
            }
            let relation = Relationship(fromDataset: a.name, fromColumn: from.column.name, toDataset: b.name, toColumn: to.column.name)
            kpis.relationships.removeAll { $0.fromDataset == relation.fromDataset && $0.fromColumn == relation.fromColumn }
            kpis.relationships.append(relation)
            return (.message("related \(relation.description)"), [])

        case .use(let use):
            return try executeUse(use, context)

        case .funnel, .cohort, .attribution:
            // Compiled as `.explain` shows them (`planKPI`), then run.
            guard let planned = try planKPI(statement, context) else { preconditionFailure("funnel, cohort and attribution compile to plans") }
            return (.result(try planned.run(cancel: context.cancel, budget: context.budget)), [])

        default:
            throw Diagnostic(.unknownStatement, "not a KPI statement", at: statement.span)
        }
    }

    func source(of e: Expression, _ context: StatementContext) -> String {
        context.source.text(of: e.span)
    }

    /// `use kpis [with role = dataset (column = column), ...]`: binds the library's roles and
    /// defines every library metric whose datasets and columns exist.
    private func executeUse(_ use: UseStatement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        switch use.library.name.lowercased() {
        case "kpis": break
        case "benchmarks":
            if let extra = use.bindings.first {
                throw Diagnostic(.invalidArgument, "`use benchmarks` takes no bindings", at: extra.role.span)
            }
            return try useBenchmarks(context)
        default:
            var diagnostic = Diagnostic(.unknownOption, "unknown library `\(use.library.name)`", at: use.library.span,
                                        hints: ["libraries: `kpis` (the standard metrics), `benchmarks` (the guides' benchmarks as targets)"])
            if let near = EditDistance.closest(to: use.library.name.lowercased(), among: ["kpis", "benchmarks"]) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        var binding = kpis.binding
        for entry in use.bindings {
            guard KPILibrary.roles.contains(where: { $0.role == entry.role.name }) else {
                var diagnostic = Diagnostic(.unknownOption, "the KPI library has no role `\(entry.role.name)`", at: entry.role.span,
                                            hints: ["roles: " + KPILibrary.roles.map(\.role).joined(separator: ", ")])
                if let near = EditDistance.closest(to: entry.role.name, among: KPILibrary.roles.map(\.role)) { diagnostic.label = "did you mean `\(near)`?" }
                throw diagnostic
            }
            let dataset = try binder(context).dataset(entry.dataset)
            binding.datasets[entry.role.name] = dataset.name
            var renames: [String: String] = [:]
            for (libraryColumn, datasetColumn) in entry.columns {
                // A rename of a column the library never reads would silently do nothing.
                let known = KPILibrary.roleColumns[entry.role.name] ?? []
                guard known.contains(libraryColumn.name) else {
                    var diagnostic = Diagnostic(.unknownColumn, "the KPI library reads no column `\(libraryColumn.name)` in `\(entry.role.name)`",
                                                at: libraryColumn.span, hints: ["it reads: " + known.joined(separator: ", ")])
                    if let near = EditDistance.closest(to: libraryColumn.name, among: known) { diagnostic.label = "did you mean `\(near)`?" }
                    throw diagnostic
                }
                _ = try Binder.column(datasetColumn, in: Schema(table: dataset.table, dataset: dataset.name))
                renames[libraryColumn.name] = datasetColumn.name
            }
            binding.columns[entry.role.name] = renames
        }
        kpis.binding = binding
        // Define what binds; list what does not (and why).
        var ready: [String] = []
        var missing: [(String, String)] = []
        for definition in KPILibrary.definitions {
            let name = definition.name.name
            if let existing = kpis.metrics[name], existing.text != definition.text {
                continue  // the user's own definition wins
            }
            var binder = MetricBinder(catalog: catalog, metrics: kpis.metrics, library: kpis.resolver(catalog), asOf: settings.effectiveAsOf)
            do {
                _ = try binder.bindMetric(definition)
                kpis.define(definition)
                ready.append(name)
            } catch let diagnostic as Diagnostic {
                missing.append((name, diagnostic.message))
            }
        }
        var message = "kpis: \(ready.count) metrics ready"
        if !missing.isEmpty { message += ", \(missing.count) need other data (see .metrics)" }
        kpis.unavailable = missing
        return (.message(message), [])
    }

    /// `use benchmarks`: the targets of `KPILibrary.benchmarks`, set as if typed.
    private func useBenchmarks(_ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let source = SourceText(name: "benchmarks", text: KPILibrary.benchmarks)
        let parsed = Parser.parseHere(source)
        precondition(parsed.diagnostics.isEmpty, "the benchmark targets do not parse: \(parsed.diagnostics)")
        let libraryContext = StatementContext(source: source, baseDirectory: context.baseDirectory, cancel: context.cancel, progress: context.progress,
                                              budget: context.budget)
        var set: [String] = []
        for statement in parsed.statements {
            _ = try executeKPI(statement, libraryContext)
            if case .target(let target) = statement.kind { set.append(target.metric.name) }
        }
        return (.message("benchmarks: targets set for \(set.joined(separator: ", ")) (see .targets)"), [])
    }

    // MARK: - Descriptions

    /// One row per metric: name, formula, format, datasets read; then library metrics whose
    /// data is missing, with why.
    package func metricsTable() -> Table {
        LargeStack.run { metricsTableHere() }  // binds every metric (see `LargeStack`)
    }

    private func metricsTableHere() -> Table {
        var names: [String] = []
        var formulas: [String] = []
        var formats: [String?] = []
        var reads: [String?] = []
        for name in kpis.metricOrder {
            let definition = kpis.metrics[name]!
            names.append(name)
            formulas.append(definition.text + (definition.timeColumn.map { " (time \($0.name))" } ?? ""))
            var binder = MetricBinder(catalog: catalog, metrics: kpis.metrics, library: kpis.resolver(catalog), asOf: settings.effectiveAsOf)
            if let bound = try? binder.bindMetric(definition) {
                formats.append(bound.format.rawValue)
                reads.append(bound.datasets.joined(separator: ", "))
            } else {
                formats.append(definition.format?.name)
                reads.append("(needs data that is not loaded)")
            }
        }
        for (name, reason) in kpis.unavailable where kpis.metrics[name] == nil {
            names.append(name)
            formulas.append(KPILibrary.definition(name)?.text ?? "")
            formats.append(KPILibrary.definition(name)?.format?.name)
            reads.append("unavailable: " + reason)
        }
        return Table(names: ["metric", "formula", "format", "reads"], columns: [
            ColumnFactory.text(names), ColumnFactory.text(formulas), ColumnFactory.text(formats), ColumnFactory.text(reads),
        ], rowCount: names.count)
    }

    package func targetsTable() -> Table {
        let targets = kpis.targets
        return Table(names: ["metric", "target"], columns: [
            ColumnFactory.text(targets.map(\.metric)), ColumnFactory.text(targets.map(\.text)),
        ], rowCount: targets.count)
    }

}
