/// `median(x)` and `percentile(x, p)`: exact, by selection over each group's values, with
/// linear interpolation between neighbours (as `quantile_cont` in SQL engines).
final class QuantileAccumulator: Accumulator {
    private let fraction: Double
    private let type: DataType
    private var values: [[Double]] = []

    init(fraction: Double, type: DataType) {
        self.fraction = fraction
        self.type = type
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        values.grow(to: groupCount, with: [])
        guard let argument, let x = NumericOperand(argument) else { return }
        let valid = argument.validityForCombine
        for i in 0..<groups.count where included(i, mask, valid) {
            values[Int(groups[i])].append(x.double(i))
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! QuantileAccumulator
        values.grow(to: groupCount, with: [])
        for g in 0..<other.values.count where !other.values[g].isEmpty && mapping[g] >= 0 {
            values[Int(mapping[g])].append(contentsOf: other.values[g])
        }
    }

    func finish(order: [Int]) -> Column {
        let results: [Double?] = order.map { g in
            guard g < values.count, !values[g].isEmpty else { return nil }
            return Self.quantile(&values[g], fraction)
        }
        switch type {
        case .date, .timestamp:
            return ColumnFactory.ints(results.map { $0.map { Int64($0.rounded()) } }, type: type)
        default:
            return ColumnFactory.doubles(results)
        }
    }

    /// The interpolated quantile; reorders `values`.
    static func quantile(_ values: inout [Double], _ fraction: Double) -> Double {
        let position = fraction * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(values.count - 1, lower + 1)
        let low = select(&values, lower)
        if upper == lower || position == Double(lower) { return low }
        // The next value up is the minimum of the part above `lower`.
        var high = Double.infinity
        for k in (lower + 1)..<values.count where values[k] < high { high = values[k] }
        return low + (high - low) * (position - Double(lower))
    }

    /// Quickselect: puts the k-th smallest at index k (and smaller ones before it).
    static func select(_ a: inout [Double], _ k: Int) -> Double {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }
}
