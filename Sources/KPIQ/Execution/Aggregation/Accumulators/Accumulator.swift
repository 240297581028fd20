/// The running state of one aggregate for every group, fed a batch at a time.
///
/// `update` gets each row's group, the argument's vector (nil for `count()`), and a mask
/// (nil = every row; else 1 for rows the aggregate's `where` keeps). `merge` folds another
/// thread's state in, `mapping[g]` telling which group here its group g is. `finish` builds
/// the result column with groups in the order given.
protocol Accumulator: AnyObject {
    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?)
    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int)
    func finish(order: [Int]) -> Column
    /// Makes room for state of `groupCount` groups before a batch brings them. An accumulator
    /// whose state for millions of groups takes long to first touch fills it in pieces and
    /// throws `Cancelled` between them once `cancel` is raised.
    func reserve(groupCount: Int, cancel: CancellationToken?) throws
    /// True when `finish` does real work over every value kept (a median's selection, a
    /// distinct count's bitmaps), so that several are worth finishing at once on all cores.
    var finishIsSlow: Bool { get }
}

extension Accumulator {
    /// Most state grows in the next `update` (a few ms even for millions of groups).
    func reserve(groupCount: Int, cancel: CancellationToken?) throws {}

    /// Most finishes only lay out one value per group.
    var finishIsSlow: Bool { false }
}

extension Array {
    /// Grows to `count` elements, filling with `value`.
    @inline(__always)
    mutating func grow(to count: Int, with value: Element) {
        if self.count < count { append(contentsOf: repeatElement(value, count: count - self.count)) }
    }
}

/// Rows an aggregate reads: masked in by the filter and, when it has an argument, not null.
@inline(__always)
func included(_ i: Int, _ mask: [UInt8]?, _ valid: [UInt8]?) -> Bool {
    (mask.map { $0[i] != 0 } ?? true) && (valid.map { $0[i] != 0 } ?? true)
}

