/// `median(x)` and `percentile(x, p)`: exact, by selection over each group's values, with
/// linear interpolation between neighbours (as `quantile_cont` in SQL engines).
final class QuantileAccumulator: Accumulator {
    private let fraction: Double
    private let type: DataType
    /// Every value taken, with its group: one list per batch (and the lists taken from other
    /// workers in `merge`), put in groups once, at the finish. A list per batch is written
    /// once, at its final size: one growing array was zero-filled and copied as it grew, and
    /// an array per group cost a uniqueness and a capacity check per row appended.
    // `@exclusivity(unchecked)`: one thread uses an instance at a time, as for the others.
    @exclusivity(unchecked) private var lists: [(values: [Double], groups: [Int32])] = []
    private var groupCount = 0

    var finishIsSlow: Bool { true }

    init(fraction: Double, type: DataType) {
        self.fraction = fraction
        self.type = type
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        self.groupCount = max(self.groupCount, groupCount)
        guard let argument, let x = NumericOperand(argument) else { return }
        let n = groups.count
        guard n > 0 else { return }
        let take = Vector.combine(mask, argument.validityForCombine, count: n)
        var kept = 0
        let values = [Double](unsafeUninitializedCapacity: n) { out, initialized in
            // Integers and times are converted here, not copied into doubles first.
            switch x {
            case .ints(let a): a.withUnsafeBufferPointer { kept = Self.compact($0, take, into: out.baseAddress!) { Double($0) } }
            default: x.doubles(count: n).withUnsafeBufferPointer { kept = Self.compact($0, take, into: out.baseAddress!) { $0 } }
            }
            initialized = kept
        }
        guard kept > 0 else { return }
        let groupsTaken = kept == n ? groups : [Int32](unsafeUninitializedCapacity: n) { out, initialized in
            initialized = groups.withUnsafeBufferPointer { Self.compact($0, take, into: out.baseAddress!) { $0 } }
        }
        lists.append((values, groupsTaken))
    }

