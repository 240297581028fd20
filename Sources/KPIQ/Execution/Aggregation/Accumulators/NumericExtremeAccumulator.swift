/// `min(x)` / `max(x)` of integers, dates, timestamps or decimals: one word and a flag per
/// group, compared in a plain loop over the batch (last open per contact, first purchase
/// date). Text and booleans go through `MinMaxAccumulator`.
final class NumericExtremeAccumulator: Accumulator {
    private let isMin: Bool
    private let type: DataType
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var ints: [Int64] = []
    @exclusivity(unchecked) private var doubles: [Double] = []
    @exclusivity(unchecked) private var has: [Bool] = []

    init(isMin: Bool, type: DataType) {
        self.isMin = isMin
        self.type = type
    }

    static func handles(_ type: DataType) -> Bool {
        type == .int || type == .date || type == .timestamp || type == .decimal
    }

    private func grow(to count: Int) {
        has.grow(to: count, with: false)
        if type == .decimal { doubles.grow(to: count, with: 0) } else { ints.grow(to: count, with: 0) }
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        grow(to: groupCount)
        guard let argument else { return }
        let input = AggregateInput(argument: argument, mask: mask, count: groups.count)
        if let values = input.doubles, type == .decimal {
            Self.fold(values, into: &doubles, has: &has, groups: groups, input: input, isMin: isMin)
        } else if let values = input.ints, type != .decimal {
            Self.fold(values, into: &ints, has: &has, groups: groups, input: input, isMin: isMin)
        }
    }

    /// Keeps each group's smallest (largest) value of the batch's rows that count.
    private static func fold<T: Comparable>(
        _ values: [T], into best: inout [T], has: inout [Bool], groups: [Int32], input: AggregateInput, isMin: Bool
    ) {
        groups.withUnsafeBufferPointer { groups in
            has.withUnsafeMutableBufferPointer { has in
                best.withUnsafeMutableBufferPointer { best in
                    input.forEachRow { i in
                        let g = Int(groups[i]), v = values[i]
                        if !has[g] || (isMin ? v < best[g] : v > best[g]) {
                            best[g] = v
                            has[g] = true
                        }
                    }
                }
            }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! NumericExtremeAccumulator
        grow(to: groupCount)
        for g in 0..<other.has.count where other.has[g] && mapping[g] >= 0 {
            let t = Int(mapping[g])
            if type == .decimal {
                let v = other.doubles[g]
                if !has[t] || (isMin ? v < doubles[t] : v > doubles[t]) { doubles[t] = v }
            } else {
                let v = other.ints[g]
                if !has[t] || (isMin ? v < ints[t] : v > ints[t]) { ints[t] = v }
            }
            has[t] = true
        }
    }

    func finish(order: [Int]) -> Column {
        let valid = order.map { $0 < has.count && has[$0] }
        let validity = valid.contains(false) ? Validity(flags: valid) : nil
        if type == .decimal {
            return Column(type: .decimal, values: .doubles(order.map { $0 < doubles.count ? doubles[$0] : 0 }), validity: validity)
        }
        let values = order.map { $0 < ints.count ? ints[$0] : 0 }
        return Column(type: type, values: .integers(PackedIntegers.pack(values, validity: validity)), validity: validity)
    }
}
