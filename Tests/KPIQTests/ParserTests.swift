import Testing
@testable import KPIQ

@Suite struct ParserTests {
    func parse(_ text: String) -> Parser.Result { Parser.parse(SourceText(name: "t", text: text)) }

    func expression(_ text: String) throws -> Expression { try Parser.parseExpression(SourceText(name: "t", text: text)) }

    /// The expression re-written with explicit brackets, to check precedence.
    func shape(_ e: Expression) -> String {
        switch e.kind {
        case .literal(let l): return "\(l)".replacing("integer(", with: "").replacing(")", with: "")
        case .name(let parts): return parts.map(\.name).joined(separator: ".")
        case .chain(let first, let links): return links.reduce(shape(first)) { "(\($0) \($1.op.rawValue) \(shape($1.operand)))" }
        case .unary(let op, let a): return "(\(op.rawValue) \(shape(a)))"
        case .call(let f, let args, let filter): return "\(f.name)(\(args.map(shape).joined(separator: ", ")))" + (filter.map { " where " + shape($0) } ?? "")
        case .isNull(let a, let n): return "(\(shape(a)) is \(n ? "not " : "")null)"
        case .between(let a, let l, let h, _): return "(\(shape(a)) between \(shape(l)) and \(shape(h)))"
        case .inList(let a, let items, _): return "(\(shape(a)) in \(items.map(shape)))"
        default: return "?"
        }
    }

    @Test func precedence() throws {
        #expect(shape(try expression("a + b * c - d")) == "((a + (b * c)) - d)")
        #expect(shape(try expression("a or b and not c")) == "(a or (b and (not c)))")
        #expect(shape(try expression("a = 1 and b between 2 and 3")) == "((a = 1) and (b between 2 and 3))")
        #expect(shape(try expression("-x * 2")) == "((- x) * 2)")
        #expect(shape(try expression("x is not null or y in (1, 2)")) == "((x is not null) or (y in [\"1\", \"2\"]))")
    }

    @Test func filteredAggregateBindsToTheCallBeforeIt() throws {
        #expect(shape(try expression("sum(a) / count() where won")) == "(sum(a) / count() where won)")
        #expect(shape(try expression("(count() where c = 1) / count()")) == "(count() where (c = 1) / count())")
        // `where` after a non-aggregate call is not part of the expression.
        #expect(throws: Diagnostic.self) { try expression("lower(x) where y") }
    }

    @Test func intervalsAndPercents() throws {
        let e = try expression("ts - 30 days")
        guard case .chain(_, let links) = e.kind, links.count == 1, links[0].op == .subtract,
            case .literal(.interval(let i)) = links[0].operand.kind
        else {
            Issue.record("expected an interval")
            return
        }
        #expect(i == Interval(days: 30))
        guard case .literal(.decimal(let p)) = try expression("2.5%").kind else { Issue.record("expected a decimal"); return }
        #expect(abs(p - 0.025) < 1e-12)
    }

    @Test func pipelineSteps() {
        let result = parse("from s | where a > 1 | group k | agg n = count() | derive x = n * 2 | select k, x | sort x desc nulls first | top 3")
        #expect(result.diagnostics.isEmpty)
        guard case .query(let pipeline) = result.statements.first?.kind else { Issue.record("expected a query"); return }
        #expect(pipeline.steps.count == 6)
        if case .sort(let keys) = pipeline.steps[4].kind {
            #expect(keys.first?.descending == true)
            #expect(keys.first?.nullsFirst == true)
        } else {
            Issue.record("expected sort")
        }
    }

    @Test func statementsSplitOnLinesAndSemicolons() {
        let result = parse("load \"a.csv\" as a\nfrom a; from a\n\n  -- done\n")
        #expect(result.statements.count == 3)
    }

    @Test func groupWithoutAggIsAnError() {
        #expect(parse("from a | group b").diagnostics.first?.message == "expected `| agg ...` after `group` after this")
    }

    @Test func syntaxErrorsRecoverAtTheNextStatement() {
        let result = parse("from a | wehre x\nfrom b | top 1\nfrom c | sort")
        #expect(result.diagnostics.count == 2)
        #expect(result.statements.count == 1)
    }