/// `count()`, `count(*)`, `count(x)`: rows (with x not null).
final class CountAccumulator: Accumulator {
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var counts: [Int64] = []

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        if let argument, case .constant(let scalar) = argument.values, scalar.isNull {
            counts.grow(to: groupCount, with: 0)
            return
        }
        update(groups: groups, groupCount: groupCount, valid: argument?.validityForCombine, mask: mask)
    }

    /// Counts the rows whose flag is 1 in both `valid` and `mask` (nil: every row): `count(x)`
    /// of a stored column needs only its null bitmap, not its values.
    func update(groups: [Int32], groupCount: Int, valid: [UInt8]?, mask: [UInt8]?) {
        counts.grow(to: groupCount, with: 0)
        let few = groupCount <= Self.fewGroups
        counts.withUnsafeMutableBufferPointer { counts in
            groups.withUnsafeBufferPointer { groups in
                switch (valid, mask) {
                case (nil, nil):
                    if few { Self.countInLanes(groups, groupCount, into: counts) { _ in 1 } } else { for g in groups { counts[Int(g)] &+= 1 } }
                case (let flags?, nil), (nil, let flags?):
                    flags.withUnsafeBufferPointer { flags in
                        if few {
                            Self.countInLanes(groups, groupCount, into: counts) { Int64(flags[$0]) }
                        } else {
                            for i in 0..<groups.count { counts[Int(groups[i])] &+= Int64(flags[i]) }
                        }
                    }
                case (let valid?, let mask?):
                    valid.withUnsafeBufferPointer { valid in
                        mask.withUnsafeBufferPointer { mask in
                            if few {
                                Self.countInLanes(groups, groupCount, into: counts) { Int64(valid[$0] & mask[$0]) }
                            } else {
                                for i in 0..<groups.count { counts[Int(groups[i])] &+= Int64(valid[i] & mask[i]) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds counts found elsewhere (`SmallValueCounts`), one per group.
    func add(_ perGroup: [Int64]) {
        counts.grow(to: perGroup.count, with: 0)
        for (g, c) in perGroup.enumerated() { counts[g] &+= c }
    }

    /// Up to this many groups, a batch is counted in four interleaved sets of counters.
    static let fewGroups = 64

    /// With few groups, consecutive rows often add to the same counter, and each addition then
    /// waits for the one before it to be stored. Rows i, i+1, i+2, i+3 add to four separate
    /// sets of counters, summed at the end.
    @inline(__always)
    private static func countInLanes(_ groups: UnsafeBufferPointer<Int32>, _ groupCount: Int, into counts: UnsafeMutableBufferPointer<Int64>,
                                     weight: (Int) -> Int64) {
        let n = groups.count
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 4 * groupCount) { lanes in
            lanes.initialize(repeating: 0)
            var i = 0
            while i &+ 4 <= n {
                lanes[Int(groups[i]) &* 4] &+= weight(i)
                lanes[Int(groups[i &+ 1]) &* 4 &+ 1] &+= weight(i &+ 1)
                lanes[Int(groups[i &+ 2]) &* 4 &+ 2] &+= weight(i &+ 2)
                lanes[Int(groups[i &+ 3]) &* 4 &+ 3] &+= weight(i &+ 3)
                i &+= 4
            }
            while i < n {
                lanes[Int(groups[i]) &* 4] &+= weight(i)
                i &+= 1
            }
            for g in 0..<groupCount { counts[g] &+= lanes[4 &* g] &+ lanes[4 &* g &+ 1] &+ lanes[4 &* g &+ 2] &+ lanes[4 &* g &+ 3] }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! CountAccumulator
        counts.grow(to: groupCount, with: 0)
        for (g, c) in other.counts.enumerated() where c != 0 && mapping[g] >= 0 { counts[Int(mapping[g])] += c }
    }

    func finish(order: [Int]) -> Column {
        // Millions of groups (visitors) in an order unrelated to theirs: gathered on all cores.
        let values = counts.withUnsafeBufferPointer { counts in
            order.withUnsafeBufferPointer { order in
                LargeAllocation.array(of: Int64.self, count: order.count) { out in
                    let shared = UncheckedBox(out)
                    Parallel.forEachRange(order.count) { range in
                        for i in range { shared.value[i] = order[i] < counts.count ? counts[order[i]] : 0 }
                    }
                }
            }
        }
        return Column(type: .int, values: .integers(PackedIntegers.pack(values)), validity: nil)
    }
}

/// `sum(x)`: integers stay integers, summed exactly (`ExactIntegerSum`), so a sum is null only
/// when its final total does not fit, whatever the order of rows and threads; decimals are
/// added with Neumaier's compensation, so the result does not depend on the order of rows.
final class SumAccumulator: Accumulator {
    private let isInteger: Bool
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var ints: [Int64] = []
    /// Wraps of `ints[g]` past the Int64 range (see `ExactIntegerSum`), almost always 0.
    @exclusivity(unchecked) private var carries: [Int32] = []
    @exclusivity(unchecked) private var sums: [Double] = []
    @exclusivity(unchecked) private var compensations: [Double] = []
    @exclusivity(unchecked) private var has: [Bool] = []

    init(type: DataType) { isInteger = type != .decimal }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        has.grow(to: groupCount, with: false)
        guard let argument else { return }
        let input = AggregateInput(argument: argument, mask: mask, count: groups.count)
        if isInteger, let values = input.ints {
            ints.grow(to: groupCount, with: 0)
            carries.grow(to: groupCount, with: 0)
            ints.withUnsafeMutableBufferPointer { sums in
                carries.withUnsafeMutableBufferPointer { carries in
                    has.withUnsafeMutableBufferPointer { has in
                        groups.withUnsafeBufferPointer { groups in
                            values.withUnsafeBufferPointer { values in
                                input.forEachRow { i in
                                    let g = Int(groups[i])
                                    ExactIntegerSum.add(values[i], to: &sums[g], carry: &carries[g])
                                    has[g] = true
                                }
                            }
                        }
                    }
                }
            }
        } else {
            sums.grow(to: groupCount, with: 0)
            compensations.grow(to: groupCount, with: 0)
            let values = input.doubles ?? (input.ints ?? []).map { Double($0) }
            sums.withUnsafeMutableBufferPointer { sums in
                compensations.withUnsafeMutableBufferPointer { compensations in
                    has.withUnsafeMutableBufferPointer { has in
                        groups.withUnsafeBufferPointer { groups in
                            values.withUnsafeBufferPointer { values in
                                input.forEachRow { i in
                                    let g = Int(groups[i])
                                    Self.add(values[i], to: &sums[g], &compensations[g])
                                    has[g] = true
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Neumaier's compensated addition.
    @inline(__always)
    static func add(_ v: Double, to sum: inout Double, _ compensation: inout Double) {
        let t = sum + v
        if abs(sum) >= abs(v) { compensation += (sum - t) + v } else { compensation += (v - t) + sum }
        sum = t
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! SumAccumulator
        has.grow(to: groupCount, with: false)
        ints.grow(to: groupCount, with: 0)
        carries.grow(to: groupCount, with: 0)
        sums.grow(to: groupCount, with: 0)
        compensations.grow(to: groupCount, with: 0)
        for g in 0..<other.has.count where other.has[g] && mapping[g] >= 0 {
            let target = Int(mapping[g])
            has[target] = true
            if isInteger {
                ExactIntegerSum.add(low: other.ints[g], carry: other.carries[g], to: &ints[target], carry: &carries[target])
            } else {
                Self.add(other.sums[g], to: &sums[target], &compensations[target])
                compensations[target] += other.compensations[g]
            }
        }
    }

    func finish(order: [Int]) -> Column {
        let groups = (order.max() ?? -1) + 1
        has.grow(to: groups, with: false)
        if isInteger {
            ints.grow(to: groups, with: 0)
            carries.grow(to: groups, with: 0)
            return ColumnFactory.ints(order.map { has[$0] ? ExactIntegerSum.int64(low: ints[$0], carry: carries[$0]) : nil })
        }
        sums.grow(to: groups, with: 0)
        compensations.grow(to: groups, with: 0)
        return ColumnFactory.doubles(order.map { has[$0] ? sums[$0] + compensations[$0] : nil })
    }
}

/// `mean(x)` / `avg(x)`: the sum over the count, as a decimal. Integers are summed exactly
/// (`ExactIntegerSum`) and divided once at the end, so the mean of large ids or timestamps is
/// as exact as a double can be and the same in any order; decimals use Neumaier's
/// compensated sum.
final class MeanAccumulator: Accumulator {
    /// Integer inputs (0/1 flags, seconds): the exact sum's low word and the count side by
    /// side, one cache line per group.
    private struct Cell {
        var exact: Int64 = 0
        var count: Int64 = 0
    }

    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var cells: [Cell] = []
    /// Wraps of `cells[g].exact` past the Int64 range, almost always 0.
    @exclusivity(unchecked) private var carries: [Int32] = []
    /// Decimal inputs, with Neumaier compensation.
    @exclusivity(unchecked) private var sums: [Double] = []
    @exclusivity(unchecked) private var compensations: [Double] = []

    private func grow(to groupCount: Int) {
        cells.grow(to: groupCount, with: Cell())
        carries.grow(to: groupCount, with: 0)
        sums.grow(to: groupCount, with: 0)
        compensations.grow(to: groupCount, with: 0)
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        grow(to: groupCount)
        guard let argument else { return }
        let input = AggregateInput(argument: argument, mask: mask, count: groups.count)
        cells.withUnsafeMutableBufferPointer { cells in
            carries.withUnsafeMutableBufferPointer { carries in
                sums.withUnsafeMutableBufferPointer { sums in
                    compensations.withUnsafeMutableBufferPointer { compensations in
                        groups.withUnsafeBufferPointer { groups in
                            if let values = input.ints {
                                values.withUnsafeBufferPointer { values in
                                    input.forEachRow { i in
                                        let g = Int(groups[i])
                                        ExactIntegerSum.add(values[i], to: &cells[g].exact, carry: &carries[g])
                                        cells[g].count &+= 1
                                    }
                                }
                            } else if let values = input.doubles {
                                values.withUnsafeBufferPointer { values in
                                    input.forEachRow { i in
                                        let g = Int(groups[i])
                                        SumAccumulator.add(values[i], to: &sums[g], &compensations[g])
                                        cells[g].count &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! MeanAccumulator
        grow(to: groupCount)
        for g in 0..<other.cells.count where other.cells[g].count > 0 && mapping[g] >= 0 {
            let t = Int(mapping[g])
            ExactIntegerSum.add(low: other.cells[g].exact, carry: other.carries[g], to: &cells[t].exact, carry: &carries[t])
            SumAccumulator.add(other.sums[g], to: &sums[t], &compensations[t])
            compensations[t] += other.compensations[g]
            cells[t].count += other.cells[g].count
        }
    }

    func finish(order: [Int]) -> Column {
        grow(to: (order.max() ?? -1) + 1)
        // Read through buffers: a mean per visitor finishes hundreds of thousands of groups.
        let means = cells.withUnsafeBufferPointer { cells in
            carries.withUnsafeBufferPointer { carries in
                sums.withUnsafeBufferPointer { sums in
                    compensations.withUnsafeBufferPointer { compensations in
                        order.map { g -> Double? in
                            let cell = cells[g]
                            guard cell.count > 0 else { return nil }
                            // A group's rows are all integers or all decimals (one argument,
                            // one type); an integer group has no decimal sum.
                            if sums[g] == 0, compensations[g] == 0 {
                                return ExactIntegerSum.mean(low: cell.exact, carry: carries[g], count: cell.count)
                            }
                            return (sums[g] + compensations[g]) / Double(cell.count)
                        }
                    }
                }
            }
        }
        return ColumnFactory.doubles(means)
    }
}

/// `stddev(x)`: sample standard deviation (Welford), null below two values.
final class StddevAccumulator: Accumulator {
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var counts: [Double] = []
    @exclusivity(unchecked) private var means: [Double] = []
    @exclusivity(unchecked) private var m2: [Double] = []

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        counts.grow(to: groupCount, with: 0)
        means.grow(to: groupCount, with: 0)
        m2.grow(to: groupCount, with: 0)
        guard let argument, let x = NumericOperand(argument) else { return }
        let valid = argument.validityForCombine
        for i in 0..<groups.count where included(i, mask, valid) {
            let g = Int(groups[i])
            let v = x.double(i)
            counts[g] += 1
            let delta = v - means[g]
            means[g] += delta / counts[g]
            m2[g] += delta * (v - means[g])
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! StddevAccumulator
        counts.grow(to: groupCount, with: 0)
        means.grow(to: groupCount, with: 0)
        m2.grow(to: groupCount, with: 0)
        for g in 0..<other.counts.count where other.counts[g] > 0 && mapping[g] >= 0 {
            let t = Int(mapping[g])
            let n = counts[t] + other.counts[g]
            let delta = other.means[g] - means[t]
            m2[t] += other.m2[g] + delta * delta * counts[t] * other.counts[g] / n
            means[t] += delta * other.counts[g] / n
            counts[t] = n
        }
    }

    func finish(order: [Int]) -> Column {
        let groups = (order.max() ?? -1) + 1
        counts.grow(to: groups, with: 0)
        m2.grow(to: groups, with: 0)
        return ColumnFactory.doubles(order.map { counts[$0] > 1 ? (m2[$0] / (counts[$0] - 1)).squareRoot() : nil })
    }
}
