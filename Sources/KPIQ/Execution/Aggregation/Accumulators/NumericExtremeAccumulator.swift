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
    /// The statement's token, from `reserve`: gathering millions of groups' values (each
    /// visitor's first session) takes longer than Ctrl-C may wait, so `finish` stops early.
    private var cancel: CancellationToken?

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

    func reserve(groupCount: Int, cancel: CancellationToken?) throws {
        self.cancel = cancel
    }

    func finish(order: [Int]) -> Column {
        // The groups' values in `order`, gathered by all cores into fresh arrays; stopped
        // (Ctrl-C), the rest of each range is written at once and an empty column returned,
        // which AggregateSink never uses (it checks the token next).
        let cancel = self.cancel
        func gather<T>(_ source: [T], zero: T) -> (values: [T], valid: [Bool], allValid: Bool) {
            source.withUnsafeBufferPointer { source in
                has.withUnsafeBufferPointer { has in
                    order.withUnsafeBufferPointer { order in
                        GroupValueGather.gather(count: order.count) { range, values, valid in
                            var allValid = true
                            for i in range {
                                if GroupValueGather.stops(at: i, of: range, cancel, values: values, valid: valid, zero: zero) { return false }
                                let g = order[i]
                                let present = g < has.count && has[g]
                                valid[i] = present
                                values[i] = present ? source[g] : zero
                                if !present { allValid = false }
                            }
                            return allValid
                        }
                    }
                }
            }
        }
        if type == .decimal {
            let (values, valid, allValid) = gather(doubles, zero: 0.0)
            if cancel?.isCancelled == true { return Column(type: type, values: .doubles([]), validity: nil) }
            return Column(type: .decimal, values: .doubles(values), validity: allValid ? nil : Validity(flags: valid))
        }
        let (values, valid, allValid) = gather(ints, zero: Int64(0))
        if cancel?.isCancelled == true { return Column(type: type, values: .integers(PackedIntegers.pack([])), validity: nil) }
        let validity = allValid ? nil : Validity(flags: valid)
        return Column(type: type, values: .integers(PackedIntegers.pack(values, validity: validity)), validity: validity)
    }
}
