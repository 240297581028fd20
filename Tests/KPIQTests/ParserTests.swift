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
}
