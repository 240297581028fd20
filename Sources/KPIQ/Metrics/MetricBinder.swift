/// Binds a metric's expression: aggregates become leaves on one dataset each, other
/// metrics' names are expanded in place, and everything is checked against the datasets now,
/// so a metric that names a missing dataset or column is refused when it is defined.
struct MetricBinder {
    let catalog: Catalog
    /// Defined metrics, by name.
    let metrics: [String: MetricDefinition]
    /// Library metrics that may be bound on demand (with their role mapping applied).
    let library: KPILibrary.Resolver?
    let asOf: Int64
    private(set) var leaves: [MetricLeaf] = []
    private var expanding: [String] = []
    /// Set while binding the aggregate inside `rolling(...)`, `cumulative(...)` or `repeated(...)`.
    private var leafKind = MetricLeaf.Kind.aggregate
    /// Levels of `bind` open now.
    private var depth = 0

    init(catalog: Catalog, metrics: [String: MetricDefinition], library: KPILibrary.Resolver?, asOf: Int64) {
        self.catalog = catalog
        self.metrics = metrics
        self.library = library
        self.asOf = asOf
    }

    /// Binds a whole metric definition. `anonymous`: an expression written in a `show`, whose
    /// display name is not a metric it could refer to (`show vistors` is a misspelling, not a
    /// loop).
    mutating func bindMetric(_ definition: MetricDefinition, anonymous: Bool = false) throws -> BoundMetric {
        expanding = anonymous ? [] : [definition.name.name]
        defer { expanding = [] }
        let expression = try bind(definition.expression, time: definition.timeColumn)
        var format = try definition.format.map { name -> ValueFormat in
            guard let format = ValueFormat(name: name.name) else {
                throw Diagnostic(.invalidMetric, "unknown format `\(name.name)`", at: name.span,
                                 hints: ["formats: count, percent, money, days, number"])
            }
            return format
        } ?? nil
        let integer = isInteger(expression)
        if format == nil { format = integer ? .count : .number }
        return BoundMetric(name: definition.name.name, expression: expression, leaves: leaves, format: format!, isInteger: integer)
    }

    /// True when the value is always a whole number (counts and sums of integers).
    func isInteger(_ e: MetricExpression) -> Bool {
        switch e {
        case .leaf(let i):
            let leaf = leaves[i]
            if leaf.function == .count || leaf.function == .countDistinct { return true }
            return false
        case .constant(let v): if case .int = v { return true } else { return false }
        case .arithmetic(let first, let steps): return isInteger(first) && steps.allSatisfy { $0.op != .divide && isInteger($0.operand) }
        case .negate(let a): return isInteger(a)
        default: return false
        }
    }