    @Test func marketingWordsAreNames() {
        let result = parse("from t | derive date = day(ts), month = month(ts), count = 1, source = stage | group month | agg count = sum(count)")
        #expect(result.diagnostics.isEmpty)
    }

    @Test func reservedWordNeedsBackquotes() {
        let bad = parse("from t | derive end = 1")
        #expect(bad.diagnostics.first?.hints.first?.contains("backquotes") == true)
        #expect(parse("from t | derive `end` = 1").diagnostics.isEmpty)
    }

    @Test func showClausesInAnyOrderAndOnLaterLines() {
        let result = parse("show visitors, leads\n  by source\n  over month\n  during 2024\n  vs previous year\n  top 5 with other")
        #expect(result.diagnostics.isEmpty)
        guard case .show(let show) = result.statements.first?.kind else { Issue.record("expected show"); return }
        #expect(show.metrics.count == 2)
        #expect(show.grain == .month)
        #expect(show.comparisons.map(\.kind) == [.previousYear])
        #expect(show.top == 5)
        #expect(show.withOther)
    }

    @Test func timeRanges() throws {
        for (text, kind) in [("2024", TimeRange.Kind.year(2024)), ("2024-Q2", .quarter(year: 2024, quarter: 2)),
                             ("2024-03", .month(year: 2024, month: 3)), ("last 90 days", .last(90, .day)),
                             ("this month", .this(.month)), ("previous quarter", .previous(.quarter))]
        {
            guard case .during(_, let range) = try expression("ts during \(text)").kind else { Issue.record("\(text)"); continue }
            #expect(range.kind == kind, "\(text)")
        }
    }

    /// `A..B` runs from the start of period A to the end of period B, whatever their sizes.
    @Test func rangesBetweenPeriods() throws {
        let day = { (y: Int64, m: Int64, d: Int64) in CivilCalendar.days(year: y, month: m, day: d) }
        for (text, from, to) in [("2024-01..2024-02", day(2024, 1, 1), day(2024, 2, 29)),
                                 ("2023-Q3..2024-Q1", day(2023, 7, 1), day(2024, 3, 31)),
                                 ("2022..2023", day(2022, 1, 1), day(2023, 12, 31)),
                                 ("2024-01-15..2024-03", day(2024, 1, 15), day(2024, 3, 31))]
        {
            guard case .during(_, let range) = try expression("ts during \(text)").kind else { Issue.record("\(text)"); continue }
            #expect(range.kind == .dates(from: from, to: to), "\(text)")
        }
        #expect(throws: Diagnostic.self) { try expression("ts during 2024-03..2024-01") }
        #expect(throws: Diagnostic.self) { try expression("ts during 2024-03..last month") }
    }

    /// In a `show`, `during` after the metrics is the show's range, not the `during` operator;
    /// inside brackets the operator is still there.
    @Test func duringAfterShowMetricsIsTheRangeClause() {
        let result = parse("show visitors, leads during 2024-Q1\nshow n = (count(sessions) where (ts during 2024-01)) during 2024")
        #expect(result.diagnostics.isEmpty)
        guard result.statements.count == 2, case .show(let first) = result.statements[0].kind,
              case .show(let second) = result.statements[1].kind else { Issue.record("expected two shows"); return }
        #expect(first.metrics.count == 2)
        #expect(first.range?.kind == .quarter(year: 2024, quarter: 1))
        #expect(second.range?.kind == .year(2024))
        #expect(parse("from t | where ts during 2024 | agg n = count()").diagnostics.isEmpty)
    }

    /// `derive ... by`, `top N by`, `agg ... with total` and `count(distinct x)`.
    @Test func windowStepsAndCountDistinct() {
        let result = parse("from t | sort day | derive p = lag(x, 2), s = share(x) by a, lower(b) | top 3 offset 1 by a | group a | agg n = count(distinct x) with total")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        guard case .query(let pipeline) = result.statements.first?.kind, pipeline.steps.count == 4 else { Issue.record("expected a pipeline of 4 steps"); return }
        guard case .derive(let items, let partition) = pipeline.steps[1].kind else { Issue.record("expected derive"); return }
        #expect(items.map { $0.name?.name } == ["p", "s"])
        #expect(partition.count == 2)
        guard case .limitPer(3, 1, let by) = pipeline.steps[2].kind else { Issue.record("expected top ... by"); return }
        #expect(by.count == 1)
        guard case .aggregate(let keys, let values, true) = pipeline.steps[3].kind, keys.count == 1,
              case .call(let name, let arguments, nil) = values[0].expression.kind else { Issue.record("expected agg ... with total"); return }
        #expect(name.name == "count_distinct")
        #expect(arguments.count == 1)
        // `distinct` alone is still a column name.
        #expect(parse("from t | agg n = count(distinct)").diagnostics.isEmpty)
        #expect(!parse("from t | agg n = sum(distinct x)").diagnostics.isEmpty)
        #expect(!parse("from t | group a | agg n = count() with totals").diagnostics.isEmpty)
    }

