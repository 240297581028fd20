import Foundation
import Testing
@testable import KPIQ

/// `cohort` as a plan: the definitions (a purchase is a customer's day; repurchasers bought on
/// two or more days; r(k) is the share of a cohort buying k periods after its first), the
/// calendar grains, the as-of day, nulls, n/a offsets, and the plan being engine operators.
@Suite struct CohortPlannerTests {
    /// Runs `statements` after loading `csv` as `o`; the last result's table.
    func cohort(_ csv: String, _ statements: String) throws -> Table {
        let path = try TestSupport.file(csv)
        defer { TestSupport.remove(path) }
        return try #require(try TestSupport.run("load \"\(path)\" as o\n" + statements))
    }

    func column(_ table: Table, _ name: String) -> [String] {
        TestSupport.values(table, name).map { value in
            switch value {
            case .date(let d):
                let (y, m, day) = CivilCalendar.civil(d)
                return String(format: "%04d-%02d-%02d", Int(y), Int(m), Int(day))
            case .decimal(let v): return String(format: "%.4f", v)
            default: return value.description
            }
        }
    }

    /// A documented rule: the cohorts of `csv` loaded as `o` by `statements`, and the columns
    /// they must give (as `column` prints them).
    struct Rule: CustomTestStringConvertible, Sendable {
        let name: String
        let csv: String
        let statements: String
        let expected: KeyValuePairs<String, [String]>
        var testDescription: String { name }
    }

    static let rules: [Rule] = [
        // Only b bought on two days: three rows on one day are one purchase.
        Rule(name: "several rows on one day are one purchase", csv: """
                customer,ts
                a,2024-01-05T09:00:00
                a,2024-01-05T10:00:00
                a,2024-01-05T23:59:59
                b,2024-01-07T08:00:00
                b,2024-01-08T08:00:00
                """,
             statements: "as of 2024-01-31\ncohort o: customer, ts periods 1",
             expected: ["month": ["2024-01-01"], "customers": ["2"], "repurchase_rate": ["0.5000"], "m0": ["1.0000"], "m1": ["null"]]),

        // Only b buys in a later period (February); March is before the as-of day but after
        // the last purchase: no data yet.
        Rule(name: "two days in one period are a repurchase but no later retention", csv: """
                customer,order_date
                a,2024-01-05
                a,2024-01-25
                b,2024-01-10
                b,2024-02-10
                c,2024-01-31
                """,
             statements: "as of 2024-03-31\ncohort o: customer, order_date periods 2",
             expected: ["customers": ["3"], "repurchase_rate": ["0.6667"], "m0": ["1.0000"], "m1": ["0.3333"], "m2": ["null"]]),

        // 2024-12-30 is a Monday: the 31st and 2025-01-01 are in its week.
        Rule(name: "weeks are ISO weeks across the year", csv: """
                customer,order_date
                a,2024-12-31
                a,2025-01-06
                b,2025-01-01
                b,2025-01-05
                c,2025-01-06
                """,
             statements: "as of 2025-01-31\ncohort o: customer, order_date over week periods 2",
             expected: [
                 "week": ["2024-12-30", "2025-01-06"], "customers": ["2", "1"], "repurchase_rate": ["1.0000", "0.0000"],
                 "w1": ["0.5000", "null"], "w2": ["null", "null"],
             ]),
    ]

