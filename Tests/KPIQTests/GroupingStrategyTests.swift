import Testing
@testable import KPIQ

/// The physical planner's choices (`PhysicalPlanner`) and the groupings they pick
/// (`GroupIndexer`): each grouping, and its fallback to a hash table, numbers rows into the
/// same groups as the hash grouping does.
@Suite struct GroupingStrategyTests {
    /// Group numbers of `batches` of one key, with `strategy`; then each group's key in
    /// first-seen order.
    static func group(_ batches: [Vector], type: DataType, strategy: GroupingStrategy) -> (groups: [Int32], keys: [Scalar]) {
        let indexer = GroupIndexer(keys: [KeyComponents(type: type, stableText: true)], strategy: strategy, expectedRows: 64)
        var groups: [Int32] = []
        var row: Int32 = 0
        for batch in batches {
            let rows = (0..<Int32(batch.count)).map { row + $0 }
            row += Int32(batch.count)
            groups += indexer.groups(for: [batch], rowNumbers: rows)
        }
        let order = indexer.orderedGroups()
        let column = indexer.keyColumn(0, order: order)
        return (groups, (0..<column.count).map { column.scalar(at: $0) })
    }

    /// Same partition of the rows: two rows share a group under one numbering exactly when
    /// they do under the other.
    static func samePartition(_ a: [Int32], _ b: [Int32]) -> Bool {
        guard a.count == b.count else { return false }
        var forward: [Int32: Int32] = [:], backward: [Int32: Int32] = [:]
        for (x, y) in zip(a, b) {
            if forward[x, default: y] != y || backward[y, default: x] != x { return false }
            forward[x] = y
            backward[y] = x
        }
        return true
    }

    static func ints(_ values: [Int64?], type: DataType = .int) -> Vector {
        let valid = values.contains(nil) ? values.map { $0 == nil ? UInt8(0) : 1 } : nil
        return Vector(type: type, values: .ints(values.map { $0 ?? 0 }), valid: valid, count: values.count)
    }

    static func text(_ values: [String?], _ dictionary: StringDictionary) -> Vector {
        let codes: [Int64] = values.map { value in
            guard let value else { return 0 }
            return Int64((0..<dictionary.count).first { dictionary.string($0) == value }!)
        }
        let valid = values.contains(nil) ? values.map { $0 == nil ? UInt8(0) : 1 } : nil
        return Vector(type: .text, values: .text(codes: codes, dictionary: dictionary), valid: valid, count: values.count)
    }

    @Test func theRangeGroupingAgreesWithHashingAndFallsBackOutOfRange() {
        // The second batch goes below the first's base and far above it: the groups move
        // to a hash table and keep their numbers.
        let batches = [Self.ints([5, 7, nil, 5, 6]), Self.ints([7, -1_000_000, 9_000_000_000, nil, 5])]
        let range = Self.group(batches, type: .int, strategy: .range)
        let hash = Self.group(batches, type: .int, strategy: .hash)
        #expect(Self.samePartition(range.groups, hash.groups))
        #expect(range.keys == hash.keys)
        #expect(hash.keys == [.int(5), .int(7), .null, .int(6), .int(-1_000_000), .int(9_000_000_000)])
    }

    @Test func theCodeGroupingAgreesWithHashingAndFallsBackOnAnotherDictionary() {
        let first = StringDictionary(strings: ["paid", "organic", "email"])
        let other = StringDictionary(strings: ["email", "social", "organic"])
        let batches = [Self.text(["paid", "email", nil, "paid"], first), Self.text(["social", "email", "organic"], other)]
        let codes = Self.group(batches, type: .text, strategy: .codes)
        let hash = Self.group(batches, type: .text, strategy: .hash)
        #expect(Self.samePartition(codes.groups, hash.groups))
        #expect(codes.keys == hash.keys)
        #expect(hash.keys == [.text("paid"), .text("email"), .null, .text("social"), .text("organic")])
    }

    @Test func theCodeGroupingNumbersGroupsByCode() {
        let dictionary = StringDictionary(strings: ["a", "b", "c"])
        let result = Self.group([Self.text(["c", "a", "c", nil], dictionary)], type: .text, strategy: .codes)
        // Group g is code g; the null group is the one after the last code.
        #expect(result.groups == [2, 0, 2, 3])
        #expect(result.keys == [.text("c"), .text("a"), .null])
    }

