/// Window functions over ordered partitions, SQL's `f(x) OVER (PARTITION BY p ORDER BY o)`:
/// one column added per function, computed over the rows sorted by partition then order
/// columns.
///
/// KPI statements use a running sum (`SUM(x) OVER (... ROWS UNBOUNDED PRECEDING)`), which
/// turns day-by-day changes into levels (spend spread over a campaign's days, deals open at a
/// day's end, contacts active in a rolling window), `LEAD(x)` (the next row's value), which
/// tells how long an event keeps a person active before their next one, and `ROW_NUMBER()`.
/// Pipelines (`derive ... by`) use all of them: previous and next values at any offset,
/// running sums and counts, moving sums, means and counts over rows or a length of time,
/// ranks, partition totals and shares.
///
/// The rows are ordered once (a permutation; no column is moved for it; for a pipeline, whose
/// rows come in its `sort`'s order already, a linear stable grouping by partition), each argument column
/// is decoded once in that order, and every function is one pass over flat arrays, partition
/// by partition: a window costs a sort and O(rows) per function, whatever the frame. With
/// `keepsInputOrder` the results are scattered back to the input's rows and the input's
/// columns pass through untouched; otherwise the input is gathered in the sorted order.
enum WindowOperator {
    static func run(_ input: Table, partition: [Int], order: [WindowOrderKey], functions: [WindowFunction], types: [DataType],
                    keepsInputOrder: Bool, names: [String], cancel: CancellationToken?) throws -> Table {
        let n = input.rowCount
        var trace = PhaseTrace("window \(n) rows")
        func key(_ column: Int, descending: Bool, nullsFirst: Bool) -> BoundSortKey {
            BoundSortKey(expression: BoundExpression(.column(column), type: input.columns[column].type, span: .none),
                         descending: descending, nullsFirst: nullsFirst)
        }
        let permutation: [Int32]
        if keepsInputOrder, try isOrdered(input, by: order, cancel: cancel) {
            // A pipeline's rows come in the order of its `sort` already: a stable grouping of
            // the partitions (linear) orders them as a sort by partition then order would.
            permutation = try groupedStably(input, by: partition, cancel: cancel)
        } else {
            let keys = partition.map { key($0, descending: false, nullsFirst: false) }
                + order.map { key($0.column, descending: $0.descending, nullsFirst: $0.nullsFirst) }
            permutation = try Sorter.permutation(input, keys: keys, cancel: cancel)
        }
        trace.mark("order")
        try cancel?.check()
        var layout = Layout(input: input, rows: .indices(permutation), partition: partition, order: order.map(\.column))
        var added: [Column] = []
        for (k, function) in functions.enumerated() {
            let sorted = layout.compute(function)
            let placed = keepsInputOrder ? scatter(sorted, permutation) : sorted
            added.append(VectorConcatenation.column([placed], type: types[k]))
            try cancel?.check()
        }
        trace.mark("functions")
        let base = keepsInputOrder ? input.columns : permutation.withUnsafeBufferPointer { rows in input.columns.map { $0.gather(rows) } }
        trace.mark("columns")
        trace.emit()
        return Table(names: names, columns: base + added, rowCount: n)
    }

    /// Whether the rows already come in the order of `order`, as `sort` orders them (one pass,
    /// looking at the token every 65,536 rows).
    static func isOrdered(_ input: Table, by order: [WindowOrderKey], cancel: CancellationToken?) throws -> Bool {
        let n = input.rowCount
        guard n > 1, !order.isEmpty else { return true }
        let keys = try order.map { key in
            try Sorter.key(input.columns[key.column], rows: n, descending: key.descending, nullsFirst: key.nullsFirst, cancel: cancel)
        }
        for i in 1..<n {
            if i & 0xFFFF == 0 { try cancel?.check() }
            for key in keys {
                let c = key.compare(i - 1, i)
                if c < 0 { break }
                if c > 0 { return false }
            }
        }
        return true
    }