    /// Binds one part of a metric; other metrics' names are expanded in place, so the depth
    /// is counted across them (metrics built on metrics built on ... stay within `Parser.maxNesting`).
    mutating func bind(_ e: Expression, time: Identifier?) throws -> MetricExpression {
        guard depth < Parser.maxNesting else {
            throw Diagnostic(.nestedTooDeeply, "metric nested too deeply", at: e.span,
                             hints: ["its metrics, and the metrics they use, nest more than \(Parser.maxNesting) levels"])
        }
        depth += 1
        defer { depth -= 1 }
        switch e.kind {
        case .literal(.integer(let v)): return .constant(.int(v))
        case .literal(.decimal(let v)): return .constant(.decimal(v))
        case .literal(.null): return .constant(.null)
        case .literal:
            throw Diagnostic(.invalidMetric, "a metric computes a number; this constant is not one", at: e.span)
        case .unary(.negate, let a):
            return .negate(try bind(a, time: time))
        case .chain(let first, let links) where links.allSatisfy({ $0.op.isArithmetic }):
            let head = try bind(first, time: time)
            return .arithmetic(head, try links.map { MetricStep(op: $0.op, operand: try bind($0.operand, time: time)) })
        case .name(let parts) where parts.count == 1:
            return try metricReference(parts[0])
        case .name(let parts):
            throw Diagnostic(.invalidMetric, "`\(parts.map(\.name).joined(separator: "."))` is a column; in a metric, columns go inside an aggregate",
                             at: e.span, hints: ["for example sum(\(parts.map(\.name).joined(separator: "."))) or count_distinct(...)"])
        case .call(let name, let arguments, let filter):
            let lower = name.name.lowercased()
            if let function = AggregateFunction(name: lower) {
                return try aggregate(function, name: name, arguments, filter: filter, time: time, span: e.span)
            }
            if lower == "open" {
                return try snapshot(name: name, arguments, span: e.span)
            }
            if lower == "rolling" || lower == "cumulative" || lower == "repeated" {
                return try window(lower, name: name, arguments, time: time, span: e.span)
            }
            if lower == "share" {
                guard arguments.count == 1, filter == nil else {
                    throw Diagnostic(.wrongArgumentCount, "`share` takes one metric: share(visitors)", at: e.span)
                }
                return .share(try bind(arguments[0], time: time))
            }
            if let parametric = KPILibrary.parametric(lower) {
                return try parametricMetric(parametric, name: name, arguments, span: e.span)
            }
            guard let function = ScalarFunction(name: lower),
                [.coalesce, .nullif, .greatest, .least, .abs, .round, .floor, .ceil, .sqrt, .ln, .exp, .power].contains(function)
            else {
                var diagnostic = Diagnostic(.unknownFunction, "`\(name.name)` cannot be used in a metric", at: name.span,
                                            hints: ["metrics combine aggregates (count, count_distinct, sum, mean, median, ...) with arithmetic"])
                if ScalarFunction(name: lower) == nil, AggregateFunction(name: lower) == nil,
                    let near = EditDistance.closest(to: lower, among: AggregateFunction.allCases.map(\.rawValue) + ["share", "avg"])
                {
                    diagnostic.message = "unknown function `\(name.name)`"
                    diagnostic.label = "did you mean `\(near)`?"
                }
                throw diagnostic
            }
            if filter != nil { throw Diagnostic(.invalidArgument, "only aggregates take a `where` filter", at: e.span) }
            return .function(function, try arguments.map { try bind($0, time: time) })
        default:
            throw Diagnostic(.invalidMetric, "a metric is made of aggregates, other metrics, numbers and arithmetic", at: e.span,
                             hints: ["conditions go in an aggregate's filter: count(contacts) where stage = \"mql\""])
        }
    }

    /// Another metric, by name: expanded into this one.
    private mutating func metricReference(_ name: Identifier) throws -> MetricExpression {
        if expanding.contains(name.name) {
            throw Diagnostic(.invalidMetric, "metric `\(name.name)` refers to itself (\((expanding + [name.name]).joined(separator: " -> ")))", at: name.span)
        }
        let definition: MetricDefinition
        if let defined = metrics[name.name] {
            definition = defined
        } else if let fromLibrary = try library?.definition(name.name, at: name.span) {
            definition = fromLibrary
        } else if catalog[name.name] != nil {
            throw Diagnostic(.invalidMetric, "`\(name.name)` is a dataset; count its rows with count(\(name.name))", at: name.span)
        } else {
            var diagnostic = Diagnostic(.unknownMetric, "unknown metric `\(name.name)`", at: name.span)
            let candidates = Array(metrics.keys) + KPILibrary.names
            if let near = EditDistance.closest(to: name.name, among: candidates) {
                diagnostic.label = "did you mean `\(near)`?"
            } else {
                diagnostic.hints = ["define it: metric \(name.name) = ..., or see .metrics"]
            }
            throw diagnostic
        }
        expanding.append(name.name)
        defer { expanding.removeLast() }
        do {
            return try bind(definition.expression, time: definition.timeColumn)
        } catch var diagnostic as Diagnostic {
            // The definition's text is not this statement's: point at the name used here.
            if diagnostic.span != name.span {
                diagnostic.span = name.span
                diagnostic.label = nil
                if diagnostic.code != .nestedTooDeeply, !diagnostic.message.hasPrefix("in metric"), !diagnostic.message.hasPrefix("metric `") {
                    diagnostic.message = "in metric `\(name.name)`: " + diagnostic.message
                }
            }
            throw diagnostic
        }
    }

