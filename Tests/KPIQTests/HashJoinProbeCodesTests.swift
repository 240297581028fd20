import Testing
@testable import KPIQ

/// A join on one text key whose probe side has 100,000 rows or more and at least four times
/// the build side's is numbered by the probe side's own dictionary codes
/// (`JoinKeyNumbering.byProbeCodes`). It must pair exactly the rows a nested loop pairs, in
/// the same order, with nulls never matching and strings only one side has matching nothing,
/// whether the two sides share a dictionary or not, for inner and left joins.
@Suite struct HashJoinProbeCodesTests {
    func pairs(_ left: Column, _ right: Column, kind: JoinStep.Kind) throws -> [[Scalar]] {
        let l = Table(names: ["k", "i"], columns: [left, ColumnFactory.ints((0..<left.count).map { Int64($0) })], rowCount: left.count)
        let r = Table(names: ["k", "j"], columns: [right, ColumnFactory.ints((0..<right.count).map { Int64($0) })], rowCount: right.count)
        let spec = JoinSpec(kind: kind, leftKeys: [0], rightKeys: [0], rightColumns: [1])
        let joined = try HashJoin.join(l, r, spec: spec, names: ["k", "i", "j"], cancel: nil)
        return (0..<joined.rowCount).map { row in [joined.columns[1].scalar(at: row), joined.columns[2].scalar(at: row)] }
    }

    /// What a nested loop gives: left rows in order, each with its matches in right order.
    func expected(_ left: [String?], _ right: [String?], kind: JoinStep.Kind) -> [[Scalar]] {
        var rowsOf: [String: [Int]] = [:]
        for (j, b) in right.enumerated() { if let b { rowsOf[b, default: []].append(j) } }
        var out: [[Scalar]] = []
        for (i, a) in left.enumerated() {
            let matches = a.flatMap { rowsOf[$0] } ?? []
            for j in matches { out.append([.int(Int64(i)), .int(Int64(j))]) }
            if matches.isEmpty, kind == .left { out.append([.int(Int64(i)), .null]) }
        }
        return out
    }

    @Test func probeCodesPairWhatANestedLoopPairs() throws {
        var random = SplitMix(seed: 23)
        // Visitors v0...v59999 on the large side; the small side also names visitors the
        // large side lacks (w...), and both have nulls.
        // The first string of each side is one both have: a null row stores code 0, which must
        // not make it match.
        let large: [String?] = ["v7"] + (1..<120_000).map { _ in random.next() % 20 == 0 ? nil : "v\(random.next() % 60_000)" }
        let small: [String?] = ["v7"] + (1..<3_000).map { _ in
            switch random.next() % 10 {
            case 0: return nil
            case 1: return "w\(random.next() % 100)"
            default: return "v\(random.next() % 60_000)"
            }
        }
        let largeColumn = ColumnFactory.text(large), smallColumn = ColumnFactory.text(small)
        for kind in [JoinStep.Kind.inner, .left] {
            // The large side probes, on the left or on the right.
            #expect(try pairs(largeColumn, smallColumn, kind: kind) == expected(large, small, kind: kind))
            #expect(try pairs(smallColumn, largeColumn, kind: kind) == expected(small, large, kind: kind))
        }
        // The same dictionary on both sides: the large column joined to some of its own rows.
        let picked = (0..<2_000).map { _ in Int32(random.next() % 120_000) }
        let sameDictionary = picked.withUnsafeBufferPointer { largeColumn.gather($0) }
        let pickedValues = picked.map { large[Int($0)] }
        for kind in [JoinStep.Kind.inner, .left] {
            #expect(try pairs(largeColumn, sameDictionary, kind: kind) == expected(large, pickedValues, kind: kind))
        }
    }

    @Test func theProbeSideIsReadAsCodesOnlyWhenItIsLargeAndOneKeyIsText() throws {
        let large = ColumnFactory.text((0..<100_000).map { "v\($0 % 500)" })
        let small = ColumnFactory.text(["v1", "v2", "x", nil])
        #expect(try JoinKeyNumbering.byProbeCodes(build: small, probe: large, cancel: nil) != nil)
        // Too few probe rows, or not text.
        #expect(try JoinKeyNumbering.byProbeCodes(build: small, probe: ColumnFactory.text(["v1"]), cancel: nil) == nil)
        let ints = ColumnFactory.ints((0..<100_000).map { Int64($0) })
        #expect(try JoinKeyNumbering.byProbeCodes(build: ColumnFactory.ints([1, 2]), probe: ints, cancel: nil) == nil)
        // The listed rows are those with v1 or v2, in row order.
        let numbering = try JoinKeyNumbering.byProbeCodes(build: small, probe: large, cancel: nil)!
        guard case .sparse(let rows, _, let rowCount) = numbering.probe else {
            Issue.record("expected the matching rows listed")
            return
        }
        #expect(rowCount == 100_000)
        let withV1OrV2: [Int32] = (0..<100_000).compactMap { (row: Int) -> Int32? in
            let visitor = row % 500
            return visitor == 1 || visitor == 2 ? Int32(row) : nil
        }
        #expect(rows == withV1OrV2)
        #expect(numbering.build[2] == -1 && numbering.build[3] == -1)
    }
}
