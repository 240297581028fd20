import Foundation
import Testing
@testable import KPIQ

/// The executor against answers computed directly in Swift, on data large enough for several
/// morsels and both threads (so partial results are merged).
@Suite struct ExecutionTests {
    struct Row {
        var id: Int
        var visitor: String
        var source: String?
        var amount: Double?
        var flag: Int
        var day: Int64
    }

    static let rows: [Row] = {
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let sources = ["organic", "paid", "direct", "email", "social"]
        return (0..<200_000).map { i in
            let r = next()
            return Row(id: i, visitor: "v\(r % 50_000)", source: r % 17 == 0 ? nil : sources[Int(r % 5)],
                       amount: r % 11 == 0 ? nil : Double(r % 1000) / 8, flag: Int(r % 3 == 0 ? 1 : 0),
                       day: CivilCalendar.days(year: 2024, month: 1, day: 1) + Int64(r % 366))
        }
    }()

    /// The rows as a CSV file, written once for the suite.
    static let path: String = {
        var text = "id,visitor,source,amount,flag,day\n"
        for row in rows {
            text += "\(row.id),\(row.visitor),\(row.source ?? ""),\(row.amount.map { Scalar.formatDouble($0) } ?? ""),\(row.flag),\(CivilCalendar.formatDate(row.day))\n"
        }
        return try! TestSupport.file(text)
    }()

    let session: Session

    init() {
        session = Session()
        _ = session.run(SourceText(name: "t", text: "load \"\(Self.path)\" as t time day"))
    }

    func query(_ text: String) throws -> Table {
        try TestSupport.run(text, session: session)!
    }

    @Test func groupCountsDistinctsAndSums() throws {
        let table = try query("from t | group source | agg n = count(), visitors = count_distinct(visitor), total = sum(amount), converting = count_distinct(visitor) where flag = 1")
        var expected: [String?: (Int, Set<String>, Double, Set<String>)] = [:]
        for row in Self.rows {
            var entry = expected[row.source] ?? (0, [], 0, [])
            entry.0 += 1
            entry.1.insert(row.visitor)
            entry.2 += row.amount ?? 0
            if row.flag == 1 { entry.3.insert(row.visitor) }
            expected[row.source] = entry
        }
        #expect(table.rowCount == expected.count)
        for r in 0..<table.rowCount {
            let key: String? = { if case .text(let s) = table.columns[0].scalar(at: r) { return s } else { return nil } }()
            let entry = expected[key]!
            #expect(table.columns[1].scalar(at: r) == .int(Int64(entry.0)))
            #expect(table.columns[2].scalar(at: r) == .int(Int64(entry.1.count)))
            #expect(abs((table.columns[3].scalar(at: r).doubleValue ?? -1) - entry.2) < 1e-6)
            #expect(table.columns[4].scalar(at: r) == .int(Int64(entry.3.count)))
        }
        // First-seen order: the group of row 0 comes first.
        #expect(table.columns[0].scalar(at: 0) == Self.rows[0].source.map(Scalar.text) ?? .null)
    }

    @Test func groupByHighCardinalityTextKey() throws {
        let table = try query("from t | group visitor | agg visits = count(), first_id = first(id, day) | sort visits desc, visitor | top 5")
        var counts: [String: Int] = [:]
        for row in Self.rows { counts[row.visitor, default: 0] += 1 }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
        for (r, entry) in top.enumerated() {
            #expect(table.columns[0].scalar(at: r) == .text(entry.key))
            #expect(table.columns[1].scalar(at: r) == .int(Int64(entry.value)))
        }
    }

    @Test func multiKeyGroupWithNulls() throws {
        let table = try query("from t | group source, month = month(day), flag | agg n = count()")
        var expected = Set<String>()
        for row in Self.rows {
            let (y, m, _) = CivilCalendar.civil(row.day)
            expected.insert("\(row.source ?? "-")|\(y)-\(m)|\(row.flag)")
        }
        #expect(table.rowCount == expected.count)
        let total = (0..<table.rowCount).reduce(Int64(0)) { sum, r in
            if case .int(let n) = table.columns[3].scalar(at: r) { return sum + n }
            return sum
        }
        #expect(total == Int64(Self.rows.count))
    }

    /// Two keys (one with nulls) take the pair loop; `count(x)` of a stored column reads its
    /// null bitmap, with and without an aggregate filter.
    @Test func twoKeyGroupsAndStoredCounts() throws {
        let table = try query("from t | group source, month = month(day) | agg n = count(), priced = count(amount), priced_flagged = count(amount) where flag = 1")
        var expected: [String: (Int, Int, Int)] = [:]
        for row in Self.rows {
            let (y, m, _) = CivilCalendar.civil(row.day)
            let key = "\(row.source ?? "-")|\(CivilCalendar.formatDate(CivilCalendar.days(year: y, month: m, day: 1)))"
            var entry = expected[key] ?? (0, 0, 0)
            entry.0 += 1
            if row.amount != nil { entry.1 += 1 }
            if row.amount != nil, row.flag == 1 { entry.2 += 1 }
            expected[key] = entry
        }
        #expect(table.rowCount == expected.count)
        for r in 0..<table.rowCount {
            let source: String = { if case .text(let s) = table.columns[0].scalar(at: r) { return s } else { return "-" } }()
            guard case .date(let month) = table.columns[1].scalar(at: r), let entry = expected["\(source)|\(CivilCalendar.formatDate(month))"] else {
                Issue.record("unexpected group at \(r)")
                return
            }
            #expect(table.columns[2].scalar(at: r) == .int(Int64(entry.0)))
            #expect(table.columns[3].scalar(at: r) == .int(Int64(entry.1)))
            #expect(table.columns[4].scalar(at: r) == .int(Int64(entry.2)))
        }
    }