    /// Copies `values[i]`, converted, where `take[i]` is 1 (all of them without `take`) to the
    /// start of `out`; returns how many. Branch-free: every row is written at the next free
    /// place, which moves on only for rows taken; eight flags at a time, so that a word of
    /// eight rows not taken (a later stage's days are taken for few rows) is skipped whole.
    @inline(__always)
    private static func compact<T, U>(_ values: UnsafeBufferPointer<T>, _ take: [UInt8]?, into out: UnsafeMutablePointer<U>,
                                      _ convert: (T) -> U) -> Int {
        guard let take else {
            for i in 0..<values.count { out[i] = convert(values[i]) }
            return values.count
        }
        return take.withUnsafeBufferPointer { take in
            var kept = 0
            var i = 0
            let raw = UnsafeRawPointer(take.baseAddress!)
            while i &+ 8 <= values.count {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 {
                    for j in i..<(i &+ 8) {
                        out[kept] = convert(values[j])
                        kept &+= Int(take[j] & 1)
                    }
                }
                i &+= 8
            }
            while i < values.count {
                out[kept] = convert(values[i])
                kept &+= Int(take[i] & 1)
                i &+= 1
            }
            return kept
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! QuantileAccumulator
        self.groupCount = max(self.groupCount, groupCount)
        // Their values are taken as they are (the other accumulator is not used after a
        // merge); only their groups are renumbered, in place.
        var taken = other.lists
        other.lists = []
        // Groups numbered by dictionary code are the same in every worker: nothing to renumber.
        let identity = mapping.withUnsafeBufferPointer { mapping in
            var same = true
            for g in 0..<mapping.count { same = same && mapping[g] == Int32(g) }
            return same
        }
        if identity {
            lists += taken
            return
        }
        while var (values, groups) = taken.popLast() {
            var kept = 0
            values.withUnsafeMutableBufferPointer { values in
                groups.withUnsafeMutableBufferPointer { groups in
                    mapping.withUnsafeBufferPointer { mapping in
                        for i in 0..<values.count {
                            let target = mapping[Int(groups[i])]
                            values[kept] = values[i]
                            groups[kept] = target
                            kept &+= target >= 0 ? 1 : 0
                        }
                    }
                }
            }
            values.removeLast(values.count - kept)
            groups.removeLast(groups.count - kept)
            if kept > 0 { lists.append((values, groups)) }
        }
    }

    func finish(order: [Int]) -> Column {
        // A counting sort by group: each group's values become one contiguous run.
        var starts = [Int](repeating: 0, count: groupCount + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            for (_, groups) in lists {
                groups.withUnsafeBufferPointer { groups in
                    for g in groups { starts[Int(g) &+ 1] &+= 1 }
                }
            }
            for g in 0..<groupCount { starts[g + 1] &+= starts[g] }
        }
        let total = starts[groupCount]
        var next = starts
        let grouped = [Double](unsafeUninitializedCapacity: total) { out, initialized in
            next.withUnsafeMutableBufferPointer { next in
                for (values, groups) in lists {
                    values.withUnsafeBufferPointer { values in
                        groups.withUnsafeBufferPointer { groups in
                            for i in 0..<values.count {
                                let g = Int(groups[i])
                                out[next[g]] = values[i]
                                next[g] &+= 1
                            }
                        }
                    }
                }
            }
            initialized = total
        }
        // Each group's selection on its own core when there are many values.
        let groups = order.map { g in g < groupCount && starts[g] < starts[g + 1] ? starts[g]..<starts[g + 1] : nil }
        let parallel = total >= 1 << 16
        let results: [Double?] = parallel
            ? Parallel.map(groups.count) { k in groups[k].map { run in Self.quantile(run, of: grouped, fraction) } }
            : groups.map { $0.map { run in Self.quantile(run, of: grouped, fraction) } }
        switch type {
        case .date, .timestamp:
            return ColumnFactory.ints(results.map { $0.map { Int64($0.rounded()) } }, type: type)
        default:
            return ColumnFactory.doubles(results)
        }
    }

    private static func quantile(_ run: Range<Int>, of grouped: [Double], _ fraction: Double) -> Double {
        if run.count >= narrowingMinimum,
            let q = grouped.withUnsafeBufferPointer({ narrowedQuantile(UnsafeBufferPointer(rebasing: $0[run]), fraction) })
        {
            return q
        }
        var values = Array(grouped[run])
        return quantile(&values, fraction)
    }

    /// Runs at least this long are narrowed first (`narrowedQuantile`).
    static let narrowingMinimum = 4096

    /// The quantile needs only the values near it. Two bounds from a sample of the run (a
    /// sixteenth of it, 256 to 1024 values) should hold its neighbours between them; one
    /// branch-free pass counts the values below the first bound and copies those between the
    /// two, and the selection runs over that copy alone (a tenth to a fifth of the run). Nil
    /// when the bounds miss (checked by the counts, so the answer never depends on the sample)
    /// or the sample has a NaN: the caller then selects over the whole run.
    static func narrowedQuantile(_ run: UnsafeBufferPointer<Double>, _ fraction: Double) -> Double? {
        let n = run.count
        let position = fraction * Double(n - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(n - 1, lower + 1)
        let size = min(1024, max(256, n / 16))
        var sample = (0..<size).map { run[$0 * n / size] }
        guard !sample.contains(where: \.isNaN) else { return nil }
        // The quantile's position in the sample moves by about sqrt(size) / 2 (one standard
        // deviation at most); the bounds sit three of those away on each side.
        let margin = 3 * Int(Double(size).squareRoot()) / 2 + 2
        let at = lower * size / n
        let low = select(&sample, max(0, at - margin))
        let high = select(&sample, min(size - 1, at + margin))
        var below = 0
        var kept = 0
        var middle = [Double](unsafeUninitializedCapacity: n) { middle, initialized in
            // Every value is written at `count`, which moves on only for those kept. NaN is
            // neither below nor kept: it orders above every number.
            var under = 0, count = 0
            for i in 0..<n {
                let v = run[i]
                under &+= v < low ? 1 : 0
                middle[count] = v
                count &+= (v >= low ? 1 : 0) & (v <= high ? 1 : 0)
            }
            initialized = count
            below = under
            kept = count
        }
        guard below <= lower, upper < below + kept else { return nil }
        let k = lower - below
        let value = select(&middle, k)
        if upper == lower || position == Double(lower) { return value }
        var next = Double.infinity
        for j in (k + 1)..<middle.count where middle[j] < next { next = middle[j] }
        return value + (next - value) * (position - Double(lower))
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
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        values.withUnsafeMutableBufferPointer { a in
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
}
