/// Equi-join of two tables: the smaller side's distinct keys numbered in a hash table, the
/// other side's rows looked up in it (`JoinKeyNumbering`), then the pairs of rows made from the
/// numbers (`JoinPairs`) and the columns gathered. Output rows follow the left side's order
/// (then the right side's); a left join keeps unmatched left rows with nulls on the right.
///
/// The output's size is known from the key counts before it is made, so the row limit and
/// the memory budget are checked before anything of that size is allocated, and every loop
/// whose length the data decides checks the cancellation token.
///
/// Text keys are compared as codes: one side's used codes are translated once into the other
/// side's dictionary (a string absent there can never match), so probing compares integers
/// and no string is built per row.
enum HashJoin {
    /// `rowLimit`: the most rows the result may have (a test lowers it).
    static func join(_ left: Table, _ right: Table, spec: JoinSpec, names: [String], cancel: CancellationToken?,
                     budget: MemoryBudget? = nil, rowLimit: Int = Table.maxRows) throws -> Table {
        var trace = PhaseTrace("join \(left.rowCount) x \(right.rowCount) rows")
        // Build on the smaller side, probe with the other.
        let buildLeft = left.rowCount < right.rowCount
        let numbering: JoinKeyNumbering
        if spec.leftKeys.count == 1, !spec.nullsEqual,
            let byCodes = try JoinKeyNumbering.byProbeCodes(
                build: buildLeft ? left.columns[spec.leftKeys[0]] : right.columns[spec.rightKeys[0]],
                probe: buildLeft ? right.columns[spec.rightKeys[0]] : left.columns[spec.leftKeys[0]], cancel: cancel)
        {
            numbering = byCodes
            trace.mark("keys, build and probe by codes (\(byCodes.probe.matchingRows) rows match)")
        } else {
            numbering = try numberKeys(left, right, spec: spec, buildLeft: buildLeft, cancel: cancel, trace: &trace)
        }
        return try pairUp(left, right, spec: spec, names: names, numbering: numbering, buildLeft: buildLeft,
                          cancel: cancel, budget: budget, rowLimit: rowLimit, trace: &trace)
    }

    /// Numbers the keys of both sides from their words (any key types, any number of keys).
    private static func numberKeys(_ left: Table, _ right: Table, spec: JoinSpec, buildLeft: Bool, cancel: CancellationToken?,
                                   trace: inout PhaseTrace) throws -> JoinKeyNumbering {
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
        trace.mark("keys")
        try cancel?.check()
        let numbering: JoinKeyNumbering
        do {
            numbering = try JoinKeyNumbering(
                buildWords: buildLeft ? leftWords : rightWords, buildUsable: buildLeft ? leftUsable : rightUsable,
                probeWords: buildLeft ? rightWords : leftWords, probeUsable: buildLeft ? rightUsable : leftUsable, cancel: cancel)
        } catch {
            // Stopped: the key words (8 bytes a row on both sides) go off this thread.
            ReleaseLater.release((leftWords, rightWords, leftUsable, rightUsable))
            throw error
        }
        leftWords = []
        rightWords = []
        trace.mark("build and probe")
        return numbering
    }

    /// The output rows' pairs from the keys' numbers, then the columns gathered.
    private static func pairUp(_ left: Table, _ right: Table, spec: JoinSpec, names: [String], numbering: JoinKeyNumbering,
                               buildLeft: Bool, cancel: CancellationToken?, budget: MemoryBudget?, rowLimit: Int,
                               trace: inout PhaseTrace) throws -> Table {
        // An output row: two row numbers, then a copy of the left columns and the kept right
        // ones (nulls on the right need a bitmap in a left join).
        let rightKept = spec.rightColumns.map { right.columns[$0] }
        let bytesPerRow = 8 + left.gatheredBytesPerRow + rightKept.reduce(0) { $0 + $1.gatheredBytesPerRow }
            + (spec.kind == .left ? rightKept.count : 0)
        let pairs: JoinPairs
        do {
            pairs = try JoinPairs(
                leftKeys: buildLeft ? .dense(numbering.build) : numbering.probe, rightKeys: buildLeft ? numbering.probe : .dense(numbering.build),
                keyCount: numbering.keyCount, keepUnmatchedLeft: spec.kind == .left,
                rowLimit: rowLimit, bytesPerRow: bytesPerRow, budget: budget, cancel: cancel)
        } catch {
            // Stopped (or over the limits): the keys' numbers go off this thread too.
            ReleaseLater.release(numbering)
            throw error
        }
        trace.mark("pair up")
        var columns: [Column] = []
        // A left join that gives every left row exactly once (each matched at most once) lists
        // them in order: its left columns are the input's, not gathered.
        let leftInOrder = spec.kind == .left && pairs.left.count == left.rowCount
        do {
            for column in left.columns {
                columns.append(leftInOrder ? column : try column.gather(pairs.left, cancel: cancel))
            }
            for column in rightKept {
                columns.append(try TableOperations.gather(column, pairs.right, cancel: cancel))
            }
        } catch {
            // Stopped (Ctrl-C): the pairs and the columns gathered so far are released off
            // this thread, so the stop is answered at once.
            ReleaseLater.release((pairs, columns, numbering))
            throw error
        }
        trace.mark("gather")
        trace.emit()
        return Table(names: names, columns: columns, rowCount: pairs.left.count)
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