    @Test(arguments: rules)
    func rule(_ rule: Rule) throws {
        let table = try cohort(rule.csv, rule.statements)
        for (name, values) in rule.expected { #expect(column(table, name) == values, "\(name)") }
    }

    @Test func quartersAndYearsCountCalendarPeriods() throws {
        let csv = """
            customer,order_date
            a,2023-03-31
            a,2023-04-01
            a,2024-02-01
            b,2023-12-31
            b,2024-01-01
            """
        let quarters = try cohort(csv, "as of 2024-06-30\ncohort o: customer, order_date over quarter periods 4")
        #expect(column(quarters, "quarter") == ["2023-01-01", "2023-10-01"])
        #expect(column(quarters, "q1") == ["1.0000", "1.0000"])  // a in Q2 the next day; b in 2024-Q1
        #expect(column(quarters, "q2") == ["0.0000", "null"])
        #expect(column(quarters, "q4") == ["1.0000", "null"])  // 2024-Q1 is four quarters after 2023-Q1
        let years = try cohort(csv, "as of 2024-06-30\ncohort o: customer, order_date over year")
        #expect(years.names.suffix(5) == ["y0", "y1", "y2", "y3", "y4"])  // four years by default
        #expect(column(years, "year") == ["2023-01-01"])
        #expect(column(years, "y1") == ["1.0000"])
        #expect(column(years, "y2") == ["null"])
    }

    @Test func theAsOfDayCutsPurchases() throws {
        let csv = """
            customer,ts
            a,2024-01-10T08:00:00
            a,2024-02-15T23:59:59
            a,2024-02-16T00:00:00
            b,2024-02-16T12:00:00
            """
        let cut = try cohort(csv, "as of 2024-02-15\ncohort o: customer, ts periods 1")
        #expect(column(cut, "customers") == ["1"])  // b's first purchase has not happened
        #expect(column(cut, "repurchase_rate") == ["1.0000"])  // the last second of the day counts
        #expect(column(cut, "m1") == ["1.0000"])
        let later = try cohort(csv, "as of 2024-02-16\ncohort o: customer, ts periods 1")
        #expect(column(later, "customers") == ["1", "1"])
    }

    @Test func rowsWithoutCustomerOrTimeAreIgnored() throws {
        let table = try cohort("""
            customer,order_date
            a,2024-01-05
            ,2024-01-06
            a,
            ,
            b,2024-01-07
            b,
            """, "as of 2024-12-31\ncohort o: customer, order_date periods 0")
        #expect(column(table, "customers") == ["2"])
        #expect(column(table, "repurchase_rate") == ["0.0000"])
        #expect(table.names == ["month", "customers", "repurchase_rate", "m0"])
    }

    @Test func aTimeThatIsNotADateIsAnError() throws {
        #expect(throws: Diagnostic.self) {
            _ = try cohort("customer,amount\na,3\n", "cohort o: customer, amount")
        }
    }

