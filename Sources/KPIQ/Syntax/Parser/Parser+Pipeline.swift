/// `from source | step | step ...`
extension Parser {
    package static let stepWords = [
        "where", "group", "agg", "derive", "select", "sort", "top", "limit", "distinct", "join", "union", "chart",
    ]

    /// The most pipeline steps one statement may have, inner pipelines included. Each step is
    /// a level of the query plan, which the binder and the executor walk recursively.
    package static let maxSteps = 10_000

    mutating func pipeline() throws -> Pipeline {
        let start = try expect(word: "from").span
        let source = try pipelineSource()
        let steps = try pipelineSteps()
        return Pipeline(source: source, steps: steps, span: start.to(Span(previousEnd, previousEnd)))
    }

    /// `show ... | step ...`, `funnel ... | step ...`, `cohort ... | step ...`: a KPI statement
    /// whose table the steps continue from. Its clauses end at the first `|` (none of them
    /// starts with one), so every step after it is an ordinary pipeline step, `chart` included.
    mutating func kpiPipeline() throws -> Pipeline {
        let start = current.span.start
        let kind: KPIStatement.Kind
        switch current.kind == .identifier ? current.text.lowercased() : "" {
        case "show": kind = .show(try showStatement())
        case "funnel": kind = .funnel(try funnelStatement())
        case "cohort": kind = .cohort(try cohortStatement())
        case "attribution": kind = .attribution(try attributionStatement())
        default: throw unexpected("`show`, `funnel`, `cohort` or `attribution`")
        }
        let statement = KPIStatement(kind, span: Span(start, previousEnd))
        let steps = try pipelineSteps()
        return Pipeline(source: .kpi(statement), steps: steps, span: Span(start, previousEnd))
    }

    /// What follows `check`: a pipeline (`from ...`), a KPI statement with or without steps,
    /// or the clauses of a `show` without the word (`check leads by source where leads < 5`).
    mutating func checkQuery() throws -> Pipeline {
        try expect(word: "check")
        if current.isWord("from") || current.isSymbol("(") { return try pipelineOrBracketed() }
        if KPIStatement.words.contains(where: { current.isWord($0) }) { return try kpiPipeline() }
        let start = current.span.start
        let show = try showStatement(wordWritten: false)
        let statement = KPIStatement(.show(show), span: Span(start, previousEnd))
        return Pipeline(source: .kpi(statement), steps: try pipelineSteps(), span: Span(start, previousEnd))
    }

    /// `| step | step ...` after a pipeline's source.
    private mutating func pipelineSteps() throws -> [PipelineStep] {
        var steps: [PipelineStep] = []
        while current.isSymbol("|") {
            advance()
            self.steps += 1
            guard self.steps <= Self.maxSteps else {
                throw Diagnostic(.nestedTooDeeply, "a query has at most \(Self.maxSteps) steps", at: current.span,
                                 hints: ["keep part of it with `let name = from ...` and continue from that"])
            }
            steps.append(try step())
        }
        return steps
    }

    /// A pipeline, or one in brackets.
    mutating func pipelineOrBracketed() throws -> Pipeline {
        if current.isSymbol("(") { return try bracketedPipeline() }
        return try pipeline()
    }

    /// A dataset name, or `(from ...)`.
    mutating func pipelineSource() throws -> PipelineSource {
        if current.isSymbol("(") { return .pipeline(try bracketedPipeline()) }
        return .dataset(try identifier("a dataset name"))
    }

    /// `(from ...)`, one level deeper (pipelines in pipelines count towards `maxNesting`).
    private mutating func bracketedPipeline() throws -> Pipeline {
        try nested("pipeline") { parser in
            try parser.expect(symbol: "(")
            if let word = KPIStatement.words.first(where: { parser.current.isWord($0) }) {
                // KPI statements start statements only (their results are computed before
                // the steps are bound); a named result is the way to read one from here.
                var diagnostic = parser.unexpected("`from`")
                diagnostic.hints = ["keep the result first: `let name = \(word) ...`, then use `name` here"]
                throw diagnostic
            }
            let inner = try parser.pipeline()
            try parser.expect(symbol: ")")
            return inner
        }
    }