    /// A library metric that takes a length of time: `active_contacts(90 days)`.
    private mutating func parametricMetric(_ parametric: KPILibrary.Parametric, name: Identifier, _ arguments: [Expression], span: Span) throws -> MetricExpression {
        guard arguments.count == 1, case .literal(.interval(let window)) = arguments[0].kind else {
            throw Diagnostic(.invalidArgument, "`\(name.name)` takes a length of time: \(name.name)(90 days)", at: span)
        }
        guard let expression = try library?.parametricExpression(parametric, window: window) else {
            throw Diagnostic(.unknownMetric, "`\(name.name)` needs the KPI library's datasets", at: span)
        }
        return try bind(expression, time: nil)
    }

    /// `rolling(aggregate, 90 days[, event_time])` and `cumulative(aggregate)`: one aggregate
    /// whose rows are those of a window ending with each period (or everything before its end);
    /// `repeated(count_distinct(x))`: the x seen on two or more days before each period's end.
    private mutating func window(_ kind: String, name: Identifier, _ arguments: [Expression], time: Identifier?, span: Span) throws -> MetricExpression {
        let isRolling = kind == "rolling"
        var time = time
        if isRolling, arguments.count == 3, case .name(let parts) = arguments[2].kind, parts.count == 1 {
            time = parts[0]
        }
        if kind == "repeated" {
            guard arguments.count == 1, case .call(let inner, _, _) = arguments[0].kind, AggregateFunction(name: inner.name.lowercased()) == .countDistinct else {
                throw Diagnostic(.invalidArgument, "repeated takes one distinct count: repeated(count_distinct(orders.customer_id))", at: span,
                                 hints: ["it counts the values with rows on two or more distinct days up to each period's end"])
            }
            leafKind = .repeated
            defer { leafKind = .aggregate }
            return try bind(arguments[0], time: time)
        }
        guard arguments.count == (isRolling ? 2 : 1) || (isRolling && arguments.count == 3), case .call(let inner, _, _) = arguments[0].kind,
            AggregateFunction(name: inner.name) != nil
        else {
            throw Diagnostic(.invalidArgument, isRolling ? "rolling takes an aggregate and a length of time: rolling(count_distinct(x), 90 days)"
                                                         : "cumulative takes one aggregate: cumulative(count(contacts))", at: span)
        }
        if isRolling {
            guard case .literal(.interval(let window)) = arguments[1].kind else {
                throw Diagnostic(.invalidArgument, "the window of rolling is a length of time such as 90 days", at: arguments[1].span)
            }
            leafKind = .rolling(window: window)
        } else {
            leafKind = .cumulative
        }
        defer { leafKind = .aggregate }
        return try bind(arguments[0], time: time)
    }

    /// `open(aggregate, opened_at, closed_at)`: the aggregate over the rows open at the end of
    /// each period (opened before it, not closed by then), as a snapshot.
    private mutating func snapshot(name: Identifier, _ arguments: [Expression], span: Span) throws -> MetricExpression {
        guard arguments.count == 3, case .call(let inner, _, _) = arguments[0].kind, AggregateFunction(name: inner.name) != nil,
            case .name(let opened) = arguments[1].kind, opened.count == 1, case .name(let closed) = arguments[2].kind, closed.count == 1
        else {
            throw Diagnostic(.invalidArgument, "open takes an aggregate and the columns of opening and closing: open(sum(deals.amount), created_at, closed_at)",
                             at: span)
        }
        leafKind = .open(closedBy: closed[0].name)
        defer { leafKind = .aggregate }
        let bound = try bind(arguments[0], time: opened[0])
        // The closing column: a date or time of the same dataset (after the library's renames).
        if case .leaf(let index) = bound, case .open(let column) = leaves[index].kind, let dataset = catalog[leaves[index].dataset] {
            let actual = library?.columnName(column, dataset: dataset.name) ?? column
            let schema = Schema(table: dataset.table, dataset: dataset.name)
            let position = try Binder.column(Identifier(actual, span: closed[0].span), in: schema)
            guard schema.fields[position].type.isTemporal else {
                throw Diagnostic(.typeMismatch, "`\(closed[0].name)` must be a date or timestamp; it is \(schema.fields[position].type.name)", at: closed[0].span)
            }
            leaves[index].kind = .open(closedBy: actual)
        }
        return bound
    }

