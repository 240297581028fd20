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
        var keyCount = spec.leftKeys.count
        var leftWords: [[UInt64]] = []
        var rightWords: [[UInt64]] = []
        // Rows that cannot match (a null key, or a string the other side lacks); nil: none.
        var leftUsable: [Bool]?
        var rightUsable: [Bool]?
        if spec.nullsEqual {
            // Null matches null: a null key is the word 0 plus a bit in one more key word, which
            // no value has.
            var leftNulls = [UInt64](repeating: 0, count: left.rowCount)
            var rightNulls = [UInt64](repeating: 0, count: right.rowCount)
            for k in 0..<keyCount {
                let lc = left.columns[spec.leftKeys[k]], rc = right.columns[spec.rightKeys[k]]
                var lu: [Bool]?, ru: [Bool]?
                var (l, r) = alignedWords(lc, rc, leftUsable: &lu, rightUsable: &ru, nullsMatch: true)
                Self.nullsAsKey(lc, bit: k, words: &l, usable: &lu, nulls: &leftNulls)
                Self.nullsAsKey(rc, bit: k, words: &r, usable: &ru, nulls: &rightNulls)
                Self.intersect(&leftUsable, lu)
                Self.intersect(&rightUsable, ru)
                leftWords.append(l)
                rightWords.append(r)
            }
            leftWords.append(leftNulls)
            rightWords.append(rightNulls)
            keyCount += 1
        } else {
            for k in 0..<keyCount {
                let (l, r) = alignedWords(left.columns[spec.leftKeys[k]], right.columns[spec.rightKeys[k]],
                                          leftUsable: &leftUsable, rightUsable: &rightUsable)
                leftWords.append(l)
                rightWords.append(r)
            }
        }
        let width = keyCount
        trace.mark("keys")
        try cancel?.check()
        // Build on the smaller side, probe with the other.
        let buildLeft = left.rowCount < right.rowCount
        let (buildWords, buildUsable, buildCount) = buildLeft ? (leftWords, leftUsable, left.rowCount) : (rightWords, rightUsable, right.rowCount)
        let (probeWords, probeCount) = buildLeft ? (rightWords, right.rowCount) : (leftWords, left.rowCount)
        let probeUsable = (buildLeft ? rightUsable : leftUsable) ?? []
        // One key whose words are small non-negative numbers (dictionary codes, dense ids)
        // indexes the table itself: no hash to compute, and a slot's chain holds only rows
        // with that key. Only when the table stays about the size hashing would use.
        let direct = width == 1 ? Self.directTableSize(buildWords[0], usable: buildUsable, rows: buildCount) : nil
        var size = 16
        while size < buildCount * 2 { size <<= 1 }
        if let direct { size = direct }
        let mask = size - 1
        var heads = [Int32](repeating: -1, count: size)
        var next = [Int32](repeating: -1, count: buildCount)
        @inline(__always) func hash(_ words: [[UInt64]], _ row: Int) -> Int {
            if direct != nil { return Int(words[0][row]) }
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for k in 0..<width { h = ByteHash.mix(h ^ words[k][row]) }
            return Int(truncatingIfNeeded: h) & mask
        }
        // Insert in reverse so each chain lists rows in ascending order.
        for row in stride(from: buildCount - 1, through: 0, by: -1) where buildUsable?[row] ?? true {
            let b = hash(buildWords, row)
            next[row] = heads[b]
            heads[b] = Int32(row)
        }
        try cancel?.check()
        // A probe side much larger than the build side mostly misses (millions of visitors,
        // a few thousand contacts): one bit per word, small enough to stay in cache, answers
        // most probes without touching the hash table. A direct table is that small already.
        let present = width == 1 && direct == nil && probeCount > 4 * buildCount ? WordFilter(buildWords[0], usable: buildUsable) : nil
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
                                    let checkUsable = !usable.isEmpty
                                    for row in ranges[t] {
                                        if row & 0xFFFF == 0 { try cancel?.check() }
                                        if checkUsable, !usable[row] { continue }
                                        let word = probe[row]
                                        if let present, !present.mayContain(word) { continue }
                                        let slot: Int
                                        if direct != nil {
                                            guard word < UInt64(size) else { continue }
                                            slot = Int(word)
                                        } else {
                                            slot = Int(truncatingIfNeeded: ByteHash.mix(0x9E37_79B9_7F4A_7C15 ^ word)) & mask
                                        }
                                        var candidate = heads[slot]
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
                if !probeUsable.isEmpty, !probeUsable[row] { continue }
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

    /// The size of a table indexed by the build side's key words themselves (the largest
    /// usable word plus one), or nil when a word is too large for that to stay within about
    /// what a hash table for `rows` rows takes.
    static func directTableSize(_ words: [UInt64], usable: [Bool]?, rows: Int) -> Int? {
        var largest: UInt64 = 0
        words.withUnsafeBufferPointer { words in
            if let usable {
                for i in 0..<words.count where usable[i] { largest = max(largest, words[i]) }
            } else {
                for word in words { largest = max(largest, word) }
            }
        }
        return largest < UInt64(2 * rows + 64) ? Int(largest) + 1 : nil
    }

    /// Words for one key column on both sides such that equal values give equal words; rows
    /// that cannot match are marked in the usable flags (made on first need).
    private static func alignedWords(
        _ l: Column, _ r: Column, leftUsable: inout [Bool]?, rightUsable: inout [Bool]?, nullsMatch: Bool = false
    ) -> ([UInt64], [UInt64]) {
        if !nullsMatch {
            markNulls(l, &leftUsable)
            markNulls(r, &rightUsable)
        }
        switch (l.values, r.values) {
        case (.text(let lc, let ld), .text(let rc, let rd)):
            if ld === rd { return (codeWords(lc), codeWords(rc)) }
            // One side's codes are translated into the other's dictionary: the smaller
            // dictionary's into the larger's when the larger one has its lookup index (kept
            // with the data, so a second join is nearly free) or is not much larger than its
            // rows (building the index costs what translating them would); else only the
            // codes the larger side uses, into the smaller's.
            let leftIsLarger = ld.count > rd.count
            let (large, largeRows) = leftIsLarger ? (ld, lc.count) : (rd, rc.count)
            if large.hasLookupIndex || large.count <= 2 * largeRows {
                if leftIsLarger { return (codeWords(lc), codeWords(rc, through: ld.translation(from: rd), usable: &rightUsable)) }
                return (codeWords(lc, through: rd.translation(from: ld), usable: &leftUsable), codeWords(rc))
            }
            if leftIsLarger { return (codeWords(lc, through: rd.translation(of: lc.unpacked(), from: ld), usable: &leftUsable), codeWords(rc)) }
            return (codeWords(lc), codeWords(rc, through: ld.translation(of: rc.unpacked(), from: rd), usable: &rightUsable))
        case (.integers(let lp), .integers(let rp)) where l.type == r.type:
            // Ids, dates or times on both sides: the stored values are the words.
            return (codeWords(lp), codeWords(rp))
        default:
            let lv = Batch.decode(l, .range(start: 0, count: l.count)), rv = Batch.decode(r, .range(start: 0, count: r.count))
            let lt = l.type, rt = r.type
            if lt == .decimal || rt == .decimal {
                let a = NumericOperand(lv)?.doubles(count: lv.count) ?? []
                let b = NumericOperand(rv)?.doubles(count: rv.count) ?? []
                return (a.map(KeyComponents.doubleKey), b.map(KeyComponents.doubleKey))
            }
            var a = NumericOperand(lv)?.ints(count: lv.count) ?? [Int64](repeating: 0, count: lv.count)
            var b = NumericOperand(rv)?.ints(count: rv.count) ?? [Int64](repeating: 0, count: rv.count)
            if lt == .date, rt == .timestamp { a = a.map { $0 * CivilCalendar.microsPerDay } }
            if rt == .date, lt == .timestamp { b = b.map { $0 * CivilCalendar.microsPerDay } }
            return (a.map { UInt64(bitPattern: $0) }, b.map { UInt64(bitPattern: $0) })
        }
    }

    /// For a join where null matches null: null rows of key `bit` get the word 0, are usable
    /// whatever their stored code, and set the bit in `nulls`.
    private static func nullsAsKey(_ column: Column, bit: Int, words: inout [UInt64], usable: inout [Bool]?, nulls: inout [UInt64]) {
        guard let validity = column.validity else { return }
        for i in 0..<column.count where !validity.isValid(i) {
            words[i] = 0
            usable?[i] = true
            nulls[i] |= 1 << UInt64(bit & 63)
        }
    }

    /// Rows usable for every key so far.
    private static func intersect(_ usable: inout [Bool]?, _ other: [Bool]?) {
        guard let other else { return }
        guard var current = usable else {
            usable = other
            return
        }
        for i in current.indices where !other[i] { current[i] = false }
        usable = current
    }

    /// Null keys never match.
    private static func markNulls(_ column: Column, _ usable: inout [Bool]?) {
        guard let validity = column.validity else { return }
        if usable == nil { usable = [Bool](repeating: true, count: column.count) }
        for i in 0..<column.count where !validity.isValid(i) { usable![i] = false }
    }

    /// A text column's codes (or an integer column's values) as words, unpacked on all cores
    /// (millions of visitors).
    private static func codeWords(_ codes: PackedIntegers) -> [UInt64] {
        LargeAllocation.array(of: UInt64.self, count: codes.count) { start in
            let out = UncheckedBox(start)
            Parallel.forEachRange(codes.count) { range in
                out.value.withMemoryRebound(to: Int64.self, capacity: codes.count) { words in
                    codes.decode(from: range.lowerBound, count: range.count, into: words + range.lowerBound)
                }
            }
        }
    }

    /// Codes as words of another dictionary (`translation[code]`; a code it lacks, -1 or
    /// -2, makes the row unusable).
    private static func codeWords(_ codes: PackedIntegers, through translation: [Int32], usable: inout [Bool]?) -> [UInt64] {
        var words = codeWords(codes)
        var missing: [Int] = []
        translation.withUnsafeBufferPointer { translation in
            words.withUnsafeMutableBufferPointer { words in
                for i in 0..<words.count {
                    let code = Int(truncatingIfNeeded: words[i])
                    let t = code >= 0 && code < translation.count ? translation[code] : -1
                    if t < 0 { missing.append(i) } else { words[i] = UInt64(t) }
                }
            }
        }
        if !missing.isEmpty {
            if usable == nil { usable = [Bool](repeating: true, count: words.count) }
            for i in missing { usable![i] = false }
        }
        return words
    }
}

/// Which words a join's build side holds, one bit each: exact for dictionary codes and small
/// ids (a bitmap over the words), else hashed (false positives, never false negatives).
struct WordFilter {
    private let bits: [UInt64]
    private let shift: UInt64
    private let exact: Bool

    init(_ words: [UInt64], usable: [Bool]?) {
        let largest = words.max() ?? 0
        var size = 1 << 12
        while size < words.count * 16 { size <<= 1 }
        // Codes and ids below a few million: a bit per value, no hashing.
        exact = largest < UInt64(max(size, 1 << 25))
        let bitCount = exact ? Int(largest) + 1 : size
        shift = UInt64(64 - (size.trailingZeroBitCount))
        var bits = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        for (row, word) in words.enumerated() where usable?[row] ?? true {
            let bit = exact ? Int(word) : Int(ByteHash.mix(word) >> shift)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.bits = bits
    }

    @inline(__always)
    func mayContain(_ word: UInt64) -> Bool {
        let bit: Int
        if exact {
            guard word < UInt64(bits.count) << 6 else { return false }
            bit = Int(word)
        } else {
            bit = Int(ByteHash.mix(word) >> shift)
        }
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }
}