    @Test func medianAndPercentileAreExact() throws {
        let table = try query("from t | agg median = median(amount), p90 = percentile(amount, 0.9)")
        let values = Self.rows.compactMap(\.amount).sorted()
        func quantile(_ p: Double) -> Double {
            let position = p * Double(values.count - 1)
            let low = Int(position)
            let high = min(values.count - 1, low + 1)
            return values[low] + (values[high] - values[low]) * (position - Double(low))
        }
        #expect(abs((table.columns[0].scalar(at: 0).doubleValue ?? -1) - quantile(0.5)) < 1e-9)
        #expect(abs((table.columns[1].scalar(at: 0).doubleValue ?? -1) - quantile(0.9)) < 1e-9)
    }

    @Test func filterThenSortWithLimit() throws {
        let table = try query("from t | where amount > 120 and source != \"paid\" | sort amount desc, id | top 10 | select id, amount")
        let expected = Self.rows.filter { ($0.amount ?? 0) > 120 && $0.source != nil && $0.source != "paid" }
            .sorted { ($0.amount!, -$0.id) > ($1.amount!, -$1.id) }.prefix(10)
        #expect(table.rowCount == 10)
        for (r, row) in expected.enumerated() {
            #expect(table.columns[0].scalar(at: r) == .int(Int64(row.id)))
        }
    }

    @Test func joinAgainstAggregate() throws {
        let table = try query("from t | join (from t | group visitor | agg visits = count()) on visitor | where visits >= 10 | agg rows = count(), visitors = count_distinct(visitor)")
        var counts: [String: Int] = [:]
        for row in Self.rows { counts[row.visitor, default: 0] += 1 }
        let heavy = counts.filter { $0.value >= 10 }
        #expect(table.columns[0].scalar(at: 0) == .int(Int64(heavy.values.reduce(0, +))))
        #expect(table.columns[1].scalar(at: 0) == .int(Int64(heavy.count)))
    }

    /// first/last by an integer ordering per high-cardinality group, ties to the earliest row;
    /// groups listed in first-seen order (the dictionary itself is not in that order).
    @Test func firstAndLastPerVisitorInFirstSeenOrder() throws {
        let table = try query("from t | group visitor | agg first_source = first(source, day), last_id = last(id, day), first_id = first(id, day)")
        var firstSeen: [String] = []
        var best: [String: (first: Row, last: Row)] = [:]
        for row in Self.rows {
            guard let entry = best[row.visitor] else {
                firstSeen.append(row.visitor)
                best[row.visitor] = (row, row)
                continue
            }
            let first = row.day < entry.first.day ? row : entry.first
            let last = row.day > entry.last.day ? row : entry.last
            best[row.visitor] = (first, last)
        }
        #expect(table.rowCount == firstSeen.count)
        for (r, visitor) in firstSeen.enumerated() {
            let entry = best[visitor]!
            #expect(table.columns[0].scalar(at: r) == .text(visitor))
            #expect(table.columns[1].scalar(at: r) == (entry.first.source.map { Scalar.text($0) } ?? .null), "\(visitor)")
            #expect(table.columns[2].scalar(at: r) == .int(Int64(entry.last.id)))
            #expect(table.columns[3].scalar(at: r) == .int(Int64(entry.first.id)))
        }
    }

    /// A join on text keys of two different dictionaries (a loaded file and a derived one)
    /// matches by string; strings only one side has never match.
    @Test func joinAcrossDictionaries() throws {
        let others = (0..<3_000).map { "v\($0 * 20)" } + ["nobody", "v-1"]
        let path = try TestSupport.file("visitor,tier\n" + others.enumerated().map { "\($0.element),\($0.offset % 3)" }.joined(separator: "\n") + "\n")
        defer { TestSupport.remove(path) }
        _ = session.run(SourceText(name: "t", text: "load \"\(path)\" as tiers"))
        let table = try query("from tiers | join (from t | group visitor | agg n = count()) on visitor | agg visitors = count(), rows = sum(n)")
        var counts: [String: Int] = [:]
        for row in Self.rows { counts[row.visitor, default: 0] += 1 }
        let matched = others.filter { counts[$0] != nil }
        #expect(table.columns[0].scalar(at: 0) == .int(Int64(matched.count)))
        #expect(table.columns[1].scalar(at: 0) == .int(Int64(matched.reduce(0) { $0 + counts[$1]! })))
    }

    /// Thousands of groups times a large dictionary: too big for one bitmap per group, so
    /// distinct counts go through sorted (group, code) pairs; same answers.
    @Test func distinctCountsOverManyGroups() throws {
        let table = try query("from t | group bucket = id % 6000 | agg visitors = count_distinct(visitor), flagged = count_distinct(visitor) where flag = 1, upper = count_distinct(upper(visitor)) | sort bucket")
        var expected = [Set<String>](repeating: [], count: 6000)
        var flagged = [Set<String>](repeating: [], count: 6000)
        for row in Self.rows {
            expected[row.id % 6000].insert(row.visitor)
            if row.flag == 1 { flagged[row.id % 6000].insert(row.visitor) }
        }
        #expect(table.rowCount == 6000)
        for b in 0..<6000 {
            #expect(table.columns[1].scalar(at: b) == .int(Int64(expected[b].count)))
            #expect(table.columns[2].scalar(at: b) == .int(Int64(flagged[b].count)))
            #expect(table.columns[3].scalar(at: b) == .int(Int64(expected[b].count)))
        }
    }

