/// The build and probe steps of a hash join: every distinct key of the build side gets a
/// number, and every row of both sides the number of its key (-1: the row can match nothing,
/// for a null key, a string the other side lacks, or a key the build side does not have).
///
/// Numbering keys instead of chaining rows is what lets a join know its size before it makes
/// it: the rows of key k pair with every row of the other side with key k, so the output's
/// size is a sum of products of counts (`JoinPairs`), found in one pass over the numbers. A
/// chained table only tells by walking every pair, which for a key shared by 60,000 rows on
/// both sides is 3.6 billion steps spent making a result that is then refused.
struct JoinKeyNumbering {
    /// The key number of each build row (-1: unusable).
    let build: [Int32]
    /// The key number of each probe row (-1: no build row has its key); only the matching
    /// rows when a sample of a large probe side finds few that match.
    let probe: RowKeyNumbers
    /// Key numbers run over `0..<keyCount`.
    let keyCount: Int

    /// `buildWords[k][row]` / `probeWords[k][row]`: key column k's words (equal values, equal
    /// words); `usable`: nil when every row is, else false for rows that can match nothing.
    init(buildWords: [[UInt64]], buildUsable: [Bool]?, probeWords: [[UInt64]], probeUsable: [Bool]?,
         cancel: CancellationToken?) throws {
        let width = buildWords.count
        let buildCount = buildWords.first?.count ?? 0
        let probeCount = probeWords.first?.count ?? 0
        // One key whose words are small non-negative numbers (dictionary codes, dense ids) is
        // its own number: no hash to compute, no table to build.
        if width == 1, let size = Self.directSize(buildWords[0], usable: buildUsable, rows: buildCount, probeRows: probeCount) {
            build = Self.direct(buildWords[0], usable: buildUsable, size: size)
            try cancel?.check()
            probe = .dense(Self.direct(probeWords[0], usable: probeUsable, size: size))
            try cancel?.check()
            keyCount = size
            return
        }
        // Otherwise an open-addressing table of the distinct keys, each slot holding a key
        // number; a key's first build row stands for it when comparing words.
        var size = 16
        while size < buildCount * 2 { size <<= 1 }
        let mask = size - 1
        var slots = [Int32](repeating: -1, count: size)
        var representatives: [Int32] = []
        var buildNumbers = [Int32](repeating: -1, count: buildCount)
        for row in 0..<buildCount where buildUsable?[row] ?? true {
            if row & 0xFFFF == 0 { try cancel?.check() }
            var slot = Self.hash(buildWords, row, width) & mask
            while true {
                let key = slots[slot]
                if key < 0 {
                    slots[slot] = Int32(representatives.count)
                    buildNumbers[row] = Int32(representatives.count)
                    representatives.append(Int32(row))
                    break
                }
                if Self.equal(buildWords, Int(representatives[Int(key)]), buildWords, row, width) {
                    buildNumbers[row] = key
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        try cancel?.check()
        // A probe side much larger than the build side mostly misses (millions of visitors,
        // a few thousand contacts): one bit per word, small enough to stay in cache, answers
        // most probes without touching the table.
        let present = width == 1 && probeCount > 4 * buildCount ? WordFilter(buildWords[0], usable: buildUsable) : nil
        let probeUsable = probeUsable ?? []
        // The key number of one probe row (-1: no build row has its key).
        @inline(__always) func lookUp(_ row: Int, _ slots: UnsafeBufferPointer<Int32>, _ representatives: UnsafeBufferPointer<Int32>) -> Int32 {
            if !probeUsable.isEmpty, !probeUsable[row] { return -1 }
            if let present, !present.mayContain(probeWords[0][row]) { return -1 }
            var slot = Self.hash(probeWords, row, width) & mask
            while true {
                let key = slots[slot]
                if key < 0 { return -1 }
                if Self.equal(buildWords, Int(representatives[Int(key)]), probeWords, row, width) { return key }
                slot = (slot + 1) & mask
            }
        }
        // Ranges of the probe side in parallel. When few probe rows match (a sample of about
        // 4,096 rows says so), each range lists only its matching rows; otherwise it writes
        // every row's number, once, into fresh memory on huge pages.
        let ranges = Parallel.ranges(probeCount, parts: probeCount < 100_000 ? 1 : Parallel.threadCount * 4)
        func probeRange(_ t: Int, _ found: (_ row: Int, _ number: Int32) -> Void) -> Error? {
            slots.withUnsafeBufferPointer { slots in
                representatives.withUnsafeBufferPointer { representatives in
                    for row in ranges[t] {
                        if row & 0xFFFF == 0, cancel?.isCancelled == true { return Cancelled() }
                        let number = lookUp(row, slots, representatives)
                        if number >= 0 { found(row, number) }
                    }
                    return nil
                }
            }
        }
        var fewMatch = false
        if probeCount >= 100_000 {
            let step = max(1, probeCount / 4096)
            var sampled = 0, matched = 0
            slots.withUnsafeBufferPointer { slots in
                representatives.withUnsafeBufferPointer { representatives in
                    for row in stride(from: 0, to: probeCount, by: step) {
                        sampled += 1
                        if lookUp(row, slots, representatives) >= 0 { matched += 1 }
                    }
                }
            }
            fewMatch = matched * 8 < sampled
        }
        if fewMatch {
            let pieces = Parallel.map(ranges.count) { t -> (rows: [Int32], numbers: [Int32], stop: Error?) in
                var rows: [Int32] = [], numbers: [Int32] = []
                let stop = probeRange(t) { row, number in
                    rows.append(Int32(row))
                    numbers.append(number)
                }
                return (rows, numbers, stop)
            }
            if let stop = pieces.lazy.compactMap(\.stop).first { throw stop }
            probe = .sparse(rows: pieces.flatMap(\.rows), numbers: pieces.flatMap(\.numbers), rowCount: probeCount)
        } else {
            var stopped: Error?
            let probeNumbers = LargeAllocation.array(of: Int32.self, count: probeCount) { out in
                let out = UncheckedBox(out)
                let stops = Parallel.map(ranges.count) { t -> Error? in
                    // Unmatched rows are -1; every row of the range is written, even after a
                    // stop, so the array is whole when it is dropped.
                    (out.value + ranges[t].lowerBound).initialize(repeating: -1, count: ranges[t].count)
                    return probeRange(t) { row, number in out.value[row] = number }
                }
                stopped = stops.lazy.compactMap { $0 }.first
            }
            if let stopped { throw stopped }
            probe = .dense(probeNumbers)
        }
        build = buildNumbers
        keyCount = representatives.count
    }

    @inline(__always)
    private static func hash(_ words: [[UInt64]], _ row: Int, _ width: Int) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for k in 0..<width { h = ByteHash.mix(h ^ words[k][row]) }
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always)
    private static func equal(_ a: [[UInt64]], _ i: Int, _ b: [[UInt64]], _ j: Int, _ width: Int) -> Bool {
        for k in 0..<width where a[k][i] != b[k][j] { return false }
        return true
    }

    /// The number of key values when a key's word is its number (the largest usable build
    /// word plus one), or nil when a word is too large for that to stay within about what a
    /// hash table for `rows` build rows takes, or what the numbers of `probeRows` take.
    static func directSize(_ words: [UInt64], usable: [Bool]?, rows: Int, probeRows: Int = 0) -> Int? {
        var largest: UInt64 = 0
        words.withUnsafeBufferPointer { words in
            if let usable {
                for i in 0..<words.count where usable[i] { largest = max(largest, words[i]) }
            } else {
                for word in words { largest = max(largest, word) }
            }
        }
        // Up to 8 numbers a build row while the probe side has at least as many rows: a
        // table that size costs what the probe's own numbers do, and a probe then reads no
        // table at all (sessions joined to the visitors of a cohort, 1.8M of 6M codes).
        let limit = max(2 * rows + 64, min(8 * rows, probeRows))
        return largest < UInt64(limit) ? Int(largest) + 1 : nil
    }

    /// Words as key numbers: the word itself when below `size` and usable, else -1.
    private static func direct(_ words: [UInt64], usable: [Bool]?, size: Int) -> [Int32] {
        LargeAllocation.array(of: Int32.self, count: words.count) { start in
            let out = UncheckedBox(start)
            words.withUnsafeBufferPointer { words in
                Parallel.forEachRange(words.count) { range in
                    for row in range {
                        let word = words[row]
                        out.value[row] = word < UInt64(size) && (usable?[row] ?? true) ? Int32(word) : -1
                    }
                }
            }
        }
    }
}
