import Testing
@testable import KPIQ

/// Plans printed for `.explain`. Pipelines are pinned by `Tests/Golden/explain.test`; here are
/// what no statement compiles to yet (stages, tables a plan makes) and the layout rules.
@Suite struct PlanPrinterTests {
    let catalog: Catalog

    init() {
        var catalog = Catalog()
        let day = CivilCalendar.days(year: 2024, month: 1, day: 1)
        let sessions = Table(names: ["ts", "source", "seconds", "page"], columns: [
            ColumnFactory.ints([day, day + 40, day + 70], type: .date), ColumnFactory.text(["paid", "organic", "paid"]),
            ColumnFactory.ints([5, 120, 30]), ColumnFactory.text(["/", "/blog", "/"]),
        ])
        catalog.put(Dataset(name: "sessions", table: sessions, timeColumn: "ts", origin: "test"))
        self.catalog = catalog
    }

    func bound(_ text: String) throws -> LogicalPlan {
        let parsed = Parser.parse(SourceText(name: "test", text: text))
        guard case .query(let pipeline) = parsed.statements.first?.kind else { throw parsed.diagnostics.first! }
        return try Binder(catalog: catalog, asOf: 0).bind(pipeline).plan
    }

    /// A `show`-like plan: a calendar the planner made, counts per month read from a stage,
    /// and the calendar joined with them.
    @Test func stagesAndGeneratedTables() throws {
        let months = [(2024, 1), (2024, 2), (2024, 3)].map { CivilCalendar.days(year: $0.0, month: $0.1, day: 1) }
        let calendar = Table(names: ["month", "period_end"], columns: [
            ColumnFactory.ints(months, type: .date), ColumnFactory.ints(months.map { CivilCalendar.addMonths(days: $0, months: 1) }, type: .date),
        ])
        var plan = QueryPlan(result: .stage(name: "placeholder", Schema(fields: [])))
        let periods = plan.add("periods", .scan(name: "calendar", table: calendar))
        let counts = plan.add("counts", try bound("from sessions | group month = month(ts) | agg n = count()"))
        plan.result = .join(left: periods, right: counts, JoinSpec(kind: .left, leftKeys: [0], rightKeys: [0], rightColumns: [1]),
                            Schema(fields: periods.schema.fields + [counts.schema.fields[1]]))
        #expect(PlanPrinter(datasets: catalog.names).text(plan) == """
            stage periods
              table: calendar (month, period_end), 3 rows, first (2024-01-01, 2024-02-01), last (2024-03-01, 2024-04-01)
            stage counts
              project: month, n = _agg0 (passes the columns through)
                aggregate: by month = month(ts)
                           _agg0 = count()
                           strategy: groups by value range
                  scan: sessions, 3 rows, reads 1 of 4 columns: ts
            result
              join: left on month = month
                stage: periods
                stage: counts

            """)
    }

    @Test func generatedTablesOfOneColumnOrRow() {
        let one = Table(names: ["day"], columns: [ColumnFactory.ints([19_723], type: .date)])
        let none = Table(names: ["day"], columns: [ColumnFactory.ints([], type: .date)], rowCount: 0)
        let printer = PlanPrinter(datasets: [])
        #expect(printer.text(.scan(name: "days", table: one)) == "table: days (day), 1 row, only 2024-01-01\n")
        #expect(printer.text(.scan(name: "days", table: none)) == "table: days (day), 0 rows\n")
    }

    /// The pruned plan is printed, as it runs: the column derived and never read is gone, and
    /// the scan reads the two columns used.
    @Test func printsThePlanAfterPruning() throws {
        let text = PlanPrinter(datasets: catalog.names).text(try bound("from sessions | derive unused = upper(page), m = seconds / 60 | select source, m"))
        #expect(text == """
            project: source, m
              project: source, m = seconds / 60
                scan: sessions, 3 rows, reads 2 of 4 columns: source, seconds

            """)
    }

    /// Long lists wrap under their first item, within the width, without losing an item.
    @Test func longListsWrap() throws {
        let names = (1...12).map { "a_rather_long_derived_column_name_\($0)" }
        let derive = names.map { "\($0) = seconds + 1" }.joined(separator: ", ")
        let text = PlanPrinter(datasets: catalog.names).text(try bound("from sessions | derive \(derive) | where " + names.map { "\($0) > 1" }.joined(separator: " and ")))
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= PlanPrinter.lineWidth })
        let filterLines = lines.prefix { !$0.hasPrefix("  project: ") }
        #expect(filterLines.count > 1)
        #expect(filterLines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: "filter: ".count)) })
        #expect(filterLines.joined(separator: " ").split(separator: " ").filter { $0.hasPrefix("a_rather") }.count == 12)
        #expect(filterLines.dropLast().allSatisfy { $0.hasSuffix(" and") })
    }
}
