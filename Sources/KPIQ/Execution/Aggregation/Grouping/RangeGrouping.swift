/// Groups one integer or date key (ids, years, days) whose values lie in a span no larger
/// than the input by offset: group 0 is null, group g the value `base + g - 1`. No hashing
/// and no key words are stored; a value the span cannot hold sends the groups to a hash table.
final class RangeGrouping {
    /// The smallest value the grouping can hold. Merging works into the grouping with the
    /// lowest one, so the others' groups only shift up.
    let base: Int64
    /// The widest span of values grouped by offset: about the input's rows.
    let limit: Int
    /// Global row number of each group's first row (`GroupIndexer.deadRow` for none yet).
    // Hot per-row state: no run-time exclusivity checks. One thread uses a grouping at a time
    // (each worker its own), and no access here overlaps another.
    @exclusivity(unchecked) var firstRows: [Int32]
    var count: Int { firstRows.count }

    init(base: Int64, limit: Int) {
        self.base = base
        self.limit = limit
        firstRows = [Int32](repeating: GroupIndexer.deadRow, count: 1)
    }

    /// The grouping for a first batch whose values span little enough, with room below its
    /// smallest value (later batches may go lower); nil when they spread too far or are all null.
    static func fitting(_ values: [UInt64], nulls: [UInt8], limit: Int) -> RangeGrouping? {
        var low = Int64.max, high = Int64.min
        for i in 0..<values.count where nulls[i] == 0 {
            let v = Int64(bitPattern: values[i])
            low = min(low, v)
            high = max(high, v)
        }
        guard low <= high else { return nil }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < Int64(limit) / 2 else { return nil }
        let (base, under) = low.subtractingReportingOverflow(span / 4)
        return RangeGrouping(base: under ? low : base, limit: limit)
    }

    /// Groups of a batch; nil when a value falls outside what the grouping can hold.
    func groups(_ values: [UInt64], _ nulls: [UInt8], rowNumbers: [Int32]) -> [Int32]? {
        let n = rowNumbers.count
        // Room for the batch's largest value first, so the loop below never grows.
        // A flag, not a sentinel: Int64.min is a value like any other.
        var high = Int64.min, seen = false
        for i in 0..<n where nulls[i] == 0 {
            let v = Int64(bitPattern: values[i])
            if v < base { return nil }
            high = max(high, v)
            seen = true
        }
        if seen {
            let (offset, overflow) = high.subtractingReportingOverflow(base)
            guard !overflow, offset < Int64(limit) else { return nil }
            let needed = Int(offset) + 2
            if firstRows.count < needed { firstRows.append(contentsOf: repeatElement(GroupIndexer.deadRow, count: needed - firstRows.count)) }
        }
        var result = [Int32](repeating: 0, count: n)
        let base = base
        result.withUnsafeMutableBufferPointer { result in
            firstRows.withUnsafeMutableBufferPointer { firstRows in
                for i in 0..<n {
                    let g = nulls[i] != 0 ? 0 : Int(Int64(bitPattern: values[i]) &- base) &+ 1
                    result[i] = Int32(truncatingIfNeeded: g)
                    if rowNumbers[i] < firstRows[g] { firstRows[g] = rowNumbers[i] }
                }
            }
        }
        return result
    }

    /// Takes another range grouping's groups when they fit above this one's base; returns,
    /// for each of its groups, the group it became here (-1 for its dead groups), or nil.
    func absorb(_ other: RangeGrouping) -> [Int32]? {
        guard other.base >= base, Int64(other.count) + (other.base - base) < Int64(limit) else { return nil }
        // Their group g is value other.base + g - 1, here group g + (other.base - base).
        let shift = Int(other.base - base)
        let needed = other.count + shift
        if firstRows.count < needed { firstRows.append(contentsOf: repeatElement(GroupIndexer.deadRow, count: needed - firstRows.count)) }
        var mapping = [Int32](repeating: -1, count: other.count)
        for g in 0..<other.count where other.firstRows[g] != GroupIndexer.deadRow {
            let t = g == 0 ? 0 : g + shift
            mapping[g] = Int32(t)
            if other.firstRows[g] < firstRows[t] { firstRows[t] = other.firstRows[g] }
        }
        return mapping
    }

    /// The key words of every group, for a hash grouping to take them over.
    var keyWords: GroupKeyWords {
        var keys = GroupKeyWords(words: (0..<count).map { UInt64(bitPattern: base &+ Int64($0) &- 1) },
                                 nullMasks: [UInt64](repeating: 0, count: count))
        keys.nullMasks[0] = 1
        keys.words[0] = 0
        return keys
    }

    /// The key column of every group, in the order `order` (group numbers).
    func keyColumn(order: [Int], type: DataType) -> Column {
        let validity = order.contains(0) ? Validity(flags: order.map { $0 != 0 }) : nil
        let values = order.map { $0 == 0 ? 0 : base &+ Int64($0) &- 1 }
        return Column(type: type, values: .integers(PackedIntegers.pack(values, validity: validity)), validity: validity)
    }
}
