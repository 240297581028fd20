/// Runs `show metrics [by dims] [over grain] [during range] [vs previous ...] [where ...]`.
///
/// Each metric is split into leaves (one aggregate on one dataset). Leaves of the same
/// dataset and time column are computed together, each group grouped by the dimensions and
/// the period of its own time column; the groups are then lined up on (dimensions, period),
/// so spend is never multiplied by a join and people are never counted twice. Missing
/// periods are filled in (0 for counts and sums, null for the rest), and ratios are computed last,
/// from the totals of each row.
struct ShowExecutor {
    let catalog: Catalog
    let kpis: KPIState
    let asOf: Int64
    let cancel: CancellationToken?
    let source: SourceText?

    /// A metric column of the result.
    struct Output {
        var name: String
        var expression: MetricExpression
        var format: ValueFormat
        var isInteger: Bool
    }

    /// A dimension: its output name and the column it reads in every dataset.
    struct Dimension {
        var name: String
        var column: String
        var span: Span
    }

    func run(_ show: ShowStatement) throws -> QueryResult {
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
                    if kpis.metrics[parts[0].name] == nil {
                        diagnostic.hints.insert("`\(parts[0].name)` comes from the KPI library; bind its datasets with `use kpis with ROLE = DATASET`", at: 0)
                        diagnostic.message = "cannot compute `\(parts[0].name)`: " + diagnostic.message
                        diagnostic.span = parts[0].span
                        diagnostic.label = nil
                    }
                    throw diagnostic
                }
            } else {
                var bound = try binder.bindMetric(definition)
                if case .call(let function, _, _) = item.expression.kind, let parametric = KPILibrary.parametric(function.name) {
                    bound.format = parametric == .activeContacts ? .count : .percent
                }
                outputs.append(Output(name: name, expression: bound.expression, format: bound.format, isInteger: bound.isInteger))
            }
        }
        let leaves = binder.leaves
        // Dimensions: plain column names.
        var dimensions: [Dimension] = []
        for item in show.dimensions {
            guard case .name(let parts) = item.expression.kind else {
                throw Diagnostic(.invalidArgument, "a `by` dimension is a column name", at: item.expression.span,
                                 hints: ["to group by an expression, derive it in a dataset first: let t = from x | derive d = ..."])
            }
            let column = parts.last!.name
            let name = item.name?.name ?? column
            guard !dimensions.contains(where: { $0.name == name }), !outputs.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "`\(name)` is both a dimension and another column", at: item.span)
            }
            dimensions.append(Dimension(name: name, column: column, span: item.expression.span))
        }
        let periodName = show.grain?.rawValue ?? "period"
        if show.grain != nil, dimensions.contains(where: { $0.name == periodName }) || outputs.contains(where: { $0.name == periodName }) {
            throw Diagnostic(.duplicateName, "`\(periodName)` names both the period and another column", at: show.grainSpan)
        }
        // The time range shown, and the one computed (earlier when comparing).
        var range: (start: Int64, end: Int64)?
        if let written = show.range {
            var resolved = TimeRangeResolver.resolve(written, asOf: asOf)
            resolved.end = min(resolved.end, max(resolved.start, asOf + 1))
            range = resolved
        }
        let calendar = show.grain.map { ShowCalendar(grain: $0, asOf: asOf) }
        // Over periods, a range starts with a whole period (`last 6 weeks` over week: six whole
        // weeks, the last one running).
        if let calendar, let resolved = range {
            range = (CalendarMath.truncate(resolved.start, to: calendar.grain), resolved.end)
        }
        // Over periods, the earlier periods are computed with the rest (matched by calendar
        // afterwards); a whole range is compared with a second run over the earlier range.
        var computeRange = range
        if let comparison = show.comparison, let range, let calendar {
            computeRange = (calendar.earlier(CalendarMath.truncate(range.start, to: calendar.grain), comparison), range.end)
        }
        if show.comparison != nil, show.grain == nil, range == nil {
            throw Diagnostic(.invalidArgument, "`vs` compares two periods: add `over month` (or another grain) or `during RANGE`",
                             at: show.metrics.first?.span)
        }
        // Conditions on shown values (metrics, their targets) apply to the result; the others
        // select the rows the metrics read.
        let outputNames = Set(outputs.map(\.name) + outputs.flatMap { [$0.name + "_previous", $0.name + "_change", $0.name + "_change_pct", $0.name + "_target"] })
        var rowConditions: [Expression] = []
        var resultConditions: [Expression] = []
        for conjunct in Self.conjuncts(show.filter) {
            let names = Set(Self.columnNames(conjunct).map(\.name))
            if !names.isEmpty, names.isSubset(of: outputNames.union(dimensions.map(\.name)).union(["partial", periodName])), !names.isDisjoint(with: outputNames) {
                resultConditions.append(conjunct)
            } else {
                rowConditions.append(conjunct)
            }
        }
        let rowFilter = Expression.conjunction(rowConditions)
        let resultFilter = Expression.conjunction(resultConditions)
        // Compute every leaf group.
        let needsTime = show.grain != nil || range != nil
        var cells: [[Scalar]: [Int: Scalar]] = [:]
        var keyOrder: [[Scalar]] = []
        var leafTypes = [DataType](repeating: .int, count: leaves.count)
        let groups = Dictionary(grouping: leaves.indices) { index -> String in
            let leaf = leaves[index]
            return "\(leaf.dataset)|\(leaf.timeColumn ?? "")|\(leaf.kind)"
        }.sorted { $0.value.first! < $1.value.first! }
        let lookup = DimensionLookup(catalog: catalog, relationships: kpis.allRelationships(catalog))
        for (_, indexes) in groups {
            try cancel?.check()
            let leaf = leaves[indexes[0]]
            guard let dataset = catalog[leaf.dataset] else {
                throw Diagnostic(.unknownDataset, "dataset `\(leaf.dataset)` is no longer loaded", at: leaf.span)
            }
            let timeColumn = leaf.timeColumn ?? dataset.timeColumn
            if (needsTime || leaf.kind != .aggregate), timeColumn == nil {
                throw Diagnostic(.missingTimeColumn, "`\(dataset.name)` has no time column, so its metrics cannot be put in periods",
                                 at: show.grainSpan ?? show.range?.span ?? leaf.span,
                                 hints: ["declare one: set time \(dataset.name).COLUMN (or `load ... time COLUMN`)"])
            }
            let runs: [(key: Int64?, window: (Int64, Int64)?)]
            switch leaf.kind {
            case .aggregate:
                runs = [(nil, computeRange)]
            case .rolling, .cumulative:
                // One run per period end: the window before it (or everything before it).
                let ends: [(Int64?, Int64)]
                if let calendar {
                    let span = try dataRange(dataset, timeColumn!)
                    let first = computeRange?.start ?? (span?.start ?? asOf)
                    let last = range.map { $0.end - 1 } ?? min(asOf, span?.end ?? asOf)
                    ends = try calendar.periods(from: first, through: last, span: show.range?.span ?? show.grainSpan)
                        .map { ($0, min(calendar.end(of: $0), asOf + 1)) }
                } else {
                    ends = [(nil, range?.end ?? asOf + 1)]
                }
                runs = ends.map { key, end in
                    if case .rolling(let window) = leaf.kind {
                        let start = Self.subtract(window, from: end)
                        return (key, (start, end))
                    }
                    return (key, (Int64.min / 4, end))
                }
            }
            for run in runs {
                try cancel?.check()
                let table = try computeGroup(
                    dataset: dataset, timeColumn: timeColumn, leaves: indexes.map { leaves[$0] }, dimensions: dimensions,
                    grain: leaf.kind == .aggregate ? show.grain : nil, window: run.window, filter: rowFilter, lookup: lookup)
                for (k, index) in indexes.enumerated() {
                    leafTypes[index] = table.columns[dimensions.count + (leaf.kind == .aggregate && show.grain != nil ? 1 : 0) + k].type
                }
                for row in 0..<table.rowCount {
                    var key = (0..<dimensions.count).map { table.columns[$0].scalar(at: row) }
                    if show.grain != nil {
                        if let fixed = run.key {
                            key.append(.date(fixed))
                        } else {
                            key.append(table.columns[dimensions.count].scalar(at: row))
                        }
                    }
                    if cells[key] == nil {
                        cells[key] = [:]
                        keyOrder.append(key)
                    }
                    let first = dimensions.count + (leaf.kind == .aggregate && show.grain != nil ? 1 : 0)
                    for (k, index) in indexes.enumerated() { cells[key]![index] = table.columns[first + k].scalar(at: row) }
                }
            }
        }
        // The rows to show: every dimension combination seen, times every period in range.
        let combinations = Self.orderedCombinations(keyOrder.map { Array($0.prefix(dimensions.count)) })
        var rows: [[Scalar]] = []
        var periods: [Int64] = []
        if let calendar {
            let observed = keyOrder.compactMap { key -> Int64? in if case .date(let d)? = key.last { return d } else { return nil } }
            let first = range?.start ?? observed.min()
            let last = range.map { $0.end - 1 } ?? observed.max()
            if let first, let last { periods = try calendar.periods(from: first, through: last, span: show.range?.span ?? show.grainSpan) }
            for combination in combinations {
                for period in periods { rows.append(combination + [.date(period)]) }
            }
        } else {
            rows = combinations
        }
        // Leaf values of a row, filled in for empty periods.
        func leafValues(_ key: [Scalar]) -> [Scalar] {
            let unattributed = key.prefix(dimensions.count).contains { $0.isNull }
            return leaves.indices.map { leaves[$0].metricValue(cells[key]?[$0], type: leafTypes[$0], unattributedRow: unattributed) }
        }
        let current = try evaluate(outputs, leaves: leaves, leafTypes: leafTypes, rows: rows.map(leafValues), rowKeys: rows,
                                   periodIndex: show.grain == nil ? nil : dimensions.count)
        var previous: [[Scalar]]?
        if let comparison = show.comparison {
            let earlierKeys: [[Scalar]]
            if let calendar {
                earlierKeys = rows.map { key in
                    guard case .date(let period)? = key.last else { return key }
                    return Array(key.dropLast()) + [.date(calendar.earlier(period, comparison))]
                }
                previous = try evaluate(outputs, leaves: leaves, leafTypes: leafTypes, rows: earlierKeys.map(leafValues), rowKeys: earlierKeys,
                                        periodIndex: dimensions.count)
            } else {
                // Whole ranges: compute the earlier range on its own.
                var earlierShow = show
                earlierShow.comparison = nil
                earlierShow.sort = []
                earlierShow.top = nil
                let earlier = Self.earlierRange(range!, comparison)
                earlierShow.range = TimeRange(kind: .dates(from: earlier.start, to: earlier.end - 1), span: show.range?.span ?? .none)
                let other = try ShowExecutor(catalog: catalog, kpis: kpis, asOf: max(asOf, earlier.end), cancel: cancel, source: source)
                    .run(earlierShow).table
                var byKey: [[Scalar]: [Scalar]] = [:]
                for row in 0..<other.rowCount {
                    byKey[(0..<dimensions.count).map { other.columns[$0].scalar(at: row) }] =
                        outputs.indices.map { other.columns[dimensions.count + $0].scalar(at: row) }
                }
                previous = rows.map { byKey[$0] ?? outputs.map { $0.isInteger ? .int(0) : .null } }
            }
        }
        return try assemble(show: show, outputs: outputs, dimensions: dimensions, rows: rows, current: current, previous: previous,
                            calendar: calendar, periods: periods, range: range, combinations: combinations.count, resultFilter: resultFilter)
    }

    // MARK: - One leaf group

    /// Aggregates `leaves` (all on `dataset`) grouped by the dimensions and the period.
    private func computeGroup(
        dataset: Dataset, timeColumn: String?, leaves: [MetricLeaf], dimensions: [Dimension], grain: Grain?,
        window: (Int64, Int64)?, filter: Expression?, lookup: DimensionLookup
    ) throws -> Table {
        let filterColumns = filter.map(Self.columnNames) ?? []
        let needed = dimensions.map { ($0.column, $0.span) } + filterColumns.map { ($0.name, $0.span) }
        let context = leaves.first.map { _ in " (needed by a metric on `\(dataset.name)`)" } ?? ""
        var plan = try lookup.plan(dataset, adding: needed, context: context)
        let schema = plan.schema
        let binder = Binder(catalog: catalog, asOf: asOf, source: source)
        var rows = ExpressionBinder(binder: binder, schema: schema)
        var conditions: [BoundExpression] = []
        if let timeColumn, let window, let t = schema.index(of: timeColumn) {
            let time = BoundExpression(.column(t), type: schema.fields[t].type, span: .none)
            let type = schema.fields[t].type
            if window.0 > Int64.min / 8 {
                conditions.append(BoundExpression(.comparison(.greaterOrEqual, time, ExpressionBinder.timeConstant(window.0, like: type, span: .none)), type: .bool, span: .none))
            }
            conditions.append(BoundExpression(.comparison(.less, time, ExpressionBinder.timeConstant(window.1, like: type, span: .none)), type: .bool, span: .none))
        }
        if let filter {
            do {
                conditions.append(try rows.condition(filter))
            } catch var diagnostic as Diagnostic {
                diagnostic.message += " (in the `where` of this show, applied to `\(dataset.name)`)"
                throw diagnostic
            }
        }
        for condition in conditions { plan = .filter(plan, condition) }
        var keys = dimensions.map { dimension -> BoundExpression in
            let index = schema.index(of: dimension.column)!
            return BoundExpression(.column(index), type: schema.fields[index].type, span: dimension.span)
        }
        var keyFields = dimensions.map { Schema.Field(name: $0.name, type: schema.fields[schema.index(of: $0.column)!].type) }
        if let grain, let timeColumn, let t = schema.index(of: timeColumn) {
            let function: ScalarFunction = [.day: .day, .week: .week, .month: .month, .quarter: .quarter, .year: .year][grain]!
            keys.append(BoundExpression(.function(function, [BoundExpression(.column(t), type: schema.fields[t].type, span: .none)]), type: .date, span: .none))
            keyFields.append(Schema.Field(name: "__period", type: .date))
        }
        var aggregates: [BoundAggregate] = []
        for leaf in leaves {
            var leafRows = ExpressionBinder(binder: binder, schema: schema)
            let argument = try leaf.argument.map { try leafRows.bind($0) }
            let leafFilter = try leaf.filter.map { try leafRows.condition($0) }
            let type = try ExpressionBinder.aggregateType(leaf.function, argument: argument, name: Identifier(leaf.function.rawValue, span: leaf.span))
            aggregates.append(BoundAggregate(function: leaf.function, argument: argument, fraction: leaf.fraction, orderBy: nil,
                                             filter: leafFilter, type: type, span: leaf.span))
        }
        let fields = keyFields + aggregates.enumerated().map { Schema.Field(name: "_leaf\($0.offset)", type: $0.element.type) }
        plan = .aggregate(plan, keys: keys, aggregates: aggregates, Schema(fields: fields))
        return try Executor(cancel: cancel).run(plan)
    }

    /// First and last day with rows in the dataset's time column.
    private func dataRange(_ dataset: Dataset, _ column: String) throws -> (start: Int64, end: Int64)? {
        guard let c = dataset.table.column(named: column), dataset.table.rowCount > c.nullCount else { return nil }
        var low = Int64.max, high = Int64.min
        for row in 0..<dataset.table.rowCount where !c.isNull(row) {
            switch c.scalar(at: row) {
            case .date(let d):
                low = min(low, d)
                high = max(high, d)
            case .timestamp(let t):
                let d = CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay)
                low = min(low, d)
                high = max(high, d)
            default: break
            }
        }
        return low <= high ? (low, high) : nil
    }

    // MARK: - Metric values

    /// Each output metric's value for each row, from the rows' leaf values.
    private func evaluate(
        _ outputs: [Output], leaves: [MetricLeaf], leafTypes: [DataType], rows: [[Scalar]], rowKeys: [[Scalar]], periodIndex: Int?
    ) throws -> [[Scalar]] {
        let leafColumns = leaves.indices.map { k in ColumnFactory.scalars(rows.map { $0[k] }, type: leafTypes[k]) }
        let table = Table(names: leaves.indices.map { "_leaf\($0)" }, columns: leafColumns, rowCount: rows.count)
        let schema = Schema(fields: leaves.indices.map { Schema.Field(name: "_leaf\($0)", type: leafTypes[$0]) })
        var expressions: [BoundExpression] = []
        var shares: [Int: MetricExpression] = [:]
        for (k, output) in outputs.enumerated() {
            if case .share(let inner) = output.expression {
                shares[k] = inner
                expressions.append(try bound(inner, leafTypes: leafTypes))
            } else if output.expression.containsShare {
                throw Diagnostic(.invalidMetric, "`share(...)` must be the whole metric, not part of it")
            } else {
                expressions.append(try bound(output.expression, leafTypes: leafTypes))
            }
        }
        let result = try Executor(cancel: cancel).run(
            .project(.scan(name: "", table: table), expressions,
                     Schema(fields: outputs.enumerated().map { Schema.Field(name: $0.element.name, type: expressions[$0.offset].type ?? .decimal) })))
        _ = schema
        var values = (0..<rows.count).map { row in outputs.indices.map { result.columns[$0].scalar(at: row) } }
        // Shares: each row's value over the total of its period.
        for (k, _) in shares {
            var totals: [Scalar: Double] = [:]
            for (row, key) in rowKeys.enumerated() {
                let period = periodIndex.map { key[$0] } ?? .null
                totals[period, default: 0] += values[row][k].doubleValue ?? 0
            }
            for (row, key) in rowKeys.enumerated() {
                let period = periodIndex.map { key[$0] } ?? .null
                let total = totals[period] ?? 0
                values[row][k] = total == 0 || values[row][k].isNull ? .null : .decimal((values[row][k].doubleValue ?? 0) / total)
            }
        }
        return values
    }

    /// A metric expression over leaf columns, as a bound expression.
    private func bound(_ e: MetricExpression, leafTypes: [DataType]) throws -> BoundExpression {
        switch e {
        case .leaf(let i): return BoundExpression(.column(i), type: leafTypes[i], span: .none)
        case .constant(let v):
            let type: DataType? = v.isNull ? nil : (v.doubleValue != nil && { if case .int = v { return true } else { return false } }() ? .int : .decimal)
            return BoundExpression(.constant(v), type: type, span: .none)
        case .negate(let a):
            let x = try bound(a, leafTypes: leafTypes)
            return BoundExpression(.negate(x), type: x.type, span: .none)
        case .arithmetic(let first, let steps):
            let head = try bound(first, leafTypes: leafTypes)
            var type = head.type
            let boundSteps = try steps.map { step in
                let y = try bound(step.operand, leafTypes: leafTypes)
                type = step.op == .divide || type == .decimal || y.type == .decimal ? .decimal : .int
                return ArithmeticStep(op: step.op, operand: y, type: type)
            }
            return BoundExpression(.arithmetic(head, boundSteps), type: type, span: .none)
        case .function(let f, let args):
            let bound = try args.map { try self.bound($0, leafTypes: leafTypes) }
            let type = try FunctionTyping.resultType(f, bound, name: Identifier(f.rawValue), span: .none)
            return BoundExpression(.function(f, bound), type: type, span: .none)
        case .share(let inner):
            return try bound(inner, leafTypes: leafTypes)
        }
    }

    // MARK: - The result table

    private func assemble(
        show: ShowStatement, outputs: [Output], dimensions: [Dimension], rows: [[Scalar]], current: [[Scalar]], previous: [[Scalar]]?,
        calendar: ShowCalendar?, periods: [Int64], range: (start: Int64, end: Int64)?, combinations: Int, resultFilter: Expression?
    ) throws -> QueryResult {
        var names: [String] = []
        var columns: [Column] = []
        var formats: [ValueFormat?] = []
        var notes: [String] = []
        func add(_ name: String, _ column: Column, _ format: ValueFormat?) {
            names.append(name)
            columns.append(column)
            formats.append(format)
        }
        for (k, dimension) in dimensions.enumerated() {
            let values = rows.map { $0[k] }
            let type = values.first { !$0.isNull }.map(Self.type) ?? .text
            add(dimension.name, ColumnFactory.scalars(values, type: type), nil)
        }
        if let calendar {
            add(calendar.grain.rawValue, ColumnFactory.ints(rows.map { if case .date(let d)? = $0.last { return d } else { return nil } }, type: .date),
                ValueFormat(grain: calendar.grain))
        }
        for (k, output) in outputs.enumerated() {
            let type: DataType = output.isInteger && !output.expression.containsShare ? .int : .decimal
            let format: ValueFormat = output.expression.containsShare ? .percent : output.format
            add(output.name, ColumnFactory.scalars(current.map { Self.convert($0[k], type) }, type: type), format)
            if let previous {
                let earlier = previous.map { Self.convert($0[k], type) }
                add(output.name + "_previous", ColumnFactory.scalars(earlier, type: type), format)
                let change: [Scalar] = zip(current, earlier).map { now, before in
                    if case .int(let a) = Self.convert(now[k], type), case .int(let b) = before {
                        let (difference, overflow) = a.subtractingReportingOverflow(b)
                        return overflow ? .null : .int(difference)
                    }
                    guard let a = now[k].doubleValue, let b = before.doubleValue else { return .null }
                    return type == .int ? Self.convert(.decimal(a - b), .int) : .decimal(a - b)
                }
                add(output.name + "_change", ColumnFactory.scalars(change, type: type), format == .percent ? .percent : format)
                let changePercent: [Scalar] = zip(current, earlier).map { now, before in
                    guard let a = now[k].doubleValue, let b = before.doubleValue, b != 0 else { return .null }
                    return .decimal((a - b) / abs(b))
                }
                add(output.name + "_change_pct", ColumnFactory.scalars(changePercent, type: .decimal), .percent)
            }
            // Targets: a status beside each targeted metric.
            let targets = kpis.targets.filter { $0.metric == output.name }
            if !targets.isEmpty {
                let statuses: [Scalar] = rows.enumerated().map { row, key in
                    let applicable = targets.last { target in
                        guard let scope = target.scope else { return true }
                        guard let d = dimensions.firstIndex(where: { $0.name == scope.dimension }) else { return false }
                        return ComparisonExpression.compareScalars(key[d], scope.value) == 0
                    }
                    guard let target = applicable, let status = target.status(current[row][k].doubleValue) else { return .null }
                    return .text(status)
                }
                add(output.name + "_target", ColumnFactory.scalars(statuses, type: .text), nil)
                for target in targets { notes.append("target: \(output.name) \(target.text)") }
            }
        }
        // Partial periods.
        if let calendar {
            let partial = rows.map { key -> Bool in
                guard case .date(let period)? = key.last else { return false }
                return calendar.isPartial(period)
            }
            if partial.contains(true) {
                add("partial", ColumnFactory.bools(partial), nil)
                if let period = periods.first(where: calendar.isPartial) {
                    notes.append("\(ShowCalendar.label(period, calendar.grain)) is partial: data up to \(CivilCalendar.formatDate(asOf))")
                }
            }
        }
        var table = Table(names: names, columns: columns, rowCount: rows.count)
        if let resultFilter {
            let schema = Schema(fields: zip(names, columns).map { Schema.Field(name: $0, type: $1.type) })
            var binder = ExpressionBinder(binder: Binder(catalog: catalog, asOf: asOf, source: source), schema: schema)
            let condition = try binder.condition(resultFilter)
            table = try Executor(cancel: cancel).run(.filter(.scan(name: "", table: table), condition)).renamed(names)
        }
        // Order: by dimensions then period unless sorted; then top N.
        if !show.sort.isEmpty || show.top != nil {
            let schema = Schema(fields: zip(names, columns).map { Schema.Field(name: $0, type: $1.type) })
            let binder = Binder(catalog: catalog, asOf: asOf, source: source)
            var expressions = ExpressionBinder(binder: binder, schema: schema)
            var keys = try show.sort.map { key in
                BoundSortKey(expression: try expressions.bind(key.expression), descending: key.descending, nullsFirst: key.nullsFirst ?? false)
            }
            if keys.isEmpty, let first = outputs.first, let index = names.firstIndex(of: first.name) {
                keys = [BoundSortKey(expression: BoundExpression(.column(index), type: columns[index].type, span: .none), descending: true, nullsFirst: false)]
            }
            table = try Sorter.sort(table, keys: keys, limit: nil, cancel: cancel)
            if let top = show.top {
                table = try topRows(table, top: Int(top), withOther: show.withOther, show: show, dimensions: dimensions, calendar: calendar)
            }
        }
        var title = outputs.map(\.name).joined(separator: ", ")
        if !dimensions.isEmpty { title += " by " + dimensions.map(\.name).joined(separator: ", ") }
        if let calendar { title += " over " + calendar.grain.rawValue }
        if let range { title += ", " + CivilCalendar.formatDate(range.start) + " .. " + CivilCalendar.formatDate(range.end - 1) }
        if let comparison = show.comparison { title += comparison == .previousYear ? ", vs previous year" : ", vs previous period" }
        if let chart = show.chart {
            for column in [chart.x].compactMap({ $0 }) + chart.y where !names.contains(column) {
                throw Diagnostic(.unknownColumn, "unknown column `\(column)` in this result", at: show.metrics.first?.span,
                                 label: EditDistance.closest(to: column, among: names).map { "did you mean `\($0)`?" })
            }
        }
        return QueryResult(table: table, formats: formats, chart: show.chart, title: title, notes: notes)
    }

    /// The first `top` rows (by dimension combination when over periods); with `other`, the
    /// rest folded into one row per period computed again, so distinct counts stay exact.
    private func topRows(_ table: Table, top: Int, withOther: Bool, show: ShowStatement, dimensions: [Dimension], calendar: ShowCalendar?) throws -> Table {
        if !withOther {
            if calendar == nil || dimensions.isEmpty { return TableOperations.slice(table, offset: 0, count: top) }
            // Keep all periods of the first `top` combinations (in sorted order).
            var kept: [[Scalar]] = []
            var rows: [Int32] = []
            for row in 0..<table.rowCount {
                let key = (0..<dimensions.count).map { table.columns[$0].scalar(at: row) }
                if !kept.contains(key) {
                    if kept.count == top { continue }
                    kept.append(key)
                }
                rows.append(Int32(row))
            }
            return table.gather(rows)
        }
        guard dimensions.count == 1 else {
            throw Diagnostic(.invalidArgument, "`top N with other` works with one `by` dimension", at: show.dimensions.first?.span)
        }
        var keptValues: [Scalar] = []
        for row in 0..<table.rowCount where keptValues.count < top {
            let value = table.columns[0].scalar(at: row)
            if !keptValues.contains(value) { keptValues.append(value) }
        }
        let keptRows = (0..<table.rowCount).filter { keptValues.contains(table.columns[0].scalar(at: $0)) }.map { Int32($0) }
        // The rest, computed again with the dimension restricted to the other values.
        let dimension = dimensions[0]
        let column = Expression(.name([Identifier(dimension.column)]), span: .none)
        let exclusion = Expression(
            .inList(column, keptValues.map { Expression(.literal(Self.literal($0)), span: .none) }, negated: true), span: .none)
        let orNull = Expression.binary(.or, exclusion, Expression(.isNull(column, negated: false), span: .none), span: .none)
        var rest = show
        rest.dimensions = []
        rest.top = nil
        rest.sort = []
        rest.withOther = false
        rest.filter = show.filter.map { Expression.binary(.and, $0, orNull, span: .none) } ?? orNull
        let other = try ShowExecutor(catalog: catalog, kpis: kpis, asOf: asOf, cancel: cancel, source: source).run(rest).table
        guard other.rowCount > 0 else { return table.gather(keptRows) }
        let kept = table.gather(keptRows)
        let otherColumns: [Column] = kept.columns.enumerated().map { index, column in
            if index == 0 { return ColumnFactory.text([String](repeating: "other", count: other.rowCount)) }
            if let source = other.column(named: kept.names[index]) { return source }
            return ColumnFactory.scalars([Scalar](repeating: .null, count: other.rowCount), type: column.type)
        }
        let otherTable = Table(names: kept.names, columns: otherColumns, rowCount: other.rowCount)
        let keptAsText = Table(names: kept.names, columns: [ColumnFactory.text((0..<kept.rowCount).map { r in
            let v = kept.columns[0].scalar(at: r)
            return v.isNull ? nil : v.description
        })] + Array(kept.columns.dropFirst()), rowCount: kept.rowCount)
        return TableOperations.concatenate(keptAsText, otherTable, names: kept.names)
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

    static func convert(_ value: Scalar, _ type: DataType) -> Scalar {
        switch (value, type) {
        case (.decimal(let v), .int): return v.isFinite && v.magnitude < 9.2e18 ? .int(Int64(v.rounded())) : .null
        case (.int(let v), .decimal): return .decimal(Double(v))
        default: return value
        }
    }

    /// Distinct dimension tuples in order: by value, nulls last.
    static func orderedCombinations(_ keys: [[Scalar]]) -> [[Scalar]] {
        var seen = Set<[Scalar]>()
        var unique: [[Scalar]] = []
        for key in keys where seen.insert(key).inserted { unique.append(key) }
        return unique.sorted { a, b in
            for (x, y) in zip(a, b) {
                if x == y { continue }
                if x.isNull { return false }
                if y.isNull { return true }
                return (ComparisonExpression.compareScalars(x, y) ?? 0) < 0
            }
            return false
        }
    }

    /// The range just before (same length), or the same dates a year earlier.
    static func earlierRange(_ range: (start: Int64, end: Int64), _ comparison: ShowStatement.Comparison) -> (start: Int64, end: Int64) {
        switch comparison {
        case .previousPeriod:
            // Whole months compare with the same number of months before.
            let (_, _, d1) = CivilCalendar.civil(range.start)
            let (_, _, d2) = CivilCalendar.civil(range.end)
            if d1 == 1, d2 == 1 {
                let months = monthsBetween(range.start, range.end)
                return (CivilCalendar.addMonths(days: range.start, months: -months), range.start)
            }
            return (range.start - (range.end - range.start), range.start)
        case .previousYear:
            return (CivilCalendar.addMonths(days: range.start, months: -12), CivilCalendar.addMonths(days: range.end, months: -12))
        }
    }

    static func monthsBetween(_ a: Int64, _ b: Int64) -> Int64 {
        let (ya, ma, _) = CivilCalendar.civil(a)
        let (yb, mb, _) = CivilCalendar.civil(b)
        return (yb * 12 + mb) - (ya * 12 + ma)
    }

    static func subtract(_ window: Interval, from end: Int64) -> Int64 {
        var day = end
        if window.months != 0 { day = CivilCalendar.addMonths(days: day, months: -window.months) }
        day -= window.days
        day -= (window.micros + CivilCalendar.microsPerDay - 1) / CivilCalendar.microsPerDay
        return day
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
