/// Gives each distinct key (one or more columns) a dense group number, batch by batch.
///
/// A single text key from one dictionary is looked up directly by code (an array as long as
/// the dictionary); any other key goes through an open-addressing hash table over the key's
/// words. Groups remember the first row (global row number) they appeared in, so results
/// can be listed in first-seen order whatever the thread scheduling.
final class GroupIndexer {
    let keys: [KeyComponents]
    /// Group g's key words: `words[g * width + k]`; bit k of `nullMasks[g]` is set when key k is null.
    private(set) var words: [UInt64] = []
    private(set) var nullMasks: [UInt64] = []
    private(set) var firstRows: [Int] = []
    var count: Int { firstRows.count }
    private var width: Int { keys.count }

    // Direct path: single stable text key.
    private var byCode: [Int32] = []
    private var nullGroup: Int32 = -1
    // Hash path.
    private var table: [Int32] = []
    private var mask = 0

    private var scratchWords: [[UInt64]]
    private var scratchNulls: [[UInt8]]

    init(keys: [KeyComponents]) {
        self.keys = keys
        scratchWords = Array(repeating: [], count: keys.count)
        scratchNulls = Array(repeating: [], count: keys.count)
        table = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// Group numbers of a batch's rows, adding groups for new keys. `firstRow` is the global
    /// row number of the batch's first row; `rowNumbers` (when given) the global row of each row.
    func groups(for vectors: [Vector], rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        if keys.isEmpty {
            if count == 0 { addGroup(words: [], nullMask: 0, firstRow: Int(rowNumbers.first ?? 0)) }
            return [Int32](repeating: 0, count: n)
        }
        for k in 0..<width {
            keys[k].encode(vectors[k], into: &scratchWords[k], nulls: &scratchNulls[k])
            if let translation = keys[k].takeTranslation() { retranslate(key: k, translation) }
        }
        if width == 1, keys[0].type == .text, !keys[0].usesStrings, let dictionary = keys[0].dictionary {
            return directGroups(dictionarySize: dictionary.count, rowNumbers: rowNumbers)
        }
        var result = [Int32](repeating: 0, count: n)
        var tuple = [UInt64](repeating: 0, count: width)
        for i in 0..<n {
            var nullMask: UInt64 = 0
            for k in 0..<width {
                if scratchNulls[k][i] != 0 {
                    nullMask |= 1 << UInt64(k)
                    tuple[k] = 0
                } else {
                    tuple[k] = scratchWords[k][i]
                }
            }
            result[i] = findOrAdd(tuple, nullMask: nullMask, firstRow: Int(rowNumbers[i]))
        }
        return result
    }

    private func directGroups(dictionarySize: Int, rowNumbers: [Int32]) -> [Int32] {
        if byCode.count < dictionarySize { byCode.append(contentsOf: repeatElement(-1, count: dictionarySize - byCode.count)) }
        let codes = scratchWords[0], nulls = scratchNulls[0]
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        byCode.withUnsafeMutableBufferPointer { byCode in
            for i in 0..<n {
                if nulls[i] != 0 {
                    if nullGroup < 0 { nullGroup = addGroup(words: [0], nullMask: 1, firstRow: Int(rowNumbers[i])) }
                    result[i] = nullGroup
                    continue
                }
                let code = Int(codes[i])
                var g = byCode[code]
                if g < 0 {
                    g = addGroup(words: [UInt64(code)], nullMask: 0, firstRow: Int(rowNumbers[i]))
                    byCode[code] = g
                }
                result[i] = g
            }
        }
        return result
    }

    @discardableResult
    private func addGroup(words newWords: [UInt64], nullMask: UInt64, firstRow: Int) -> Int32 {
        let g = Int32(count)
        words.append(contentsOf: newWords)
        nullMasks.append(nullMask)
        firstRows.append(firstRow)
        return g
    }

    @inline(__always)
    private func hash(_ tuple: [UInt64], _ nullMask: UInt64) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ nullMask
        for w in tuple { h = ByteHash.mix(h ^ w) }
        return Int(truncatingIfNeeded: h)
    }

    /// The group of a key tuple, added when new (or, with `firstRow` smaller, moved earlier).
    func findOrAdd(_ tuple: [UInt64], nullMask: UInt64, firstRow: Int) -> Int32 {
        var slot = hash(tuple, nullMask) & mask
        while true {
            let g = table[slot]
            if g < 0 { break }
            if nullMasks[Int(g)] == nullMask {
                var same = true
                let base = Int(g) * width
                for k in 0..<width where words[base + k] != tuple[k] { same = false; break }
                if same {
                    if firstRow < firstRows[Int(g)] { firstRows[Int(g)] = firstRow }
                    return g
                }
            }
            slot = (slot + 1) & mask
        }
        let g = addGroup(words: tuple, nullMask: nullMask, firstRow: firstRow)
        table[slot] = g
        if count * 2 > table.count { rehash() }
        return g
    }

    /// Rebuilds the hash table, at least twice as large as the number of groups.
    private func rehash() {
        var size = max(64, table.count)
        while size < count * 2 + 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
        for g in 0..<count {
            let tuple = Array(words[(g * width)..<((g + 1) * width)])
            var slot = hash(tuple, nullMasks[g]) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(g)
        }
    }

    /// Key `k` switched from dictionary codes to string ids: rewrite stored groups.
    private func retranslate(key k: Int, _ translation: [UInt64: UInt64]) {
        for g in 0..<count where nullMasks[g] & (1 << UInt64(k)) == 0 {
            words[g * width + k] = translation[words[g * width + k]] ?? 0
        }
        byCode = []
        nullGroup = -1
        rehash()
    }

    /// Adds another indexer's groups to this one; returns, for each of its groups, the
    /// group it became here.
    func absorb(_ other: GroupIndexer) -> [Int32] {
        if keys.isEmpty {
            if count == 0, other.count > 0 { addGroup(words: [], nullMask: 0, firstRow: other.firstRows[0]) }
            if other.count > 0, other.firstRows[0] < firstRows[0] { firstRows[0] = other.firstRows[0] }
            return [Int32](repeating: 0, count: other.count)
        }
        // Direct-path groups are not in the hash table yet.
        if table.allSatisfy({ $0 < 0 }), count > 0 { rehash() }
        var mapping = [Int32](repeating: 0, count: other.count)
        var tuple = [UInt64](repeating: 0, count: width)
        for g in 0..<other.count {
            let mask = other.nullMasks[g]
            for k in 0..<width {
                let word = other.words[g * width + k]
                tuple[k] = mask & (1 << UInt64(k)) != 0 ? 0 : keys[k].translate(word, from: other.keys[k])
                if let translation = keys[k].takeTranslation() { retranslate(key: k, translation) }
            }
            mapping[g] = findOrAdd(tuple, nullMask: mask, firstRow: other.firstRows[g])
        }
        byCode = []
        nullGroup = -1
        return mapping
    }

    /// Key column `k` of every group, in the order `order` (group numbers).
    func keyColumn(_ k: Int, order: [Int]) -> Column {
        let key = keys[k]
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
