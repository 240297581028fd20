import Dispatch

/// A kpiq session: the loaded datasets, metrics, targets and settings, and the one entry
/// point that runs source text (a typed line, a `-c` argument or a whole script).
///
/// The engine does no terminal I/O: `run` returns what each statement produced and the
/// diagnostic that stopped it. Only a successful statement changes the session, so an error
/// never leaves half a dataset or a broken metric behind.
public final class Session {
    package internal(set) var catalog = Catalog()
    package var settings = Settings()
    /// The last table shown (for `.last`, `.export`, `export`).
    public private(set) var lastResult: QueryResult?
    /// KPI definitions: metrics, targets, relationships, library bindings.
    package internal(set) var kpis = KPIState()
    /// The files datasets were loaded from in this session, with the dataset's name: `export`
    /// does not replace them unless told to (a dropped dataset's file is still the user's data).
    var loadedFiles: [FileIdentity: String] = [:]

    /// How `export "FILE"` writes files other than CSV, by the extension of FILE (`html`):
    /// the library writes CSV itself and renders nothing else; the client adds the rest.
    package var exportWriters: [String: (QueryResult, String) throws -> Void] = [:]

    public init() {}

    /// What the next statement may allocate: the memory limit less what the datasets hold.
    package var memoryBudget: MemoryBudget {
        MemoryBudget(limit: settings.memoryLimit, held: catalog.byteCount)
    }

    /// The extension of a path's file name, lowercased (`r.HTML`: `html`; none: empty).
    package static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// Runs every statement of `source` in order, stopping at the first error. Syntax is
    /// checked for the whole text first, so a typo at the end stops a script before it runs.
    /// Relative file paths are resolved against `baseDirectory` (a script's folder).
    /// Statements run on a thread with a large stack (`LargeStack`), so that deeply nested
    /// input gets as far as the nesting limits whatever the caller's thread.
    ///
    /// With `onStatement`, each statement's output, warnings and time are handed to it as soon
    /// as the statement ends (so a client prints a long script's results as they come) instead
    /// of being kept in the outcome; it is called on the statement thread, and returning false
    /// stops the run there. Without it, the outcome holds them all.
    public func run(
        _ source: SourceText, baseDirectory: String? = nil, cancel: CancellationToken? = nil,
        progress: LoadProgress? = nil, onStatement: ((StatementReport) -> Bool)? = nil
    ) -> RunOutcome {
        LargeStack.run { runHere(source, baseDirectory: baseDirectory, cancel: cancel, progress: progress, onStatement: onStatement) }
    }

    private func runHere(
        _ source: SourceText, baseDirectory: String?, cancel: CancellationToken?, progress: LoadProgress?,
        onStatement: ((StatementReport) -> Bool)?
    ) -> RunOutcome {
        var outcome = RunOutcome(source: source)
        let parsed = Parser.parseHere(source)
        if let first = parsed.diagnostics.first {
            outcome.error = first
            return outcome
        }
        for statement in parsed.statements {
            let started = DispatchTime.now()
            func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
            do {
                try cancel?.check()
                // The budget is taken per statement: what the datasets hold changes with each load.
                let context = StatementContext(source: source, baseDirectory: baseDirectory, cancel: cancel, progress: progress, budget: memoryBudget)
                let (output, warnings) = try execute(statement, context)
                if case .result(let result)? = output {
                    lastResult = result
                    if result.isFailedCheck { outcome.failedChecks += 1 }
                }
                let report = StatementReport(output: output, span: statement.span, warnings: warnings, seconds: seconds())
                if let onStatement {
                    if !onStatement(report) { return outcome }
                } else {
                    outcome.warnings.append(contentsOf: warnings)
                    outcome.timings.append(report.seconds)
                    if let output {
                        outcome.outputs.append(output)
                        outcome.outputSpans.append(statement.span)
                    }
                }
            } catch var diagnostic as Diagnostic {
                // A problem found while running (a join too large) points at its statement.
                if diagnostic.span == nil, diagnostic.file == nil { diagnostic.span = statement.span }
                outcome.error = diagnostic
                return outcome
            } catch is Cancelled {
                // No span: underlining the whole statement (a long pipeline) says nothing
                // about a Ctrl-C. In a text of several statements (a script) the hint says
                // which one stopped.
                var hints = ["everything loaded before is still there"]
                if parsed.statements.count > 1 {
                    let line = source.firstLine + source.location(of: statement.span.start).lineIndex
                    hints.insert("stopped in the statement at line \(line) of \(source.name)", at: 0)
                }
                outcome.error = Diagnostic(.cancelled, "cancelled", hints: hints)
                return outcome
            } catch {
                outcome.error = Diagnostic(.noResult, "\(error)", at: statement.span)
                return outcome
            }
        }
        return outcome
    }