    /// An aggregate call: its dataset, then its argument and filter checked on that dataset.
    private mutating func aggregate(
        _ function: AggregateFunction, name: Identifier, _ arguments: [Expression], filter: Expression?,
        time: Identifier?, span: Span
    ) throws -> MetricExpression {
        var argument: Expression?
        var datasetName: Identifier?
        var fraction: Double?
        let kind = leafKind
        switch function {
        case .count:
            if let first = arguments.first {
                if case .name(let parts) = first.kind, parts.count == 1, catalog[parts[0].name] != nil || library?.isRole(parts[0].name) == true {
                    datasetName = parts[0]
                } else if case .name(let parts) = first.kind, parts.count == 1, !catalog.datasets.contains(where: { $0.table.index(of: parts[0].name) != nil }) {
                    // Neither a dataset nor any dataset's column: most likely a misspelt dataset.
                    throw unknownCountTarget(parts[0])
                } else if case .star = first.kind {
                } else {
                    argument = first
                }
            }
            guard arguments.count <= 1 else { throw Diagnostic(.wrongArgumentCount, "`count` takes one argument", at: span) }
        case .percentile:
            guard arguments.count == 2, let p = Self.constantNumber(arguments[1]), p >= 0, p <= 1 else {
                throw Diagnostic(.invalidArgument, "percentile takes a column and a fraction between 0 and 1", at: span)
            }
            argument = arguments[0]
            fraction = p
        case .first, .last:
            throw Diagnostic(.invalidMetric, "`\(name.name)` is not available in metrics", at: span)
        default:
            guard arguments.count == 1 else {
                throw Diagnostic(.wrongArgumentCount, "`\(name.name)` takes one argument", at: span)
            }
            argument = arguments[0]
        }
        if function == .median { fraction = 0.5 }
        // The dataset: `count(ds)`, or the prefix of the argument's names.
        var dataset: Dataset
        if let datasetName {
            dataset = try resolveDataset(datasetName)
        } else if let argument {
            dataset = try datasetOf(argument, in: name, span: span)
        } else {
            throw Diagnostic(.invalidMetric, "say which dataset to count: count(contacts)", at: span)
        }
        let unqualifiedArgument = try argument.map { try unqualify($0, dataset: dataset.name) }
        let unqualifiedFilter = try filter.map { try unqualify($0, dataset: dataset.name) }
        // Check names and types now, against the dataset.
        let schema = Schema(table: dataset.table, dataset: dataset.name)
        let binder = Binder(catalog: catalog, asOf: asOf)
        var rows = ExpressionBinder(binder: binder, schema: schema)
        let boundArgument = try unqualifiedArgument.map { try rows.bind($0) }
        if let filter = unqualifiedFilter { _ = try rows.condition(filter) }
        _ = try ExpressionBinder.aggregateType(function, argument: boundArgument, name: name)
        var timeColumn = time.map { library?.columnName($0.name, dataset: dataset.name) ?? $0.name }
        if let time, let timeName = timeColumn {
            let index = try Binder.column(Identifier(timeName, span: time.span), in: schema)
            guard schema.fields[index].type.isTemporal else {
                throw Diagnostic(.typeMismatch, "`time` must name a date or timestamp column; `\(time.name)` is \(schema.fields[index].type.name)", at: time.span)
            }
        }
        if case .rolling = kind, timeColumn == nil { timeColumn = dataset.timeColumn }
        let leaf = MetricLeaf(
            dataset: dataset.name, kind: kind, function: function, argument: unqualifiedArgument, filter: unqualifiedFilter,
            fraction: fraction, timeColumn: timeColumn, span: span,
            key: [dataset.name, "\(kind)", function.rawValue, unqualifiedArgument.map(ExpressionPrinter.text) ?? "*",
                  unqualifiedFilter.map(ExpressionPrinter.text) ?? "", fraction.map { "\($0)" } ?? "", timeColumn ?? ""].joined(separator: "|"))
        if let existing = leaves.firstIndex(where: { $0.key == leaf.key }) { return .leaf(existing) }
        leaves.append(leaf)
        return .leaf(leaves.count - 1)
    }

