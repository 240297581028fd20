import CKPIQSupport

/// Gives each distinct key (one or more columns) a dense group number, batch by batch.
///
/// Text keys from dictionaries are grouped by code: the group number *is* the code (for
/// several keys, the codes as digits of one number, each key's null as its last digit), so
/// grouping ten million sessions by visitor, or by country and device, costs nothing per row
/// and two threads' groups line up without a merge; only each group's first row is stored
/// (4 bytes per code). Groups that never see a row stay "dead" (no first
/// row) and are left out of results. Any other key goes
/// through an open-addressing hash table over the key's words, with each group's hash kept
/// so growing the table never rehashes keys. Groups remember the first row (global row
/// number) they appeared in, so results can be listed in first-seen order whatever the
/// thread scheduling.
final class GroupIndexer {
    let keys: [KeyComponents]
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    /// Group g's key words: `words[g * width + k]`; bit k of `nullMasks[g]` is set when key k
    /// is null. Empty in identity mode, where group g's key is code g (or null for the last).
    @exclusivity(unchecked) private var words: [UInt64] = []
    @exclusivity(unchecked) private var nullMasks: [UInt64] = []
    /// Global row number of each group's first row (`deadRow` for none yet).
    @exclusivity(unchecked) private(set) var firstRows: [Int32] = []
    @exclusivity(unchecked) private var hashes: [UInt64] = []
    var count: Int { firstRows.count }
    private let width: Int

    /// The first row of a group that never saw one.
    static let deadRow = Int32.max

    // Identity path: text keys' codes as the digits of the group number.
    @exclusivity(unchecked) private var identity: IdentityLayout?

    /// Key k's digit of group g is `g / strides[k] % radices[k]`; the digit
    /// `dictionaries[k].count` is null.
    private struct IdentityLayout {
        let dictionaries: [StringDictionary]
        let radices: [Int]
        let strides: [Int]
        var size: Int { radices.reduce(1, *) }

        init(_ dictionaries: [StringDictionary]) {
            self.dictionaries = dictionaries
            radices = dictionaries.map { $0.count + 1 }
            var stride = 1
            var strides: [Int] = []
            for radix in radices {
                strides.append(stride)
                stride *= radix
            }
            self.strides = strides
        }

        func sameDictionaries(as other: IdentityLayout) -> Bool {
            dictionaries.count == other.dictionaries.count && zip(dictionaries, other.dictionaries).allSatisfy { $0 === $1 }
        }

        func digit(_ g: Int, _ k: Int) -> Int { g / strides[k] % radices[k] }
    }
    /// Dictionaries much larger than the input are hashed instead (a filter may leave a few
    /// rows of a column with millions of distinct values).
    private let expectedRows: Int
    // Range path: one integer key (ids, years, days) whose values lie in a span no larger
    // than the input: group 0 is null, group g the value `rangeBase + g - 1`.
    @exclusivity(unchecked) private var rangeBase: Int64?
    // Hash path.
    @exclusivity(unchecked) private var table: [Int32] = []
    @exclusivity(unchecked) private var mask = 0

    @exclusivity(unchecked) private var scratchWords: [[UInt64]]
    @exclusivity(unchecked) private var scratchNulls: [[UInt8]]