    @Test func theMatrixMatchesTheDefinitionOnRandomData() throws {
        var random = SplitMix(seed: 42)
        var csv = "customer,ts\n"
        var rows: [(customer: String?, day: Int64?)] = []
        let start = CivilCalendar.days(year: 2023, month: 1, day: 1)
        // About three rows per customer, so many buy once; a quarter of the rows repeat the
        // row before on the same day (another order, not another purchase).
        for _ in 0..<4000 {
            var customer = random.next() % 20 == 0 ? nil : "u\(random.next() % 1200)"
            var day = random.next() % 25 == 0 ? nil : start + Int64(random.next() % 700)
            if random.next() % 4 == 0, let previous = rows.last { (customer, day) = previous }
            let second = random.next() % 86_400
            rows.append((customer, day))
            let time = day.map { d in
                let (y, m, dd) = CivilCalendar.civil(d)
                return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(y), Int(m), Int(dd), Int(second / 3600), Int(second / 60 % 60), Int(second % 60))
            } ?? ""
            csv += "\(customer ?? ""),\(time)\n"
        }
        // An as-of day inside the data, and one after it (where the planner leaves the time
        // filter out and only tests for nulls).
        for (asOfText, asOf) in [("2024-09-15", CivilCalendar.days(year: 2024, month: 9, day: 15)), ("2026-01-01", CivilCalendar.days(year: 2026, month: 1, day: 1))] {
            for grain in Grain.allCases {
                let table = try cohort(csv, "as of \(asOfText)\ncohort o: customer, ts over \(grain.rawValue) periods 6")
                let expected = Self.reference(rows, grain: grain, asOf: asOf, periods: 6)
                #expect(table.rowCount == expected.count, "\(grain)")
                let prefix = String(grain.rawValue.prefix(1))
                for (row, cohort) in expected.enumerated() where row < table.rowCount {
                    #expect(table.columns[0].scalar(at: row) == .date(cohort.start), "\(grain)")
                    #expect(table.columns[1].scalar(at: row) == .int(Int64(cohort.size)), "\(grain)")
                    #expect(table.column(named: "repurchase_rate")!.scalar(at: row) == .decimal(cohort.repurchaseRate), "\(grain)")
                    for k in 0...6 {
                        let cell = table.column(named: "\(prefix)\(k)")!.scalar(at: row)
                        #expect(cell == (cohort.retention[k].map { .decimal($0) } ?? .null), "\(grain) k=\(k)")
                    }
                }
            }
        }
    }

    /// The definitions written out customer by customer.
    static func reference(_ rows: [(customer: String?, day: Int64?)], grain: Grain, asOf: Int64, periods: Int)
        -> [(start: Int64, size: Int, repurchaseRate: Double, retention: [Double?])]
    {
        var days: [String: Set<Int64>] = [:]
        for row in rows {
            guard let customer = row.customer, let day = row.day, day <= asOf else { continue }
            days[customer, default: []].insert(day)
        }
        let lastPeriod = days.values.flatMap { $0 }.map { CalendarMath.truncate($0, to: grain) }.max() ?? 0
        let cohorts = Dictionary(grouping: days.keys) { CalendarMath.truncate(days[$0]!.min()!, to: grain) }
        return cohorts.keys.sorted().map { start in
            let members = cohorts[start]!
            let size = Double(members.count)
            let repurchasers = members.filter { days[$0]!.count >= 2 }.count
            let retention = (0...periods).map { k -> Double? in
                let period = CalendarMath.shiftPeriod(start, grain, by: Int64(k))
                guard period <= lastPeriod else { return nil }
                let active = members.filter { days[$0]!.contains { CalendarMath.truncate($0, to: grain) == period } }
                return Double(active.count) / size
            }
            return (start, members.count, Double(repurchasers) / size, retention)
        }
    }

    @Test func thePlanIsStagesOfEngineOperators() throws {
        let (session, parsed) = try TestSupport.session(loading: "customer,order_date\na,2024-01-05\n", as: "o", parsing: "cohort o: customer, order_date periods 3")
        guard case .cohort(let statement) = parsed else {
            Issue.record("expected a cohort")
            return
        }
        for collectsPeriodSets in [true, false] {
            var planner = CohortPlanner(catalog: session.catalog, asOf: CivilCalendar.days(year: 2024, month: 12, day: 31))
            planner.collectsPeriodSets = collectsPeriodSets
            let planned = try planner.plan(statement)
            // With sets of periods, the rows are read once and the customers stream into their
            // cohorts: no stage but the last period.
            #expect(planned.plan.stages.map(\.name) == (collectsPeriodSets ? ["last"] : ["customers", "last", "sizes", "cells"]))
            #expect(planned.plan.result.schema.names == ["month", "customers", "repurchase_rate", "m0", "m1", "m2", "m3"])
            #expect(planned.formats.count == 7)
            let result = try planned.run(cancel: nil)
            #expect(result.table.rowCount == 1)
            let cancel = CancellationToken()
            cancel.cancel()
            #expect(throws: Cancelled.self) { try planned.run(cancel: cancel) }
        }
    }

    /// The periods of a customer fit in one set when the data spans at most 63 periods from
    /// the first one's start up to the as-of day; otherwise the plan joins the rows.
    @Test func setsOfPeriodsHoldSixtyThreePeriods() throws {
        func base(_ csv: String, asOf: Int64, _ grain: Grain) throws -> Int64? {
            let path = try TestSupport.file(csv)
            defer { TestSupport.remove(path) }
            let session = Session()
            _ = try TestSupport.run("load \"\(path)\" as o", session: session)
            let table = try #require(session.catalog["o"]).table
            return PeriodSet.base(of: table.columns[1], asOf: asOf, grain: grain)
        }
        let january = CivilCalendar.days(year: 2020, month: 1, day: 1)
        let sixtyThirdMonth = CivilCalendar.days(year: 2025, month: 3, day: 31)  // month index 62
        let csv = "customer,d\na,2020-01-15\nb,2025-03-31\nc,2025-04-01\n"
        #expect(try base(csv, asOf: sixtyThirdMonth, .month) == january)
        // April 2025 is the 64th month: too many, unless the as-of day cuts it off.
        #expect(try base(csv, asOf: sixtyThirdMonth + 1, .month) == nil)
        #expect(try base(csv, asOf: sixtyThirdMonth + 1, .quarter) == january)
        // The first period starts at the grain's start: 2020-01-15 is in the week of Monday 2020-01-13.
        #expect(try base(csv, asOf: january + 30, .week) == CivilCalendar.days(year: 2020, month: 1, day: 13))
        #expect(try base(csv, asOf: january + 14 + 62, .day) == january + 14)
        #expect(try base(csv, asOf: january + 14 + 63, .day) == nil)
        // An as-of day before the first row's period: nothing to collect.
        #expect(try base(csv, asOf: january - 1, .month) == nil)
    }

    /// Sets of periods and the join of the rows to their customers give the same table, with
    /// dimensions and a value, over every grain that fits.
    @Test func setsOfPeriodsAgreeWithTheJoin() throws {
        var random = SplitMix(seed: 7)
        var csv = "customer,ts,source,amount\n"
        let start = CivilCalendar.days(year: 2023, month: 1, day: 1)
        let sources = ["ads", "email", "seo", ""]
        for _ in 0..<3000 {
            let customer = random.next() % 30 == 0 ? "" : "u\(random.next() % 900)"
            let day = random.next() % 40 == 0 ? nil : start + Int64(random.next() % 700)
            let time = day.map { d in
                let (y, m, dd) = CivilCalendar.civil(d)
                return String(format: "%04d-%02d-%02dT%02d:00:00", Int(y), Int(m), Int(dd), Int(random.next() % 24))
            } ?? ""
            csv += "\(customer),\(time),\(sources[Int(random.next() % 4)]),\(random.next() % 500)\n"
        }
        for grain in [Grain.month, .quarter, .year] {
            let (session, parsed) = try TestSupport.session(
                loading: csv, as: "o", parsing: "cohort o: customer, ts value amount by source over \(grain.rawValue) periods 9 with churn")
            guard case .cohort(let statement) = parsed else {
                Issue.record("expected a cohort")
                return
            }
            var tables: [Table] = []
            for collectsPeriodSets in [true, false] {
                var planner = CohortPlanner(catalog: session.catalog, asOf: CivilCalendar.days(year: 2024, month: 9, day: 15))
                planner.collectsPeriodSets = collectsPeriodSets
                let planned = try planner.plan(statement)
                #expect(planned.plan.stages.contains { $0.name == "cells" } == !collectsPeriodSets, "\(grain)")
                tables.append(try planned.run(cancel: nil).table)
            }
            #expect(tables[0].names == tables[1].names)
            #expect(tables[0].rowCount == tables[1].rowCount && tables[0].rowCount > 3, "\(grain)")
            for (a, b) in zip(tables[0].columns, tables[1].columns) {
                for row in 0..<min(tables[0].rowCount, tables[1].rowCount) {
                    #expect(a.scalar(at: row) == b.scalar(at: row), "\(grain) row \(row)")
                }
            }
        }
    }

    /// Whether the customers stage reads the rows through a filter.
    func customersAreFiltered(_ csv: String, asOf: Int64) throws -> Bool {
        let (session, parsed) = try TestSupport.session(loading: csv, as: "o", parsing: "cohort o: customer, order_date")
        guard case .cohort(let statement) = parsed else {
            Issue.record("expected a cohort")
            return false
        }
        let planned = try CohortPlanner(catalog: session.catalog, asOf: asOf).plan(statement)
        guard case .project(.aggregate(let input, _, _, _), _, _) = planned.plan.stages[0].plan else {
            Issue.record("expected the customers' aggregate")
            return false
        }
        if case .filter = input { return true }
        return false
    }

    @Test func onlyTestsThatCanRemoveARowArePlanned() throws {
        let day = CivilCalendar.days(year: 2024, month: 1, day: 5)
        // No nulls, every row on or before the as-of day: nothing to test.
        #expect(try customersAreFiltered("customer,order_date\na,2024-01-05\n", asOf: day) == false)
        // A row after the as-of day, a null customer, a null time: each needs its test.
        #expect(try customersAreFiltered("customer,order_date\na,2024-01-05\n", asOf: day - 1) == true)
        #expect(try customersAreFiltered("customer,order_date\na,2024-01-05\n,2024-01-04\n", asOf: day) == true)
        #expect(try customersAreFiltered("customer,order_date\na,2024-01-05\nb,\n", asOf: day) == true)
    }
}

/// A small deterministic generator, so the random test is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