    static func constantNumber(_ e: Expression) -> Double? {
        switch e.kind {
        case .literal(.integer(let v)): return Double(v)
        case .literal(.decimal(let v)): return v
        default: return nil
        }
    }

    private func resolveDataset(_ name: Identifier) throws -> Dataset {
        let actual = library?.datasetName(forRole: name.name) ?? name.name
        if let dataset = catalog[actual] { return dataset }
        return try Binder(catalog: catalog, asOf: asOf).dataset(Identifier(actual, span: name.span))
    }

    /// The dataset an aggregate's argument reads: the prefix of its qualified names, or the one
    /// dataset that has all its unqualified names.
    private func datasetOf(_ argument: Expression, in function: Identifier, span: Span) throws -> Dataset {
        var prefixes: [Identifier] = []
        var bare: [Identifier] = []
        argument.forEachNode { e in
            if case .name(let parts) = e.kind {
                if parts.count == 2 { prefixes.append(parts[0]) } else { bare.append(parts[0]) }
            }
        }
        if let first = prefixes.first {
            for other in prefixes.dropFirst() where other.name != first.name {
                throw Diagnostic(.invalidMetric, "one aggregate reads one dataset; this one names `\(first.name)` and `\(other.name)`", at: other.span,
                                 hints: ["aggregate each dataset on its own and combine: sum(a.x) / count(b)"])
            }
            return try resolveDataset(first)
        }
        let candidates = catalog.datasets.filter { dataset in bare.allSatisfy { dataset.table.index(of: $0.name) != nil } }
        if candidates.count == 1 { return candidates[0] }
        // The first name no dataset has (or the first name, when several datasets have them all).
        let culprit = bare.first { name in !catalog.datasets.contains { $0.table.index(of: name.name) != nil } } ?? bare.first
        let column = culprit?.name ?? "?"
        var diagnostic = Diagnostic(.invalidMetric, candidates.isEmpty ? "no dataset has a column `\(column)`" : "several datasets have a column `\(column)`",
                                    at: culprit?.span ?? span,
                                    hints: ["name the dataset: \(function.name)(\(candidates.first?.name ?? "dataset").\(column))"])
        if candidates.isEmpty, let near = EditDistance.closest(to: column, among: catalog.datasets.flatMap(\.table.names)) {
            diagnostic.label = "did you mean `\(near)`?"
            let holder = catalog.datasets.first { $0.table.index(of: near) != nil }!.name
            diagnostic.hints = ["name the dataset: \(function.name)(\(holder).\(near))"]
        }
        throw diagnostic
    }

    /// `count(sesions)`: no dataset, role or column has that name.
    private func unknownCountTarget(_ name: Identifier) -> Diagnostic {
        let roles = library == nil ? [] : KPILibrary.roles.map(\.role)
        return Binder.unknownDataset(name, suggesting: catalog.names + roles, loaded: catalog.names,
                                     listHint: "count(DATASET) counts rows, count(COLUMN) the values that are not null; loaded datasets: ")
    }

    /// Removes the `dataset.` prefix of names (checking it is the leaf's dataset or its role).
    private func unqualify(_ e: Expression, dataset: String) throws -> Expression {
        try e.renamingNames { parts in
            if parts.count == 2 {
                let prefix = library?.datasetName(forRole: parts[0].name) ?? parts[0].name
                guard prefix == dataset else {
                    throw Diagnostic(.invalidMetric, "this aggregate reads `\(dataset)`, not `\(parts[0].name)`", at: parts[0].span)
                }
                let column = library?.columnName(parts[1].name, dataset: dataset) ?? parts[1].name
                return [Identifier(column, span: parts[1].span)]
            }
            let column = library?.columnName(parts[0].name, dataset: dataset) ?? parts[0].name
            return [Identifier(column, span: parts[0].span)]
        }
    }
}
