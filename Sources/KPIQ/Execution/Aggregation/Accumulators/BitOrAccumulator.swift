/// `bit_or(x)`: the bits set in any of a group's whole numbers; null for a group with none.
/// With `shift_left(1, k)` as its argument it collects the set of k seen per group (say, the
/// periods in which a customer bought) in one pass, where a set of pairs would need a
/// grouping by (group, k).
final class BitOrAccumulator: Accumulator {
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var bits: [Int64] = []
    @exclusivity(unchecked) private var has: [Bool] = []
    /// The statement's token, from `reserve`, so gathering millions of groups stops on Ctrl-C.
    private var cancel: CancellationToken?

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        bits.grow(to: groupCount, with: 0)
        has.grow(to: groupCount, with: false)
        guard let argument else { return }
        let input = AggregateInput(argument: argument, mask: mask, count: groups.count)
        guard let values = input.ints else { return }
        bits.withUnsafeMutableBufferPointer { bits in
            has.withUnsafeMutableBufferPointer { has in
                groups.withUnsafeBufferPointer { groups in
                    values.withUnsafeBufferPointer { values in
                        input.forEachRow { i in
                            let g = Int(groups[i])
                            bits[g] |= values[i]
                            has[g] = true
                        }
                    }
                }
            }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! BitOrAccumulator
        bits.grow(to: groupCount, with: 0)
        has.grow(to: groupCount, with: false)
        for g in 0..<other.has.count where other.has[g] && mapping[g] >= 0 {
            let target = Int(mapping[g])
            bits[target] |= other.bits[g]
            has[target] = true
        }
    }

    func reserve(groupCount: Int, cancel: CancellationToken?) throws {
        self.cancel = cancel
    }

    func finish(order: [Int]) -> Column {
        // Millions of groups (customers) in an order unrelated to theirs: gathered by all
        // cores, stopping early on Ctrl-C (the empty column is never used: AggregateSink
        // checks the token next).
        let cancel = self.cancel
        let (values, valid, allValid) = bits.withUnsafeBufferPointer { bits in
            has.withUnsafeBufferPointer { has in
                order.withUnsafeBufferPointer { order in
                    GroupValueGather.gather(count: order.count) { range, values, valid in
                        var allValid = true
                        for i in range {
                            if GroupValueGather.stops(at: i, of: range, cancel, values: values, valid: valid, zero: Int64(0)) { return false }
                            let g = order[i]
                            let present = g < has.count && has[g]
                            valid[i] = present
                            values[i] = present ? bits[g] : 0
                            if !present { allValid = false }
                        }
                        return allValid
                    }
                }
            }
        }
        if cancel?.isCancelled == true { return Column(type: .int, values: .integers(PackedIntegers.pack([])), validity: nil) }
        let validity = allValid ? nil : Validity(flags: valid)
        return Column(type: .int, values: .integers(PackedIntegers.pack(values, validity: validity)), validity: validity)
    }
}
