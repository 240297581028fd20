import Foundation
import Testing
@testable import KPIQ

/// `funnel` compiled by `FunnelPlanner` and run on the engine: the documented rules one at a
/// time on small tables, then every count and median against a direct computation in Swift on
/// data large enough for several batches and both threads.
@Suite struct FunnelPlannerTests {
    /// The funnel's table for `csv` loaded as `c`, with `as of` set.
    func funnel(_ csv: String, _ statement: String, asOf: String) throws -> Table {
        let path = try TestSupport.file(csv)
        defer { TestSupport.remove(path) }
        return try TestSupport.run("load \"\(path)\" as c\nas of \(asOf)\n\(statement)")!
    }

    func ints(_ table: Table, _ name: String) -> [Int64?] {
        TestSupport.values(table, name).map { if case .int(let v) = $0 { return v } else { return nil } }
    }

    func doubles(_ table: Table, _ name: String) -> [Double?] {
        TestSupport.values(table, name).map { if case .decimal(let v) = $0 { return v } else { return nil } }
    }

    func texts(_ table: Table, _ name: String) -> [String?] {
        TestSupport.values(table, name).map { if case .text(let v) = $0 { return v } else { return nil } }
    }

    // MARK: - The rules, one small table each

    /// A documented rule: the funnel of `csv` loaded as `c`, as of `asOf`, and the columns
    /// it must give.
    struct Rule: CustomTestStringConvertible, Sendable {
        let name: String
        let csv: String
        let statement: String
        let asOf: String
        let expected: [Expected]
        var testDescription: String { name }
    }

    enum Expected: Sendable {
        case ints(String, [Int64?])
        case doubles(String, [Double?])
        case texts(String, [String?])
    }