    /// Two text keys grouped by their codes as digits of one number (nulls included), in
    /// first-seen order.
    @Test func groupByTwoTextKeys() throws {
        let table = try query("from t | group source, visitor | agg n = count(), total = sum(amount)")
        var order: [String] = []
        var counts: [String: Int] = [:]
        for row in Self.rows {
            let key = "\(row.source ?? "<null>")|\(row.visitor)"
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        #expect(table.rowCount == order.count)
        for (r, key) in order.enumerated() {
            let source = table.columns[0].scalar(at: r)
            let visitor = table.columns[1].scalar(at: r)
            let actual = "\(source == .null ? "<null>" : source.description)|\(visitor.description)"
            #expect(actual == key)
            #expect(table.columns[2].scalar(at: r) == .int(Int64(counts[key]!)))
            if actual != key { break }
        }
    }

    /// Mixed keys (an integer and a text with nulls) go through the hash table; runs of equal
    /// keys in neighbouring rows reuse the previous row's group. First-seen order, exact counts.
    @Test func groupByMixedKeysWithRuns() throws {
        let table = try query("from t | group block = floor(id / 500), source, odd = if(flag = 1, null, id % 2) | agg n = count()")
        var order: [String] = []
        var counts: [String: Int] = [:]
        for row in Self.rows {
            let odd = row.flag == 1 ? "<null>" : String(row.id % 2)
            let key = "\(row.id / 500)|\(row.source ?? "<null>")|\(odd)"
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        #expect(table.rowCount == order.count)
        for (r, key) in order.enumerated() {
            let cells = (0..<3).map { c in table.columns[c].scalar(at: r) == .null ? "<null>" : table.columns[c].scalar(at: r).description }
            #expect(cells.joined(separator: "|") == key)
            #expect(table.columns[3].scalar(at: r) == .int(Int64(counts[key]!)))
            if cells.joined(separator: "|") != key { break }
        }
    }

    @Test func minimumsAndMaximumsPerGroup() throws {
        let table = try query("from t | group source | agg low = min(amount), high = max(amount), first_day = min(day), last_id = max(id), low_visitor = min(visitor)")
        var expected: [String?: (Double?, Double?, Int64, Int, String)] = [:]
        for row in Self.rows {
            var e = expected[row.source] ?? (nil, nil, Int64.max, Int.min, "~")
            if let a = row.amount {
                e.0 = min(e.0 ?? a, a)
                e.1 = max(e.1 ?? a, a)
            }
            e.2 = min(e.2, row.day)
            e.3 = max(e.3, row.id)
            e.4 = min(e.4, row.visitor)
            expected[row.source] = e
        }
        #expect(table.rowCount == expected.count)
        for r in 0..<table.rowCount {
            let key: String? = table.columns[0].scalar(at: r) == .null ? nil : table.columns[0].scalar(at: r).description
            let e = expected[key]!
            #expect(table.columns[1].scalar(at: r) == e.0.map { Scalar.decimal($0) } ?? .null)
            #expect(table.columns[2].scalar(at: r) == e.1.map { Scalar.decimal($0) } ?? .null)
            #expect(table.columns[3].scalar(at: r) == .date(e.2))
            #expect(table.columns[4].scalar(at: r) == .int(Int64(e.3)))
            #expect(table.columns[5].scalar(at: r) == .text(e.4))
        }
    }

    /// `first(x, by)` where `by` is a stored column in ascending order (`id` here; events
    /// exports are in time order) reads x at each group's first row instead of comparing per
    /// row: after a filter, with null values, and with ties (earliest row), it must answer
    /// what the general path answers (forced here by ordering on a computed `id * 1`).
    @Test func firstBySortedColumnMatchesTheGeneralPath() throws {
        let shortcut = try query("from t | where flag = 0 | group visitor | agg s = first(source, id), a = first(amount, id), d = first(day, id), n = count()")
        let general = try query("from t | where flag = 0 | group visitor | agg s = first(source, id * 1), a = first(amount, id * 1), d = first(day, id * 1), n = count()")
        #expect(shortcut.rowCount == general.rowCount)
        for c in 0..<4 {
            for r in 0..<shortcut.rowCount where shortcut.columns[c].scalar(at: r) != general.columns[c].scalar(at: r) {
                Issue.record("column \(c) row \(r): \(shortcut.columns[c].scalar(at: r)) vs \(general.columns[c].scalar(at: r))")
                return
            }
        }
        // Only aggregates read at each group's first row: the workers' code groupings merge
        // without a map of their groups (nothing has state to merge), and answer the same.
        let firstRowsOnly = try query("from t | where flag = 0 | group visitor | agg s = first(source, id), a = first(amount, id), d = first(day, id)")
        #expect(firstRowsOnly.rowCount == general.rowCount)
        for c in 0..<4 {
            for r in 0..<min(firstRowsOnly.rowCount, general.rowCount) where firstRowsOnly.columns[c].scalar(at: r) != general.columns[c].scalar(at: r) {
                Issue.record("first rows only, column \(c) row \(r): \(firstRowsOnly.columns[c].scalar(at: r)) vs \(general.columns[c].scalar(at: r))")
                return
            }
        }
        var expected: [String: Row] = [:]
        for row in Self.rows where row.flag == 0 && expected[row.visitor] == nil { expected[row.visitor] = row }
        #expect(shortcut.rowCount == expected.count)
        for r in 0..<min(shortcut.rowCount, 500) {
            guard case .text(let visitor) = shortcut.columns[0].scalar(at: r), let row = expected[visitor] else {
                Issue.record("unexpected group at \(r)")
                return
            }
            #expect(shortcut.columns[1].scalar(at: r) == (row.source.map { Scalar.text($0) } ?? .null))
            #expect(shortcut.columns[2].scalar(at: r) == (row.amount.map { Scalar.decimal($0) } ?? .null))
        }
        // Over no rows: one row, null.
        let empty = try query("from t | where id < 0 | agg s = first(source, id)")
        #expect(empty.rowCount == 1 && empty.columns[0].scalar(at: 0) == .null)
        // A column that is not in order (days here) takes the general path and still answers.
        let unordered = try query("from t | group visitor | agg s = first(id, day) | top 1")
        #expect(unordered.rowCount == 1)
    }

    /// `min(x)` of a stored column in ascending order with no nulls (`id`) is read at each
    /// group's first row: after a filter, by text and by integer groups, and over no rows, it
    /// answers what the compared path answers (`min(id * 1)`).
    @Test func minOfSortedColumnMatchesTheGeneralPath() throws {
        for pipeline in ["from t | where flag = 0 | group visitor | agg m = MIN, n = count()",
                         "from t | group day | agg m = MIN, top = max(id)",
                         "from t | where id < 0 | agg m = MIN"] {
            let shortcut = try query(pipeline.replacingOccurrences(of: "MIN", with: "min(id)"))
            let general = try query(pipeline.replacingOccurrences(of: "MIN", with: "min(id * 1)"))
            #expect(shortcut.rowCount == general.rowCount && shortcut.rowCount > 0, "\(pipeline)")
            for c in 0..<shortcut.columns.count {
                for r in 0..<shortcut.rowCount where shortcut.columns[c].scalar(at: r) != general.columns[c].scalar(at: r) {
                    Issue.record("\(pipeline): column \(c) row \(r): \(shortcut.columns[c].scalar(at: r)) vs \(general.columns[c].scalar(at: r))")
                    return
                }
            }
        }
        let plan = try session.explain(statement: SourceText(name: "t", text: "from t | group visitor | agg m = min(id)"))
        #expect(plan.contains("min(id) read at each group's first row"))
    }

    /// Tens of thousands of visitors, grouped by their codes: groups come out in first-seen
    /// order even though the dictionary numbers them otherwise, with their first value by time
    /// and, by month, their distinct counts.
    @Test func manyGroupsComeOutInFirstSeenOrder() throws {
        let table = try query("from t | group visitor | agg n = count(), first_source = first(source, day)")
        var order: [String] = []
        var counts: [String: Int] = [:]
        var firsts: [String: (Int64, String?)] = [:]
        for row in Self.rows {
            if counts[row.visitor] == nil { order.append(row.visitor) }
            counts[row.visitor, default: 0] += 1
            if let best = firsts[row.visitor], best.0 <= row.day { continue }
            firsts[row.visitor] = (row.day, row.source)
        }
        #expect(table.rowCount == order.count)
        guard case .text(let codes, _) = table.columns[0].values else { Issue.record("not text codes"); return }
        // The premise: codes are not already in first-seen order (else no ordering is tested).
        #expect((0..<min(1000, table.rowCount)).contains { codes[$0] != Int64($0) })
        for (r, visitor) in order.enumerated() {
            #expect(table.columns[0].scalar(at: r) == .text(visitor))
            #expect(table.columns[1].scalar(at: r) == .int(Int64(counts[visitor]!)))
            #expect(table.columns[2].scalar(at: r) == (firsts[visitor]!.1.map { .text($0) } ?? .null))
            if table.columns[0].scalar(at: r) != .text(visitor) { break }
        }
        let monthly = try query("from t | group month = month(day) | agg visitors = count_distinct(visitor) | sort month")
        var perMonth: [Int64: Set<String>] = [:]
        for row in Self.rows {
            let civil = CivilCalendar.civil(row.day)
            perMonth[CivilCalendar.days(year: civil.year, month: civil.month, day: 1), default: []].insert(row.visitor)
        }
        #expect(monthly.rowCount == perMonth.count)
        for (r, month) in perMonth.keys.sorted().enumerated() {
            #expect(monthly.columns[0].scalar(at: r) == .date(month))
            #expect(monthly.columns[1].scalar(at: r) == .int(Int64(perMonth[month]!.count)))
        }
    }

    /// A grouping by a text key and a period knows the most groups it can make from what is
    /// stored: the dictionary's values and null, times the weeks from the first day to the
    /// last and null. Here that is too many bitmaps of 50,000 visitors, so the distinct count
    /// starts as pairs; the counts are the same as computed directly.
    @Test func distinctCountsSizedByTheGroupBound() throws {
        let parsed = Parser.parse(SourceText(name: "q", text: "from t | group source, w = week(day) | agg visitors = count_distinct(visitor)"))
        guard case .query(let pipeline) = parsed.statements[0].kind, let dataset = session.catalog["t"] else {
            Issue.record("not a query")
            return
        }
        var plan = try Binder(catalog: session.catalog, asOf: 0).bind(pipeline).plan
        if case .project(let below, _, _) = plan { plan = below }  // the output's column order
        guard case .aggregate(let input, let keys, _, _) = plan else {
            Issue.record("no aggregate over t: \(String(describing: plan).prefix(400))")
            return
        }
        let weeks = Set(Self.rows.map { CalendarMath.truncate($0.day, to: .week) }).count
        #expect(PhysicalPlanner.groupBound(keys, input: input, source: dataset.table) == (5 + 1) * (weeks + 1))
        #expect(PhysicalPlanner.groupBound([keys[0], keys[0]], input: input, source: dataset.table) == 36)
        let notStored = BoundExpression(.function(.upper, [keys[0]]), type: .text, span: .none)
        #expect(PhysicalPlanner.groupBound([notStored], input: input, source: dataset.table) == nil)

        let table = try query("from t | group source, w = week(day) | agg visitors = count_distinct(visitor) | sort source, w")
        var expected: [String: Set<String>] = [:]
        for row in Self.rows { expected["\(row.source ?? "")|\(CalendarMath.truncate(row.day, to: .week))", default: []].insert(row.visitor) }
        #expect(table.rowCount == expected.count)
        for r in 0..<table.rowCount {
            let source = table.columns[0].scalar(at: r)
            guard case .date(let week) = table.columns[1].scalar(at: r) else {
                Issue.record("row \(r): week \(table.columns[1].scalar(at: r))")
                return
            }
            let key = "\(source == .null ? "" : source.description)|\(week)"
            #expect(table.columns[2].scalar(at: r) == .int(Int64(expected[key]?.count ?? -1)), "\(key)")
        }
    }

    /// Groups that keep coming (one per thousand rows) start as bitmaps and switch to pairs
    /// on the way; the counts do not change.
    @Test func distinctCountsSwitchingFromBitmapsToPairs() throws {
        let table = try query("from t | group block = floor(id / 1000) | agg visitors = count_distinct(visitor) | sort block")
        var expected: [Int: Set<String>] = [:]
        for row in Self.rows { expected[row.id / 1000, default: []].insert(row.visitor) }
        #expect(table.rowCount == expected.count)
        for r in 0..<table.rowCount {
            #expect(table.columns[1].scalar(at: r) == .int(Int64(expected[r]!.count)))
        }
    }

    /// Calendar months added to dates that repeat down the rows (the shift remembers the last
    /// day's step): each row as the civil calendar moves it, the last day of a month clamped
    /// (2024-01-31 + 1 month = 2024-02-29; 2024-03-31 - 13 months = 2023-02-28).
    @Test func monthShiftsOfRepeatedDays() throws {
        // In the file's order (days at random) and in time order (each day repeated in a run).
        for text in ["from t | select id, later = day + 1 month, earlier = day - 13 months",
                     "from t | sort day, id | select id, later = day + 1 month, earlier = day - 13 months"] {
            let table = try query(text)
            #expect(table.rowCount == Self.rows.count)
            for i in 0..<table.rowCount {
                guard case .int(let id) = table.columns[0].scalar(at: i) else { continue }
                let day = Self.rows[Int(id)].day
                let later = Scalar.date(CivilCalendar.addMonths(days: day, months: 1))
                let earlier = Scalar.date(CivilCalendar.addMonths(days: day, months: -13))
                guard table.columns[1].scalar(at: i) == later, table.columns[2].scalar(at: i) == earlier else {
                    Issue.record("\(text): id \(id) (\(CivilCalendar.formatDate(day))): \(table.columns[1].scalar(at: i)), \(table.columns[2].scalar(at: i))")
                    return
                }
            }
        }
        let january31 = CivilCalendar.days(year: 2024, month: 1, day: 31)
        #expect(Self.rows.contains { $0.day == january31 })
        #expect(CivilCalendar.addMonths(days: january31, months: 1) == CivilCalendar.days(year: 2024, month: 2, day: 29))
    }

    /// `case` with numeric, date and decimal branches, row for row: the first true clause wins,
    /// a null condition is not true, a null branch gives null, no `else` gives null.
    @Test func caseOverNumbersDatesAndDecimals() throws {
        let table = try query("""
            from t | select a = case when flag = 1 then id when amount > 100 then null else id % 5 end,
                d = if(amount < 50, day, null),
                x = case when amount >= 100 then amount * 2 when id % 2 = 0 then 0.5 end
            """)
        #expect(table.rowCount == Self.rows.count)
        for (i, row) in Self.rows.enumerated() {
            let a: Scalar = row.flag == 1 ? .int(Int64(row.id)) : (row.amount.map { $0 > 100 } ?? false) ? .null : .int(Int64(row.id % 5))
            let d: Scalar = (row.amount.map { $0 < 50 } ?? false) ? .date(row.day) : .null
            let x: Scalar = (row.amount.map { $0 >= 100 } ?? false) ? .decimal(row.amount! * 2) : row.id % 2 == 0 ? .decimal(0.5) : .null
            guard table.columns[0].scalar(at: i) == a, table.columns[1].scalar(at: i) == d, table.columns[2].scalar(at: i) == x else {
                Issue.record("row \(i): \(table.columns.map { $0.scalar(at: i) }), expected \([a, d, x])")
                return
            }
        }
    }

    /// One integer or date key grouped by its offset from a base (ids, days), including keys
    /// that later fall below the first batch's values (the grouping then moves to hashing).
    @Test func groupByIntegerAndDateKeys() throws {
        for (expression, key) in [("id % 3000", { (r: Row) in Int64(r.id % 3000) }),
                                  ("200000 - id", { (r: Row) in Int64(200_000 - r.id) }),
                                  ("if(flag = 1, null, id % 7)", { (r: Row) in r.flag == 1 ? Int64.min : Int64(r.id % 7) })]
        {
            let table = try query("from t | group k = \(expression) | agg n = count(), s = sum(amount)")
            var order: [Int64] = []
            var counts: [Int64: Int] = [:]
            for row in Self.rows {
                let k = key(row)
                if counts[k] == nil { order.append(k) }
                counts[k, default: 0] += 1
            }
            #expect(table.rowCount == order.count, "\(expression)")
            for (r, k) in order.enumerated() {
                #expect(table.columns[0].scalar(at: r) == (k == Int64.min ? .null : .int(k)), "\(expression) row \(r)")
                #expect(table.columns[1].scalar(at: r) == .int(Int64(counts[k]!)))
            }
        }
        let days = try query("from t | group day | agg n = count()")
        var perDay: [Int64: Int] = [:]
        for row in Self.rows { perDay[row.day, default: 0] += 1 }
        #expect(days.rowCount == perDay.count)
        for r in 0..<days.rowCount {
            guard case .date(let d) = days.columns[0].scalar(at: r) else { Issue.record("not a date"); continue }
            #expect(days.columns[1].scalar(at: r) == .int(Int64(perDay[d]!)))
        }
    }

    /// Past 65,536 groups of one stored text key, first-seen order comes from a bitmap of the
    /// groups' first rows and the key's codes there: the same order, with a null key group and
    /// after a filter, as found by walking the rows.
    @Test func manyVisitorsInFirstSeenOrderFromTheirFirstRows() throws {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        var text = "id,visitor,source\n"
        var rows: [(visitor: String?, source: String)] = []
        for i in 0..<300_000 {
            let r = next()
            let visitor: String? = r % 97 == 0 ? nil : "u\(r % 150_000)"
            let source = ["a", "b", "c"][Int(r % 3)]
            rows.append((visitor, source))
            text += "\(i),\(visitor ?? ""),\(source)\n"
        }
        let session = Session()
        _ = session.run(SourceText(name: "t", text: "load \"\(try TestSupport.file(text))\" as many"))
        for filtered in [false, true] {
            let pipeline = filtered ? "from many | where source != \"b\"" : "from many"
            let table = try TestSupport.run("\(pipeline) | group visitor | agg n = count(), first_source = first(source, id)", session: session)!
            var order: [String?] = []
            var seen: [String?: (n: Int, first: String)] = [:]
            for row in rows where !filtered || row.source != "b" {
                if let entry = seen[row.visitor] {
                    seen[row.visitor] = (entry.n + 1, entry.first)
                } else {
                    order.append(row.visitor)
                    seen[row.visitor] = (1, row.source)
                }
            }
            #expect(order.count > 65_536)
            #expect(table.rowCount == order.count)
            for (r, visitor) in order.enumerated() {
                let key = table.columns[0].scalar(at: r)
                guard key == (visitor.map { Scalar.text($0) } ?? .null) else {
                    Issue.record("row \(r): \(key), expected \(visitor ?? "null") (filtered: \(filtered))")
                    break
                }
                #expect(table.columns[1].scalar(at: r) == .int(Int64(seen[visitor]!.n)))
                #expect(table.columns[2].scalar(at: r) == .text(seen[visitor]!.first))
            }
        }
    }

    /// A keyless min/max of a stored integer column folds its packed values: every width,
    /// nulls anywhere (whole words of them, a lone value), none at all, and the whole table.
    @Test func storedExtremesMatchAPlainFold() throws {
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for spread in [Int64(200), 60_000, 3_000_000_000, Int64.max / 4] {
            for nullEvery in [0, 1, 3, 1000] {
                let count = 5_000
                let values = (0..<count).map { _ in 1_000 + Int64(next() % UInt64(spread)) }
                let flags = (0..<count).map { i in nullEvery == 0 ? true : (nullEvery == 1 ? false : (i / 64) % nullEvery != 0 || i == 7) }
                let validity = flags.allSatisfy { $0 } ? nil : Validity(flags: flags)
                let packed = PackedIntegers.pack(values, validity: validity)
                let kept = zip(values, flags).filter(\.1).map(\.0)
                let both = StoredExtremes.extremes(packed, validity: validity)
                #expect(both?.min == kept.min(), "spread \(spread), nulls \(nullEvery)")
                #expect(both?.max == kept.max(), "spread \(spread), nulls \(nullEvery)")
            }
        }
        let table = try query("from t | agg first_day = min(day), last_day = max(day), last_id = max(id)")
        #expect(table.columns[0].scalar(at: 0) == .date(Self.rows.map(\.day).min()!))
        #expect(table.columns[1].scalar(at: 0) == .date(Self.rows.map(\.day).max()!))
        #expect(table.columns[2].scalar(at: 0) == .int(Int64(Self.rows.count - 1)))
    }

    /// Packing millions of values (a count per visitor) takes the all-cores path: each width,
    /// negative values, and a span too wide for offsets, all decode to what went in.
    @Test func largePacksKeepTheirValues() {
        let n = 1 << 20 | 12_345
        for (low, high) in [(Int64(3), Int64(250)), (-40_000, 20_000), (0, 4_000_000_000), (Int64.min / 2, Int64.max / 2)] {
            var state: UInt64 = 11
            let values = (0..<n).map { _ -> Int64 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return low &+ Int64(truncatingIfNeeded: (state >> 1) % UInt64(bitPattern: high &- low &+ 1))
            }
            let packed = PackedIntegers.pack(values)
            #expect(packed.unpacked() == values, "range \(low)...\(high)")
        }
    }

    /// The mean of integers whose sum passes Int64 still comes out (the excess goes to the
    /// decimal part), grouped and not.
    @Test func meanOfHugeIntegers() throws {
        let path = try TestSupport.file("g,v\na,9000000000000000000\na,9000000000000000000\nb,-5\na,-6\nb,7\n")
        let session = Session()
        _ = session.run(SourceText(name: "t", text: "load \"\(path)\" as huge"))
        let table = try TestSupport.run("from huge | group g | agg m = mean(v)", session: session)!
        let a = table.columns[1].scalar(at: 0).doubleValue ?? 0
        #expect(abs(a - (1.8e19 - 6) / 3) / 6e18 < 1e-12)
        #expect(table.columns[1].scalar(at: 1) == .decimal(1))
    }

    /// The join's prefilter of build-side words never drops a word the build side holds:
    /// exact over small words (codes), hashed over large ones; rows marked unusable stay out.
    @Test func joinWordFilterHasNoFalseNegatives() {
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        let small = (0..<5_000).map { _ in next() % 3_000_000 }
        let large = (0..<5_000).map { _ in next() }
        for words in [small, large] {
            var usable = [Bool](repeating: true, count: words.count)
            usable[0] = false
            let filter = WordFilter(words, usable: usable)
            #expect(words.dropFirst().allSatisfy { filter.mayContain($0) })
            let absent = (0..<20_000).map { _ in words == small ? 3_000_000 + next() % 1000 : next() }
            let falsePositives = absent.filter { filter.mayContain($0) }.count
            #expect(falsePositives < 2_000, "\(falsePositives) of 20000 absent words pass")
        }
        #expect(!WordFilter(small, usable: nil).mayContain(UInt64.max))
    }

    /// A join whose result would outgrow a table's row limit is a diagnostic (not wrapped row
    /// numbers): inner joins are counted as they match, left joins with their unmatched rows.
    @Test func joinsStopAtTheRowLimit() throws {
        func table(_ keys: [Int64]) -> Table { Table(names: ["k"], columns: [ColumnFactory.ints(keys)], rowCount: keys.count) }
        let inner = JoinSpec(kind: .inner, leftKeys: [0], rightKeys: [0], rightColumns: [])
        #expect(try HashJoin.join(table([1, 1, 1]), table([1, 1]), spec: inner, names: ["k"], cancel: nil, rowLimit: 6).rowCount == 6)
        #expect {
            _ = try HashJoin.join(table([1, 1, 1]), table([1, 1]), spec: inner, names: ["k"], cancel: nil, rowLimit: 5)
        } throws: { ($0 as? Diagnostic)?.code == .limitExceeded }
        let left = JoinSpec(kind: .left, leftKeys: [0], rightKeys: [0], rightColumns: [])
        #expect(try HashJoin.join(table([1, 2, 3]), table([1, 1]), spec: left, names: ["k"], cancel: nil, rowLimit: 4).rowCount == 4)
        #expect {
            _ = try HashJoin.join(table([1, 2, 3]), table([1, 1]), spec: left, names: ["k"], cancel: nil, rowLimit: 3)
        } throws: { ($0 as? Diagnostic)?.code == .limitExceeded }
    }

