import Testing
@testable import KPIQ

/// Counts filtered by comparisons of one small integer column are counted from one count per
/// (group, value) (`SmallValueCounts`); the counts must equal a direct count of the rows, with
/// nulls (counted by `count()` only), batches whose values leave the small range, constants
/// on either side, and more groups than the one-pass path takes. (`.explain` shows the choice:
/// Tests/Golden/funnel.test and explain.test.)
@Suite struct SmallValueCountsTests {
    struct Row { let group: String; let state: Int64? }

    func rows(count: Int, groups: Int, seed: UInt64) -> [Row] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { i in
            let group = "g\(random.next() % UInt64(groups))"
            if random.next() % 9 == 0 { return Row(group: group, state: nil) }
            // Past the first 6,000 rows, a few values outside 0..<16: those batches count by masks.
            let outside = i > 6_000 && random.next() % 500 == 0
            return Row(group: group, state: outside ? 40 : Int64(random.next() % 8))
        }
    }

    func csv(_ rows: [Row]) -> String {
        "g,s\n" + rows.map { "\($0.group),\($0.state.map(String.init) ?? "")" }.joined(separator: "\n") + "\n"
    }

    let query = "group g | agg n = count(), a = count() where s >= 2, b = count() where s = 3, c = count() where 5 < s, d = count() where s != 1 | sort g"

    @Test(arguments: [(groups: 3, seed: UInt64(5)), (groups: 100, seed: UInt64(6))])
    func countsEqualDirectCounts(groups: Int, seed: UInt64) throws {
        let data = rows(count: 10_000, groups: groups, seed: seed)
        let path = try TestSupport.file(csv(data))
        defer { TestSupport.remove(path) }
        let table = try #require(try TestSupport.run("load \"\(path)\" as t\nfrom t | \(query)"))
        let names = TestSupport.values(table, "g").map { $0.description }
        let conditions: [(String, (Int64) -> Bool)?] = [nil, ("a", { $0 >= 2 }), ("b", { $0 == 3 }), ("c", { 5 < $0 }), ("d", { $0 != 1 })]
        for (column, condition) in zip(["n", "a", "b", "c", "d"], conditions) {
            let counts = TestSupport.values(table, column)
            for (name, count) in zip(names, counts) {
                let expected = data.filter { row in
                    guard row.group == name else { return false }
                    guard let condition else { return true }
                    return row.state.map(condition.1) ?? false
                }.count
                #expect(count == .int(Int64(expected)), "\(column) for \(name), \(groups) groups")
            }
        }
    }
}
