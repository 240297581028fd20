/// Several `count()`s filtered by comparisons of one integer column with constants (`count()
/// where state >= 2`, `count() where state = 3`, and plain `count()`), as the funnel plan asks
/// for per stage: rather than a mask and a pass over the rows per count, one pass counts each
/// group's rows by the column's value, and each count adds up the values its condition keeps.
///
/// Chosen by `PhysicalPlanner` (`.explain` says so). Used for a batch whose values all lie in
/// `0..<valueLimit`, with at most `groupLimit` groups; any other batch takes the general path
/// (a mask per count), so the result never depends on it.
struct SmallValueCounts {
    /// One `count()`: its accumulator's position among the sink's specs, and the values it
    /// counts (nil: every row, nulls included).
    struct Member {
        let spec: Int
        /// Per bucket (values 0..<valueLimit, then the nulls), whether the count takes it.
        let takes: [Bool]

        init(spec: Int, condition: (op: BinaryOperator, constant: Int64)?) {
            self.spec = spec
            takes = (0...SmallValueCounts.valueLimit).map { value in
                guard let condition else { return true }
                return value < SmallValueCounts.valueLimit
                    && ComparisonExpression.holds(condition.op, SmallValueCounts.order(Int64(value), condition.constant))
            }
        }
    }

    /// The column's index in the batch.
    let column: Int
    let members: [Member]

    static let valueLimit = 16
    static let groupLimit = 64

    /// The counts among `aggregates` this applies to (at least two filtered by comparisons
    /// of the same integer column of the input with constants, and every unfiltered
    /// `count()`), or nil.
    init?(aggregates: [BoundAggregate], folds: [AggregateFold]) {
        var byColumn: [Int: [Member]] = [:]
        var plain: [Member] = []
        for (index, (aggregate, fold)) in zip(aggregates, folds).enumerated() {
            guard aggregate.function == .count, aggregate.argument == nil, case .count = fold else { continue }
            guard let filter = aggregate.filter else {
                plain.append(Member(spec: index, condition: nil))
                continue
            }
            guard case .comparison(let op, let left, let right) = filter.kind else { continue }
            if case .column(let column) = left.kind, left.type == .int, case .constant(.int(let value)) = right.kind {
                byColumn[column, default: []].append(Member(spec: index, condition: (op, value)))
            } else if case .column(let column) = right.kind, right.type == .int, case .constant(.int(let value)) = left.kind {
                byColumn[column, default: []].append(Member(spec: index, condition: (ComparisonExpression.mirrored(op), value)))
            }
        }
        // The column with the most counts (the lowest index among equals, so the choice is stable).
        guard let (column, filtered) = byColumn.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }), filtered.count >= 2 else {
            return nil
        }
        self.column = column
        members = (filtered + plain).sorted { $0.spec < $1.spec }
    }

    /// Counts the batch into `counters` (in `members`' order); false, counting nothing, when
    /// the batch does not qualify.
    func update(_ batch: Batch, groups: [Int32], groupCount: Int, counters: [CountAccumulator]) -> Bool {
        guard groupCount <= Self.groupLimit else { return false }
        let vector = batch.vector(column)
        guard case .ints(let values) = NumericOperand(vector) else { return false }
        let n = batch.count
        let valid = vector.validityForCombine
        // Bucket `valueLimit` holds the nulls: counted by `count()`, by no comparison.
        let buckets = Self.valueLimit + 1
        // Four interleaved sets of counters (see `CountAccumulator.countInLanes`): with few
        // groups and values, consecutive rows often add to the same one.
        let lanes = 4
        var histogram = [Int64](repeating: 0, count: groupCount * buckets * lanes)
        let inRange: Bool = values.withUnsafeBufferPointer { values in
            // Every value of a row that is not null in 0..<valueLimit (a power of two): their
            // bits or'ed together stay below it.
            var bits: UInt64 = 0
            if let valid {
                valid.withUnsafeBufferPointer { valid in
                    for i in 0..<n { bits |= valid[i] != 0 ? UInt64(bitPattern: values[i]) : 0 }
                }
            } else {
                for i in 0..<n { bits |= UInt64(bitPattern: values[i]) }
            }
            guard bits < UInt64(Self.valueLimit) else { return false }
            groups.withUnsafeBufferPointer { groups in
                histogram.withUnsafeMutableBufferPointer { histogram in
                    func bucket(_ i: Int, _ value: Int) -> Int { (Int(groups[i]) &* buckets &+ value) &* lanes &+ (i & (lanes - 1)) }
                    if let valid {
                        valid.withUnsafeBufferPointer { valid in
                            for i in 0..<n { histogram[bucket(i, valid[i] != 0 ? Int(values[i]) : Self.valueLimit)] &+= 1 }
                        }
                    } else {
                        for i in 0..<n { histogram[bucket(i, Int(values[i]))] &+= 1 }
                    }
                }
            }
            return true
        }
        guard inRange else { return false }
        for (member, counter) in zip(members, counters) {
            var counts = [Int64](repeating: 0, count: groupCount)
            for g in 0..<groupCount {
                var total: Int64 = 0
                for value in 0..<buckets {
                    if member.takes[value] {
                        let at = (g * buckets + value) * lanes
                        total &+= histogram[at] &+ histogram[at + 1] &+ histogram[at + 2] &+ histogram[at + 3]
                    }
                }
                counts[g] = total
            }
            counter.add(counts)
        }
        return true
    }

    /// -1, 0 or 1 as `a` is below, equal to or above `b`.
    fileprivate static func order(_ a: Int64, _ b: Int64) -> Int { a < b ? -1 : a == b ? 0 : 1 }
}
