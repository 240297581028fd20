/// Gives each distinct key (one or more columns) a dense group number, batch by batch, with
/// the grouping the physical planner chose (`GroupingStrategy`):
///
/// - `SingleGroup`: no keys, one group;
/// - `CodeGrouping`: text keys from dictionaries, the codes as the group number;
/// - `RangeGrouping`: one integer or date key whose values span about the input, grouped by
///   offset;
/// - `HashGrouping`: anything else, through a hash table over the keys' words.
///
/// The planner chooses from the keys' types; whether the data fits is known only as it comes.
/// The chosen grouping starts with the first batch that brings rows, when its dictionaries or
/// values fit; a batch that does not fit later (a value out of range, a text key from another
/// dictionary) moves every group, dead ones too so numbers stay, into a hash table. Groups
/// remember the first row (global row number) they appeared in, so results can be listed in
/// first-seen order whatever the thread scheduling.
final class GroupIndexer {
    let keys: [KeyComponents]
    /// The grouping the planner chose; `grouping` is what is in use now.
    let strategy: GroupingStrategy
    @exclusivity(unchecked) private var grouping: Grouping
    /// Sizes what code and range groupings may hold: about the input's rows.
    private let expectedRows: Int
    @exclusivity(unchecked) private var scratchWords: [[UInt64]]
    @exclusivity(unchecked) private var scratchNulls: [[UInt8]]

    private enum Grouping {
        case single(SingleGroup)
        case codes(CodeGrouping)
        case range(RangeGrouping)
        case hash(HashGrouping)
    }

    /// The first row of a group that never saw one.
    static let deadRow = Int32.max

    init(keys: [KeyComponents], strategy: GroupingStrategy, expectedRows: Int = Int.max / 4) {
        self.keys = keys
        self.strategy = keys.isEmpty ? .single : strategy
        self.expectedRows = expectedRows
        grouping = keys.isEmpty ? .single(SingleGroup()) : .hash(HashGrouping(width: keys.count))
        scratchWords = Array(repeating: [], count: keys.count)
        scratchNulls = Array(repeating: [], count: keys.count)
    }

    /// Global row number of each group's first row (`deadRow` for none yet).
    var firstRows: [Int32] {
        switch grouping {
        case .single(let single): return single.firstRows
        case .codes(let codes): return codes.firstRows
        case .range(let range): return range.firstRows
        case .hash(let hash): return hash.firstRows
        }
    }

    var count: Int {
        switch grouping {
        case .single(let single): return single.count
        case .codes(let codes): return codes.count
        case .range(let range): return range.count
        case .hash(let hash): return hash.count
        }
    }

    /// Group numbers of a batch's rows, adding groups for new keys; `rowNumbers` are the
    /// rows' global numbers.
    func groups(for vectors: [Vector], rowNumbers: [Int32]) -> [Int32] {
        switch grouping {
        case .single(let single): return single.groups(rowNumbers: rowNumbers)
        case .codes(let codes): if let groups = codes.groups(vectors, rowNumbers: rowNumbers) { return groups }
        default: break
        }
        for k in 0..<keys.count {
            keys[k].encode(vectors[k], into: &scratchWords[k], nulls: &scratchNulls[k])
            if let translation = keys[k].takeTranslation() { hashGrouping().rewrite(key: k, translation) }
        }
        if count == 0 { startPlannedGrouping() }
        switch grouping {
        case .codes(let codes): return codes.groups(scratchWords, scratchNulls, rowNumbers: rowNumbers)
        case .range(let range): if let groups = range.groups(scratchWords[0], scratchNulls[0], rowNumbers: rowNumbers) { return groups }
        default: break
        }
        return hashGrouping().groups(scratchWords, scratchNulls, rowNumbers: rowNumbers)
    }

    /// Starts the planned grouping before any group exists, when the batch just encoded
    /// shows the data fits it.
    private func startPlannedGrouping() {
        switch strategy {
        case .codes:
            if let layout = CodeGrouping.Layout.fitting(keys, expectedRows: expectedRows) { grouping = .codes(CodeGrouping(layout)) }
        case .range:
            if let range = RangeGrouping.fitting(scratchWords[0], nulls: scratchNulls[0], limit: rangeLimit) { grouping = .range(range) }
        case .single, .hash:
            break
        }
    }

    /// The widest span of values grouped by offset: about the input's rows.
    private var rangeLimit: Int { min(Int(Int32.max) - 2, 2 * expectedRows + 65_536) }

