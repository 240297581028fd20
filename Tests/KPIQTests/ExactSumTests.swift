import Testing
@testable import KPIQ

/// Integer sums and means depend only on the values, never on the order of rows or threads:
/// a sum is null only when its final total does not fit an integer (issue 22, defect 3).
@Suite struct ExactSumTests {
    static let big = Int64.max

    func table(_ values: [Int64?]) -> Table {
        Table(names: ["a"], columns: [ColumnFactory.ints(values)], rowCount: values.count)
    }

    /// `sum(a), mean(a)` over `values` through a session, as a user runs it.
    func sumAndMean(_ values: [Int64?], grouped: Bool = false) throws -> (Scalar, Scalar) {
        let session = Session()
        session.catalog.put(Dataset(name: "t", table: table(values), origin: "test"))
        let query = grouped ? "from t | derive g = 1 | group g | agg s = sum(a), m = mean(a)" : "from t | agg s = sum(a), m = mean(a)"
        let result = try #require(try TestSupport.run(query, session: session))
        return (result.column(named: "s")!.scalar(at: 0), result.column(named: "m")!.scalar(at: 0))
    }

    @Test func aSumThatPassesTheLimitOnTheWayIsExact() throws {
        // DuckDB gives 1 for both orders; a running Int64 total overflows in the first.
        for grouped in [false, true] {
            #expect(try sumAndMean([Self.big, 1, -Self.big], grouped: grouped).0 == .int(1))
            #expect(try sumAndMean([Self.big, -Self.big, 1], grouped: grouped).0 == .int(1))
            #expect(try sumAndMean([-Self.big, -Self.big, Self.big, Self.big, 5], grouped: grouped).0 == .int(5))
        }
    }

    @Test func aSumIsNullOnlyWhenTheTotalDoesNotFit() throws {
        #expect(try sumAndMean([Self.big, 1]).0 == .null)
        #expect(try sumAndMean([Int64.min, -1]).0 == .null)
        #expect(try sumAndMean([Int64.min, -1, 1]).0 == .int(Int64.min))
        // Two wraps up and two down.
        #expect(try sumAndMean([Self.big, Self.big, Self.big, -Self.big, -Self.big, -Self.big, 7]).0 == .int(7))
    }

    @Test func theMeanOfLargeIntegersIsExactAndOrderFree() throws {
        // The five values: 607400092.2 in one order, 607400140.8 in the other before.
        let values: [Int64?] = [Self.big, -Self.big, 3, -42, 3_037_000_500]
        let expected = Scalar.decimal(3_037_000_461.0 / 5)
        #expect(try sumAndMean(values).1 == expected)
        #expect(try sumAndMean([3, -42, 3_037_000_500, Self.big, -Self.big]).1 == expected)
        #expect(try sumAndMean(values, grouped: true).1 == expected)
        // A mean whose total is past Int64 but whose value is not: (max + max) / 2.
        #expect(try sumAndMean([Self.big, Self.big]).1 == .decimal(Double(Self.big)))
        // Large ids: the low digits survive (a double total would round them away first).
        #expect(try sumAndMean([9_007_199_254_740_993, 9_007_199_254_740_993, 9_007_199_254_740_993]).1 == .decimal(9_007_199_254_740_993))
    }

    /// Rows far apart land in different morsels (and threads): the merge of partial totals is
    /// exact too, and a partial total that wrapped does not make the sum null.
    @Test func partialTotalsOfThreadsMergeExactly() throws {
        var values = [Int64?](repeating: 0, count: 300_000)
        values[0] = Self.big
        values[1] = 1
        values[250_000] = -Self.big
        values[250_001] = nil
        #expect(try sumAndMean(values).0 == .int(1))
        #expect(try sumAndMean(values, grouped: true).0 == .int(1))
    }

    /// Running sums (rolling and cumulative metrics) follow the same rule row by row.
    @Test func runningSumsAreNullOnlyWhereTheTotalDoesNotFit() throws {
        let column = ColumnFactory.ints([Self.big, 1, -Self.big, nil, 2, Self.big, -10])
        // Two partitions: rows 0-4 and rows 5-6.
        let table = Table(names: ["p", "v"], columns: [ColumnFactory.ints([1, 1, 1, 1, 1, 2, 2]), column], rowCount: 7)
        let output = try WindowOperator.run(table, partition: [0], order: [], functions: [.runningSum(1)], types: [.int],
                                            keepsInputOrder: true, names: ["p", "v", "s"], cancel: nil)
        let sums = output.columns[2]
        let expected: [Scalar] = [.int(Self.big), .null, .int(1), .int(1), .int(3), .int(Self.big), .int(Self.big - 10)]
        #expect((0..<sums.count).map { sums.scalar(at: $0) } == expected)
    }

    @Test func exactTotalsByHand() {
        var low: Int64 = 0, carry: Int32 = 0
        for value in [Self.big, Self.big, Self.big] { ExactIntegerSum.add(value, to: &low, carry: &carry) }
        #expect(ExactIntegerSum.total(low: low, carry: carry) == Int128(Self.big) * 3)
        #expect(ExactIntegerSum.int64(low: low, carry: carry) == nil)
        #expect(ExactIntegerSum.mean(low: low, carry: carry, count: 3) == Double(Self.big))
        var otherLow: Int64 = 0, otherCarry: Int32 = 0
        for value in [-Self.big, -Self.big, -Self.big, 4] { ExactIntegerSum.add(value, to: &otherLow, carry: &otherCarry) }
        ExactIntegerSum.add(low: otherLow, carry: otherCarry, to: &low, carry: &carry)
        #expect(ExactIntegerSum.int64(low: low, carry: carry) == 4)
    }
}
