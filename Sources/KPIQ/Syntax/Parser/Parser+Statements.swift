/// Statements other than pipelines.
extension Parser {
    /// `load "path" [sheet "name"] as name [time column] [with (option value, ...)]`
    mutating func loadStatement() throws -> LoadStatement {
        try expect(word: "load")
        let (path, pathSpan) = try string("a file path in quotes")
        // `sheet "Deals"`: which worksheet of a workbook.
        skipNewlines(before: ["sheet"])
        var sheet: (String, Span)?
        if accept(word: "sheet") { sheet = try string("a sheet name in quotes") }
        skipNewlines(before: ["as"])
        // Without `as`, the dataset is named after the file (`load "sessions.csv"` is
        // `sessions`), as DuckDB and sqlite users expect.
        let name = accept(word: "as") ? try identifier("a name for the dataset") : Identifier(Self.datasetName(forPath: path), span: pathSpan)
        var timeColumn: Identifier?
        var endColumn: Identifier?
        var options: [LoadOption] = []
        while true {
            skipNewlines(before: ["time", "with"])
            if accept(word: "time") {
                timeColumn = try identifier("the time column")
                // `time start_date .. end_date`: rows that run over days (campaign flights).
                if accept(symbol: "..") { endColumn = try identifier("the column of the last day") }
            } else if accept(word: "with") {
                try expect(symbol: "(")
                if !current.isSymbol(")") {
                    repeat { options.append(try loadOption()) } while accept(symbol: ",")
                }
                try expect(symbol: ")")
            } else {
                break
            }
        }
        var load = LoadStatement(path: path, pathSpan: pathSpan, name: name, timeColumn: timeColumn, endColumn: endColumn, options: options)
        (load.sheet, load.sheetSpan) = (sheet?.0, sheet?.1)
        return load
    }