    /// The rows with each partition's rows together, in input order within it (partitions in
    /// the order they first appear): a counting sort by partition number, O(rows).
    static func groupedStably(_ input: Table, by partition: [Int], cancel: CancellationToken?) throws -> [Int32] {
        let n = input.rowCount
        guard !partition.isEmpty else { return (0..<n).map { Int32($0) } }
        // Partition numbers, refined one column at a time: (number so far, value) -> number.
        struct Pair: Hashable {
            let group: Int32
            let value: Int64
        }
        var group = [Int32](repeating: 0, count: n)
        var groups = 1
        if partition.count == 1, let direct = directGroups(Batch.decode(input.columns[partition[0]], .range(start: 0, count: n))) {
            // One text column (its codes), or integers of a small range: numbers without hashing.
            (group, groups) = direct
        } else {
            for column in partition {
                try cancel?.check()
                let vector = Batch.decode(input.columns[column], .range(start: 0, count: n))
                let valid = vector.valid
                var numbers: [Pair: Int32] = [:]
                func refine(_ value: (Int) -> Int64) {
                    for i in 0..<n {
                        // The null rows of a partition get a number of their own.
                        let isNull = valid.map { $0[i] == 0 } ?? false
                        let pair = Pair(group: isNull ? -1 - group[i] : group[i], value: isNull ? 0 : value(i))
                        if let number = numbers[pair] {
                            group[i] = number
                        } else {
                            let number = Int32(numbers.count)
                            numbers[pair] = number
                            group[i] = number
                        }
                    }
                }
                switch vector.values {
                case .ints(let a): refine { a[$0] }
                case .doubles(let a): refine { Int64(bitPattern: a[$0].bitPattern) }
                case .bools(let a): refine { Int64(a[$0]) }
                case .text(let codes, _): refine { codes[$0] }
                case .constant: refine { _ in 0 }
                }
                groups = numbers.count
            }
        }
        // Counting sort by partition number: stable.
        var starts = [Int](repeating: 0, count: groups + 1)
        for g in group { starts[Int(g) + 1] += 1 }
        for g in 0..<groups { starts[g + 1] += starts[g] }
        var permutation = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let g = Int(group[i])
            permutation[starts[g]] = Int32(i)
            starts[g] += 1
        }
        return permutation
    }

    /// Partition numbers read straight off one column's values: text codes, or integers whose
    /// range is at most a few times the rows; null gets the number after the last. Nil otherwise.
    private static func directGroups(_ vector: Vector) -> (group: [Int32], groups: Int)? {
        let n = vector.count
        let valid = vector.valid
        func numbered(_ values: [Int64], base: Int64, size: Int) -> (group: [Int32], groups: Int) {
            var group = [Int32](repeating: 0, count: n)
            for i in 0..<n { group[i] = valid?[i] == 0 ? Int32(size) : Int32(values[i] - base) }
            return (group, size + 1)
        }
        switch vector.values {
        case .text(let codes, let dictionary) where dictionary.count < Int(Int32.max):
            return numbered(codes, base: 0, size: dictionary.count)
        case .ints(let values):
            var low = Int64.max, high = Int64.min
            for i in 0..<n where valid?[i] ?? 1 != 0 { (low, high) = (min(low, values[i]), max(high, values[i])) }
            if low > high { return numbered(values, base: 0, size: 0) }
            let (range, overflow) = high.subtractingReportingOverflow(low)
            guard !overflow, range < Int64(4 * n + 1024) else { return nil }
            return numbered(values, base: low, size: Int(range) + 1)
        default:
            return nil
        }
    }

    /// Per row (in the order given): true where a run of equal values starts, in any of the
    /// vectors (nulls equal to each other, different from every value). The first row starts one.
    static func boundaries(_ vectors: [Vector], count n: Int) -> [Bool] {
        var starts = [Bool](repeating: false, count: n)
        if n > 0 { starts[0] = true }
        for vector in vectors {
            let valid = vector.valid
            func mark<T: Equatable>(_ values: [T]) {
                guard n > 1 else { return }
                starts.withUnsafeMutableBufferPointer { starts in
                    values.withUnsafeBufferPointer { values in
                        guard let valid else {
                            for i in 1..<n where values[i] != values[i - 1] { starts[i] = true }
                            return
                        }
                        for i in 1..<n where !starts[i] {
                            let nullNow = valid[i] == 0, nullBefore = valid[i - 1] == 0
                            if nullNow != nullBefore || (!nullNow && values[i] != values[i - 1]) { starts[i] = true }
                        }
                    }
                }
            }
            switch vector.values {
            case .ints(let values): mark(values)
            case .doubles(let values): mark(values)
            case .bools(let values): mark(values)
            case .text(let codes, _): mark(codes)  // one column, one dictionary: equal codes are equal strings
            case .constant: break
            }
        }
        return starts
    }

    /// The values of `vector` (in sorted order) moved to the input rows they belong to.
    static func scatter(_ vector: Vector, _ permutation: [Int32]) -> Vector {
        let n = vector.count
        func place<T>(_ values: [T], _ zero: T) -> [T] {
            var out = [T](repeating: zero, count: n)
            for i in 0..<n { out[Int(permutation[i])] = values[i] }
            return out
        }
        let valid = vector.valid.map { place($0, 0) }
        switch vector.values {
        case .ints(let a): return Vector(type: vector.type, values: .ints(place(a, 0)), valid: valid, count: n)
        case .doubles(let a): return Vector(type: vector.type, values: .doubles(place(a, 0)), valid: valid, count: n)
        case .bools(let a): return Vector(type: vector.type, values: .bools(place(a, 0)), valid: valid, count: n)
        case .text(let codes, let dictionary): return Vector(type: vector.type, values: .text(codes: place(codes, 0), dictionary: dictionary), valid: valid, count: n)
        case .constant: return vector
        }
    }

    /// The sorted rows: their partitions, ties of the order columns, and argument columns
    /// decoded in that order (each once).
    private struct Layout {
        let input: Table
        let rows: Batch.Rows
        let partition: [Int]
        let order: [Int]
        let n: Int
        /// The first row of each partition, then `n`.
        private(set) var segments: [Int] = []
        private var decoded: [Int: Vector] = [:]
        private var peerStarts: [Bool]?

        init(input: Table, rows: Batch.Rows, partition: [Int], order: [Int]) {
            self.input = input
            self.rows = rows
            self.partition = partition
            self.order = order
            n = input.rowCount
            let starts = Self.boundaries(partition, in: &self)
            segments = starts.indices.filter { starts[$0] } + [n]
        }

        private static func boundaries(_ columns: [Int], in layout: inout Layout) -> [Bool] {
            let vectors = columns.map { layout.column($0) }
            return WindowOperator.boundaries(vectors, count: layout.n)
        }

        mutating func column(_ index: Int) -> Vector {
            if let vector = decoded[index] { return vector }
            let vector = Batch.decode(input.columns[index], rows)
            decoded[index] = vector
            return vector
        }

        /// True where a row's partition and order values differ from the row before.
        mutating func peers() -> [Bool] {
            if let peerStarts { return peerStarts }
            let starts = Self.boundaries(partition + order, in: &self)
            peerStarts = starts
            return starts
        }

        /// Calls `body` with each partition's rows, `start..<end`.
        func forEachPartition(_ body: (Int, Int) -> Void) {
            for k in 0..<(segments.count - 1) { body(segments[k], segments[k + 1]) }
        }

        mutating func compute(_ function: WindowFunction) -> Vector {
            switch function {
            case .runningSum(let c): return runningSum(column(c))
            case .lead(let c): return shifted(column(c), by: 1)
            case .shifted(let c, let offset): return shifted(column(c), by: offset)
            case .rowNumber:
                var out = [Int64](repeating: 0, count: n)
                out.withUnsafeMutableBufferPointer { out in
                    forEachPartition { start, end in for i in start..<end { out[i] = Int64(i - start + 1) } }
                }
                return Vector(type: .int, values: .ints(out), valid: nil, count: n)
            case .rank, .denseRank:
                let peers = peers()
                let dense = { if case .denseRank = function { return true } else { return false } }()
                var out = [Int64](repeating: 0, count: n)
                forEachPartition { start, end in
                    var rank: Int64 = 0
                    for i in start..<end {
                        if i == start || peers[i] { rank = dense ? rank + 1 : Int64(i - start + 1) }
                        out[i] = rank
                    }
                }
                return Vector(type: .int, values: .ints(out), valid: nil, count: n)
            case .runningCount(let c):
                let valid = c.map { column($0).valid } ?? nil
                var out = [Int64](repeating: 0, count: n)
                forEachPartition { start, end in
                    var count: Int64 = 0
                    for i in start..<end {
                        if valid?[i] ?? 1 != 0 { count += 1 }
                        out[i] = count
                    }
                }
                return Vector(type: .int, values: .ints(out), valid: nil, count: n)
            case .moving(let aggregate, let c, let frame):
                let values = column(c)
                let bounds = frameStarts(frame)
                return moving(aggregate, values, frameStart: bounds.start, frameEnd: bounds.end)
            case .total(let c): return totals(column(c), share: false)
            case .partitionRows:
                var out = [Int64](repeating: 0, count: n)
                out.withUnsafeMutableBufferPointer { out in
                    forEachPartition { start, end in for i in start..<end { out[i] = Int64(end - start) } }
                }
                return Vector(type: .int, values: .ints(out), valid: nil, count: n)
            case .share(let c): return totals(column(c), share: true)
            case .anomaly(let c, let previous):
                let values = column(c)
                return AnomalyRule.flags(values, previous: previous, forEachPartition: forEachPartition)
            }
        }

        /// The sum of the partition's values up to each row; nulls add nothing, and the sum is
        /// null until a value is seen. Integers are summed exactly, like `sum`
        /// (`ExactIntegerSum`): a row's total is null only when that total itself does not fit,
        /// and the rows after it go on from the exact total. Decimals are summed with
        /// Neumaier's compensation, like `sum`.
        private func runningSum(_ vector: Vector) -> Vector {
            let valid = vector.valid
            var outValid = [UInt8](repeating: 0, count: n)
            switch Numbers(vector) {
            case .ints(let values):
                var out = [Int64](repeating: 0, count: n)
                forEachPartition { start, end in
                    var total: Int64 = 0, carry: Int32 = 0, seen = false
                    for i in start..<end {
                        if valid?[i] ?? 1 != 0 {
                            ExactIntegerSum.add(values[i], to: &total, carry: &carry)
                            seen = true
                        }
                        if seen, let exact = ExactIntegerSum.int64(low: total, carry: carry) { (out[i], outValid[i]) = (exact, 1) }
                    }
                }
                return Vector(type: .int, values: .ints(out), valid: outValid, count: n)
            case .doubles(let values):
                var out = [Double](repeating: 0, count: n)
                forEachPartition { start, end in
                    var sum = NeumaierSum(), seen = false
                    for i in start..<end {
                        if valid?[i] ?? 1 != 0 {
                            sum.add(values[i])
                            seen = true
                        }
                        if seen { (out[i], outValid[i]) = (sum.value, 1) }
                    }
                }
                return Vector(type: .decimal, values: .doubles(out), valid: outValid, count: n)
            }
        }

        /// The value `offset` rows away in the partition (any type); null past its ends.
        private func shifted(_ vector: Vector, by offset: Int) -> Vector {
            var outValid = [UInt8](repeating: 0, count: n)
            var source = [Int](repeating: 0, count: n)
            let valid = vector.valid
            forEachPartition { start, end in
                for i in start..<end {
                    let j = i + offset
                    if j >= start, j < end, valid?[j] ?? 1 != 0 { (source[i], outValid[i]) = (j, 1) }
                }
            }
            func take<T>(_ values: [T]) -> [T] { source.map { values[$0] } }
            switch vector.values {
            case .ints(let a): return Vector(type: vector.type, values: .ints(take(a)), valid: outValid, count: n)
            case .doubles(let a): return Vector(type: vector.type, values: .doubles(take(a)), valid: outValid, count: n)
            case .bools(let a): return Vector(type: vector.type, values: .bools(take(a)), valid: outValid, count: n)
            case .text(let codes, let dictionary): return Vector(type: .text, values: .text(codes: take(codes), dictionary: dictionary), valid: outValid, count: n)
            case .constant: return vector
            }
        }

        /// Per row, its frame `start..<end` (rows of its partition, sorted).
        private mutating func frameStarts(_ frame: WindowFrame) -> (start: [Int], end: [Int]) {
            var starts = [Int](repeating: 0, count: n), ends = [Int](repeating: 0, count: n)
            switch frame {
            case .rows(let count):
                forEachPartition { start, end in
                    for i in start..<end { (starts[i], ends[i]) = (max(start, i - count + 1), i + 1) }
                }
            case .length(let length):
                // One ascending date or timestamp order column (the binder checks): the rows
                // dated after `t - length` up to `t`, with the row's ties. A row without a date
                // reads the rows without a date of its partition (its ties).
                let times = column(order[0])
                let type = times.type
                guard case .ints(let t) = times.values else { return (starts, ends) }
                let valid = times.valid
                let peers = peers()
                let back = Interval(months: -length.months, days: -length.days, micros: -length.micros)
                forEachPartition { start, end in
                    // Ties: the end of each run of equal times.
                    var runEnd = end
                    for i in stride(from: end - 1, through: start, by: -1) {
                        ends[i] = runEnd
                        if peers[i] || i == start { runEnd = i }
                    }
                    var runStart = start
                    var first = start
                    for i in start..<end {
                        if i == start || peers[i] { runStart = i }
                        if valid?[i] ?? 1 == 0 { starts[i] = runStart; continue }
                        let lower = CalendarMath.shift(t[i], inputType: type, by: back, resultType: type) ?? Int64.min
                        while first < i, valid?[first] ?? 1 == 0 || t[first] <= lower { first += 1 }
                        starts[i] = first
                    }
                }
            }
            return (starts, ends)
        }

        /// Sum, mean or count of the non-null values of each row's frame. Sums and counts
        /// come from prefix sums over each partition (exact for integers); a frame of a few rows
        /// is summed directly, so decimals keep every digit they can. Partition `k`'s prefixes
        /// sit at `start + k ... end + k` (one more slot than rows), in one array for all.
        private func moving(_ aggregate: MovingAggregate, _ vector: Vector, frameStart: [Int], frameEnd: [Int]) -> Vector {
            let valid = vector.valid
            let slots = n + segments.count
            var counts = [Int64](repeating: 0, count: slots)
            var outValid = [UInt8](repeating: 0, count: n)
            var k = 0
            forEachPartition { start, end in
                let base = start + k
                counts[base] = 0
                for i in start..<end { counts[base + i - start + 1] = counts[base + i - start] + (valid?[i] ?? 1 != 0 ? 1 : 0) }
                k += 1
            }
            /// Row i's frame as prefix slots, given its partition's slot base.
            func frameCount(_ i: Int, _ shift: Int) -> Int64 { counts[frameEnd[i] + shift] - counts[frameStart[i] + shift] }
            if aggregate == .count {
                var out = [Int64](repeating: 0, count: n)
                k = 0
                forEachPartition { start, end in
                    for i in start..<end { out[i] = frameCount(i, k) }
                    k += 1
                }
                return Vector(type: .int, values: .ints(out), valid: nil, count: n)
            }
            switch Numbers(vector) {
            case .ints(let values):
                var sums = [Int64](repeating: 0, count: slots), wide = [Double](repeating: 0, count: slots)
                var outInts = [Int64](repeating: 0, count: n), outDoubles = [Double](repeating: 0, count: n)
                k = 0
                forEachPartition { start, end in
                    let base = start + k
                    (sums[base], wide[base]) = (0, 0)
                    for i in start..<end {
                        let v = valid?[i] ?? 1 != 0 ? values[i] : 0
                        let slot = base + i - start
                        (sums[slot + 1], wide[slot + 1]) = (sums[slot] &+ v, wide[slot] + Double(v))
                    }
                    for i in start..<end {
                        let count = frameCount(i, k)
                        guard count > 0 else { continue }
                        let (lo, hi) = (frameStart[i] + k, frameEnd[i] + k)
                        // Wrapping sums are exact whenever the true sum fits; the wide one tells.
                        let fits = abs(wide[hi] - wide[lo]) < 9.2e18
                        if aggregate == .sum {
                            if fits { (outInts[i], outValid[i]) = (sums[hi] &- sums[lo], 1) }
                        } else {
                            let sum = fits ? Double(sums[hi] &- sums[lo]) : wide[hi] - wide[lo]
                            (outDoubles[i], outValid[i]) = (sum / Double(count), 1)
                        }
                    }
                    k += 1
                }
                return aggregate == .sum ? Vector(type: .int, values: .ints(outInts), valid: outValid, count: n)
                    : Vector(type: .decimal, values: .doubles(outDoubles), valid: outValid, count: n)
            case .doubles(let values):
                var prefix = [Double](repeating: 0, count: slots)
                var out = [Double](repeating: 0, count: n)
                k = 0
                forEachPartition { start, end in
                    let base = start + k
                    var running = NeumaierSum()
                    prefix[base] = 0
                    for i in start..<end {
                        if valid?[i] ?? 1 != 0 { running.add(values[i]) }
                        prefix[base + i - start + 1] = running.value
                    }
                    for i in start..<end {
                        let count = frameCount(i, k)
                        guard count > 0 else { continue }
                        let (lo, hi) = (frameStart[i], frameEnd[i])
                        var sum: Double
                        if hi - lo <= 64 {
                            var direct = NeumaierSum()
                            for j in lo..<hi where valid?[j] ?? 1 != 0 { direct.add(values[j]) }
                            sum = direct.value
                        } else {
                            sum = prefix[hi + k] - prefix[lo + k]
                        }
                        if aggregate == .mean { sum /= Double(count) }
                        (out[i], outValid[i]) = (sum, 1)
                    }
                    k += 1
                }
                return Vector(type: .decimal, values: .doubles(out), valid: outValid, count: n)
            }
        }

        /// Each partition's sum on every row of it (null when it has no value, or an integer
        /// total does not fit), or with `share` each value divided by it (null when the sum is 0 or null).
        private func totals(_ vector: Vector, share: Bool) -> Vector {
            let valid = vector.valid
            let numbers = Numbers(vector)
            var outValid = [UInt8](repeating: 0, count: n)
            // Integer totals (exact), or decimal ones; written through buffers (a closure writing
            // into a captured array checks its uniqueness at every row).
            var intSums: [Int64] = [], sums: [Double] = []
            outValid.withUnsafeMutableBufferPointer { outValid in
                switch numbers {
                case .ints(let values):
                    intSums = [Int64](repeating: 0, count: n)
                    intSums.withUnsafeMutableBufferPointer { out in
                        forEachPartition { start, end in
                            var seen = false, low: Int64 = 0, carry: Int32 = 0
                            for i in start..<end where valid?[i] ?? 1 != 0 {
                                seen = true
                                ExactIntegerSum.add(values[i], to: &low, carry: &carry)
                            }
                            // Null only when the partition's total itself does not fit.
                            guard seen, let total = ExactIntegerSum.int64(low: low, carry: carry) else { return }
                            for i in start..<end { (out[i], outValid[i]) = (total, 1) }
                        }
                    }
                case .doubles(let values):
                    sums = [Double](repeating: 0, count: n)
                    sums.withUnsafeMutableBufferPointer { out in
                        forEachPartition { start, end in
                            var seen = false, total = NeumaierSum()
                            for i in start..<end where valid?[i] ?? 1 != 0 {
                                seen = true
                                total.add(values[i])
                            }
                            guard seen else { return }
                            let value = total.value
                            for i in start..<end { (out[i], outValid[i]) = (value, 1) }
                        }
                    }
                }
            }
            guard share else {
                if case .ints = numbers { return Vector(type: .int, values: .ints(intSums), valid: outValid, count: n) }
                return Vector(type: .decimal, values: .doubles(sums), valid: outValid, count: n)
            }
            var out = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let value: Double, total: Double
                switch numbers {
                case .ints(let values): (value, total) = (Double(values[i]), Double(intSums[i]))
                case .doubles(let values): (value, total) = (values[i], sums[i])
                }
                guard outValid[i] != 0, valid?[i] ?? 1 != 0, total != 0 else { outValid[i] = 0; continue }
                out[i] = value / total
            }
            return Vector(type: .decimal, values: .doubles(out), valid: outValid, count: n)
        }
    }

    /// The numbers of a decoded vector: integers (bools as 0 and 1) or decimals.
    private enum Numbers {
        case ints([Int64])
        case doubles([Double])

        init(_ vector: Vector) {
            switch vector.values {
            case .ints(let a): self = .ints(a)
            case .doubles(let a): self = .doubles(a)
            case .bools(let a): self = .ints(a.map { Int64($0) })
            case .text, .constant: preconditionFailure("window sums read numbers; the binder checks the type")
            }
        }
    }
}

/// A running sum with Neumaier's compensation (as `sum` adds decimals).
struct NeumaierSum {
    private var sum = 0.0
    private var compensation = 0.0

    mutating func add(_ value: Double) {
        let t = sum + value
        compensation += abs(sum) >= abs(value) ? (sum - t) + value : (value - t) + sum
        sum = t
    }

    var value: Double { sum + compensation }
}
