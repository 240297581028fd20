import Testing
@testable import KPIQ

/// The kernels over per-row 0/1 flags: counting them eight at a time, counting rows per group
/// in interleaved counters (few groups) or one set (many), and `greatest`/`least` on decimals
/// with NaN and nulls.
@Suite struct FlagKernelTests {
    @Test func onesCountsEveryLengthAndOffset() {
        var random = SystemRandomNumberGenerator()
        let flags = (0..<200).map { _ in UInt8.random(in: 0...1, using: &random) }
        for start in 0..<9 {
            for length in 0..<(flags.count - start) {
                let slice = Array(flags[start..<(start + length)])
                #expect(Flags.ones(slice) == slice.reduce(0) { $0 + Int($1) }, "start \(start), length \(length)")
            }
        }
    }

    @Test func countsInLanesEqualOneSetOfCounters() {
        var random = SystemRandomNumberGenerator()
        for groupCount in [1, 7, CountAccumulator.fewGroups, CountAccumulator.fewGroups + 1, 300] {
            for n in [0, 1, 3, 4, 5, 2048] {
                let groups = (0..<n).map { _ in Int32.random(in: 0..<Int32(groupCount), using: &random) }
                let valid = (0..<n).map { _ in UInt8.random(in: 0...1, using: &random) }
                let mask = (0..<n).map { _ in UInt8.random(in: 0...1, using: &random) }
                for (v, m) in [(nil, nil), (valid, nil), (nil, mask), (valid, mask)] as [([UInt8]?, [UInt8]?)] {
                    let accumulator = CountAccumulator()
                    accumulator.update(groups: groups, groupCount: groupCount, valid: v, mask: m)
                    accumulator.update(groups: groups, groupCount: groupCount, valid: v, mask: m)  // adds to what is there
                    var expected = [Int64](repeating: 0, count: groupCount)
                    for i in 0..<n where (v?[i] ?? 1) & (m?[i] ?? 1) == 1 { expected[Int(groups[i])] += 2 }
                    let column = accumulator.finish(order: Array(0..<groupCount))
                    let counts = (0..<groupCount).map { column.scalar(at: $0) }
                    #expect(counts == expected.map { Scalar.int($0) }, "\(groupCount) groups, \(n) rows, valid \(v != nil), mask \(m != nil)")
                }
            }
        }
    }

    /// greatest/least of decimals (with NaN above every number), integers and a constant,
    /// nulls ignored, against the rule written out.
    @Test func greatestAndLeastFollowTheOrder() throws {
        let x: [Double] = [-2, -0.5, 0, 0.5, 1.5, .nan, 3, 3, -0.0, .infinity, 7.25, 1.5]
        let y: [Double] = [0, -0.5, 1, .nan, 1.5, .nan, 2, 4, 0, 1, 7.25, -1]
        let table = ComparisonKernelTests.table(x, y, nullEvery: 5)  // x null at 1, 6, 11
        let xs = ColumnExpression(index: 0, type: .decimal), ys = ColumnExpression(index: 1, type: .decimal)
        let ints = ColumnExpression(index: 2, type: .int)
        let nullConstant = ConstantExpression(value: .null, type: .decimal)
        func pick(_ greatest: Bool, _ values: [Double?]) -> Double? {
            values.compactMap { $0 }.reduce(nil as Double?) { best, v in
                guard let best else { return v }
                let vAbove = ComparisonExpression.less(best, v)
                return greatest == vAbove && !ComparisonExpression.same(best, v) ? v : best
            }
        }
        for greatest in [true, false] {
            let expression = ExtremeExpression(arguments: [nullConstant, xs, ys, ints, ConstantExpression(value: .decimal(1.25), type: .decimal)],
                                               greatest: greatest, type: .decimal)
            let result = try expression.evaluate(Batch(table: table, start: 0, count: table.rowCount))
            for i in 0..<x.count {
                let xi: Double? = i % 5 == 1 ? nil : x[i]
                let integer = x[i].isFinite ? Double(Int64(x[i])) : 0
                let expected = pick(greatest, [xi, y[i], integer, 1.25])
                guard case .decimal(let got) = result.scalar(at: i), let expected else {
                    Issue.record("row \(i): \(result.scalar(at: i))")
                    continue
                }
                #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN) || got == expected, "row \(i), greatest \(greatest)")
            }
        }
        let allNull = ExtremeExpression(arguments: [nullConstant, nullConstant], greatest: true, type: .decimal)
        #expect(!(try allNull.evaluate(Batch(table: table, start: 0, count: 3))).isValid(0))
    }

    /// `and`/`or` of operands with and without nulls, in every order (the operands without
    /// nulls before the first with nulls are combined byte-wide first), against three-valued
    /// logic written out.
    @Test func andOrFollowThreeValuedLogic() throws {
        var random = SystemRandomNumberGenerator()
        let n = 300
        func column(nulls: Bool) -> Column {
            let flags = (0..<n).map { _ in nulls ? Bool.random(using: &random) : true }
            let values = (0..<n).map { _ in UInt8.random(in: 0...1, using: &random) }
            return Column(type: .bool, values: .bools(values), validity: nulls ? Validity(flags: flags) : nil)
        }
        let columns = [column(nulls: false), column(nulls: false), column(nulls: true), column(nulls: false)]
        let table = Table(names: ["a", "b", "c", "d"], columns: columns)
        func truth(_ k: Int, _ i: Int) -> Bool? { columns[k].isNull(i) ? nil : columns[k].scalar(at: i) == .bool(true) }
        for isAnd in [true, false] {
            for order in [[0, 1], [0, 1, 3], [0, 2, 1], [2, 0, 3], [0, 1, 2, 3]] {
                let expression = LogicalExpression(isAnd: isAnd, operands: order.map { ColumnExpression(index: $0, type: .bool) })
                let result = try expression.evaluate(Batch(table: table, start: 0, count: n))
                for i in 0..<n {
                    let values = order.map { truth($0, i) }
                    let expected: Bool? = isAnd
                        ? (values.contains(false) ? false : (values.contains(nil) ? nil : true))
                        : (values.contains(true) ? true : (values.contains(nil) ? nil : false))
                    let got: Bool? = result.isValid(i) ? result.scalar(at: i) == .bool(true) : nil
                    #expect(got == expected, "\(isAnd ? "and" : "or") of \(order), row \(i)")
                }
            }
        }
    }
}
