import CKPIQSupport

/// `count_distinct(x)`: exact. Text from one dictionary is counted in a bitmap per group
/// over the dictionary's codes (a flat matrix of words, OR-merged across threads and
/// popcounted at the end): counting distinct visitors per source is setting bits, not hashing
/// strings. The matrix has a row per group actually seen (group numbers can be sparse: a
/// month key grouped by day offsets, codes of a large dictionary). When that matrix would be
/// too large (hundreds of campaigns times millions of visitors), each row's (group, code) pair
/// is appended to a list instead, counted at the end by `DistinctPairCounter`: linear,
/// 8 bytes per row. Other types keep a hash set of their values' words
/// per group.
final class CountDistinctAccumulator: Accumulator {
    private let encoder: KeyComponents
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var words: [UInt64] = []
    @exclusivity(unchecked) private var nulls: [UInt8] = []
    /// Matrix mode: `wordsPerGroup` bitmap words per matrix row, rows one after another;
    /// `rowOfGroup[g]` is group g's row (-1 while it has none), `groupOfRow` the reverse.
    @exclusivity(unchecked) private var matrix: [UInt64]?
    @exclusivity(unchecked) private var wordsPerGroup = 0
    @exclusivity(unchecked) private var matrixDictionary: StringDictionary?
    @exclusivity(unchecked) private var rowOfGroup: [Int32] = []
    @exclusivity(unchecked) private var groupOfRow: [Int32] = []
    /// Set mode.
    @exclusivity(unchecked) private var sets: [DistinctSet] = []
    /// Pair mode: `group << 32 | code` per row, for one dictionary.
    @exclusivity(unchecked) private var pairs: [UInt64]?
    /// Pair lists taken whole from other workers' accumulators in `merge`, renumbered to this
    /// one's groups; counted with `pairs`, never concatenated.
    @exclusivity(unchecked) private var adoptedPairs: [[UInt64]] = []
    @exclusivity(unchecked) private var pairsDictionary: StringDictionary?
    @exclusivity(unchecked) private var pairGroups = 0

    /// Largest matrix, in 64-bit words (32 MB), before falling back to pairs.
    static let matrixLimit = 1 << 22
    /// The matrix's size in words, beyond which pairs cost less: zeroing, merging and
    /// counting a word costs about what sorting a row's pair does, so a matrix must not have
    /// more words than half the rows read.
    private let matrixBudget: Int

    var finishIsSlow: Bool { true }

    /// The most groups the grouping can make, when the planner knows (`PhysicalPlanner.groupBound`).
    private let expectedGroups: Int?

