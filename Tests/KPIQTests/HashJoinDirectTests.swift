import Testing
@testable import KPIQ

/// Joins on small non-negative keys (dictionary codes, dense ids) index the table by the key
/// itself; the same keys moved out of that range are hashed. Both must pair exactly the rows
/// a nested loop pairs, in the same order, with nulls never matching.
@Suite struct HashJoinDirectTests {
    func pairs(_ left: [Int64?], _ right: [Int64?], kind: JoinStep.Kind) throws -> [[Scalar]] {
        let l = Table(names: ["k", "i"], columns: [ColumnFactory.ints(left), ColumnFactory.ints(left.indices.map { Int64($0) })], rowCount: left.count)
        let r = Table(names: ["k", "j"], columns: [ColumnFactory.ints(right), ColumnFactory.ints(right.indices.map { Int64($0) })], rowCount: right.count)
        let spec = JoinSpec(kind: kind, leftKeys: [0], rightKeys: [0], rightColumns: [1])
        let joined = try HashJoin.join(l, r, spec: spec, names: ["k", "i", "j"], cancel: nil)
        return (0..<joined.rowCount).map { row in [joined.columns[1].scalar(at: row), joined.columns[2].scalar(at: row)] }
    }

    /// What a nested loop gives: left rows in order, each with its matches in right order.
    func expected(_ left: [Int64?], _ right: [Int64?], kind: JoinStep.Kind) -> [[Scalar]] {
        var out: [[Scalar]] = []
        for (i, a) in left.enumerated() {
            let matches = right.indices.filter { a != nil && right[$0] == a }
            for j in matches { out.append([.int(Int64(i)), .int(Int64(j))]) }
            if matches.isEmpty, kind == .left { out.append([.int(Int64(i)), .null]) }
        }
        return out
    }

    @Test func directAndHashedKeysPairTheSameRows() throws {
        var random = SplitMix(seed: 7)
        for trial in 0..<20 {
            let left = (0..<(50 + trial * 7)).map { _ in random.next() % 10 == 0 ? nil : Int64(random.next() % 40) }
            let right = (0..<(5 + trial * 3)).map { _ in random.next() % 10 == 0 ? nil : Int64(random.next() % 40) }
            let far = Int64(1) << 40  // too large to index a table: hashed
            for kind in [JoinStep.Kind.inner, .left] {
                #expect(try pairs(left, right, kind: kind) == expected(left, right, kind: kind))
                #expect(try pairs(left.map { $0.map { $0 + far } }, right.map { $0.map { $0 + far } }, kind: kind) == expected(left, right, kind: kind))
            }
        }
    }

    /// A probe side of 100,000 rows or more where few rows match lists only its matching
    /// rows (`RowKeyNumbers.sparse`); where most match, every row's number. Either way the
    /// pairs are a nested loop's, with the large side on the right (its matches grouped by
    /// key) or on the left (made one number per row again).
    @Test func aLargeProbeSidePairsTheSameRowsWithFewOrManyMatches() throws {
        var random = SplitMix(seed: 11)
        let far = Int64(1) << 40  // hashed keys
        for (trial, spread) in [100_000, 100_000, 300].enumerated() {
            let small = (0..<(6 + trial)).map { _ in random.next() % 8 == 0 ? nil : Int64(random.next() % 300) + far }
            let large = (0..<120_000).map { _ in random.next() % 10 == 0 ? nil : Int64(random.next() % UInt64(spread)) + far }
            for kind in [JoinStep.Kind.inner, .left] {
                #expect(try pairs(small, large, kind: kind) == expected(small, large, kind: kind))
                #expect(try pairs(large, small, kind: kind) == expected(large, small, kind: kind))
            }
        }
    }

    /// A left join whose right keys are unique gives every left row once, in order: its left
    /// columns pass through ungathered, with the same rows as a nested loop's.
    @Test func aLeftJoinOnUniqueRightKeysKeepsTheLeftRows() throws {
        let left: [Int64?] = [3, nil, 7, 3, 11, 0, 7]
        let right: [Int64?] = [7, 3, 5, nil]
        #expect(try pairs(left, right, kind: .left) == expected(left, right, kind: .left))
        #expect(try pairs(left, right, kind: .inner) == expected(left, right, kind: .inner))
    }

    @Test func keysBeyondTheDirectTableMiss() throws {
        // The build side (right, smaller) holds 0...3; probes of 4, 1000 and 2^40 find nothing.
        #expect(try pairs([3, 4, 1000, 1 << 40, 0], [0, 1, 2, 3], kind: .inner) == [[.int(0), .int(3)], [.int(4), .int(0)]])
        #expect(JoinKeyNumbering.directSize([0, 1, 2, 3], usable: nil, rows: 4) == 4)
        #expect(JoinKeyNumbering.directSize([0, 1 << 40], usable: nil, rows: 2) == nil)
        // A large key on an unusable (null) row does not rule the table out.
        #expect(JoinKeyNumbering.directSize([5, 1 << 40], usable: [true, false], rows: 2) == 6)
        // A larger probe side allows a table of up to 8 numbers a build row, no more than
        // the probe side's rows.
        #expect(JoinKeyNumbering.directSize([0, 700], usable: nil, rows: 100, probeRows: 1_000) == 701)
        #expect(JoinKeyNumbering.directSize([0, 700], usable: nil, rows: 100, probeRows: 500) == nil)
        #expect(JoinKeyNumbering.directSize([0, 900], usable: nil, rows: 100, probeRows: 1_000) == nil)
    }
}