    /// The step words of a pipeline, for checking what a statement parsed into.
    func stepWords(_ steps: [PipelineStep]) -> [String] {
        steps.map { step in
            switch step.kind {
            case .filter: return "where"
            case .derive: return "derive"
            case .select: return "select"
            case .sort: return "sort"
            case .limit: return "top"
            case .chart: return "chart"
            default: return "?"
            }
        }
    }

    /// `show ... | step ...` is a pipeline whose source is the show; the show's clauses end
    /// at the `|`, in any order before it, and steps may start on later lines.
    @Test func showFollowedByStepsIsAPipeline() {
        let result = parse("show visitors, rate by source where visitors > 0 over month top 5\n| where rate > 1% | derive pct = rate * 100\n| select source, pct | sort pct desc | top 3 | chart bar source pct")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        guard case .query(let pipeline) = result.statements.first?.kind, case .kpi(let source) = pipeline.source,
              case .show(let show) = source.kind else { Issue.record("expected a pipeline over a show"); return }
        #expect(show.dimensions.count == 1 && show.grain == .month && show.top == 5 && show.filter != nil)
        #expect(stepWords(pipeline.steps) == ["where", "derive", "select", "sort", "top", "chart"])
        // The show's span stops before the first `|`.
        #expect(source.span.end < pipeline.steps[0].span.start)
    }

    /// `| chart` after a show is an ordinary last step, not a show clause.
    @Test func chartAfterShowIsAStep() {
        guard case .query(let pipeline) = parse("show visitors over month | chart line month visitors").statements.first?.kind else {
            Issue.record("expected a pipeline"); return
        }
        guard case .chart(let chart) = pipeline.steps.first?.kind, pipeline.steps.count == 1 else { Issue.record("expected a chart step"); return }
        #expect(chart == ChartRequest(style: .line, x: "month", y: ["visitors"]))
    }

    /// A KPI statement alone stays its own statement; `let` keeps any of the three, with or
    /// without steps, as a pipeline over it.
    @Test func letKeepsKPIStatements() {
        let result = parse("""
            show visitors by source
            let a = show visitors by source
            let b = funnel contacts: created_at -> mql_at by source | where step > 1
            let c = cohort orders: customer, order_date periods 3 | select month, customers
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        #expect(result.statements.count == 4)
        guard case .show = result.statements[0].kind else { Issue.record("expected a plain show"); return }
        var kept: [(String, String, Int)] = []
        for statement in result.statements.dropFirst() {
            guard case .assign(let name, let pipeline) = statement.kind, case .kpi(let source) = pipeline.source else {
                Issue.record("expected let of a KPI statement"); continue
            }
            kept.append((name.name, source.word, pipeline.steps.count))
        }
        #expect(kept.map(\.0) == ["a", "b", "c"])
        #expect(kept.map(\.1) == ["show", "funnel", "cohort"])
        #expect(kept.map(\.2) == [0, 1, 1])
    }

    /// Errors after a show point at the step, with the step words or a did-you-mean.
    @Test func badStepAfterShow() {
        let unknown = parse("show visitors | frobnicate")
        #expect(unknown.diagnostics.first?.span == Span(16, 26))
        #expect(unknown.diagnostics.first?.hints.first?.hasPrefix("steps: where") == true)
        #expect(parse("show visitors | wher visitors > 1").diagnostics.first?.label == "did you mean `where`?")
        let bracketed = parse("from (show visitors) | top 1")
        #expect(bracketed.diagnostics.first?.hints.first?.contains("let name = show") == true)
    }
}