    init(type: DataType, stableText: Bool, expectedRows: Int = Int.max / 4, expectedGroups: Int? = nil) {
        encoder = KeyComponents(type: type, stableText: stableText)
        matrixBudget = min(Self.matrixLimit, max(1 << 16, expectedRows / 2))
        self.expectedGroups = expectedGroups
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        guard let argument else {
            grow(to: groupCount)
            return
        }
        encoder.encode(argument, into: &words, nulls: &nulls)
        if let translation = encoder.takeTranslation() {
            toSets()
            for g in 0..<sets.count { sets[g].translate(translation) }
        }
        if matrix == nil, pairs == nil, sets.isEmpty, encoder.type == .text, !encoder.usesStrings, let dictionary = encoder.dictionary {
            let perGroup = max(1, (dictionary.count + 63) / 64)
            // `groupCount` already counts every group a grouping by codes can make (180
            // campaigns), and the planner may know how many a grouping by hash can (7 sources
            // times 24 months): when their rows would pass the budget, pairs from the start
            // rather than a matrix converted once enough groups have turned up.
            let groupsToCome = max(groupCount, expectedGroups ?? 0)
            let (possible, overflow) = groupsToCome.multipliedReportingOverflow(by: perGroup)
            if perGroup <= matrixBudget, overflow || possible > matrixBudget, groupsToCome > 64, dictionary.count < 1 << 32 {
                pairs = []
                pairsDictionary = dictionary
            } else if perGroup <= matrixBudget {
                // Room for every row the budget allows, so rows added as groups trickle in
                // (monthly campaigns over a time-ordered file) never move the matrix.
                matrix = []
                matrix!.reserveCapacity(min(matrixBudget, max(1, groupCount) * perGroup))
                wordsPerGroup = perGroup
                matrixDictionary = dictionary
            } else if dictionary.count < 1 << 32 {
                pairs = []
                pairsDictionary = dictionary
            }
        }
        if pairs != nil {
            if encoder.dictionary !== pairsDictionary || encoder.usesStrings {
                toSets()
            } else {
                appendPairs(groups: groups, mask: mask)
                pairGroups = max(pairGroups, groupCount)
                return
            }
        }
        grow(to: groupCount)
        if pairs != nil {
            appendPairs(groups: groups, mask: mask)
            return
        }
        if matrix != nil, encoder.dictionary !== matrixDictionary || encoder.usesStrings { toSets() }
        if matrix != nil {
            // Rows for the batch's new groups first; past the budget, pairs take over.
            for i in 0..<groups.count where nulls[i] == 0 && rowOfGroup[Int(groups[i])] < 0 && (mask.map { $0[i] != 0 } ?? true) {
                rowOfGroup[Int(groups[i])] = Int32(groupOfRow.count)
                groupOfRow.append(groups[i])
            }
            if groupOfRow.count * wordsPerGroup > matrixBudget {
                toPairs()
                appendPairs(groups: groups, mask: mask)
                return
            }
            growMatrix()
            let perGroup = wordsPerGroup
            matrix!.withUnsafeMutableBufferPointer { bits in
                rowOfGroup.withUnsafeBufferPointer { rowOfGroup in
                    words.withUnsafeBufferPointer { codes in
                        nulls.withUnsafeBufferPointer { nulls in
                            groups.withUnsafeBufferPointer { groups in
                                // Millions of visitors make each bit a cache miss: ask for the
                                // word a few rows ahead.
                                let n = groups.count, ahead = 16
                                for i in 0..<n {
                                    if i + ahead < n {
                                        let code = Int(codes[i + ahead])
                                        kpiq_prefetch_write(bits.baseAddress! + (Int(rowOfGroup[Int(groups[i + ahead])]) * perGroup + code >> 6))
                                    }
                                    guard nulls[i] == 0, mask.map({ $0[i] != 0 }) ?? true else { continue }
                                    let code = Int(codes[i])
                                    bits[Int(rowOfGroup[Int(groups[i])]) * perGroup + code >> 6] |= 1 << UInt64(code & 63)
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        let universe = bitmapLimit
        for i in 0..<groups.count where nulls[i] == 0 && (mask.map { $0[i] != 0 } ?? true) {
            sets[Int(groups[i])].insert(words[i], universe: universe)
        }
    }

    private var bitmapLimit: Int? {
        guard encoder.type == .text, !encoder.usesStrings, let dictionary = encoder.dictionary else { return nil }
        return dictionary.count
    }

    /// One pair per row with a value (and in the mask): every row's pair is written, and the
    /// end of the list moves on only for the rows kept, so the loop has no branch per row.
    private func appendPairs(groups: [Int32], mask: [UInt8]?) {
        var list = pairs!
        pairs = nil
        let start = list.count, n = groups.count
        list.append(contentsOf: repeatElement(0, count: n))
        var kept = start
        list.withUnsafeMutableBufferPointer { out in
            words.withUnsafeBufferPointer { codes in
                nulls.withUnsafeBufferPointer { nulls in
                    groups.withUnsafeBufferPointer { groups in
                        if let mask {
                            mask.withUnsafeBufferPointer { mask in
                                for i in 0..<n {
                                    out[kept] = UInt64(UInt32(bitPattern: groups[i])) << 32 | codes[i]
                                    kept &+= nulls[i] == 0 && mask[i] != 0 ? 1 : 0
                                }
                            }
                        } else {
                            for i in 0..<n {
                                out[kept] = UInt64(UInt32(bitPattern: groups[i])) << 32 | codes[i]
                                kept &+= nulls[i] == 0 ? 1 : 0
                            }
                        }
                    }
                }
            }
        }
        list.removeLast(start + n - kept)
        pairs = list
    }

    /// Room for `groupCount` groups (a matrix row is only made for a group once it has a value).
    private func grow(to groupCount: Int) {
        if pairs != nil {
            pairGroups = max(pairGroups, groupCount)
            return
        }
        if matrix != nil {
            rowOfGroup.grow(to: groupCount, with: -1)
            return
        }
        sets.grow(to: groupCount, with: DistinctSet())
    }

    /// Zeroed words for matrix rows made since the last call.
    private func growMatrix() {
        let needed = groupOfRow.count * wordsPerGroup
        if matrix!.count < needed { matrix!.append(contentsOf: repeatElement(0, count: needed - matrix!.count)) }
    }

    /// Leaves matrix mode for pair mode: each set bit becomes a pair.
    private func toPairs() {
        guard let bits = matrix, let dictionary = matrixDictionary else { return }
        var list: [UInt64] = []
        let perGroup = wordsPerGroup
        bits.withUnsafeBufferPointer { bits in
            list.reserveCapacity(bits.reduce(0) { $0 + $1.nonzeroBitCount })
            for (row, g) in groupOfRow.enumerated() where (row + 1) * perGroup <= bits.count {
                let high = UInt64(g) << 32
                for w in 0..<perGroup {
                    var word = bits[row * perGroup + w]
                    while word != 0 {
                        list.append(high | UInt64(w * 64 + word.trailingZeroBitCount))
                        word &= word - 1
                    }
                }
            }
        }
        pairGroups = rowOfGroup.count
        dropMatrix()
        pairs = list
        pairsDictionary = dictionary
    }

    private func dropMatrix() {
        matrix = nil
        rowOfGroup = []
        groupOfRow = []
    }

    /// Leaves matrix or pair mode: each group's codes become a set.
    private func toSets() {
        if let list = pairs {
            let adopted = adoptedPairs
            pairs = nil
            sets = [DistinctSet](repeating: DistinctSet(), count: pairGroups)
            adoptedPairs = []
            for pair in ([list] + adopted).joined() {
                let g = Int(pair >> 32)
                if g >= sets.count { sets.grow(to: g + 1, with: DistinctSet()) }
                sets[g].insert(pair & 0xFFFF_FFFF, universe: bitmapLimit)
            }
            return
        }
        guard let bits = matrix else { return }
        var converted = [DistinctSet](repeating: DistinctSet(), count: rowOfGroup.count)
        for (row, g) in groupOfRow.enumerated() where (row + 1) * wordsPerGroup <= bits.count {
            for w in 0..<wordsPerGroup {
                var word = bits[row * wordsPerGroup + w]
                while word != 0 {
                    converted[Int(g)].insert(UInt64(w * 64 + word.trailingZeroBitCount), universe: nil)
                    word &= word - 1
                }
            }
        }
        sets = converted
        dropMatrix()
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! CountDistinctAccumulator
        // Pairs of one dictionary on both sides (or pairs and nothing): theirs adopted, mapped.
        if other.matrix != nil, pairs != nil, other.matrixDictionary === pairsDictionary { other.toPairs() }
        if matrix != nil, other.pairs != nil, other.pairsDictionary === matrixDictionary { toPairs() }
        if other.pairs != nil, matrix == nil, sets.isEmpty, pairs == nil || pairsDictionary === other.pairsDictionary {
            if pairs == nil {
                pairs = []
                pairsDictionary = other.pairsDictionary
                encoder.adopt(other.pairsDictionary!)
            }
            // Millions of pairs: their lists are taken as they are (the other accumulator is
            // not used after a merge) and renumbered in place, one branch-free loop each: a
            // pair is written back where it goes and kept when its group maps somewhere. Each
            // list is moved out of its holder first, so it is renumbered without a copy.
            var lists = [other.pairs!] + other.adoptedPairs
            other.pairs = nil
            other.adoptedPairs = []
            while var list = lists.popLast() {
                var kept = 0
                list.withUnsafeMutableBufferPointer { list in
                    mapping.withUnsafeBufferPointer { mapping in
                        for i in 0..<list.count {
                            let pair = list[i]
                            let target = mapping[Int(pair >> 32)]
                            list[kept] = UInt64(UInt32(bitPattern: target)) << 32 | pair & 0xFFFF_FFFF
                            kept &+= target >= 0 ? 1 : 0
                        }
                    }
                }
                list.removeLast(list.count - kept)
                adoptedPairs.append(list)
            }
            pairGroups = max(pairGroups, groupCount)
            return
        }
        if matrix == nil, sets.isEmpty, pairs == nil, other.matrix != nil {
            // Take their layout when this one has seen nothing.
            matrix = []
            wordsPerGroup = other.wordsPerGroup
            matrixDictionary = other.matrixDictionary
            encoder.adopt(other.matrixDictionary!)
        }
        grow(to: groupCount)
        if matrix != nil, let theirs = other.matrix, other.matrixDictionary === matrixDictionary, other.wordsPerGroup == wordsPerGroup {
            for g in other.groupOfRow where mapping[Int(g)] >= 0 && rowOfGroup[Int(mapping[Int(g)])] < 0 {
                rowOfGroup[Int(mapping[Int(g)])] = Int32(groupOfRow.count)
                groupOfRow.append(mapping[Int(g)])
            }
            if groupOfRow.count * wordsPerGroup > matrixBudget {
                // Too large together: both become pairs, concatenated above.
                toPairs()
                other.toPairs()
                merge(other, mapping: mapping, groupCount: groupCount)
                return
            }
            growMatrix()
            let perGroup = wordsPerGroup
            matrix!.withUnsafeMutableBufferPointer { bits in
                for (row, g) in other.groupOfRow.enumerated() where mapping[Int(g)] >= 0 && (row + 1) * perGroup <= theirs.count {
                    let target = Int(rowOfGroup[Int(mapping[Int(g)])]) * perGroup
                    for w in 0..<perGroup { bits[target + w] |= theirs[row * perGroup + w] }
                }
            }
            return
        }
        toSets()
        other.toSets()
        grow(to: groupCount)
        for g in 0..<other.sets.count where other.sets[g].count > 0 && mapping[g] >= 0 {
            other.sets[g].forEach { word in
                let translated = encoder.translate(word, from: other.encoder)
                if let translation = encoder.takeTranslation() {
                    for k in 0..<sets.count { sets[k].translate(translation) }
                }
                sets[Int(mapping[g])].insert(translated, universe: bitmapLimit)
            }
        }
    }

    func finish(order: [Int]) -> Column {
        if let list = pairs {
            // `pairGroups` bounds every pair's group (kept up to date wherever pairs are added).
            var groupCount = pairGroups
            for g in order { groupCount = max(groupCount, g + 1) }
            let counts = DistinctPairCounter.counts([list] + adoptedPairs, groupCount: groupCount, universe: pairsDictionary?.count ?? 0)
            return ColumnFactory.ints(order.map { counts[$0] })
        }
        if let bits = matrix {
            let perGroup = wordsPerGroup
            return ColumnFactory.ints(order.map { g in
                guard g < rowOfGroup.count, rowOfGroup[g] >= 0 else { return 0 }
                let row = Int(rowOfGroup[g])
                var total = 0
                if (row + 1) * perGroup <= bits.count {
                    for w in 0..<perGroup { total += bits[row * perGroup + w].nonzeroBitCount }
                }
                return Int64(total)
            })
        }
        return ColumnFactory.ints(order.map { Int64($0 < sets.count ? sets[$0].count : 0) })
    }
}

/// A set of 64-bit words: open addressing while small, a bitmap when the values are codes
/// below a known bound and the bitmap would take less room.
struct DistinctSet {
    private var slots: [UInt64] = []
    private var used: [Bool] = []
    private var bitmap: [UInt64]?
    private(set) var count = 0

    init() {}

    mutating func insert(_ word: UInt64, universe: Int?) {
        if bitmap != nil {
            let bit = Int(word)
            let w = bit >> 6, b = UInt64(1) << UInt64(bit & 63)
            if w >= bitmap!.count { bitmap!.grow(to: w + 1, with: 0) }
            if bitmap![w] & b == 0 {
                bitmap![w] |= b
                count += 1
            }
            return
        }
        if slots.isEmpty {
            slots = [UInt64](repeating: 0, count: 8)
            used = [Bool](repeating: false, count: 8)
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: ByteHash.mix(word)) & mask
        while used[slot] {
            if slots[slot] == word { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = word
        used[slot] = true
        count += 1
        if count * 2 > slots.count {
            // Bitmap once it is smaller than the hash set would become.
            if let universe, (universe + 63) / 64 <= slots.count * 2 {
                toBitmap(universe)
            } else {
                rehash(slots.count * 2)
            }
        }
    }

    private mutating func rehash(_ size: Int) {
        let old = slots, oldUsed = used
        slots = [UInt64](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        let mask = size - 1
        for k in 0..<old.count where oldUsed[k] {
            var slot = Int(truncatingIfNeeded: ByteHash.mix(old[k])) & mask
            while used[slot] { slot = (slot + 1) & mask }
            slots[slot] = old[k]
            used[slot] = true
        }
    }

    private mutating func toBitmap(_ universe: Int) {
        var bits = [UInt64](repeating: 0, count: (universe + 63) / 64)
        for k in 0..<slots.count where used[k] {
            let bit = Int(slots[k])
            if bit >> 6 >= bits.count { bits.grow(to: (bit >> 6) + 1, with: 0) }
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        bitmap = bits
        slots = []
        used = []
    }

    func forEach(_ body: (UInt64) -> Void) {
        if let bitmap {
            for (w, word) in bitmap.enumerated() where word != 0 {
                var rest = word
                while rest != 0 {
                    let b = rest.trailingZeroBitCount
                    body(UInt64(w * 64 + b))
                    rest &= rest - 1
                }
            }
        } else {
            for k in 0..<slots.count where used[k] { body(slots[k]) }
        }
    }

    /// Rewrites every word through a translation (dictionary codes to string ids).
    mutating func translate(_ translation: [UInt64: UInt64]) {
        var fresh = DistinctSet()
        forEach { fresh.insert(translation[$0] ?? $0, universe: nil) }
        self = fresh
    }
}