    mutating func step() throws -> PipelineStep {
        let token = current
        let start = token.span.start
        guard token.kind == .identifier else { throw unexpected("a pipeline step (\(Self.stepWords.joined(separator: ", ")))") }
        let word = token.text.lowercased()
        let kind: PipelineStep.Kind
        switch word {
        case "where":
            advance()
            kind = .filter(try expression())
        case "group":
            advance()
            let keys = try namedExpressions()
            guard current.isSymbol("|"), peek().isWord("agg") else {
                var diagnostic = unexpected("`| agg ...` after `group`")
                diagnostic.hints = ["`group` says how to group; `agg` says what to compute: `| group source | agg visits = count()`"]
                throw diagnostic
            }
            advance()
            advance()
            let values = try namedExpressions()
            kind = .aggregate(keys: keys, values: values, withTotal: try withTotal())
        case "agg":
            advance()
            let values = try namedExpressions()
            kind = .aggregate(keys: [], values: values, withTotal: try withTotal())
        case "derive":
            advance()
            var items: [NamedExpression] = []
            repeat {
                let name = try identifier("a name for the new column")
                try expect(symbol: "=")
                items.append(NamedExpression(name: name, expression: try expression()))
            } while accept(symbol: ",")
            kind = .derive(items, by: accept(word: "by") ? try namedExpressions() : [])
        case "select":
            advance()
            if current.isSymbol("-") {
                var names: [Identifier] = []
                repeat {
                    try expect(symbol: "-")
                    names.append(try identifier("a column name"))
                } while accept(symbol: ",")
                kind = .exclude(names)
            } else {
                kind = .select(try namedExpressions())
            }
        case "sort":
            advance()
            kind = .sort(try sortKeys())
        case "top", "limit":
            advance()
            let count = try integer("a number of rows")
            var offset: Int64 = 0
            if accept(word: "offset") { offset = try integer("a number of rows to skip") }
            if accept(word: "by") {
                kind = .limitPer(count: count, offset: offset, by: try namedExpressions())
            } else {
                kind = .limit(count: count, offset: offset)
            }
        case "distinct":
            advance()
            kind = .distinct(current.isSymbol("|") || atStatementEnd || current.isSymbol(")") ? [] : try namedExpressions())
        case "join":
            advance()
            var joinKind = JoinStep.Kind.inner
            if accept(word: "left") { joinKind = .left } else if accept(word: "inner") { joinKind = .inner }
            let source = try pipelineSource()
            try expect(word: "on")
            var keys: [(Identifier, Identifier)] = []
            repeat {
                let left = try identifier("a column name")
                if accept(symbol: "=") || accept(symbol: "==") {
                    keys.append((left, try identifier("a column of the joined dataset")))
                } else {
                    keys.append((left, left))
                }
            } while accept(symbol: ",")
            kind = .join(JoinStep(kind: joinKind, source: source, keys: keys))
        case "union":
            advance()
            kind = .union(try pipelineSource())
        case "chart":
            advance()
            var style = ChartRequest.Style.auto
            if accept(word: "bar") { style = .bar } else if accept(word: "line") { style = .line }
            var columns: [String] = []
            while current.kind == .identifier || current.kind == .quotedIdentifier {
                columns.append(try identifier().name)
            }
            kind = .chart(ChartRequest(style: style, x: columns.first, y: Array(columns.dropFirst())))
        default:
            var diagnostic = unexpected("a pipeline step")
            if let near = EditDistance.closest(to: word, among: Self.stepWords) {
                diagnostic.label = "did you mean `\(near)`?"
            } else {
                diagnostic.hints = ["steps: " + Self.stepWords.joined(separator: ", ")]
            }
            throw diagnostic
        }
        return PipelineStep(kind: kind, span: Span(start, previousEnd))
    }

    /// `with total` after the values of `agg`.
    private mutating func withTotal() throws -> Bool {
        guard current.isWord("with") else { return false }
        advance()
        try expect(word: "total")
        return true
    }

    /// `name = expression` or `expression`, separated by commas.
    mutating func namedExpressions() throws -> [NamedExpression] {
        var items: [NamedExpression] = []
        repeat { items.append(try namedExpression()) } while accept(symbol: ",")
        return items
    }

    mutating func namedExpression() throws -> NamedExpression {
        if current.kind == .identifier || current.kind == .quotedIdentifier, peek().isSymbol("="),
            !ReservedWords.all.contains(current.text.lowercased()) || current.kind == .quotedIdentifier
        {
            let name = try identifier()
            advance()
            return NamedExpression(name: name, expression: try expression())
        }
        return NamedExpression(name: nil, expression: try expression())
    }

    mutating func sortKeys() throws -> [SortKey] {
        var keys: [SortKey] = []
        repeat {
            let expression = try expression()
            var descending = false
            if accept(word: "desc") || accept(word: "descending") {
                descending = true
            } else if accept(word: "asc") || accept(word: "ascending") {
                descending = false
            }
            var nullsFirst: Bool?
            if accept(word: "nulls") {
                if accept(word: "first") {
                    nullsFirst = true
                } else {
                    try expect(word: "last")
                    nullsFirst = false
                }
            }
            keys.append(SortKey(expression: expression, descending: descending, nullsFirst: nullsFirst))
        } while accept(symbol: ",")
        return keys
    }
}