    @Test func radixSortOfWords() {
        var state: UInt64 = 3
        let words = (0..<50_000).map { _ -> UInt64 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> UInt64(state % 40)
        }
        #expect(RadixSort.sorted(words) == words.sorted())
        #expect(RadixSort.sorted([5, 1, 3]) == [1, 3, 5])
    }

    @Test func radixOrderIsAStableSort() {
        var state: UInt64 = 7
        for n in [0, 1, 255, 256, 5_000, 100_000] {
            let keys = (0..<n).map { _ -> Int in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int(state >> 40) % max(1, n / 3)
            }
            let expected = (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            #expect(RadixSort.order(byKeys: keys) == expected, "n = \(n)")
        }
    }

    @Test func cancelledQueryThrows() throws {
        let token = CancellationToken()
        token.cancel()
        let outcome = session.run(SourceText(name: "t", text: "from t | group visitor | agg n = count()"), cancel: token)
        #expect(outcome.error?.code == .cancelled)
        // The session still has its data.
        #expect(session.catalog["t"]?.table.rowCount == Self.rows.count)
    }
}

/// Expression kernels on small, hand-checked inputs.
@Suite struct ExpressionTests {
    func values(_ expression: String, _ data: String = "x,y,s\n1,2,a\n,3,b\n5,0,\n") throws -> [Scalar] {
        let path = try TestSupport.file(data)
        defer { TestSupport.remove(path) }
        let table = try TestSupport.run("load \"\(path)\" as d\nfrom d | derive v = \(expression) | select v")!
        return TestSupport.values(table, "v")
    }