    init(keys: [KeyComponents], expectedRows: Int = Int.max / 4) {
        self.keys = keys
        self.expectedRows = expectedRows
        width = keys.count
        scratchWords = Array(repeating: [], count: keys.count)
        scratchNulls = Array(repeating: [], count: keys.count)
        table = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// The layout for grouping by codes, when every key is dictionary-coded text and the
    /// product of their sizes stays small next to the input.
    private var codeLayout: IdentityLayout? {
        var dictionaries: [StringDictionary] = []
        for key in keys {
            guard key.type == .text, !key.usesStrings, let dictionary = key.dictionary else { return nil }
            dictionaries.append(dictionary)
        }
        var size = 1
        for d in dictionaries {
            let (product, overflow) = size.multipliedReportingOverflow(by: d.count + 1)
            guard !overflow else { return nil }
            size = product
        }
        return size <= 2 * expectedRows + 65_536 && size < Int(Int32.max) ? IdentityLayout(dictionaries) : nil
    }

    /// Group numbers of a batch's rows, adding groups for new keys; `rowNumbers` are the
    /// rows' global numbers.
    func groups(for vectors: [Vector], rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        if keys.isEmpty {
            // An empty batch (an empty table still sends one) leaves the group without a row.
            if count == 0 { addGroup(words: [], nullMask: 0, hash: 0, firstRow: rowNumbers.first ?? Self.deadRow) }
            return [Int32](repeating: 0, count: n)
        }
        if let layout = identity, let groups = Self.identityGroups(vectors, layout, rowNumbers: rowNumbers, firstRows: &firstRows) {
            return groups
        }
        for k in 0..<width {
            keys[k].encode(vectors[k], into: &scratchWords[k], nulls: &scratchNulls[k])
            if let translation = keys[k].takeTranslation() { retranslate(key: k, translation) }
        }
        if identity == nil, count == 0, let layout = codeLayout { enterIdentityMode(layout) }
        if identity != nil { return identityGroups(rowNumbers: rowNumbers) }
        if rangeBase == nil, count == 0, width == 1, keys[0].type == .int || keys[0].type == .date { enterRangeMode() }
        if rangeBase != nil, let groups = rangeGroups(rowNumbers: rowNumbers) { return groups }
        var result = [Int32](repeating: 0, count: n)
        if width == 1 {
            let values = scratchWords[0], nulls = scratchNulls[0]
            for i in 0..<n {
                let isNull = nulls[i] != 0
                result[i] = findOrAdd1(isNull ? 0 : values[i], nullMask: isNull ? 1 : 0, firstRow: rowNumbers[i])
            }
            return result
        }
        if width == 2 { return pairGroups(rowNumbers: rowNumbers) }
        var tuple = [UInt64](repeating: 0, count: width)
        var previousMask = UInt64.max
        for i in 0..<n {
            var nullMask: UInt64 = 0
            var same = i > 0
            for k in 0..<width {
                let word: UInt64
                if scratchNulls[k][i] != 0 {
                    nullMask |= 1 << UInt64(k)
                    word = 0
                } else {
                    word = scratchWords[k][i]
                }
                if word != tuple[k] { same = false }
                tuple[k] = word
            }
            // Rows sorted by time repeat their (year, month) keys: the same tuple as the row
            // before is the same group (whose first row is already earlier).
            if same, nullMask == previousMask {
                result[i] = result[i - 1]
                continue
            }
            previousMask = nullMask
            result[i] = findOrAdd(tuple, nullMask: nullMask, firstRow: rowNumbers[i])
        }
        return result
    }

    /// Groups of two keys (campaign and month, country and device by hash): the loop above
    /// with both keys' words and flags read straight from memory.
    private func pairGroups(rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        var tuple: (UInt64, UInt64) = (0, 0)
        var previousMask = UInt64.max
        scratchWords[0].withUnsafeBufferPointer { words0 in
            scratchWords[1].withUnsafeBufferPointer { words1 in
                scratchNulls[0].withUnsafeBufferPointer { nulls0 in
                    scratchNulls[1].withUnsafeBufferPointer { nulls1 in
                        result.withUnsafeMutableBufferPointer { result in
                            for i in 0..<n {
                                let null0 = nulls0[i] != 0, null1 = nulls1[i] != 0
                                let a = null0 ? 0 : words0[i], b = null1 ? 0 : words1[i]
                                let nullMask: UInt64 = (null0 ? 1 : 0) | (null1 ? 2 : 0)
                                if i > 0, a == tuple.0, b == tuple.1, nullMask == previousMask {
                                    result[i] = result[i - 1]
                                    continue
                                }
                                tuple = (a, b)
                                previousMask = nullMask
                                result[i] = withUnsafePointer(to: tuple) { pair in
                                    pair.withMemoryRebound(to: UInt64.self, capacity: 2) {
                                        findOrAdd($0, nullMask: nullMask, firstRow: rowNumbers[i])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The dictionary whose codes are the group numbers, for one text key grouped by code.
    var identityDictionary: StringDictionary? {
        guard width == 1, let layout = identity else { return nil }
        return layout.dictionaries[0]
    }

    /// The smallest value a range-path grouping can hold (nil off that path). Merging works
    /// into the indexer with the lowest one, so the others' groups only shift up.
    var rangeOrigin: Int64? { rangeBase }

    /// The widest span of values grouped by offset: about the input's rows.
    private var rangeLimit: Int { min(Int(Int32.max) - 2, 2 * expectedRows + 65_536) }

    /// Enters the range path when the first batch's values span little enough, with room
    /// below its smallest value (later batches may go lower).
    private func enterRangeMode() {
        let values = scratchWords[0], nulls = scratchNulls[0]
        var low = Int64.max, high = Int64.min
        for i in 0..<values.count where nulls[i] == 0 {
            let v = Int64(bitPattern: values[i])
            low = min(low, v)
            high = max(high, v)
        }
        guard low <= high else { return }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < Int64(rangeLimit) / 2 else { return }
        let (base, under) = low.subtractingReportingOverflow(span / 4)
        rangeBase = under ? low : base
        firstRows = [Int32](repeating: Self.deadRow, count: 1)
    }

    /// Groups of a batch on the range path; nil (after leaving it) when a value falls outside
    /// what the path can hold.
    private func rangeGroups(rowNumbers: [Int32]) -> [Int32]? {
        let base = rangeBase!
        let values = scratchWords[0], nulls = scratchNulls[0]
        let n = rowNumbers.count
        // Room for the batch's largest value first, so the loop below never grows.
        // A flag, not a sentinel: Int64.min is a value like any other.
        var high = Int64.min, seen = false
        for i in 0..<n where nulls[i] == 0 {
            let v = Int64(bitPattern: values[i])
            if v < base { leaveRangeMode(); return nil }
            high = max(high, v)
            seen = true
        }
        if seen {
            let (offset, overflow) = high.subtractingReportingOverflow(base)
            guard !overflow, offset < Int64(rangeLimit) else { leaveRangeMode(); return nil }
            let needed = Int(offset) + 2
            if firstRows.count < needed { firstRows.append(contentsOf: repeatElement(Self.deadRow, count: needed - firstRows.count)) }
        }
        var result = [Int32](repeating: 0, count: n)
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

    /// Leaves the range path: every group (dead ones too, so numbers stay) goes into the hash
    /// table.
    private func leaveRangeMode() {
        materializeRangeKeys()
        rangeBase = nil
        for g in 0..<count { hashes[g] = Self.hash1(words[g], nullMasks[g]) }
        rehash()
    }

    private func materializeRangeKeys() {
        guard let base = rangeBase, words.count < count else { return }
        words = (0..<count).map { UInt64(bitPattern: base &+ Int64($0) &- 1) }
        nullMasks = [UInt64](repeating: 0, count: count)
        nullMasks[0] = 1
        words[0] = 0
        hashes = [UInt64](repeating: 0, count: count)
    }

    /// One group per code, plus the null group, all dead until a row arrives.
    private func enterIdentityMode(_ layout: IdentityLayout) {
        identity = layout
        firstRows = LargeAllocation.filled(Self.deadRow, count: layout.size)
    }

    /// The key words of identity groups, for leaving identity mode.
    private func materializeIdentityKeys() {
        guard let layout = identity, words.count < count * width else { return }
        words = [UInt64](repeating: 0, count: count * width)
        nullMasks = [UInt64](repeating: 0, count: count)
        hashes = [UInt64](repeating: 0, count: count)
        for g in 0..<count {
            for k in 0..<width {
                let digit = layout.digit(g, k)
                if digit == layout.dictionaries[k].count { nullMasks[g] |= 1 << UInt64(k) } else { words[g * width + k] = UInt64(digit) }
            }
        }
    }

    /// Groups straight from the key vectors' codes, when each is a vector of its layout's
    /// dictionary (stored columns: every batch after the first); nil otherwise.
    private static func identityGroups(_ vectors: [Vector], _ layout: IdentityLayout, rowNumbers: [Int32],
                                       firstRows: inout [Int32]) -> [Int32]? {
        for (k, vector) in vectors.enumerated() {
            guard case .text(_, let dictionary) = vector.values, dictionary === layout.dictionaries[k] else { return nil }
        }
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        result.withUnsafeMutableBufferPointer { result in
            for (k, vector) in vectors.enumerated() {
                guard case .text(let codes, let dictionary) = vector.values else { continue }
                let nullDigit = Int32(dictionary.count), stride = Int32(layout.strides[k])
                codes.withUnsafeBufferPointer { codes in
                    if let valid = vector.valid {
                        for i in 0..<n { result[i] &+= (valid[i] != 0 ? Int32(truncatingIfNeeded: codes[i]) : nullDigit) &* stride }
                    } else if stride == 1 {
                        for i in 0..<n { result[i] &+= Int32(truncatingIfNeeded: codes[i]) }
                    } else {
                        for i in 0..<n { result[i] &+= Int32(truncatingIfNeeded: codes[i]) &* stride }
                    }
                }
            }
            noteFirstRows(result, rowNumbers, &firstRows)
        }
        return result
    }

    /// Lowers each group's first row to the batch's rows where earlier.
    private static func noteFirstRows(_ groups: UnsafeMutableBufferPointer<Int32>, _ rowNumbers: [Int32], _ firstRows: inout [Int32]) {
        let n = groups.count
        rowNumbers.withUnsafeBufferPointer { rowNumbers in
            firstRows.withUnsafeMutableBufferPointer { firstRows in
                // Millions of groups (visitors) make each row's entry a cache miss.
                let prefetch = firstRows.count > 1 << 18
                for i in 0..<n {
                    if prefetch, i + 16 < n { kpiq_prefetch_write(firstRows.baseAddress! + Int(groups[i + 16])) }
                    let g = Int(groups[i])
                    let row = rowNumbers[i]
                    if row < firstRows[g] { firstRows[g] = row }
                }
            }
        }
    }

    private func identityGroups(rowNumbers: [Int32]) -> [Int32] {
        let layout = identity!
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        result.withUnsafeMutableBufferPointer { result in
            for k in 0..<width {
                let codes = scratchWords[k], nulls = scratchNulls[k]
                let nullDigit = Int32(layout.dictionaries[k].count), stride = Int32(layout.strides[k])
                for i in 0..<n {
                    let digit = nulls[i] != 0 ? nullDigit : Int32(truncatingIfNeeded: codes[i])
                    result[i] &+= digit &* stride
                }
            }
            Self.noteFirstRows(result, rowNumbers, &firstRows)
        }
        return result
    }

    /// Group g of another indexer is group g here.
    private static func identityMapping(_ count: Int) -> [Int32] {
        LargeAllocation.array(of: Int32.self, count: count) { start in
            let shared = UncheckedBox(start)
            Parallel.forEachRange(count) { range in
                for g in range { shared.value[g] = Int32(truncatingIfNeeded: g) }
            }
        }
    }

    /// Groups that saw rows, in order of their first row. Millions of groups (visitors) are
    /// listed by all cores, each a range of groups (then of rows) at a time.
    func orderedGroups() -> [Int] {
        struct Piece {
            var live = 0
            var ascending = true
            var lowest = Int32.max
            var highest: Int32 = -1
        }
        let total = firstRows.count
        let pieces = Parallel.ranges(total, parts: total >= 1 << 17 ? Parallel.threadCount : 1)
        return firstRows.withUnsafeBufferPointer { firstRows in
            let dead = Self.deadRow
            let summaries = Parallel.map(pieces.count) { p -> Piece in
                var piece = Piece()
                var previous: Int32 = -1
                for g in pieces[p] where firstRows[g] != dead {
                    let row = firstRows[g]
                    if row < previous { piece.ascending = false }
                    previous = row
                    piece.live += 1
                    piece.lowest = min(piece.lowest, row)
                    piece.highest = max(piece.highest, row)
                }
                return piece
            }
            let live = summaries.reduce(0) { $0 + $1.live }
            let highest = summaries.map(\.highest).max() ?? -1
            // Groups numbered in first-seen order already (a hash table fed rows in order, a
            // dictionary built in row order) need no sort.
            var ascending = summaries.allSatisfy(\.ascending)
            var previousHighest: Int32 = -1
            for piece in summaries where piece.live > 0 {
                if piece.lowest < previousHighest { ascending = false }
                previousHighest = piece.highest
            }
            if ascending {
                var starts = [0]
                for piece in summaries { starts.append(starts.last! + piece.live) }
                return LargeAllocation.array(of: Int.self, count: live) { out in
                    let shared = UncheckedBox(out)
                    _ = Parallel.map(pieces.count) { p in
                        var at = starts[p]
                        for g in pieces[p] where firstRows[g] != dead {
                            shared.value[at] = g
                            at += 1
                        }
                    }
                }
            }
            // First rows are distinct row numbers: when they are dense (millions of visitors
            // among ten million rows), placing each group at its first row and reading the
            // places in order is one scatter and one scan instead of a sort.
            guard highest >= 0, Int(highest) < 4 * live + 4096 else {
                let groups = (0..<total).filter { firstRows[$0] != dead }
                let order = RadixSort.order(byKeys: groups.map { Int(firstRows[$0]) })
                return order.map { groups[$0] }
            }
            let rows = Int(highest) + 1
            let byRow = LargeAllocation.allocate(Int32.self, count: rows)
            defer { LargeAllocation.free(byRow) }
            let shared = UncheckedBox(byRow)
            Parallel.forEachRange(rows) { range in
                (shared.value + range.lowerBound).update(repeating: -1, count: range.count)
            }
            _ = Parallel.map(pieces.count) { p in
                for g in pieces[p] where firstRows[g] != dead { shared.value[Int(firstRows[g])] = Int32(truncatingIfNeeded: g) }
            }
            let rowPieces = Parallel.ranges(rows, parts: pieces.count)
            let counts = Parallel.map(rowPieces.count) { p in rowPieces[p].reduce(0) { $0 + (shared.value[$1] >= 0 ? 1 : 0) } }
            var starts = [0]
            for count in counts { starts.append(starts.last! + count) }
            return LargeAllocation.array(of: Int.self, count: live) { out in
                let target = UncheckedBox(out)
                _ = Parallel.map(rowPieces.count) { p in
                    var at = starts[p]
                    for row in rowPieces[p] where shared.value[row] >= 0 {
                        target.value[at] = Int(shared.value[row])
                        at += 1
                    }
                }
            }
        }
    }

    /// The first row of each group in `order` (`deadRow` for one that saw none).
    func firstRows(of order: [Int]) -> [Int32] {
        firstRows.withUnsafeBufferPointer { firstRows in
            order.withUnsafeBufferPointer { order in
                LargeAllocation.array(of: Int32.self, count: order.count) { out in
                    let shared = UncheckedBox(out)
                    Parallel.forEachRange(order.count) { range in
                        for i in range { shared.value[i] = order[i] < firstRows.count ? firstRows[order[i]] : Self.deadRow }
                    }
                }
            }
        }
    }

    /// Adds a one-word group (no array built per group: millions of visitors are added here).
    @inline(__always)
    @discardableResult
    private func addGroup1(word: UInt64, nullMask: UInt64, hash: UInt64, firstRow: Int32) -> Int32 {
        let g = Int32(count)
        words.append(word)
        nullMasks.append(nullMask)
        firstRows.append(firstRow)
        hashes.append(hash)
        return g
    }

    @discardableResult
    private func addGroup(words newWords: [UInt64], nullMask: UInt64, hash: UInt64, firstRow: Int32) -> Int32 {
        let g = Int32(count)
        words.append(contentsOf: newWords)
        nullMasks.append(nullMask)
        firstRows.append(firstRow)
        hashes.append(hash)
        return g
    }

    @inline(__always)
    private static func hash1(_ word: UInt64, _ nullMask: UInt64) -> UInt64 {
        ByteHash.mix(word &+ 0x9E37_79B9_7F4A_7C15 ^ (nullMask << 61))
    }

    @inline(__always)
    private func hash(_ tuple: UnsafePointer<UInt64>, _ nullMask: UInt64) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ nullMask
        for k in 0..<width { h = ByteHash.mix(h ^ tuple[k]) }
        return h
    }

    /// One-word keys: the group of a word, added when new.
    @inline(__always)
    private func findOrAdd1(_ word: UInt64, nullMask: UInt64, firstRow: Int32) -> Int32 {
        let h = Self.hash1(word, nullMask)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let g = table[slot]
            if g < 0 { break }
            let group = Int(g)
            if hashes[group] == h, words[group] == word, nullMasks[group] == nullMask {
                if firstRow < firstRows[group] { firstRows[group] = firstRow }
                return g
            }
            slot = (slot + 1) & mask
        }
        let g = addGroup1(word: word, nullMask: nullMask, hash: h, firstRow: firstRow)
        table[slot] = g
        if count * 2 > table.count { rehash() }
        return g
    }

    /// The group of a key tuple, added when new (or, with `firstRow` smaller, moved earlier).
    func findOrAdd(_ tuple: [UInt64], nullMask: UInt64, firstRow: Int32) -> Int32 {
        tuple.withUnsafeBufferPointer { findOrAdd($0.baseAddress!, nullMask: nullMask, firstRow: firstRow) }
    }

    /// `findOrAdd` for a tuple of `width` words at `tuple`.
    private func findOrAdd(_ tuple: UnsafePointer<UInt64>, nullMask: UInt64, firstRow: Int32) -> Int32 {
        if width == 1 { return findOrAdd1(tuple[0], nullMask: nullMask, firstRow: firstRow) }
        let h = hash(tuple, nullMask)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let g = table[slot]
            if g < 0 { break }
            let group = Int(g)
            if hashes[group] == h, nullMasks[group] == nullMask {
                var same = true
                let base = group * width
                for k in 0..<width where words[base + k] != tuple[k] { same = false; break }
                if same {
                    if firstRow < firstRows[group] { firstRows[group] = firstRow }
                    return g
                }
            }
            slot = (slot + 1) & mask
        }
        let g = addGroup(words: Array(UnsafeBufferPointer(start: tuple, count: width)), nullMask: nullMask, hash: h, firstRow: firstRow)
        table[slot] = g
        if count * 2 > table.count { rehash() }
        return g
    }

    /// Rebuilds the hash table, at least twice as large as the number of groups, from the
    /// hashes kept per group.
    private func rehash() {
        var size = max(64, table.count)
        while size < count * 2 + 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
        table.withUnsafeMutableBufferPointer { table in
            for g in 0..<count {
                var slot = Int(truncatingIfNeeded: hashes[g]) & mask
                while table[slot] >= 0 { slot = (slot + 1) & mask }
                table[slot] = Int32(g)
            }
        }
    }

    /// Leaves the identity path: every group (dead ones too, so numbers stay) goes into the
    /// hash table.
    private func leaveIdentityMode() {
        materializeIdentityKeys()
        identity = nil
        for g in 0..<count {
            hashes[g] = width == 1 ? Self.hash1(words[g], nullMasks[g])
                : words.withUnsafeBufferPointer { hash($0.baseAddress! + g * width, nullMasks[g]) }
        }
        rehash()
    }

    /// Key `k` switched from dictionary codes to string ids: rewrite stored groups.
    private func retranslate(key k: Int, _ translation: [UInt64: UInt64]) {
        materializeIdentityKeys()
        for g in 0..<count where nullMasks[g] & (1 << UInt64(k)) == 0 {
            words[g * width + k] = translation[words[g * width + k]] ?? UInt64.max - UInt64(g)
        }
        leaveIdentityMode()
    }

    /// Adds another indexer's groups to this one; returns, for each of its groups, the
    /// group it became here (-1 for its dead groups).
    func absorb(_ other: GroupIndexer) -> [Int32] {
        if keys.isEmpty {
            if count == 0, other.count > 0 { addGroup(words: [], nullMask: 0, hash: 0, firstRow: other.firstRows[0]) }
            if other.count > 0, other.firstRows[0] < firstRows[0] { firstRows[0] = other.firstRows[0] }
            return [Int32](repeating: 0, count: other.count)
        }
        // Both grouped by codes of the same dictionaries: the same numbers, nothing to map.
        if count == 0, let theirs = other.identity,
            zip(keys, theirs.dictionaries).allSatisfy({ $0.dictionary == nil || $0.dictionary === $1 })
        {
            for (key, dictionary) in zip(keys, theirs.dictionaries) { key.adopt(dictionary) }
            enterIdentityMode(theirs)
        }
        if let mine = identity, let theirs = other.identity, mine.sameDictionaries(as: theirs) {
            // Millions of visitors: both halves of the groups at once.
            firstRows.withUnsafeMutableBufferPointer { mine in
                other.firstRows.withUnsafeBufferPointer { theirs in
                    let shared = UncheckedBox((mine, theirs))
                    Parallel.forEachRange(theirs.count) { range in
                        let (mine, theirs) = shared.value
                        for g in range where theirs[g] < mine[g] { mine[g] = theirs[g] }
                    }
                }
            }
            return Self.identityMapping(other.count)
        }
        if identity != nil { leaveIdentityMode() }
        other.materializeIdentityKeys()
        if count == 0, rangeBase == nil, let theirs = other.rangeBase {
            rangeBase = theirs
            firstRows = [Int32](repeating: Self.deadRow, count: 1)
        }
        if let mine = rangeBase, let theirs = other.rangeBase, theirs >= mine, Int64(other.count) + (theirs - mine) < Int64(rangeLimit) {
            // Their group g is value theirs + g - 1, here group g + (theirs - mine).
            let shift = Int(theirs - mine)
            let needed = other.count + shift
            if firstRows.count < needed { firstRows.append(contentsOf: repeatElement(Self.deadRow, count: needed - firstRows.count)) }
            var mapping = [Int32](repeating: -1, count: other.count)
            for g in 0..<other.count where other.firstRows[g] != Self.deadRow {
                let t = g == 0 ? 0 : g + shift
                mapping[g] = Int32(t)
                if other.firstRows[g] < firstRows[t] { firstRows[t] = other.firstRows[g] }
            }
            return mapping
        }
        if rangeBase != nil { leaveRangeMode() }
        other.materializeRangeKeys()
        var mapping = [Int32](repeating: -1, count: other.count)
        var tuple = [UInt64](repeating: 0, count: width)
        for g in 0..<other.count where other.firstRows[g] != Self.deadRow {
            let nullMask = other.nullMasks[g]
            for k in 0..<width {
                let word = other.words[g * width + k]
                tuple[k] = nullMask & (1 << UInt64(k)) != 0 ? 0 : keys[k].translate(word, from: other.keys[k])
                if let translation = keys[k].takeTranslation() { retranslate(key: k, translation) }
            }
            mapping[g] = findOrAdd(tuple, nullMask: nullMask, firstRow: other.firstRows[g])
        }
        return mapping
    }

    /// The key column of one-key identity groups: group g is code g, the last group null.
    private static func codeColumn(_ order: [Int], dictionary: StringDictionary) -> Column {
        let nullCode = dictionary.count
        // Codes are below the dictionary's size: packed straight to the narrowest width.
        let nullAt = order.firstIndex(of: nullCode) ?? -1
        let codes = order.withUnsafeBufferPointer { order in
            PackedIntegers.codes(count: order.count, below: nullCode) { order[$0] == nullCode ? 0 : order[$0] }
        }
        var validity: Validity?
        if nullAt >= 0 {
            var flags = [Bool](repeating: true, count: order.count)
            flags[nullAt] = false
            validity = Validity(flags: flags)
        }
        return Column(type: .text, values: .text(codes: codes, dictionary: dictionary),
                      validity: validity)
    }

    /// Key column `k` of every group, in the order `order` (group numbers).
    func keyColumn(_ k: Int, order: [Int]) -> Column {
        let key = keys[k]
        if let base = rangeBase {
            let validity = order.contains(0) ? Validity(flags: order.map { $0 != 0 }) : nil
            let values = order.map { $0 == 0 ? 0 : base &+ Int64($0) &- 1 }
            return Column(type: key.type, values: .integers(PackedIntegers.pack(values, validity: validity)), validity: validity)
        }
        if let layout = identity {
            let dictionary = layout.dictionaries[k]
            if width == 1 { return Self.codeColumn(order, dictionary: dictionary) }
            let digits = order.map { layout.digit($0, k) }
            let nullDigit = dictionary.count
            let validity = digits.contains(nullDigit) ? Validity(flags: digits.map { $0 != nullDigit }) : nil
            let codes = digits.map { $0 == nullDigit ? 0 : Int64($0) }
            return Column(type: .text, values: .text(codes: PackedIntegers.pack(codes, validity: validity), dictionary: dictionary),
                          validity: validity)
        }
        let nulls = order.map { nullMasks[$0] & (1 << UInt64(k)) != 0 }
        let validity = nulls.contains(true) ? Validity(flags: nulls.map { !$0 }) : nil
        let values = order.map { words[$0 * width + k] }
        switch key.type {
        case .text:
            if !key.usesStrings, let dictionary = key.dictionary {
                return Column(type: .text, values: .text(codes: PackedIntegers.pack(values.map { Int64(bitPattern: $0) }, validity: validity),
                                                         dictionary: dictionary), validity: validity)
            }
            return ColumnFactory.text(values.enumerated().map { nulls[$0.offset] ? nil : key.text(of: $0.element) })
        case .decimal:
            return Column(type: .decimal, values: .doubles(values.map { Double(bitPattern: $0) }), validity: validity)
        case .bool:
            return Column(type: .bool, values: .bools(values.map { UInt8(truncatingIfNeeded: $0) }), validity: validity)
        default:
            return Column(type: key.type, values: .integers(PackedIntegers.pack(values.map { Int64(bitPattern: $0) }, validity: validity)),
                          validity: validity)
        }
    }
}