    /// A dataset name from a file path: the file's name without folders and extension, with
    /// characters a name cannot hold replaced by `_` (`2024 Sales-export.csv` is
    /// `_2024_Sales_export`).
    static func datasetName(forPath path: String) -> String {
        var base = Substring(path)
        if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
        if let dot = base.firstIndex(of: "."), dot != base.startIndex { base = base[..<dot] }
        var name = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber) || $0 == "_" ? $0 : "_" })
        if name.isEmpty { return "data" }
        if name.first!.isNumber { name = "_" + name }
        return name
    }

    private mutating func loadOption() throws -> LoadOption {
        let name = try identifier("an option name")
        let start = name.span
        let value: LoadOption.Value
        let token = current
        switch token.kind {
        case .string:
            advance()
            value = .string(token.text)
        case .integer:
            value = .integer(try integer())
        case .identifier where token.isWord("true") || token.isWord("false"):
            advance()
            value = .bool(token.isWord("true"))
        case .identifier, .quotedIdentifier:
            value = .word(try identifier())
        case .symbol where token.text == "(":
            advance()
            value = try optionList()
            try expect(symbol: ")")
        default:
            throw unexpected("a value for option `\(name.name)`")
        }
        return LoadOption(name: name, value: value, span: start.to(Span(previousEnd, previousEnd)))
    }

    /// `("a", "b")`, `(1, 2)`, `(a, b)` or `(a int, b date)`.
    private mutating func optionList() throws -> LoadOption.Value {
        switch current.kind {
        case .string:
            var items: [String] = []
            repeat { items.append(try string().0) } while accept(symbol: ",")
            return .strings(items)
        case .integer:
            var items: [Int64] = []
            repeat { items.append(try integer()) } while accept(symbol: ",")
            return .integers(items)
        case .identifier, .quotedIdentifier:
            var words: [Identifier] = []
            var pairs: [(Identifier, Identifier)] = []
            repeat {
                let first = try identifier()
                if current.kind == .identifier {
                    pairs.append((first, try identifier("a type")))
                } else {
                    words.append(first)
                }
            } while accept(symbol: ",")
            if !pairs.isEmpty, !words.isEmpty {
                throw Diagnostic(.unexpectedToken, "mix of names and `name type` pairs in one list", at: words[0].span)
            }
            return pairs.isEmpty ? .words(words) : .pairs(pairs)
        case .symbol where current.text == ")":
            return .strings([])
        default:
            throw unexpected("a list of values")
        }
    }

    /// `metric name = expression [as format] [time column]`
    mutating func metricDefinition() throws -> MetricDefinition {
        try expect(word: "metric")
        let name = try identifier("a metric name")
        try expect(symbol: "=")
        let expression = try expression()
        var format: Identifier?
        var time: Identifier?
        while true {
            skipNewlines(before: ["as", "time"])
            if accept(word: "as") {
                format = try identifier("a format (count, percent, money, days, number)")
            } else if accept(word: "time") {
                time = try identifier("the column that dates this metric's rows")
            } else {
                break
            }
        }
        return MetricDefinition(name: name, expression: expression, format: format, timeColumn: time, text: source.text(of: expression.span))
    }

    package static let showClauses: Set<String> = ["by", "over", "during", "vs", "where", "sort", "top", "for", "with"]

    /// `show m, ... [by d, ...] [over grain] [during range] [vs previous period|year]
    ///  [where condition] [sort key [desc], ...] [top n [with other]] [with n, ci]`, clauses in
    ///  any order.
    /// Steps after it (`| chart`, `| where ...`) belong to the pipeline it starts (`kpiPipeline`).
    mutating func showStatement(wordWritten: Bool = true) throws -> ShowStatement {
        if wordWritten { try expect(word: "show") }
        duringEndsExpression = true
        let metrics: [NamedExpression]
        do {
            defer { duringEndsExpression = false }
            metrics = try namedExpressions()
        }
        var statement = ShowStatement(
            metrics: metrics, dimensions: [], grain: nil, grainSpan: nil, range: nil, comparisons: [],
            filter: nil, sort: [], top: nil, withOther: false)
        var seen = Set<String>()
        while true {
            skipNewlines(before: Self.showClauses)
            let token = current
            guard token.kind == .identifier, Self.showClauses.contains(token.text.lowercased()) else { break }
            let word = token.text.lowercased()
            if seen.contains(word) {
                throw Diagnostic(.unexpectedToken, "`\(word)` appears twice in this `show`", at: token.span)
            }
            seen.insert(word)
            advance()
            switch word {
            case "by":
                // Columns or expressions; as in the metric list, `during` starts the range clause
                // (`by source during 2024` is two clauses).
                duringEndsExpression = true
                defer { duringEndsExpression = false }
                statement.dimensions = try namedExpressions()
            case "over":
                let grainToken = current
                statement.grain = try grainWord()
                statement.grainSpan = grainToken.span
            case "during", "for":
                statement.range = try timeRange()
            case "vs":
                // `vs previous period, previous year [whole]`: one or more comparisons.
                repeat {
                    let start = current.span
                    _ = accept(word: "same")
                    guard accept(word: "previous") || accept(word: "prior") || accept(word: "last") else {
                        throw unexpected("`previous period` or `previous year`")
                    }
                    var comparison: ShowStatement.Comparison
                    if accept(word: "year") {
                        comparison = .init(kind: .previousYear)
                    } else {
                        try expect(word: "period")
                        comparison = .init(kind: .previousPeriod)
                    }
                    if accept(word: "whole") { comparison.whole = true }
                    comparison.span = start.to(Span(previousEnd, previousEnd))
                    if statement.comparisons.contains(where: { $0.kind == comparison.kind }) {
                        throw Diagnostic(.unexpectedToken, "this comparison is already asked for", at: comparison.span)
                    }
                    statement.comparisons.append(comparison)
                } while accept(symbol: ",")
            case "where":
                statement.filter = try expression()
            case "sort":
                statement.sort = try sortKeys()
            case "top":
                statement.top = try integer("a number of rows")
                // `top 5 with other`; `top 5 with n` is the `with` clause.
                if current.isWord("with"), peek().isWord("other") {
                    advance()
                    advance()
                    statement.withOther = true
                }
            case "with":
                repeat {
                    let token = current
                    switch token.kind == .identifier ? token.text.lowercased() : "" {
                    case "n": statement.statistics.insert(.n)
                    case "ci": statement.statistics.insert(.confidence)
                    case "total": statement.withTotal = true
                    case "other":
                        throw Diagnostic(.unexpectedToken, "`with other` goes right after `top N`", at: token.span,
                                         hints: ["for example: top 5 with other"])
                    default: throw unexpected("`n` (each rate's denominator), `ci` (a 95% interval and significance) or `total` (a total row)")
                    }
                    advance()
                } while accept(symbol: ",")
            default:
                break
            }
        }
        // A `|` ends the clauses: what follows are pipeline steps (`kpiPipeline`).
        return statement
    }

    /// `target metric between a and b [for dimension = value]`, `target metric >= x`, `<= x`;
    /// goals per period: `target metric >= x per month [for ...]`, `target metric per month from goals`.
    mutating func targetStatement() throws -> TargetStatement {
        try expect(word: "target")
        let metric = try identifier("a metric name")
        var grain: Grain?
        if accept(word: "per") {
            grain = try grainWord()
            try expect(word: "from")
            let dataset = try identifier("the dataset of goals")
            return TargetStatement(metric: metric, bound: .goals(dataset: dataset), scope: nil, grain: grain)
        }
        let bound: TargetStatement.Bound
        if accept(word: "between") {
            let low = try expression()
            guard case .chain(let a, let links) = low.kind, links.count == 1, links[0].op == .and else {
                // `between a and b` parses as one `and` expression above comparison level.
                throw Diagnostic(.unexpectedToken, "expected `between LOW and HIGH`", at: low.span)
            }
            bound = .between(a, links[0].operand)
        } else if accept(symbol: ">=") || accept(symbol: ">") {
            bound = .atLeast(try expression())
        } else if accept(symbol: "<=") || accept(symbol: "<") {
            bound = .atMost(try expression())
        } else {
            throw unexpected("`between`, `>=`, `<=` or `per GRAIN from DATASET`")
        }
        if accept(word: "per") {
            let start = current.span
            grain = try grainWord()
            if case .between = bound {
                throw Diagnostic(.invalidArgument, "a goal per period is one number: `>= 500 per month` or `<= 2000 per month`", at: start)
            }
        }
        var scope: (Identifier, Expression)?
        if accept(word: "for") {
            let dimension = try identifier("a dimension")
            try expect(symbol: "=")
            scope = (dimension, try expression())
        }
        return TargetStatement(metric: metric, bound: bound, scope: scope, grain: grain)
    }

    /// `set time dataset.column [.. end_column]`
    mutating func setStatement() throws -> Statement.Kind {
        try expect(word: "set")
        try expect(word: "time")
        let dataset = try identifier("a dataset name")
        if !accept(symbol: ".") { _ = accept(word: "to") }
        let column = try identifier("the time column")
        let end = accept(symbol: "..") ? try identifier("the column of the last day") : nil
        return .setTime(dataset: dataset, column: column, end: end)
    }

    /// `as of DATE` / `as of today`
    mutating func asOfStatement() throws -> Statement.Kind {
        if accept(word: "asof") {
        } else {
            try expect(word: "as")
            try expect(word: "of")
        }
        if accept(word: "today") { return .asOf(nil) }
        let token = current
        guard token.kind == .date else { throw unexpected("a date (YYYY-MM-DD) or `today`") }
        advance()
        return .asOf(Expression(.literal(.date(try Self.dateValue(token))), span: token.span))
    }

    /// `relate contacts.campaign -> campaigns.campaign`
    mutating func relateStatement() throws -> Statement.Kind {
        try expect(word: "relate")
        let from = try qualifiedName()
        try expect(symbol: "->")
        let to = try qualifiedName()
        return .relate(from: from, to: to)
    }

    mutating func qualifiedName() throws -> QualifiedName {
        let dataset = try identifier("a dataset name")
        try expect(symbol: ".")
        return QualifiedName(dataset: dataset, column: try identifier("a column name"))
    }

    /// `use kpis [with role = dataset, ...]`
    mutating func useStatement() throws -> UseStatement {
        try expect(word: "use")
        let library = try identifier("a library name (kpis)")
        var bindings: [UseStatement.Binding] = []
        if accept(word: "with") {
            repeat {
                let role = try identifier("a role (sessions, contacts, campaigns, deals, emails, ads)")
                try expect(symbol: "=")
                let dataset = try identifier("a dataset name")
                var columns: [(Identifier, Identifier)] = []
                if accept(symbol: "(") {
                    repeat {
                        let libraryName = try identifier("the library's column name")
                        try expect(symbol: "=")
                        columns.append((libraryName, try identifier("the dataset's column")))
                    } while accept(symbol: ",")
                    try expect(symbol: ")")
                }
                bindings.append(UseStatement.Binding(role: role, dataset: dataset, columns: columns))
            } while accept(symbol: ",")
        }
        return UseStatement(library: library, bindings: bindings)
    }

    /// `funnel dataset: a -> b -> c [by d, ...] [within N days] [each within N days] [during range]`
    mutating func funnelStatement() throws -> FunnelStatement {
        try expect(word: "funnel")
        let dataset = try identifier("a dataset name")
        let entity = accept(word: "per") ? try identifier("the column that identifies who goes through the funnel") : nil
        try expect(symbol: ":")
        var statement = FunnelStatement(dataset: dataset, steps: [], dimensions: [], within: nil, range: nil, entity: entity)
        var spans: [Span] = []
        if entity != nil {
            // Conditions on rows: `source = "paid" -> converted_to_lead = 1`; a step may test
            // another dataset's rows: `-> from deals [where stage = "won"]`.
            repeat {
                let start = current.span
                var stepDataset: Identifier?
                if accept(word: "from") {
                    stepDataset = try identifier("a dataset name")
                }
                // No `where` after `from deals`: every row of that dataset.
                let condition = stepDataset == nil || accept(word: "where") ? try expression() : nil
                statement.conditions.append(condition)
                statement.stepDatasets.append(stepDataset)
                let end = condition?.span ?? stepDataset!.span
                spans.append(stepDataset == nil ? end : start.to(end))
            } while accept(symbol: "->")
        } else {
            repeat {
                let step = try identifier("a stage time column")
                statement.steps.append(step)
                spans.append(step.span)
            } while accept(symbol: "->")
        }
        guard spans.count >= 2 else { throw unexpected("`->` and the next stage") }
        guard spans.count <= FunnelStatement.maxStages else {
            throw Diagnostic(.invalidArgument, "a funnel has at most \(FunnelStatement.maxStages) stages",
                             at: spans[FunnelStatement.maxStages].to(spans.last!))
        }
        while true {
            skipNewlines(before: ["by", "within", "each", "during", "over"])
            if accept(word: "by") {
                repeat { statement.dimensions.append(try identifier("a column name")) } while accept(symbol: ",")
            } else if accept(word: "within") {
                statement.within = try lengthOfTimePhrase().interval
            } else if accept(word: "each") {
                try expect(word: "within")
                statement.stepWithin = try lengthOfTimePhrase().interval
            } else if accept(word: "during") {
                statement.range = try timeRange()
            } else if entity != nil, accept(word: "over") {
                statement.grain = try grainWord()
            } else {
                break
            }
        }
        return statement
    }

    /// `90 days`, `1 month`: a count and a unit.
    mutating func lengthOfTimePhrase() throws -> (interval: Interval, span: Span) {
        let start = current.span
        let n = try lengthCount("a length of time such as `90 days`")
        guard current.kind == .identifier, let unit = Interval.unit(current.text) else {
            throw Diagnostic(.unexpectedToken, "expected a length of time such as `90 days`", at: start.to(current.span))
        }
        let span = start.to(advance().span)
        return (try Self.lengthOfTime(n, unit, span: span), span)
    }

    /// `attribution conversions[.time] to touches[.time] on key [= touch_key] [by dims]
    /// [model m, ...] [within N days] [over grain] [during range] [value column] [where condition]`
    mutating func attributionStatement() throws -> AttributionStatement {
        try expect(word: "attribution")
        let conversions = try identifier("the dataset of conversions")
        let conversionTime = accept(symbol: ".") ? try identifier("the conversions' time column") : nil
        try expect(word: "to")
        let touches = try identifier("the dataset of touches")
        let touchTime = accept(symbol: ".") ? try identifier("the touches' time column") : nil
        try expect(word: "on")
        let key = try identifier("the column that links a conversion to its touches")
        let touchKey = accept(symbol: "=") ? try identifier("the touches' key column") : key
        var statement = AttributionStatement(conversions: conversions, conversionTime: conversionTime, touches: touches, touchTime: touchTime,
                                             conversionKey: key, touchKey: touchKey, dimensions: [], models: [])
        while true {
            skipNewlines(before: ["by", "model", "models", "within", "over", "during", "value", "where"])
            if accept(word: "by") {
                repeat { statement.dimensions.append(try identifier("a column of the touches")) } while accept(symbol: ",")
            } else if accept(word: "model") || accept(word: "models") {
                repeat { statement.models.append(try attributionModel()) } while accept(symbol: ",")
            } else if accept(word: "within") {
                statement.within = try lengthOfTimePhrase().interval
            } else if accept(word: "over") {
                statement.grain = try grainWord()
            } else if accept(word: "during") {
                statement.range = try timeRange()
            } else if accept(word: "value") {
                statement.value = try identifier("a column of the conversions")
            } else if accept(word: "where") {
                statement.condition = try expression()
            } else {
                break
            }
        }
        if statement.models.isEmpty { statement.models = [.linear] }
        return statement
    }

    /// `first`, `last`, `linear`, `position` or `time_decay(7 days)`.
    private mutating func attributionModel() throws -> AttributionStatement.Model {
        let token = current
        let word = token.kind == .identifier ? token.text.lowercased() : ""
        switch word {
        case "first": advance(); return .first
        case "last": advance(); return .last
        case "linear": advance(); return .linear
        case "position": advance(); return .position
        case "time_decay":
            advance()
            try expect(symbol: "(")
            let (halfLife, span) = try lengthOfTimePhrase()
            // A half-life is a fixed length: months and years have none.
            guard halfLife.months == 0, halfLife.days > 0 || halfLife.micros > 0 else {
                throw Diagnostic(.invalidArgument, "a half-life is a length in days, weeks or hours", at: span,
                                 hints: ["for example: time_decay(7 days)"])
            }
            try expect(symbol: ")")
            return .timeDecay(halfLife: halfLife)
        default:
            var diagnostic = unexpected("a model: " + AttributionStatement.Model.words.joined(separator: ", "))
            if token.kind == .identifier, let near = EditDistance.closest(to: token.text, among: AttributionStatement.Model.words) {
                diagnostic.label = "did you mean `\(near)`?"
            }
            throw diagnostic
        }
    }

    /// `cohort dataset: entity, time [over grain] [periods N] [by dims] [value col] [with churn]`
    mutating func cohortStatement() throws -> CohortStatement {
        try expect(word: "cohort")
        let dataset = try identifier("a dataset name")
        try expect(symbol: ":")
        let entity = try identifier("the customer column")
        try expect(symbol: ",")
        let time = try identifier("the purchase time column")
        var statement = CohortStatement(dataset: dataset, entity: entity, time: time, grain: .month, periods: nil)
        while true {
            skipNewlines(before: ["over", "periods", "by", "value", "with"])
            if current.isWord("with"), peek().isWord("churn") {
                advance()
                advance()
                statement.withChurn = true
            } else if accept(word: "over") {
                statement.grain = try grainWord()
            } else if accept(word: "by") {
                repeat { statement.dimensions.append(try identifier("a column")) } while accept(symbol: ",")
            } else if accept(word: "value") {
                statement.value = try identifier("a number column")
            } else if accept(word: "periods") {
                let number = current.span
                let periods = try integer("a number of periods")
                guard periods <= CohortStatement.maxPeriods else {
                    throw Diagnostic(.invalidArgument, "a cohort table has at most \(CohortStatement.maxPeriods) periods", at: number,
                                     hints: ["the table shows k = 0 .. N periods after each cohort's first purchase"])
                }
                statement.periods = periods
            } else {
                break
            }
        }
        return statement
    }
}