    @Test func arithmeticWithNullsAndZero() throws {
        #expect(try values("x + y") == [.int(3), .null, .int(5)])
        #expect(try values("x / y") == [.decimal(0.5), .null, .null])
        #expect(try values("x % y") == [.int(1), .null, .null])
        #expect(try values("x * 1.5") == [.decimal(1.5), .null, .decimal(7.5)])
    }

    @Test func threeValuedLogic() throws {
        #expect(try values("x > 2 and y > 1") == [.bool(false), .null, .bool(false)])
        #expect(try values("x > 2 or y > 1") == [.bool(true), .bool(true), .bool(true)])
        #expect(try values("not (x > 2)") == [.bool(true), .null, .bool(false)])
        #expect(try values("x in (1, null)") == [.bool(true), .null, .null])
    }

    @Test func textComparesByCode() throws {
        #expect(try values("s = \"a\"") == [.bool(true), .bool(false), .null])
        #expect(try values("s < \"b\"") == [.bool(true), .bool(false), .null])
        #expect(try values("s like \"_\"") == [.bool(true), .bool(true), .null])
        #expect(try values("upper(s) || \"!\"") == [.text("A!"), .text("B!"), .null])
    }

    /// n-ary `and`/`or` keep three-valued logic whatever the order of nulls and deciding
    /// values, and `or` runs of equalities (merged into one `in` list) mean the same.
    @Test func longLogicalRuns() throws {
        #expect(try values("x > 2 and y > 1 and s = \"b\"") == [.bool(false), .null, .bool(false)])
        #expect(try values("x = 9 or x = 1 or y = 3 or x = 7") == [.bool(true), .bool(true), .bool(false)])
        #expect(try values("x = 9 or x = 1 or s = \"q\"") == [.bool(true), .null, .null])
        #expect(try values("y = 9 or (y = 3 or (y = 0 or false))") == [.bool(false), .bool(true), .bool(true)])
        #expect(try values("null or x = 1 or x = 5") == [.bool(true), .null, .bool(true)])
        #expect(try values("null and y = 2 and true") == [.null, .bool(false), .bool(false)])
    }

