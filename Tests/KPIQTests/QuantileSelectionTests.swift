import Testing
@testable import KPIQ

/// The narrowed selection of a long run (`QuantileAccumulator.narrowedQuantile`) gives the
/// quantile of the whole run, or nil (and the caller selects over the whole run); never
/// another value. Checked against a sort, on data shaped to defeat a sample.
@Suite struct QuantileSelectionTests {
    static func sortedQuantile(_ values: [Double], _ fraction: Double) -> Double {
        var copy = values
        return QuantileAccumulator.quantile(&copy, fraction)
    }

    @Test func narrowingAgreesWithTheWholeRun() {
        var random = SystemRandomNumberGenerator()
        let n = 20_000
        let shapes: [(String, [Double])] = [
            ("uniform", (0..<n).map { _ in Double.random(in: 0..<90, using: &random) }),
            ("few distinct", (0..<n).map { _ in Double(Int.random(in: 0..<5, using: &random)) }),
            ("one value", [Double](repeating: 7, count: n)),
            ("ascending", (0..<n).map { Double($0) }),
            ("descending", (0..<n).map { Double(n - $0) }),
            // Every 1024-th value (the sample's stride) is small: the sample misleads.
            ("periodic", (0..<n).map { $0 % (n / 1024) == 0 ? 0 : Double($0) }),
            ("with NaN", (0..<n).map { $0 % 97 == 0 ? .nan : Double.random(in: -5..<5, using: &random) }),
            ("NaN tail", (0..<n).map { $0 > n / 3 ? .nan : Double($0) }),
        ]
        for (name, values) in shapes {
            for fraction in [0.0, 0.1, 0.5, 0.9, 0.999, 1.0] {
                let expected = Self.sortedQuantile(values, fraction)
                let narrowed = values.withUnsafeBufferPointer { QuantileAccumulator.narrowedQuantile($0, fraction) }
                guard let narrowed else { continue }  // the whole run decides: nothing to compare
                #expect(narrowed == expected || (narrowed.isNaN && expected.isNaN), "\(name) at \(fraction): \(narrowed) vs \(expected)")
            }
        }
    }

    @Test func theAccumulatorNarrowsLongRuns() {
        // Two groups: one long (narrowed), one short (selected whole).
        var random = SystemRandomNumberGenerator()
        let long = (0..<(QuantileAccumulator.narrowingMinimum * 3)).map { _ in Double.random(in: 0..<1000, using: &random) }
        let short = (0..<100).map { _ in Double.random(in: 0..<1000, using: &random) }
        let accumulator = QuantileAccumulator(fraction: 0.5, type: .decimal)
        let values = long + short
        let groups = [Int32](repeating: 0, count: long.count) + [Int32](repeating: 1, count: short.count)
        accumulator.update(groups: groups, groupCount: 2, argument: Vector(type: .decimal, values: .doubles(values), valid: nil, count: values.count),
                           order: nil, mask: nil)
        let column = accumulator.finish(order: [0, 1])
        #expect(column.scalar(at: 0) == .decimal(Self.sortedQuantile(long, 0.5)))
        #expect(column.scalar(at: 1) == .decimal(Self.sortedQuantile(short, 0.5)))
    }
}
