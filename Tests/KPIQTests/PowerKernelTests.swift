import Foundation
import Testing
@testable import KPIQ

/// `power(b, y)` with a constant base that is a power of two (0.5 for half-life decays) is
/// computed as exp2(k * y); it must give `pow`'s values, and nulls where `pow` is not finite.
@Suite struct PowerKernelTests {
    @Test func aPowerOfTwoBaseGivesPowsValues() throws {
        let exponents: [Double?] = [0, 1, -1, 0.5, 1 / 7.0, 30.0 / 7, 123.456, -0.001, 1e-300, 2000, -2000, .nan, .infinity, -.infinity, nil]
        let table = Table(names: ["y"], columns: [ColumnFactory.doubles(exponents)], rowCount: exponents.count)
        let batch = Batch(table: table, start: 0, count: table.rowCount)
        for base in [0.5, 2, 4, 0.25, 16, 1.0 / 16, 3, 8, 1, 0.75] {
            let expression = ArithmeticPowerExpression(base: ConstantExpression(value: .decimal(base), type: .decimal),
                                                       exponent: ColumnExpression(index: 0, type: .decimal))
            let result = try expression.evaluate(batch)
            for (i, y) in exponents.enumerated() {
                let expected = y.map { pow(base, $0) }
                if let expected, expected.isFinite {
                    #expect(result.isValid(i) && result.scalar(at: i) == .decimal(expected), "power(\(base), \(y!))")
                } else {
                    #expect(!result.isValid(i), "power(\(base), \(String(describing: y))) is null")
                }
            }
        }
    }
}
