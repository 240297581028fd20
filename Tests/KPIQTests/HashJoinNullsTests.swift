import Testing
@testable import KPIQ

/// Joins where null matches null (`JoinSpec.nullsEqual`), as KPI statements line up the "no
/// value" bucket of a dimension across datasets; pipelines keep SQL's rule.
@Suite struct HashJoinNullsTests {
    private func join(_ left: Table, _ right: Table, nullsEqual: Bool, kind: JoinStep.Kind = .left) throws -> Table {
        var spec = JoinSpec(kind: kind, leftKeys: [0], rightKeys: [0], rightColumns: [1])
        spec.nullsEqual = nullsEqual
        return try HashJoin.join(left, right, spec: spec, names: ["k", "l", "r"], cancel: nil)
    }

    @Test func nullTextKeysMatchEachOtherAcrossDictionaries() throws {
        let left = Table(names: ["k", "l"], columns: [ColumnFactory.text(["a", nil, "b"]), ColumnFactory.ints([1, 2, 3])], rowCount: 3)
        let right = Table(names: ["k", "r"], columns: [ColumnFactory.text([nil, "b", "z"]), ColumnFactory.ints([10, 30, 99])], rowCount: 3)
        let matched = try join(left, right, nullsEqual: true)
        #expect((0..<matched.rowCount).map { matched.columns[2].scalar(at: $0) } == [.null, .int(10), .int(30)])
        let sql = try join(left, right, nullsEqual: false)
        #expect((0..<sql.rowCount).map { sql.columns[2].scalar(at: $0) } == [.null, .null, .int(30)])
    }

    @Test func nullsMatchOnlyNullsOnEveryKey() throws {
        let left = Table(names: ["k", "d", "l"], columns: [ColumnFactory.ints([0, nil, 0]), ColumnFactory.ints([nil, 5, 5]), ColumnFactory.ints([1, 2, 3])], rowCount: 3)
        let right = Table(names: ["k", "d", "r"], columns: [ColumnFactory.ints([nil, 0, 0]), ColumnFactory.ints([5, nil, 5]), ColumnFactory.ints([10, 20, 30])], rowCount: 3)
        var spec = JoinSpec(kind: .left, leftKeys: [0, 1], rightKeys: [0, 1], rightColumns: [2])
        spec.nullsEqual = true
        let matched = try HashJoin.join(left, right, spec: spec, names: ["k", "d", "l", "r"], cancel: nil)
        // (0, null) matches (0, null), (null, 5) matches (null, 5), (0, 5) matches (0, 5); a null
        // never matches the value 0.
        #expect((0..<matched.rowCount).map { matched.columns[3].scalar(at: $0) } == [.int(20), .int(10), .int(30)])
    }
}
