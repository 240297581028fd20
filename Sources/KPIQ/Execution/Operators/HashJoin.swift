/// Equi-join of two tables: a hash table over the smaller side's keys, probed with the other
/// side's rows. Output rows follow the left side's order (then the right side's); a left
/// join keeps unmatched left rows with nulls on the right.
///
/// Text keys are compared as codes: one side's used codes are translated once into the other
/// side's dictionary (a string absent there can never match), so probing compares integers
/// and no string is built per row.
enum HashJoin {
    /// `rowLimit`: the most rows the result may have (a test lowers it).
    static func join(_ left: Table, _ right: Table, spec: JoinSpec, names: [String], cancel: CancellationToken?,
                     rowLimit: Int = Table.maxRows) throws -> Table {
        var trace = PhaseTrace("join \(left.rowCount) x \(right.rowCount) rows")
        let leftKeys = spec.leftKeys.map { Batch.decode(left.columns[$0], .range(start: 0, count: left.rowCount)) }
        let rightKeys = spec.rightKeys.map { Batch.decode(right.columns[$0], .range(start: 0, count: right.rowCount)) }
        let width = leftKeys.count
        var leftWords: [[UInt64]] = []
        var rightWords: [[UInt64]] = []
        var leftUsable = [Bool](repeating: true, count: left.rowCount)
        var rightUsable = [Bool](repeating: true, count: right.rowCount)
        for k in 0..<width {
            let (l, r) = alignedWords(leftKeys[k], rightKeys[k], leftUsable: &leftUsable, rightUsable: &rightUsable)
            leftWords.append(l)
            rightWords.append(r)
            for i in 0..<left.rowCount where !leftKeys[k].isValid(i) { leftUsable[i] = false }
            for i in 0..<right.rowCount where !rightKeys[k].isValid(i) { rightUsable[i] = false }
        }
        trace.mark("keys")
        try cancel?.check()
        // Build on the smaller side, probe with the other.
        let buildLeft = left.rowCount < right.rowCount
        let (buildWords, buildUsable, buildCount) = buildLeft ? (leftWords, leftUsable, left.rowCount) : (rightWords, rightUsable, right.rowCount)
        let (probeWords, probeUsable, probeCount) = buildLeft ? (rightWords, rightUsable, right.rowCount) : (leftWords, leftUsable, left.rowCount)
        var size = 16
        while size < buildCount * 2 { size <<= 1 }
        let mask = size - 1
        var heads = [Int32](repeating: -1, count: size)
        var next = [Int32](repeating: -1, count: buildCount)
        @inline(__always) func hash(_ words: [[UInt64]], _ row: Int) -> Int {
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for k in 0..<width { h = ByteHash.mix(h ^ words[k][row]) }
            return Int(truncatingIfNeeded: h) & mask
        }
        // Insert in reverse so each chain lists rows in ascending order.
        for row in stride(from: buildCount - 1, through: 0, by: -1) where buildUsable[row] {
            let b = hash(buildWords, row)
            next[row] = heads[b]
            heads[b] = Int32(row)
        }
        try cancel?.check()
        // Probe in parallel over ranges of the probe side; pieces stay in probe order.
        let ranges = Parallel.ranges(probeCount, parts: probeCount < 100_000 ? 1 : Parallel.threadCount * 4)
        let pieces = try Parallel.map(ranges.count) { t -> ([Int32], [Int32]) in
            var probeRows: [Int32] = []
            var buildRows: [Int32] = []
            if width == 1 {
                // One key (ids, visitors): plain memory reads.
                try probeWords[0].withUnsafeBufferPointer { probe in
                    try buildWords[0].withUnsafeBufferPointer { build in
                        try heads.withUnsafeBufferPointer { heads in
                            try next.withUnsafeBufferPointer { next in
                                try probeUsable.withUnsafeBufferPointer { usable in
                                    for row in ranges[t] {
                                        if row & 0xFFFF == 0 { try cancel?.check() }
                                        guard usable[row] else { continue }
                                        let word = probe[row]
                                        var candidate = heads[Int(truncatingIfNeeded: ByteHash.mix(0x9E37_79B9_7F4A_7C15 ^ word)) & mask]
                                        while candidate >= 0 {
                                            if build[Int(candidate)] == word {
                                                probeRows.append(Int32(row))
                                                buildRows.append(candidate)
                                                if probeRows.count > rowLimit { try Table.checkRows(probeRows.count, of: "this join", limit: rowLimit) }
                                            }
                                            candidate = next[Int(candidate)]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                return (probeRows, buildRows)
            }
            for row in ranges[t] {
                if row & 0xFFFF == 0 { try cancel?.check() }
                guard probeUsable[row] else { continue }
                var candidate = heads[hash(probeWords, row)]
                while candidate >= 0 {
                    let c = Int(candidate)
                    var equal = true
                    for k in 0..<width where probeWords[k][row] != buildWords[k][c] { equal = false; break }
                    if equal {
                        probeRows.append(Int32(row))
                        buildRows.append(candidate)
                        if probeRows.count > rowLimit { try Table.checkRows(probeRows.count, of: "this join", limit: rowLimit) }
                    }
                    candidate = next[c]
                }
            }
            return (probeRows, buildRows)
        }
        try Table.checkRows(pieces.reduce(0) { $0 + $1.0.count }, of: "this join", limit: rowLimit)
        trace.mark("build and probe")
        var leftIndices: [Int32]
        var rightIndices: [Int32]
        if buildLeft {
            // Matches came in right order: regroup by left row (stable, so right order remains).
            let matchedLeft = pieces.flatMap(\.1)
            let matchedRight = pieces.flatMap(\.0)
            var counts = [Int](repeating: 0, count: left.rowCount + 1)
            for l in matchedLeft { counts[Int(l) + 1] += 1 }
            var unmatched = 0
            if spec.kind == .left {
                for l in 0..<left.rowCount where counts[l + 1] == 0 {
                    counts[l + 1] = 1
                    unmatched += 1
                }
            }
            for l in 0..<left.rowCount { counts[l + 1] += counts[l] }
            let total = counts[left.rowCount]
            leftIndices = [Int32](repeating: 0, count: total)
            rightIndices = [Int32](repeating: -1, count: total)
            var cursor = counts
            for (l, r) in zip(matchedLeft, matchedRight) {
                let at = cursor[Int(l)]
                leftIndices[at] = l
                rightIndices[at] = r
                cursor[Int(l)] += 1
            }
            if spec.kind == .left {
                for l in 0..<left.rowCount where cursor[l] < counts[l + 1] {
                    leftIndices[cursor[l]] = Int32(l)
                    cursor[l] += 1
                }
            }
            _ = unmatched
        } else {
            leftIndices = pieces.flatMap(\.0)
            rightIndices = pieces.flatMap(\.1)
            if spec.kind == .left {
                // Add unmatched left rows in their place.
                var merged: ([Int32], [Int32]) = ([], [])
                merged.0.reserveCapacity(left.rowCount)
                merged.1.reserveCapacity(left.rowCount)
                var k = 0
                for l in 0..<left.rowCount {
                    var matched = false
                    while k < leftIndices.count, leftIndices[k] == Int32(l) {
                        merged.0.append(leftIndices[k])
                        merged.1.append(rightIndices[k])
                        k += 1
                        matched = true
                    }
                    if !matched {
                        merged.0.append(Int32(l))
                        merged.1.append(-1)
                    }
                }
                (leftIndices, rightIndices) = merged
            }
        }
        try Table.checkRows(leftIndices.count, of: "this join", limit: rowLimit)  // with a left join's unmatched rows
        trace.mark("pair up")
        var columns = left.columns.map { $0.gather(leftIndices) }
        for c in spec.rightColumns { columns.append(TableOperations.gather(right.columns[c], rightIndices)) }
        trace.mark("gather")
        trace.emit()
        return Table(names: names, columns: columns, rowCount: leftIndices.count)
    }

    /// Words for one key column on both sides such that equal values give equal words.
    private static func alignedWords(
        _ l: Vector, _ r: Vector, leftUsable: inout [Bool], rightUsable: inout [Bool]
    ) -> ([UInt64], [UInt64]) {
        switch (l.values, r.values) {
        case (.text(let lc, let ld), .text(let rc, let rd)):
            if ld === rd { return (lc.map { UInt64($0) }, rc.map { UInt64($0) }) }
            // One side's codes are translated into the other's dictionary: the smaller
            // dictionary's into the larger's when the larger one has its lookup index (kept
            // with the data, so a second join is nearly free) or is not much larger than its
            // rows (building the index costs what translating them would); else the larger's
            // into the smaller's.
            let leftIsLarger = ld.count > rd.count
            let (large, largeRows) = leftIsLarger ? (ld, lc.count) : (rd, rc.count)
            if large.hasLookupIndex || large.count <= 2 * largeRows {
                if leftIsLarger { return (lc.map { UInt64($0) }, translate(rc, from: rd, into: ld, usable: &rightUsable)) }
                return (translate(lc, from: ld, into: rd, usable: &leftUsable), rc.map { UInt64($0) })
            }
            if leftIsLarger { return (translate(lc, from: ld, into: rd, usable: &leftUsable), rc.map { UInt64($0) }) }
            return (lc.map { UInt64($0) }, translate(rc, from: rd, into: ld, usable: &rightUsable))
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

    /// Codes of `from` as codes of `into` (rows whose string `into` lacks become unusable).
    private static func translate(_ codes: [Int64], from: StringDictionary, into: StringDictionary, usable: inout [Bool]) -> [UInt64] {
        let translation = into.translation(of: codes, from: from)
        var words = [UInt64](repeating: 0, count: codes.count)
        for (i, code) in codes.enumerated() {
            let t = code >= 0 && Int(code) < translation.count ? translation[Int(code)] : -1
            if t < 0 { usable[i] = false } else { words[i] = UInt64(t) }
        }
        return words
    }
}