    static let rules: [Rule] = [
        // Calendar windows

        // 2023-03-01 + 1 year is 2024-03-01, 366 days later (2024 is a leap year): a conversion
        // 364 or 366 days after entry is inside, one a day later is not. (A 360-day year would
        // have left out both.)
        Rule(name: "within one year is a calendar year", csv: """
                id,created_at,mql_at
                1,2023-03-01,2024-02-28
                2,2023-03-01,2024-03-01
                3,2023-03-01,2024-03-02
                """,
             statement: "funnel c: created_at -> mql_at within 1 year", asOf: "2025-01-01",
             expected: [.ints("entered", [3, 3]), .ints("converted", [3, 2]), .ints("open", [0, 0])]),

        // Jan 31 + 1 month is the end of February (Feb 29 in 2024), not March 1 or 2.
        Rule(name: "within one month ends at the end of February", csv: """
                id,created_at,mql_at
                1,2024-01-31,2024-02-29
                2,2024-01-31,2024-03-01
                """,
             statement: "funnel c: created_at -> mql_at within 1 month", asOf: "2024-06-30",
             expected: [.ints("converted", [2, 1]), .doubles("median_days", [nil, 29])]),

        // Date stages with a window in hours: the deadline is a timestamp (entry's midnight + 36
        // hours). Unit 1's MQL a day later is in, unit 2's two days later is out; unit 3 entered on
        // the as-of day and its MQL the day after has not happened yet, so it is open.
        Rule(name: "date stages with a window in hours", csv: """
                id,created_at,mql_at
                1,2024-01-01,2024-01-02
                2,2024-01-01,2024-01-03
                3,2024-03-31,2024-04-01
                """,
             statement: "funnel c: created_at -> mql_at within 36 hours", asOf: "2024-03-31",
             expected: [.ints("converted", [3, 1]), .ints("open", [0, 1])]),

        // The window runs from entry, not from the previous stage: an SQL 50 days after entry is
        // outside `within 45 days` even though it came 10 days after the MQL.
        Rule(name: "within runs from entry", csv: """
                id,created_at,mql_at,sql_at
                1,2024-01-01,2024-02-10,2024-02-20
                """,
             statement: "funnel c: created_at -> mql_at -> sql_at within 45 days", asOf: "2024-06-30",
             expected: [.ints("converted", [1, 1, 0])]),

        // Stage order and skipped stages

        // Unit 1's MQL is dated before its entry: converted at 0 days, in the median too; its SQL
        // is measured from that MQL (15 days). Unit 2 takes 4 and 6 days.
        Rule(name: "stage before the previous one counts at zero days", csv: """
                id,created_at,mql_at,sql_at
                1,2024-01-10,2024-01-05,2024-01-20
                2,2024-01-10,2024-01-14,2024-01-20
                """,
             statement: "funnel c: created_at -> mql_at -> sql_at", asOf: "2024-06-30",
             expected: [.ints("converted", [2, 2, 2]), .doubles("median_days", [nil, 2, 10.5])]),

        // Unit 1 skipped MQL: it counts as an MQL once it is an SQL, has no days for the MQL,
        // and its SQL days run from entry (10). Unit 2 has all three stages (3 then 4 days).
        Rule(name: "skipped stage counts as reached without days", csv: """
                id,created_at,mql_at,sql_at
                1,2024-01-01,,2024-01-11
                2,2024-01-01,2024-01-04,2024-01-08
                """,
             statement: "funnel c: created_at -> mql_at -> sql_at", asOf: "2024-06-30",
             expected: [
                 .ints("entered", [2, 2, 2]),
                 .ints("converted", [2, 2, 2]),
                 .doubles("median_days", [nil, 3, 7]),
             ]),

        // Open units and the as-of day

        // As of 2024-03-31 with a 30-day window: unit 1 converted, unit 2 entered on 03-20 and is
        // still open, unit 3 entered in January and is lost, unit 4 entered after the as-of day
        // and is left out, unit 5's MQL is after the as-of day so it has not happened yet (open).
        Rule(name: "open units and the as-of cut", csv: """
                id,created_at,mql_at
                1,2024-03-01,2024-03-05
                2,2024-03-20,
                3,2024-01-10,
                4,2024-04-02,2024-04-03
                5,2024-03-25,2024-04-01
                """,
             statement: "funnel c: created_at -> mql_at within 30 days", asOf: "2024-03-31",
             expected: [
                 .ints("entered", [4, 4]),
                 .ints("converted", [4, 1]),
                 .ints("open", [0, 2]),
                 .doubles("step_rate", [nil, 0.5]),
                 .doubles("overall_rate", [1, 0.25]),
             ]),

        // The window is open at the end of the as-of day while a stage dated then or later (not
        // happened yet) could still fall inside it: 03-02 + 30 days is 04-01, the day after the
        // as-of day, so unit 2 is open; unit 1's window ends with the as-of day itself. (Unit 3
        // converted; it gives `mql_at` a date, else the column would be read as text.)
        Rule(name: "window open while a later stage could still count", csv: """
                id,created_at,mql_at
                1,2024-03-01,
                2,2024-03-02,
                3,2024-03-03,2024-03-04
                """,
             statement: "funnel c: created_at -> mql_at within 30 days", asOf: "2024-03-31",
             expected: [.ints("open", [0, 1])]),

        // `during` selects units by entry; what happens after the range still counts.
        Rule(name: "during selects by entry", csv: """
                id,created_at,mql_at
                1,2024-01-31,2024-02-05
                2,2024-02-01,2024-02-03
                3,2023-12-31,2024-01-02
                """,
             statement: "funnel c: created_at -> mql_at during 2024-01", asOf: "2024-06-30",
             expected: [.ints("entered", [1, 1]), .ints("converted", [1, 1]), .doubles("median_days", [nil, 5])]),

        // Dimensions and types

        // Groups by the dimension, nulls last, and steps in order within each group.
        Rule(name: "dimensions with nulls sort last", csv: """
                id,source,created_at,mql_at
                1,paid,2024-01-01,2024-01-02
                2,,2024-01-01,
                3,organic,2024-01-01,
                4,paid,2024-01-01,
                """,
             statement: "funnel c: created_at -> mql_at by source", asOf: "2024-06-30",
             expected: [
                 .texts("source", ["organic", "organic", "paid", "paid", nil, nil]),
                 .ints("step", [1, 2, 1, 2, 1, 2]),
                 .texts("stage", ["created_at", "mql_at", "created_at", "mql_at", "created_at", "mql_at"]),
                 .ints("converted", [1, 0, 2, 1, 1, 0]),
             ]),

        // A date entry and a timestamp stage: the date is its midnight, days are fractional.
        Rule(name: "mixed date and timestamp stages", csv: """
                id,created_at,mql_at
                1,2024-01-01,2024-01-02T12:00:00
                2,2024-01-01,2024-01-03T00:00:00
                """,
             statement: "funnel c: created_at -> mql_at", asOf: "2024-06-30",
             expected: [.doubles("median_days", [nil, 1.75])]),
    ]

    @Test(arguments: rules)
    func rule(_ rule: Rule) throws {
        let table = try funnel(rule.csv, rule.statement, asOf: rule.asOf)
        for expected in rule.expected {
            switch expected {
            case .ints(let column, let values): #expect(ints(table, column) == values, "\(column)")
            case .doubles(let column, let values): #expect(doubles(table, column) == values, "\(column)")
            case .texts(let column, let values): #expect(texts(table, column) == values, "\(column)")
            }
        }
    }

    /// The stages must be times; the error points at the column.
    @Test func stageThatIsNotATimeIsAnError() throws {
        let csv = """
            id,created_at,mql_at
            1,2024-01-01,2024-01-02
            """
        #expect(throws: Diagnostic.self) { try funnel(csv, "funnel c: created_at -> id", asOf: "2024-06-30") }
    }

    // MARK: - The plan

