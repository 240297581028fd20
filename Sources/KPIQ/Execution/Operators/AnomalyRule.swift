/// `anomaly(x, n)`: is a value far from what the `n` rows before it make usual?
///
/// The baseline is the partition's previous `n` rows (fewer at its start); their median m and
/// median absolute deviation MAD = median(|x_i - m|) are robust to the outliers being looked
/// for, unlike a mean and standard deviation. 1.4826 x MAD estimates the standard deviation of
/// normally distributed values, so the rule "outside m +/- 3 x 1.4826 x MAD" is the robust
/// form of the three-sigma rule. When the baseline does not vary (MAD = 0) any other value is
/// outside it. Null values neither are flagged nor count in a baseline; a row whose baseline
/// has fewer than `minimumBaseline` values is null (not enough history to judge).
enum AnomalyRule {
    static let minimumBaseline = 3
    static let maximumBaseline = 10_000
    /// 1 / the 75th percentile of the standard normal distribution.
    static let madScale = 1.482602218505602
    static let width = 3.0

    static func flags(_ vector: Vector, previous: Int, forEachPartition: ((Int, Int) -> Void) -> Void) -> Vector {
        let n = vector.count
        let values: [Double]
        var valid = vector.valid
        switch vector.values {
        case .ints(let a): values = a.map { Double($0) }
        case .doubles(let a): values = a
        case .bools(let a): values = a.map { Double($0) }
        case .constant(let scalar):
            values = [Double](repeating: scalar.doubleValue ?? 0, count: n)
            if scalar.isNull { valid = [UInt8](repeating: 0, count: n) }
        case .text: preconditionFailure("anomaly reads numbers; the binder checks the type")
        }
        var out = [UInt8](repeating: 0, count: n)
        var outValid = [UInt8](repeating: 0, count: n)
        var baseline: [Double] = []
        var deviations: [Double] = []
        baseline.reserveCapacity(previous)
        deviations.reserveCapacity(previous)
        forEachPartition { start, end in
            for i in start..<end where valid?[i] ?? 1 != 0 {
                baseline.removeAll(keepingCapacity: true)
                for j in max(start, i - previous)..<i where valid?[j] ?? 1 != 0 { baseline.append(values[j]) }
                guard baseline.count >= minimumBaseline else { continue }
                let center = median(&baseline)
                deviations.removeAll(keepingCapacity: true)
                for value in baseline { deviations.append(abs(value - center)) }
                let spread = madScale * median(&deviations)
                outValid[i] = 1
                out[i] = abs(values[i] - center) > width * spread ? 1 : 0
            }
        }
        return Vector(type: .bool, values: .bools(out), valid: outValid, count: n)
    }

    /// The median of `values` (reordered).
    private static func median(_ values: inout [Double]) -> Double {
        values.sort()
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }
}
