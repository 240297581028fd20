/// Runs `show metrics [by dims] [over grain] [during range] [vs previous ...] [where ...]`.
///
/// Each metric is split into leaves (one aggregate on one dataset). Leaves of the same
/// dataset and time column are computed together, each group grouped by the dimensions and
/// the period of its own time column; the groups are then lined up on (dimensions, period),
/// so spend is never multiplied by a join and people are never counted twice. Missing
/// periods are filled in (0 for counts and sums, null for the rest), and ratios are computed last,
/// from the totals of each row. No row dated after the as-of day is ever read.
///
/// Reading the leaves: ShowExecutor+Leaves; dimensions: +Dimensions; `top N with other`: +Top;
/// the periods: ShowCalendar.
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
        let leaves = binder.leaves
        let dimensions = try bindDimensions(show, outputs: outputs)
        let periodName = show.grain?.rawValue ?? "period"
        if show.grain != nil, dimensions.contains(where: { $0.name == periodName }) || outputs.contains(where: { $0.name == periodName }) {
            throw Diagnostic(.duplicateName, "`\(periodName)` names both the period and another column", at: show.grainSpan)
        }
        // The days read: the range (cut at the as-of day), else everything up to the as-of day.
        let range = try show.range.map { try AsOfRange.resolve($0, asOf: asOf) }
        let calendar = show.grain.map { ShowCalendar(grain: $0, asOf: asOf, range: range) }
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
            let resultNames = outputNames.union(dimensions.filter(\.isDerived).map(\.name))
            if !names.isEmpty, names.isSubset(of: outputNames.union(dimensions.map(\.name)).union(["partial", periodName])), !names.isDisjoint(with: resultNames) {
                resultConditions.append(conjunct)
            } else {
                rowConditions.append(conjunct)
            }
        }
        let rowFilter = Expression.conjunction(rowConditions)
        let resultFilter = Expression.conjunction(resultConditions)
        let lookup = DimensionLookup(catalog: catalog, relationships: kpis.allRelationships(catalog))
        let reading = LeafReading(show: show, leaves: leaves, dimensions: dimensions, calendar: calendar, filter: rowFilter, lookup: lookup)
        let periodSpan = show.range?.span ?? show.grainSpan
        var rangePeriods: [Int64]?
        if let range, let calendar { rangePeriods = try calendar.periods(from: range.start, through: range.end - 1, span: periodSpan) }
        let cells = try computeCells(reading, window: (range?.start, range?.end ?? AsOfRange.end(asOf: asOf)), periods: rangePeriods,
                                     keepUndated: range == nil && calendar == nil)
        // Over periods: every period of the range (or from the first to the last one with rows).
        var periods: [Int64] = []
        if let calendar {
            let observed = cells.order.compactMap { key -> Int64? in if case .date(let d)? = key.last { return d } else { return nil } }
            let first = range?.start ?? observed.min()
            let last = range.map { $0.end - 1 } ?? observed.max()
            if let first, let last { periods = try calendar.periods(from: first, through: last, span: periodSpan) }
        }
        // The earlier periods a comparison looks at, read on their own: whole periods, even
        // when the period they are compared with is cut by the range.
        var earlierCells: LeafCells?
        if let comparison = show.comparison, let calendar, let first = periods.first, let last = periods.last {
            let earlierPeriods = periods.map { calendar.earlier($0, comparison) }
            earlierCells = try computeCells(reading, window: (calendar.earlier(first, comparison), calendar.end(of: calendar.earlier(last, comparison))),
                                            periods: earlierPeriods, keepUndated: false)
        }
        // The rows to show: every dimension combination seen, times every period in range.
        let leafTypes = cells.leafTypes
        let seen = (cells.order + (earlierCells?.order ?? [])).map { Array($0.prefix(dimensions.count)) }
        let combinations = dimensions.isEmpty ? [[]] : Self.orderedCombinations(seen)
        var rows: [[Scalar]] = []
        if calendar != nil {
            for combination in combinations {
                for period in periods { rows.append(combination + [.date(period)]) }
            }
        } else {
            rows = combinations
        }
        var notes: [String] = []
        if !dimensions.isEmpty, combinations.isEmpty {
            let days = range.map { CivilCalendar.formatDate($0.start) + " .. " + CivilCalendar.formatDate($0.end - 1) }
                ?? "up to " + CivilCalendar.formatDate(asOf)
            notes.append("no rows \(range == nil ? "" : "in ")\(days), so no `\(dimensions.map(\.name).joined(separator: "`, `"))` value to list")
        }
        // Leaf values of a row, filled in for empty periods.
        func leafValues(_ key: [Scalar], _ cells: LeafCells) -> [Scalar] {
            let unattributed = key.prefix(dimensions.count).contains { $0.isNull }
            return leaves.indices.map { leaves[$0].metricValue(cells.values[key]?[$0], type: leafTypes[$0], unattributedRow: unattributed) }
        }
        let current = try evaluate(outputs, leaves: leaves, leafTypes: leafTypes, rows: rows.map { leafValues($0, cells) }, rowKeys: rows,
                                   periodIndex: show.grain == nil ? nil : dimensions.count)
        var previous: [[Scalar]]?
        if let comparison = show.comparison {
            if let calendar {
                let earlierKeys = rows.map { key -> [Scalar] in
                    guard case .date(let period)? = key.last else { return key }
                    return Array(key.dropLast()) + [.date(calendar.earlier(period, comparison))]
                }
                let earlier = earlierCells ?? LeafCells(leafCount: leaves.count)
                previous = try evaluate(outputs, leaves: leaves, leafTypes: leafTypes, rows: earlierKeys.map { leafValues($0, earlier) },
                                        rowKeys: earlierKeys, periodIndex: dimensions.count)
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
                            calendar: calendar, periods: periods, range: range, notes: notes, rowFilter: rowFilter, resultFilter: resultFilter)
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
        calendar: ShowCalendar?, periods: [Int64], range: (start: Int64, end: Int64)?, notes: [String],
        rowFilter: Expression?, resultFilter: Expression?
    ) throws -> QueryResult {
        var names: [String] = []
        var columns: [Column] = []
        var formats: [ValueFormat?] = []
        var notes = notes
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
                        guard let d = dimensions.firstIndex(where: { $0.column == scope.dimension }) else { return false }
                        return ComparisonExpression.compareScalars(key[d], scope.value) == 0
                    }
                    guard let target = applicable, let status = target.status(current[row][k].doubleValue) else { return .null }
                    return .text(status)
                }
                add(output.name + "_target", ColumnFactory.scalars(statuses, type: .text), nil)
                for target in targets { notes.append("target: \(output.name) \(target.text)") }
            }
        }
        // Partial periods: cut by the range or still running at the as-of day.
        if let calendar {
            let partial = rows.map { key -> Bool in
                guard case .date(let period)? = key.last else { return false }
                return calendar.isPartial(period)
            }
            if partial.contains(true) {
                add("partial", ColumnFactory.bools(partial), nil)
                notes += periods.compactMap(calendar.partialNote)
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
                table = try topRows(table, top: Int(top), show: show, outputs: outputs, dimensions: dimensions, calendar: calendar,
                                    periods: periods, rowFilter: rowFilter)
            }
        }
        var title = outputs.map(\.name).joined(separator: ", ")
        if !dimensions.isEmpty { title += " by " + dimensions.map(\.name).joined(separator: ", ") }
        if let calendar { title += " over " + calendar.grain.rawValue }
        if let range { title += ", " + CivilCalendar.formatDate(range.start) + " .. " + CivilCalendar.formatDate(range.end - 1) }
        if let comparison = show.comparison { title += comparison == .previousYear ? ", vs previous year" : ", vs previous period" }
        return QueryResult(table: table, formats: formats, title: title, notes: notes)
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