    /// Only engine operators: a named stage aggregating the units, then per-step rows.
    @Test func planIsAnAggregateStageAndSortedSteps() throws {
        let (session, parsed) = try TestSupport.session(loading: "id,source,created_at,mql_at,sql_at\n1,paid,2024-01-01,2024-01-02,2024-01-03\n", as: "c",
                                                        parsing: "funnel c: created_at -> mql_at -> sql_at by source within 30 days")
        guard case .funnel(let statement) = parsed else {
            Issue.record("expected a funnel")
            return
        }
        let planned = try FunnelPlanner(catalog: session.catalog, asOf: CivilCalendar.days(year: 2024, month: 6, day: 30)).plan(statement)
        #expect(planned.plan.stages.map(\.name) == ["funnel_counts"])
        guard case .aggregate(_, let keys, let aggregates, _) = planned.plan.stages[0].plan else {
            Issue.record("the stage is not an aggregate")
            return
        }
        #expect(keys.count == 1)
        // units, then converted, open and median for each of the two later stages.
        #expect(aggregates.map(\.function) == [.count, .count, .count, .median, .count, .count, .median])
        guard case .sort(.union, let sortKeys) = planned.plan.result else {
            Issue.record("the result is not a sorted union")
            return
        }
        #expect(sortKeys.count == 2)
        #expect(planned.plan.result.schema.names == ["source"] + FunnelPlanner.stepColumns)
    }

    // MARK: - Against a direct computation

    /// 30,000 random units (missing and out-of-order stages, null sources, entries after the
    /// as-of day and outside the range), computed by the rules written out in Swift.
    @Test func matchesADirectComputation() throws {
        var state: UInt64 = 7
        func next(_ bound: UInt64) -> Int64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int64((state >> 33) % bound)
        }
        let sources = ["organic", "paid", "email", nil]
        let start = CivilCalendar.days(year: 2023, month: 11, day: 1)
        let asOf = CivilCalendar.days(year: 2024, month: 9, day: 15)
        let range = (start: CivilCalendar.days(year: 2024, month: 1, day: 1), end: CivilCalendar.days(year: 2024, month: 10, day: 1))
        let within = Interval(months: 2)
        var text = "id,source,created_at,mql_at,sql_at,customer_at\n"
        var units: [(source: String?, times: [Int64?])] = []
        for id in 0..<30_000 {
            let source = sources[Int(next(4))]
            let entry: Int64? = next(50) == 0 ? nil : start + next(400)
            var times: [Int64?] = [entry]
            var last = entry ?? start
            for _ in 1..<4 {
                // Missing, or some days after the stage before (now and then before it).
                let time: Int64? = next(3) == 0 ? nil : last + next(40) - (next(10) == 0 ? 30 : 0)
                times.append(time)
                if let time { last = time }
            }
            units.append((source, times))
            text += "\(id),\(source ?? ""),\(times.map { $0.map(CivilCalendar.formatDate) ?? "" }.joined(separator: ","))\n"
        }

        // The documented rules, row at a time.
        struct Tally {
            var entered = [Int64](repeating: 0, count: 4)
            var converted = [Int64](repeating: 0, count: 4)
            var open = [Int64](repeating: 0, count: 4)
            var days = [[Double]](repeating: [], count: 4)
        }
        var tallies: [String?: Tally] = [:]
        for unit in units {
            guard let entry = unit.times[0], entry <= asOf, entry >= range.start, entry < range.end else { continue }
            let deadline = CalendarMath.shift(entry, inputType: .date, by: within, resultType: .date)!
            let counted = unit.times.map { t in t.flatMap { $0 <= asOf && $0 <= deadline ? $0 : nil } }
            let furthest = counted.lastIndex { $0 != nil }!
            var tally = tallies[unit.source] ?? Tally()
            tally.entered[0] += 1
            tally.converted[0] += 1
            for k in 1..<4 where furthest >= k - 1 {
                tally.entered[k] += 1
                if furthest >= k { tally.converted[k] += 1 } else if deadline >= asOf + 1 { tally.open[k] += 1 }
                if let time = counted[k] {
                    let previous = counted[0..<k].last { $0 != nil }!!
                    tally.days[k].append(Double(max(0, time - previous)))
                }
            }
            tallies[unit.source] = tally
        }

        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let table = try TestSupport.run("""
            load "\(path)" as c
            as of 2024-09-15
            funnel c: created_at -> mql_at -> sql_at -> customer_at by source within 2 months during 2024-01..2024-09
            """)!
        let order: [String?] = ["email", "organic", "paid", nil]
        #expect(texts(table, "source") == order.flatMap { [$0, $0, $0, $0] })
        var entered: [Int64?] = [], converted: [Int64?] = [], open: [Int64?] = [], median: [Double?] = []
        for source in order {
            var tally = tallies[source]!
            entered += tally.entered
            converted += tally.converted
            open += tally.open
            median += (0..<4).map { k in k == 0 || tally.days[k].isEmpty ? nil : QuantileAccumulator.quantile(&tally.days[k], 0.5) }
        }
        #expect(ints(table, "entered") == entered)
        #expect(ints(table, "converted") == converted)
        #expect(ints(table, "open") == open)
        #expect(doubles(table, "median_days") == median)
        // Some of every case, or the comparison proves little.
        #expect(open.contains { ($0 ?? 0) > 0 })
        #expect(tallies.values.contains { $0.days.contains { $0.contains(0) } })
    }
}
