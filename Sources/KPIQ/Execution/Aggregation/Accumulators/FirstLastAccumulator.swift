/// `first(x, by)` / `last(x, by)` for orderings other than integers and times (text,
/// decimals): the value at the smallest (largest) ordering value, ties to the earliest row.
/// Orderings by time have their own, faster accumulator (`FirstLastByTimeAccumulator`).
final class FirstLastAccumulator: Accumulator, RowNumberedAccumulator {
    private let isFirst: Bool
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var values: ValueSlots
    @exclusivity(unchecked) private var keys: ValueSlots
    /// The row of the best value per group (`noRow` when the group has none yet).
    @exclusivity(unchecked) private var bestRows: [Int32] = []
    private static let noRow = Int32.max

    init(isFirst: Bool, type: DataType, orderType: DataType) {
        self.isFirst = isFirst
        values = ValueSlots(type: type)
        keys = ValueSlots(type: orderType)
    }

    @exclusivity(unchecked) var batchRows: [Int32] = []

    private func grow(to count: Int) {
        values.grow(to: count)
        keys.grow(to: count)
        bestRows.grow(to: count, with: Self.noRow)
    }

    /// Whether a candidate ordered `c` against the group's best (-1, 0, 1), at `row`, wins.
    private func wins(_ c: Int, _ row: Int32, over bestRow: Int32) -> Bool {
        if bestRow == Self.noRow { return true }
        return isFirst ? (c < 0 || (c == 0 && row < bestRow)) : (c > 0 || (c == 0 && row < bestRow))
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        grow(to: groupCount)
        guard let argument, let order else { return }
        let valueReader = ValueSlots.Reader(argument, comparing: false)
        let keyReader = ValueSlots.Reader(order)
        let valid = keyReader.vector.valid
        let valueValid = valueReader.vector.valid
        for i in 0..<groups.count where included(i, mask, valid) {
            let g = Int(groups[i])
            let row = i < batchRows.count ? batchRows[i] : Int32(i)
            let c = bestRows[g] == Self.noRow ? 0 : keys.compare(keyReader, i, toGroup: g)
            guard wins(c, row, over: bestRows[g]) else { continue }
            keys.set(g, from: keyReader, i)
            bestRows[g] = row
            if valueValid.map({ $0[i] != 0 }) ?? true { values.set(g, from: valueReader, i) } else { values.clear(g) }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! FirstLastAccumulator
        grow(to: groupCount)
        for g in 0..<other.bestRows.count where other.bestRows[g] != Self.noRow && mapping[g] >= 0 {
            let t = Int(mapping[g])
            let c = bestRows[t] == Self.noRow ? 0 : keys.compare(other.keys, g, toGroup: t)
            guard wins(c, other.bestRows[g], over: bestRows[t]) else { continue }
            keys.set(t, from: other.keys, g)
            bestRows[t] = other.bestRows[g]
            if other.values.has[g] { values.set(t, from: other.values, g) } else { values.clear(t) }
        }
    }

    func finish(order: [Int]) -> Column { values.column(order: order) }
}