    struct StatementContext {
        let source: SourceText
        let baseDirectory: String?
        let cancel: CancellationToken?
        let progress: LoadProgress?
        /// What the statement's steps may allocate (`MemoryBudget`).
        var budget: MemoryBudget?

        /// `~` expanded, then a relative path taken from `baseDirectory`.
        func resolve(_ path: String) -> String {
            let path = HomePath.expanded(path)
            guard let baseDirectory, !path.hasPrefix("/") else { return path }
            return baseDirectory + "/" + path
        }
    }

    func binder(_ context: StatementContext) -> Binder {
        Binder(catalog: catalog, asOf: settings.effectiveAsOf, source: context.source)
    }

    private func execute(_ statement: Statement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        switch statement.kind {
        case .load(let load):
            return try executeLoad(load, context)
        case .query(let pipeline):
            let (result, _, warnings) = try runPipeline(pipeline, context)
            return (.result(result), warnings)
        case .assign(let name, let pipeline):
            let (result, schema, warnings) = try runPipeline(pipeline, context)
            // Columns passed through with no values keep their open type (`Column.isUntyped`).
            let table = Table(names: result.table.names, columns: zip(result.table.columns, schema.fields).map { $0.untyped($1.untyped) },
                              rowCount: result.table.rowCount)
            // The time column carries over when it is kept unchanged.
            let timeColumn = schema.fields.first { field in
                guard let origin = field.origin, let dataset = catalog[origin.dataset] else { return false }
                return dataset.timeColumn == origin.column
            }?.name
            // So do the formats (a `show` kept with `let` still reads 12.3% and 2024-03).
            var formats: [String: ValueFormat] = [:]
            for (column, format) in zip(table.names, result.formats) { formats[column] = format }
            catalog.put(Dataset(name: name.name, table: table, timeColumn: timeColumn, origin: "let \(name.name)", formats: formats))
            return (.message("kept `\(name.name)`: \(Self.rows(table.rowCount)), \(Self.columns(table.columnCount))"), warnings)
        case .setTime(let datasetName, let column, let end):
            var dataset = try binder(context).dataset(datasetName)
            let index = try Binder.column(column, in: Schema(table: dataset.table, dataset: dataset.name))
            let type = dataset.table.columns[index].type
            guard type.isTemporal else {
                throw Diagnostic(.typeMismatch, "the time column must be a date or timestamp; `\(column.name)` is \(type.name)", at: column.span,
                                 hints: ["convert it when loading: `with (types (\(column.name) date))`"])
            }
            dataset.timeColumn = column.name
            dataset.endTimeColumn = try end.map { try Self.flightEnd($0, of: dataset) }
            catalog.put(dataset)
            if let end = dataset.endTimeColumn {
                return (.message("time of `\(dataset.name)` runs from `\(column.name)` to `\(end)`; its sums are spread over those days"), [])
            }
            return (.message("time of `\(dataset.name)` is `\(column.name)`"), [])
        case .asOf(let expression):
            if let expression, case .literal(.date(let day)) = expression.kind {
                settings.asOf = day
                return (.message("as of \(CivilCalendar.formatDate(day))"), [])
            }
            settings.asOf = nil
            return (.message("as of today (\(CivilCalendar.formatDate(settings.effectiveAsOf)))"), [])
        case .drop(let name):
            if catalog[name.name] != nil {
                catalog.remove(name.name)
                return (.message("dropped dataset `\(name.name)`"), [])
            }
            if kpis.metrics[name.name] != nil {
                kpis.removeMetric(name.name)
                return (.message("dropped metric `\(name.name)`"), [])
            }
            throw Diagnostic(.unknownDataset, "no dataset or metric named `\(name.name)`", at: name.span)
        case .export(let path, let span, let overwrite):
            do {
                let rows = try exportLastResult(to: context.resolve(path), written: path, overwrite: overwrite,
                                                howToOverwrite: "export \"\(path)\" overwrite")
                return (.message("exported \(Self.rows(rows)) to \(path)"), [])
            } catch var diagnostic as Diagnostic {
                diagnostic.span = diagnostic.code == .noResult ? statement.span : span
                throw diagnostic
            }
        case .check(let pipeline):
            return try executeCheck(pipeline, context)
        case .save(let path, let span, let overwrite):
            return try executeSave(path: path, pathSpan: span, overwrite: overwrite, context)
        case .open(let path, let span):
            return try executeOpen(path: path, pathSpan: span, context)
        case .metric, .show, .target, .use, .funnel, .cohort, .attribution, .relate:
            return try executeKPI(statement, context)
        }
    }

    /// 1234567 as "1,234,567".
    /// "1 row", "2,000 rows": messages name one thing in the singular.
    static func rows(_ n: Int) -> String { count(n) + (n == 1 ? " row" : " rows") }

    static func columns(_ n: Int) -> String { count(n) + (n == 1 ? " column" : " columns") }

    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}
