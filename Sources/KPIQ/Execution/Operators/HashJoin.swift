/// Equi-join of two tables: a hash table over the right side's keys, probed with the left
/// side's rows in order. Output rows follow the left side's order (then the right side's);
/// a left join keeps unmatched left rows with nulls on the right.
///
/// Text keys are compared through the left dictionary: each right code is translated once
/// (a right string absent on the left can never match), so probing compares integers.
enum HashJoin {
    static func join(_ left: Table, _ right: Table, spec: JoinSpec, names: [String], cancel: CancellationToken?) throws -> Table {
        let leftKeys = spec.leftKeys.map { Batch.decode(left.columns[$0], .range(start: 0, count: left.rowCount)) }
        let rightKeys = spec.rightKeys.map { Batch.decode(right.columns[$0], .range(start: 0, count: right.rowCount)) }
        let width = leftKeys.count
        // Key words per side, aligned so equal keys give equal words.
        var leftWords: [[UInt64]] = []
        var rightWords: [[UInt64]] = []
        var rightUsable = [Bool](repeating: true, count: right.rowCount)
        var leftUsable = [Bool](repeating: true, count: left.rowCount)
        for k in 0..<width {
            let (l, r) = alignedWords(leftKeys[k], rightKeys[k], rightUsable: &rightUsable)
            leftWords.append(l)
            rightWords.append(r)
            for i in 0..<left.rowCount where !leftKeys[k].isValid(i) { leftUsable[i] = false }
            for i in 0..<right.rowCount where !rightKeys[k].isValid(i) { rightUsable[i] = false }
        }
        // Build: buckets of right rows, chained.
        var size = 16
        while size < right.rowCount * 2 { size <<= 1 }
        let mask = size - 1
        var heads = [Int32](repeating: -1, count: size)
        var next = [Int32](repeating: -1, count: right.rowCount)
        func hash(_ words: [[UInt64]], _ row: Int) -> Int {
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for k in 0..<width { h = ByteHash.mix(h ^ words[k][row]) }
            return Int(truncatingIfNeeded: h) & mask
        }
        // Insert in reverse so each chain lists rows in ascending order.
        for row in stride(from: right.rowCount - 1, through: 0, by: -1) where rightUsable[row] {
            let b = hash(rightWords, row)
            next[row] = heads[b]
            heads[b] = Int32(row)
        }
        try cancel?.check()
        // Probe in parallel over ranges of left rows; concatenate in order.
        let ranges = Parallel.ranges(left.rowCount, parts: left.rowCount < 100_000 ? 1 : Parallel.threadCount * 4)
        let pieces = try Parallel.map(ranges.count) { t -> ([Int32], [Int32]) in
            var li: [Int32] = []
            var ri: [Int32] = []
            for row in ranges[t] {
                if row & 0xFFFF == 0 { try cancel?.check() }
                var matched = false
                if leftUsable[row] {
                    var candidate = heads[hash(leftWords, row)]
                    while candidate >= 0 {
                        let c = Int(candidate)
                        var equal = true
                        for k in 0..<width where leftWords[k][row] != rightWords[k][c] { equal = false; break }
                        if equal {
                            li.append(Int32(row))
                            ri.append(candidate)
                            matched = true
                        }
                        candidate = next[c]
                    }
                }
                if !matched, spec.kind == .left {
                    li.append(Int32(row))
                    ri.append(-1)
                }
            }
            return (li, ri)
        }
        let leftIndices = pieces.flatMap(\.0)
        let rightIndices = pieces.flatMap(\.1)
        var columns = left.columns.map { $0.gather(leftIndices) }
        for c in spec.rightColumns { columns.append(TableOperations.gather(right.columns[c], rightIndices)) }
        return Table(names: names, columns: columns, rowCount: leftIndices.count)
    }

    /// Words for one key column on both sides such that equal values give equal words.
    private static func alignedWords(_ l: Vector, _ r: Vector, rightUsable: inout [Bool]) -> ([UInt64], [UInt64]) {
        switch (l.values, r.values) {
        case (.text(let lc, let ld), .text(let rc, let rd)):
            if ld === rd { return (lc.map { UInt64($0) }, rc.map { UInt64($0) }) }
            // Translate each right code used into a left code, once.
            var translation = [Int64](repeating: -2, count: rd.count)
            var words = [UInt64](repeating: 0, count: rc.count)
            for (i, code) in rc.enumerated() {
                let c = Int(code)
                if translation[c] == -2 { translation[c] = Int64(ld.code(of: rd.string(c)) ?? -1) }
                if translation[c] < 0 { rightUsable[i] = false } else { words[i] = UInt64(translation[c]) }
            }
            return (lc.map { UInt64($0) }, words)
        default:
            let lt = l.type, rt = r.type
            if lt == .decimal || rt == .decimal {
                let a = NumericOperand(l)?.doubles(count: l.count) ?? []
                let b = NumericOperand(r)?.doubles(count: r.count) ?? []
                return (a.map(KeyComponents.doubleKey), b.map(KeyComponents.doubleKey))
            }
            var a = NumericOperand(l)?.ints(count: l.count) ?? [Int64](repeating: 0, count: l.count)
            var b = NumericOperand(r)?.ints(count: r.count) ?? [Int64](repeating: 0, count: r.count)
            if lt == .date, rt == .timestamp { a = a.map { $0 * CivilCalendar.microsPerDay } }
            if rt == .date, lt == .timestamp { b = b.map { $0 * CivilCalendar.microsPerDay } }
            return (a.map { UInt64(bitPattern: $0) }, b.map { UInt64(bitPattern: $0) })
        }
    }
}