    /// Arithmetic runs left to right, each step typed on its own (a date, then days).
    @Test func arithmeticRuns() throws {
        #expect(try values("x - y - 1") == [.int(-2), .null, .int(4)])
        #expect(try values("x + y * 2 - 3 / 3") == [.decimal(4), .null, .decimal(4)])
        #expect(try values("date(\"2024-03-01\") + y - date(\"2024-03-01\") + 0.5") == [.decimal(2.5), .decimal(3.5), .decimal(0.5)])
        #expect(try values("substr(\"hello\", if(true, 2, 3), 2 + 1)") == [.text("ell"), .text("ell"), .text("ell")])
    }

    @Test func likePatterns() {
        #expect(LikePattern("%demo%").matches("/demo/page"))
        #expect(LikePattern("a_c").matches("abc"))
        #expect(!LikePattern("a_c").matches("abbc"))
        #expect(LikePattern("%").matches(""))
        #expect(LikePattern("é%").matches("école"))
        #expect(LikePattern("É%").matches("école") == false)
        #expect(LikePattern("%ö").matches("Zö"))
    }
}

/// Period truncation against the calendar, on timestamps in and out of order, before 1970
/// and across year, leap-day and ISO-week boundaries.
@Suite struct PeriodTruncationTests {
    @Test func everyGrainMatchesTheCalendar() throws {
        var state: UInt64 = 11
        var stamps: [Int64] = []
        let low = CivilCalendar.days(year: 1900, month: 1, day: 1) * CivilCalendar.microsPerDay
        let high = CivilCalendar.days(year: 2100, month: 12, day: 31) * CivilCalendar.microsPerDay
        for i in 0..<6_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Runs of nearby values (as in a sorted export), then jumps anywhere.
            let jump = i % 50 == 0 || stamps.isEmpty
            let base = jump ? low + Int64(state >> 1) % (high - low) : stamps.last!
            stamps.append(base + (jump ? 0 : Int64(state >> 40) % (3 * CivilCalendar.microsPerDay)))
        }
        let text = "ts\n" + stamps.map { CivilCalendar.formatTimestamp($0, separator: "T") }.joined(separator: "\n") + "\n"
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let session = Session()
        _ = session.run(SourceText(name: "t", text: "load \"\(path)\" as t"))
        for grain in Grain.allCases {
            let table = try TestSupport.run("from t | derive p = \(grain.rawValue)(ts), d = \(grain.rawValue)(date(ts)) | select p, d", session: session)!
            for (row, stamp) in stamps.enumerated() {
                let expected = CalendarMath.truncate(CivilCalendar.floorDiv(stamp, CivilCalendar.microsPerDay), to: grain)
                #expect(table.columns[0].scalar(at: row) == .date(expected), "\(grain) of \(CivilCalendar.formatTimestamp(stamp))")
                #expect(table.columns[1].scalar(at: row) == .date(expected))
            }
        }
    }
}
