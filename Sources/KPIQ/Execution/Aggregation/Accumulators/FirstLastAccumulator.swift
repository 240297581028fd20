/// `first(x[, by])` / `last(x[, by])`: the value at the smallest (largest) ordering value;
/// ties go to the earliest row.
///
/// Orderings by integers, dates and timestamps (the usual case: first touch by time) keep
/// each group's best ordering value and row in two flat arrays, 12 bytes per group, because
/// per-visitor grouping has millions of groups and every byte per group is a cache miss.
/// Other orderings (text, decimals) go through `ValueSlots`.
final class FirstLastAccumulator: Accumulator {
    private let isFirst: Bool
    private let integerOrdering: Bool
    private var values: ValueSlots
    /// Integer orderings: the best ordering value per group.
    private var bestKeys: [Int64] = []
    /// The row of the best value per group (`noRow` when the group has none yet).
    private var bestRows: [Int32] = []
    /// Other orderings: the best ordering value per group.
    private var keys: ValueSlots
    private static let noRow = Int32.max

    init(isFirst: Bool, type: DataType, orderType: DataType) {
        self.isFirst = isFirst
        integerOrdering = orderType == .int || orderType == .date || orderType == .timestamp
        values = ValueSlots(type: type)
        keys = ValueSlots(type: orderType)
    }

    /// Global row numbers of the batch, set by the sink before `update` (for tie-breaking).
    var batchRows: [Int32] = []

    private func grow(to count: Int) {
        values.grow(to: count)
        bestRows.grow(to: count, with: Self.noRow)
        if integerOrdering { bestKeys.grow(to: count, with: 0) } else { keys.grow(to: count) }
    }

    /// Whether (key, row) beats the group's best (key, row).
    @inline(__always)
    private func beats(_ key: Int64, _ row: Int32, _ best: Int64, _ bestRow: Int32) -> Bool {
        if bestRow == Self.noRow { return true }
        if key == best { return row < bestRow }
        return isFirst ? key < best : key > best
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        grow(to: groupCount)
        guard let argument, let order else { return }
        let valueReader = ValueSlots.Reader(argument, comparing: false)
        let keyReader = ValueSlots.Reader(order)
        let valid = keyReader.vector.valid
        let valueValid = valueReader.vector.valid
        let n = groups.count
        let rowAt = { (i: Int) -> Int32 in i < self.batchRows.count ? self.batchRows[i] : Int32(i) }
        if integerOrdering, case .ints(let orderValues) = keyReader.vector.values {
            for i in 0..<n where included(i, mask, valid) {
                let g = Int(groups[i])
                let row = rowAt(i)
                let key = orderValues[i]
                guard beats(key, row, bestKeys[g], bestRows[g]) else { continue }
                bestKeys[g] = key
                bestRows[g] = row
                if valueValid.map({ $0[i] != 0 }) ?? true { values.set(g, from: valueReader, i) } else { values.clear(g) }
            }
            return
        }
        for i in 0..<n where included(i, mask, valid) {
            let g = Int(groups[i])
            let row = rowAt(i)
            var better = bestRows[g] == Self.noRow
            if !better {
                let c = keys.compare(keyReader, i, toGroup: g)
                better = isFirst ? (c < 0 || (c == 0 && row < bestRows[g])) : (c > 0 || (c == 0 && row < bestRows[g]))
            }
            if better {
                keys.set(g, from: keyReader, i)
                bestRows[g] = row
                if valueValid.map({ $0[i] != 0 }) ?? true { values.set(g, from: valueReader, i) } else { values.clear(g) }
            }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! FirstLastAccumulator
        grow(to: groupCount)
        for g in 0..<other.bestRows.count where other.bestRows[g] != Self.noRow && mapping[g] >= 0 {
            let t = Int(mapping[g])
            let better: Bool
            if integerOrdering {
                better = beats(other.bestKeys[g], other.bestRows[g], bestKeys[t], bestRows[t])
            } else if bestRows[t] == Self.noRow {
                better = true
            } else {
                let c = keys.compare(other.keys, g, toGroup: t)
                better = isFirst ? (c < 0 || (c == 0 && other.bestRows[g] < bestRows[t])) : (c > 0 || (c == 0 && other.bestRows[g] < bestRows[t]))
            }
            guard better else { continue }
            if integerOrdering { bestKeys[t] = other.bestKeys[g] } else { keys.set(t, from: other.keys, g) }
            bestRows[t] = other.bestRows[g]
            if other.values.has[g] { values.set(t, from: other.values, g) } else { values.clear(t) }
        }
    }

    func finish(order: [Int]) -> Column { values.column(order: order) }
}