    /// Ordering millions of visitors by their first rows (the bitmap of first rows) looks at the
    /// token between its steps; unstopped, it orders the groups by first row.
    @Test func orderingGroupsByTheirFirstRowsStopsWhenCancelled() throws {
        let n = 70_000  // the row order is used from 65,536 groups
        let dictionary = StringDictionary(strings: (0..<n).map { "v\($0)" })
        // Rows: codes n-1 down to 0, so group g's first row is n - 1 - g.
        let codes = (0..<Int64(n)).reversed().map { $0 }
        let column = Column(type: .text, values: .text(codes: PackedIntegers.pack(codes), dictionary: dictionary), validity: nil)
        let indexer = GroupIndexer(keys: [KeyComponents(type: .text, stableText: true)], strategy: .codes, expectedRows: n)
        _ = indexer.groups(for: [Vector(type: .text, values: .text(codes: codes, dictionary: dictionary), valid: nil, count: n)],
                           rowNumbers: (0..<Int32(n)).map { $0 })
        let ordered = try #require(try indexer.orderedGroupsByRows(of: column))
        #expect(ordered.groups.prefix(3) == [n - 1, n - 2, n - 3] && ordered.rows.prefix(3) == [0, 1, 2])
        let token = CancellationToken()
        token.cancel()
        #expect(throws: Cancelled.self) { try indexer.orderedGroupsByRows(of: column, cancel: token) }
    }

    /// The first-row order by the bitmap, where first rows are many and where they are few,
    /// with null keys: every group and row against a walk over the rows.
    @Test(arguments: [(rows: 200_000, distinct: 80_000), (rows: 600_000, distinct: 70_000)])
    func groupsComeInOrderOfTheirFirstRows(rows n: Int, distinct: Int) throws {
        var random = SplitMix(seed: UInt64(n))
        let dictionary = StringDictionary(strings: (0..<distinct).map { "v\($0)" })
        let codes = (0..<n).map { _ in Int64(random.next() % UInt64(distinct)) }
        let valid = (0..<n).map { _ in random.next() % 50 != 0 }
        let column = Column(type: .text, values: .text(codes: PackedIntegers.pack(codes), dictionary: dictionary),
                            validity: Validity(flags: valid))
        let indexer = GroupIndexer(keys: [KeyComponents(type: .text, stableText: true)], strategy: .codes, expectedRows: n)
        let batch = 2048
        for start in stride(from: 0, to: n, by: batch) {
            let end = min(n, start + batch)
            let flags = valid[start..<end].map { UInt8($0 ? 1 : 0) }
            _ = indexer.groups(for: [Vector(type: .text, values: .text(codes: Array(codes[start..<end]), dictionary: dictionary), valid: flags,
                                            count: end - start)],
                               rowNumbers: (Int32(start)..<Int32(end)).map { $0 })
        }
        var seen = Set<Int>()
        var expectedGroups: [Int] = [], expectedRows: [Int32] = []
        for row in 0..<n {
            let group = valid[row] ? Int(codes[row]) : distinct
            if seen.insert(group).inserted {
                expectedGroups.append(group)
                expectedRows.append(Int32(row))
            }
        }
        let ordered = try #require(try indexer.orderedGroupsByRows(of: column))
        // Compared whole into one flag (a failure would print the long arrays otherwise).
        let sameOrder = ordered.groups == expectedGroups && ordered.rows == expectedRows
        #expect(sameOrder, "\(ordered.groups.count) groups, \(expectedGroups.count) expected")
    }

    @Test func thePlannerChoosesTheGroupingFromTheKeyTypes() {
        #expect(PhysicalPlanner.grouping(for: []) == .single)
        #expect(PhysicalPlanner.grouping(for: [.text]) == .codes)
        #expect(PhysicalPlanner.grouping(for: [.text, .text]) == .codes)
        #expect(PhysicalPlanner.grouping(for: [.int]) == .range)
        #expect(PhysicalPlanner.grouping(for: [.date]) == .range)
        #expect(PhysicalPlanner.grouping(for: [.timestamp]) == .hash)
        #expect(PhysicalPlanner.grouping(for: [.text, .int]) == .hash)
        #expect(PhysicalPlanner.grouping(for: [.decimal]) == .hash)
    }

    /// The data-dependent shortcuts are chosen from the table: stored extremes for a min or
    /// max of a stored integer column, first row for `first(x, by)` with `by` in order.
    @Test func thePlannerChoosesShortcutsFromTheData() throws {
        let path = try TestSupport.file("k,n,at\na,3,1\nb,1,2\na,2,5\n")
        defer { TestSupport.remove(path) }
        let session = Session()
        _ = try TestSupport.run("load \"\(path)\" as t", session: session)
        func strategy(_ pipeline: String) throws -> String {
            let text = try session.explain(statement: SourceText(name: "test", text: pipeline))
            return text.split(separator: "\n").first { $0.contains("strategy:") }.map(String.init) ?? text
        }
        #expect(try strategy("from t | agg lo = min(n), hi = max(at)").contains("reads the stored columns' packed values"))
        #expect(try strategy("from t | where n > 1 | agg hi = max(at)").contains("one group"))
        #expect(try strategy("from t | group k | agg x = first(n, at)").contains("first(n, at) read at each group's first row"))
        #expect(try strategy("from t | group n | agg c = count()").contains("groups by value range"))
        #expect(try strategy("from t | group k | agg c = count()").contains("groups by dictionary codes"))
    }
}
