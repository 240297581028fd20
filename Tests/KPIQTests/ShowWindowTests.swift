import Foundation
import Testing
@testable import KPIQ

/// Rolling, cumulative and snapshot (`open`) leaves read off running sums (O(rows + units)) give exactly what one
/// aggregate per unit's window gives, on data with gaps, several events a day, null
/// dimensions and people coming back after their window ran out.
@Suite struct ShowWindowTests {
    /// Deterministic events: person, day, source (some null), amount (some null).
    static func events() -> String {
        var lines = ["person,ts,source,amount,closed"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: UInt64) -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state % n
        }
        for _ in 0..<1500 {
            let day = 20 + Int64(next(400))  // 2023-01-21 ..
            let date = CivilCalendar.formatDate(CivilCalendar.days(year: 2023, month: 1, day: 1) + day)
            let source = ["paid", "organic", "email", ""][Int(next(4))]
            let amount = next(7) == 0 ? "" : String(next(1000)) + "." + String(next(100))
            // Closed some days later, never, or (a data error) the day before it opened.
            let closeAfter = Int64(next(60)) - 1
            let closed = next(4) == 0 ? "" : CivilCalendar.formatDate(CivilCalendar.days(year: 2023, month: 1, day: 1) + day + closeAfter)
            lines.append("p\(next(120)),\(date)T\(10 + next(10)):00:00,\(source),\(amount),\(closed)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func show(_ statement: String, runningSums: Bool, session: Session) throws -> Table {
        let parsed = Parser.parseHere(SourceText(name: "test", text: statement))
        guard case .show(let show)? = parsed.statements.first?.kind else { throw Diagnostic(.unknownStatement, "not a show") }
        var executor = ShowExecutor(catalog: session.catalog, kpis: session.kpis, asOf: CivilCalendar.parseDate("2024-02-10")!, cancel: nil, source: nil)
        executor.windowsByRunningSums = runningSums
        return try executor.run(show).table
    }

    @Test(arguments: [
        "show a over week during 2023-03-01..2023-09-30",
        "show a, s, t by source over month vs previous period, previous year",
        "show a, c by source over day during 2023-06-01..2023-06-20 vs previous period",
        "show s, t, a, c during 2023-05",
        "show c by source over quarter",
        "show o, ov over week during 2023-02-01..2023-08-31 vs previous period",
        "show o, ov by source over month vs previous year",
        "show o, ov",
    ])
    func runningSumsEqualOneAggregatePerUnit(_ statement: String) throws {
        let path = try TestSupport.file(Self.events())
        defer { TestSupport.remove(path) }
        let session = Session()
        let setup = """
            load "\(path)" as e time ts
            metric a = rolling(count_distinct(e.person), 30 days)
            metric s = rolling(sum(e.amount), 2 weeks)
            metric t = cumulative(count(e) where source != "email")
            metric c = cumulative(count_distinct(e.person))
            metric o = open(count(e), ts, closed)
            metric ov = open(sum(e.amount) where source = "paid", ts, closed)
            """
        let outcome = session.run(SourceText(name: "setup", text: setup))
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        let fast = try Self.show(statement, runningSums: true, session: session)
        let slow = try Self.show(statement, runningSums: false, session: session)
        #expect(fast.names == slow.names)
        #expect(fast.rowCount == slow.rowCount)
        #expect(fast.rowCount > 0)
        for (c, name) in fast.names.enumerated() {
            for row in 0..<fast.rowCount {
                let x = fast.columns[c].scalar(at: row), y = slow.columns[c].scalar(at: row)
                if let a = x.doubleValue, let b = y.doubleValue {
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(name) row \(row): \(x) vs \(y)")
                } else {
                    #expect(x == y, "\(name) row \(row): \(x) vs \(y)")
                }
            }
        }
    }

    /// `repeated(count_distinct(x))` against a count by hand: at each month's end, per source,
    /// the people with rows on two or more distinct days before it.
    @Test func repeatedCountsPeopleWithTwoDistinctDaysByEachPeriodEnd() throws {
        let text = Self.events()
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let session = Session()
        let outcome = session.run(SourceText(name: "setup", text: """
            load "\(path)" as e time ts
            metric r = repeated(count_distinct(e.person))
            """))
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        let table = try Self.show("show r by source over month during 2023-03..2023-12", runningSums: true, session: session)
        // By hand: each (source, person)'s distinct days.
        var days: [String: [String: Set<Int64>]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let day = CivilCalendar.parseDate(String(fields[1].prefix(10)))!
            days[fields[2], default: [:]][fields[0], default: []].insert(day)
        }
        #expect(table.names == ["source", "month", "r"])
        #expect(table.rowCount == 4 * 10)
        for row in 0..<table.rowCount {
            var source = ""
            if case .text(let name) = table.columns[0].scalar(at: row) { source = name }
            guard case .date(let month) = table.columns[1].scalar(at: row) else { Issue.record("month is not a date"); continue }
            let end = CivilCalendar.addMonths(days: month, months: 1)
            let expected = days[source, default: [:]].values.filter { $0.filter { $0 < end }.count >= 2 }.count
            #expect(table.columns[2].scalar(at: row) == .int(Int64(expected)), "\(source) \(CivilCalendar.formatDate(month))")
        }
    }
}
