import Foundation
import Testing
@testable import KPIQ

/// Random `show` statements over small data, drawn from every clause the planner handles
/// (plain, ratio, rolling, cumulative, snapshot, flight and share metrics; dimensions direct,
/// computed and looked up; grains; ranges; one or two comparisons, whole or not; sort and top
/// with other; as-of days before, inside and after the data): each either answers or fails
/// with a diagnostic. A crash stops the test run, which is the failure this guards against.
@Suite struct ShowStatementFuzzTests {
    static let golden = TestSupport.packageRoot.appendingPathComponent("Tests/Golden/data").path

    static let setup = """
        load "\(golden)/sessions.csv" as s time ts
        load "\(golden)/flights.csv" as f time start_date .. end_date
        load "\(golden)/kpis/deals.csv" as d time created_at
        metric n = count(s)
        metric v = count_distinct(s.visitor_id)
        metric br = (count(s) where bounced = 1) / count(s) as percent
        metric a = rolling(count_distinct(s.visitor_id), 10 days)
        metric c = cumulative(count(s))
        metric o = open(sum(d.amount), created_at, closed_at)
        metric sp = sum(f.spend)
        metric md = rolling(median(s.seconds), 14 days)
        """

    static let metrics = ["n", "v", "br", "a", "c", "o", "sp", "md", "share(n)", "n / v"]
    static let dimensions = ["", " by source", " by source, page", " by lower(page)", " by channel"]
    static let grains = ["", " over day", " over week", " over month", " over quarter"]
    static let ranges = ["", " during 2024-01", " during this month", " during last 10 days", " during 2024-01-17..2024-02-03", " during 2023", " during ytd"]
    static let comparisons = ["", " vs previous period", " vs previous year", " vs previous period, previous year", " vs previous period whole"]
    static let tops = ["", " top 2", " top 2 with other", " sort n desc"]
    static let asOfs = ["2024-02-15", "2024-03-31", "2023-12-31", "2024-01-03"]

    @Test func randomShowStatementsAnswerOrFailCleanly() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func pick<T>(_ items: [T]) -> T {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return items[Int(state % UInt64(items.count))]
        }
        var answered = 0
        for _ in 0..<250 {
            var chosen: [String] = []
            for _ in 0..<(1 + Int(state % 3)) {
                let metric = pick(Self.metrics)
                if !chosen.contains(metric) { chosen.append(metric) }
            }
            let show = "show " + chosen.joined(separator: ", ") + pick(Self.dimensions) + pick(Self.grains) + pick(Self.ranges)
                + pick(Self.comparisons) + pick(Self.tops)
            let session = Session()
            let outcome = session.run(SourceText(name: "fuzz", text: "as of \(pick(Self.asOfs))\n" + Self.setup + "\n" + show))
            if outcome.error == nil { answered += 1 }
        }
        // Most statements are valid; the rest fail with a diagnostic (a dimension a dataset
        // cannot reach, a sort key that is not shown).
        #expect(answered > 50)
    }
}
