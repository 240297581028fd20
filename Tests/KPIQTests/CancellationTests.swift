import Testing
@testable import KPIQ

/// Work whose size the user controls (cohort periods, funnel rows) stops when Ctrl-C raises the
/// token, at every period as well as every 65,536 rows.
@Suite struct CancellationTests {
    static let data = TestSupport.packageRoot.appendingPathComponent("Tests/Golden/data").path

    /// A session with `orders` and `empty` (the same columns, no rows: a cohort of it is all
    /// per-period work, 1,001 offsets over no customers).
    func session() throws -> Session {
        let session = Session()
        _ = try TestSupport.run("load \"\(Self.data)/orders.csv\" as orders\nlet empty = from orders | where false", session: session)
        return session
    }

    func statement(_ text: String) -> Statement.Kind {
        Parser.parse(SourceText(name: "t", text: text)).statements[0].kind
    }

    @Test func cohortPeriodsAreCancellable() throws {
        let session = try session()
        guard case .cohort(let cohort) = statement("cohort empty: customer, order_date periods 1000") else {
            Issue.record("expected a cohort")
            return
        }
        let cancel = CancellationToken()
        let planned = try CohortPlanner(catalog: session.catalog, asOf: 0).plan(cohort)
        let result = try planned.run(cancel: cancel)
        #expect(result.table.columnCount == 3 + 1001)
        cancel.cancel()
        #expect(throws: Cancelled.self) { try planned.run(cancel: cancel) }
    }

    @Test func tooManyCohortPeriodsIsAnError() throws {
        let session = try session()
        let outcome = session.run(SourceText(name: "t", text: "cohort orders: customer, order_date periods 100000000"))
        #expect(outcome.error?.message == "a cohort table has at most \(CohortStatement.maxPeriods) periods")
        #expect(outcome.error?.span == Span(44, 53))  // under the number
    }

    @Test func funnelRowsAreCancellable() throws {
        let session = Session()
        _ = try TestSupport.run("load \"\(Self.data)/contacts.csv\" as c", session: session)
        guard case .funnel(let funnel) = statement("funnel c: created_at -> mql_at -> sql_at within 9999 years") else {
            Issue.record("expected a funnel")
            return
        }
        let cancel = CancellationToken()
        cancel.cancel()
        let planned = try FunnelPlanner(catalog: session.catalog, asOf: 0).plan(funnel)
        #expect(throws: Cancelled.self) { try planned.run(cancel: cancel) }
    }
}

/// A run hands each statement's output to its client as the statement ends, so a script's
/// results print as they come and Ctrl-C keeps what was already printed.
@Suite struct StatementStreamingTests {
    static let text = """
        let a = from orders | agg n = count()
        from a | select n
        from a | select n
        """

    func session() throws -> Session {
        let session = Session()
        _ = try TestSupport.run("load \"\(CancellationTests.data)/orders.csv\" as orders", session: session)
        return session
    }

    @Test func eachStatementIsHandedOverWhenItEnds() throws {
        let session = try session()
        var seen: [Int] = []
        let outcome = session.run(SourceText(name: "script.kpi", text: Self.text)) { report in
            seen.append(report.span.start)
            // The dataset the first statement kept exists when its report arrives.
            #expect(session.catalog["a"] != nil)
            return true
        }
        #expect(outcome.error == nil)
        #expect(seen == [0, 38, 56])
        // Handed over, not kept as well.
        #expect(outcome.outputs.isEmpty && outcome.timings.isEmpty)
    }

    @Test func aStopAfterTheFirstStatementNamesTheLineCancelled() throws {
        let session = try session()
        let cancel = CancellationToken()
        var reports = 0
        let outcome = session.run(SourceText(name: "script.kpi", text: Self.text), cancel: cancel) { _ in
            reports += 1
            cancel.cancel()  // Ctrl-C while the first statement's output is printed
            return true
        }
        #expect(reports == 1)
        #expect(outcome.error?.code == .cancelled)
        #expect(outcome.error?.hints.first == "stopped in the statement at line 2 of script.kpi")
    }

    @Test func falseFromTheClientStopsTheRun() throws {
        let session = try session()
        var reports = 0
        let outcome = session.run(SourceText(name: "script.kpi", text: Self.text)) { _ in
            reports += 1
            return false
        }
        #expect(reports == 1 && outcome.error == nil)
    }
}