    /// The hash grouping, after moving the groups there (with their numbers) if another
    /// grouping holds them.
    private func hashGrouping() -> HashGrouping {
        switch grouping {
        case .hash(let hash):
            return hash
        case .codes(let codes):
            let hash = HashGrouping(width: keys.count, keys: codes.keyWords, firstRows: codes.firstRows)
            grouping = .hash(hash)
            return hash
        case .range(let range):
            let hash = HashGrouping(width: keys.count, keys: range.keyWords, firstRows: range.firstRows)
            grouping = .hash(hash)
            return hash
        case .single:
            preconditionFailure("an aggregate without keys has no hash grouping")
        }
    }

    /// The key words of every group (dead ones too), in the hash grouping's layout.
    private var keyWords: GroupKeyWords {
        switch grouping {
        case .codes(let codes): return codes.keyWords
        case .range(let range): return range.keyWords
        case .hash(let hash): return hash.keyWords
        case .single: return GroupKeyWords(words: [], nullMasks: [UInt64](repeating: 0, count: count))
        }
    }

    /// The dictionary whose codes are the group numbers, for one text key grouped by code.
    var identityDictionary: StringDictionary? {
        guard case .codes(let codes) = grouping else { return nil }
        return codes.dictionary
    }

    /// The smallest value a range grouping can hold (nil for other groupings). Merging works
    /// into the indexer with the lowest one, so the others' groups only shift up.
    var rangeOrigin: Int64? {
        guard case .range(let range) = grouping else { return nil }
        return range.base
    }

    /// Adds another indexer's groups to this one; returns, for each of its groups, the
    /// group it became here (-1 for its dead groups). Without `mappingNeeded`, a grouping that
    /// would build that map only for the caller (codes: the groups keep their numbers) may
    /// return an empty one.
    func absorb(_ other: GroupIndexer, mappingNeeded: Bool = true) -> [Int32] {
        if case .single(let mine) = grouping, case .single(let theirs) = other.grouping { return mine.absorb(theirs) }
        // Both grouped by codes of the same dictionaries: the same numbers, nothing to map.
        if count == 0, case .codes(let theirs) = other.grouping,
            zip(keys, theirs.layout.dictionaries).allSatisfy({ $0.dictionary == nil || $0.dictionary === $1 })
        {
            for (key, dictionary) in zip(keys, theirs.layout.dictionaries) { key.adopt(dictionary) }
            grouping = .codes(CodeGrouping(theirs.layout))
        }
        if case .codes(let mine) = grouping, case .codes(let theirs) = other.grouping, let mapping = mine.absorb(theirs, mappingNeeded: mappingNeeded) {
            return mapping
        }
        if count == 0, case .range(let theirs) = other.grouping {
            grouping = .range(RangeGrouping(base: theirs.base, limit: rangeLimit))
        }
        if case .range(let mine) = grouping, case .range(let theirs) = other.grouping, let mapping = mine.absorb(theirs) {
            return mapping
        }
        let hash = hashGrouping()
        let width = keys.count
        let theirKeys = other.keyWords
        let theirFirstRows = other.firstRows
        var mapping = [Int32](repeating: -1, count: theirFirstRows.count)
        var tuple = [UInt64](repeating: 0, count: width)
        for g in 0..<theirFirstRows.count where theirFirstRows[g] != Self.deadRow {
            let nullMask = theirKeys.nullMasks[g]
            for k in 0..<width {
                let word = theirKeys.words[g * width + k]
                tuple[k] = nullMask & (1 << UInt64(k)) != 0 ? 0 : keys[k].translate(word, from: other.keys[k])
                if let translation = keys[k].takeTranslation() { hash.rewrite(key: k, translation) }
            }
            mapping[g] = hash.findOrAdd(tuple, nullMask: nullMask, firstRow: theirFirstRows[g])
        }
        return mapping
    }

    /// Key column `k` of every group, in the order `order` (group numbers).
    func keyColumn(_ k: Int, order: [Int]) -> Column {
        switch grouping {
        case .range(let range): return range.keyColumn(order: order, type: keys[k].type)
        case .codes(let codes): return codes.keyColumn(k, order: order)
        case .hash(let hash): return hash.keyColumn(k, order: order, key: keys[k])
        case .single: preconditionFailure("an aggregate without keys has no key column")
        }
    }
}
