/// Groups any keys through an open-addressing hash table over the keys' words, with each
/// group's hash kept so growing the table never rehashes keys. The grouping every other one
/// falls back to when the data does not fit it.
final class HashGrouping {
    let width: Int
    /// Group g's key words: `words[g * width + k]`; bit k of `nullMasks[g]` is set when key k
    /// is null.
    // Hot per-row state: no run-time exclusivity checks. One thread uses a grouping at a time
    // (each worker its own), and no access here overlaps another.
    @exclusivity(unchecked) private(set) var words: [UInt64] = []
    @exclusivity(unchecked) private(set) var nullMasks: [UInt64] = []
    /// Global row number of each group's first row (`GroupIndexer.deadRow` for none yet).
    @exclusivity(unchecked) var firstRows: [Int32] = []
    @exclusivity(unchecked) private var hashes: [UInt64] = []
    @exclusivity(unchecked) private var table: [Int32]
    @exclusivity(unchecked) private var mask: Int
    var count: Int { firstRows.count }

    init(width: Int) {
        self.width = width
        table = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// Takes over groups numbered by another grouping: every group, dead ones too, keeps its
    /// number.
    init(width: Int, keys: GroupKeyWords, firstRows: [Int32]) {
        self.width = width
        words = keys.words
        nullMasks = keys.nullMasks
        self.firstRows = firstRows
        table = [Int32](repeating: -1, count: 64)
        mask = 63
        rehashKeys()
    }

    /// The groups' key words, for another grouping to take over.
    var keyWords: GroupKeyWords { GroupKeyWords(words: words, nullMasks: nullMasks) }

    /// Group numbers of a batch whose keys are encoded in `keyWords`/`keyNulls` (one array
    /// per key), adding groups for new keys; `rowNumbers` are the rows' global numbers.
    func groups(_ keyWords: [[UInt64]], _ keyNulls: [[UInt8]], rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        if width == 1 {
            let values = keyWords[0], nulls = keyNulls[0]
            for i in 0..<n {
                let isNull = nulls[i] != 0
                result[i] = findOrAdd1(isNull ? 0 : values[i], nullMask: isNull ? 1 : 0, firstRow: rowNumbers[i])
            }
            return result
        }
        if width == 2 { return pairGroups(keyWords, keyNulls, rowNumbers: rowNumbers) }
        var tuple = [UInt64](repeating: 0, count: width)
        var previousMask = UInt64.max
        for i in 0..<n {
            var nullMask: UInt64 = 0
            var same = i > 0
            for k in 0..<width {
                let word: UInt64
                if keyNulls[k][i] != 0 {
                    nullMask |= 1 << UInt64(k)
                    word = 0
                } else {
                    word = keyWords[k][i]
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
    private func pairGroups(_ keyWords: [[UInt64]], _ keyNulls: [[UInt8]], rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        var tuple: (UInt64, UInt64) = (0, 0)
        var previousMask = UInt64.max
        keyWords[0].withUnsafeBufferPointer { words0 in
            keyWords[1].withUnsafeBufferPointer { words1 in
                keyNulls[0].withUnsafeBufferPointer { nulls0 in
                    keyNulls[1].withUnsafeBufferPointer { nulls1 in
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

    /// A probe found group `g` for a row: the group keeps the earliest row it was found at.
    @inline(__always)
    private func found(_ g: Int32, firstRow: Int32) -> Int32 {
        let group = Int(g)
        if firstRow < firstRows[group] { firstRows[group] = firstRow }
        return g
    }

    /// A probe for a new key ended at the empty `slot`, the key's words already appended to
    /// `words`: the new group takes the slot, and the table grows once it is half full.
    /// Inlined, and no array is built per group: millions of visitors are added here.
    @inline(__always)
    private func addGroup(at slot: Int, nullMask: UInt64, hash: UInt64, firstRow: Int32) -> Int32 {
        let g = Int32(count)
        nullMasks.append(nullMask)
        firstRows.append(firstRow)
        hashes.append(hash)
        table[slot] = g
        if count * 2 > table.count { rehash() }
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
            if hashes[group] == h, words[group] == word, nullMasks[group] == nullMask { return found(g, firstRow: firstRow) }
            slot = (slot + 1) & mask
        }
        words.append(word)
        return addGroup(at: slot, nullMask: nullMask, hash: h, firstRow: firstRow)
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
                if same { return found(g, firstRow: firstRow) }
            }
            slot = (slot + 1) & mask
        }
        words.append(contentsOf: UnsafeBufferPointer(start: tuple, count: width))
        return addGroup(at: slot, nullMask: nullMask, hash: h, firstRow: firstRow)
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

    /// Hashes every group's key words again (they were taken over or rewritten), then
    /// rebuilds the table.
    private func rehashKeys() {
        hashes = [UInt64](repeating: 0, count: count)
        for g in 0..<count {
            hashes[g] = width == 1 ? Self.hash1(words[g], nullMasks[g])
                : words.withUnsafeBufferPointer { hash($0.baseAddress! + g * width, nullMasks[g]) }
        }
        rehash()
    }

    /// Key `k` switched from dictionary codes to string ids: rewrite stored groups.
    func rewrite(key k: Int, _ translation: [UInt64: UInt64]) {
        for g in 0..<count where nullMasks[g] & (1 << UInt64(k)) == 0 {
            words[g * width + k] = translation[words[g * width + k]] ?? UInt64.max - UInt64(g)
        }
        rehashKeys()
    }

    /// Key column `k` of every group, in the order `order` (group numbers).
    func keyColumn(_ k: Int, order: [Int], key: KeyComponents) -> Column {
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

/// The key words of every group (dead ones too) of a grouping that numbers its groups
/// otherwise, in `HashGrouping`'s layout, for the hash grouping to take them over.
struct GroupKeyWords {
    var words: [UInt64]
    var nullMasks: [UInt64]
}
