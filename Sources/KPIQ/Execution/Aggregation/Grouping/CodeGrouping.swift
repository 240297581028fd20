import CKPIQSupport

/// Groups text keys from dictionaries by code: the group number *is* the code (for several
/// keys, the codes as digits of one number, each key's null as its last digit), so grouping
/// ten million sessions by visitor, or by country and device, costs nothing per row and two
/// threads' groups line up without a merge; only each group's first row is stored (4 bytes
/// per code). Groups that never see a row stay "dead" (no first row) and are left out of
/// results.
final class CodeGrouping {
    let layout: Layout
    /// Global row number of each group's first row (`GroupIndexer.deadRow` for none yet).
    // Hot per-row state: no run-time exclusivity checks. One thread uses a grouping at a time
    // (each worker its own), and no access here overlaps another.
    @exclusivity(unchecked) var firstRows: [Int32]
    var count: Int { firstRows.count }

    /// Key k's digit of group g is `g / strides[k] % radices[k]`; the digit
    /// `dictionaries[k].count` is null.
    struct Layout {
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

        func sameDictionaries(as other: Layout) -> Bool {
            dictionaries.count == other.dictionaries.count && zip(dictionaries, other.dictionaries).allSatisfy { $0 === $1 }
        }

        func digit(_ g: Int, _ k: Int) -> Int { g / strides[k] % radices[k] }

        /// The layout for grouping by codes, when every key is dictionary-coded text and the
        /// product of their sizes stays small next to the input (dictionaries much larger
        /// than the input are hashed instead: a filter may leave a few rows of a column with
        /// millions of distinct values).
        static func fitting(_ keys: [KeyComponents], expectedRows: Int) -> Layout? {
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
            return size <= 2 * expectedRows + 65_536 && size < Int(Int32.max) ? Layout(dictionaries) : nil
        }
    }

    /// One group per code, plus the null group, all dead until a row arrives.
    init(_ layout: Layout) {
        self.layout = layout
        firstRows = LargeAllocation.filled(GroupIndexer.deadRow, count: layout.size)
    }

    /// The dictionary whose codes are the group numbers, for one text key grouped by code.
    var dictionary: StringDictionary? { layout.dictionaries.count == 1 ? layout.dictionaries[0] : nil }

    /// Groups straight from the key vectors' codes, when each is a vector of the layout's
    /// dictionary (stored columns: every batch after the first); nil otherwise.
    func groups(_ vectors: [Vector], rowNumbers: [Int32]) -> [Int32]? {
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
            Self.noteFirstRows(result, rowNumbers, &firstRows)
        }
        return result
    }

    /// Groups of a batch whose keys are already encoded as codes (one array per key).
    func groups(_ keyWords: [[UInt64]], _ keyNulls: [[UInt8]], rowNumbers: [Int32]) -> [Int32] {
        let n = rowNumbers.count
        var result = [Int32](repeating: 0, count: n)
        result.withUnsafeMutableBufferPointer { result in
            for k in 0..<layout.dictionaries.count {
                let codes = keyWords[k], nulls = keyNulls[k]
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

    /// Takes another code grouping's first rows when both number by the same dictionaries
    /// (millions of visitors: both halves of the groups at once); returns, for each of its
    /// groups, the group it became here (itself; empty when not `mappingNeeded`), or nil when
    /// the layouts differ.
    func absorb(_ other: CodeGrouping, mappingNeeded: Bool = true) -> [Int32]? {
        guard layout.sameDictionaries(as: other.layout) else { return nil }
        firstRows.withUnsafeMutableBufferPointer { mine in
            other.firstRows.withUnsafeBufferPointer { theirs in
                let shared = UncheckedBox((mine, theirs))
                Parallel.forEachRange(theirs.count) { range in
                    let (mine, theirs) = shared.value
                    for g in range where theirs[g] < mine[g] { mine[g] = theirs[g] }
                }
            }
        }
        guard mappingNeeded else { return [] }
        let count = other.count
        return LargeAllocation.array(of: Int32.self, count: count) { start in
            let shared = UncheckedBox(start)
            Parallel.forEachRange(count) { range in
                for g in range { shared.value[g] = Int32(truncatingIfNeeded: g) }
            }
        }
    }

    /// The key words of every group, for a hash grouping to take them over.
    var keyWords: GroupKeyWords {
        let width = layout.dictionaries.count
        var keys = GroupKeyWords(words: [UInt64](repeating: 0, count: count * width), nullMasks: [UInt64](repeating: 0, count: count))
        for g in 0..<count {
            for k in 0..<width {
                let digit = layout.digit(g, k)
                if digit == layout.dictionaries[k].count { keys.nullMasks[g] |= 1 << UInt64(k) } else { keys.words[g * width + k] = UInt64(digit) }
            }
        }
        return keys
    }

    /// Key column `k` of every group, in the order `order` (group numbers).
    func keyColumn(_ k: Int, order: [Int]) -> Column {
        let dictionary = layout.dictionaries[k]
        if layout.dictionaries.count == 1 { return Self.codeColumn(order, dictionary: dictionary) }
        let digits = order.map { layout.digit($0, k) }
        let nullDigit = dictionary.count
        let validity = digits.contains(nullDigit) ? Validity(flags: digits.map { $0 != nullDigit }) : nil
        let codes = digits.map { $0 == nullDigit ? 0 : Int64($0) }
        return Column(type: .text, values: .text(codes: PackedIntegers.pack(codes, validity: validity), dictionary: dictionary),
                      validity: validity)
    }

    /// The key column of one-key groups: group g is code g, the last group null.
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
        return Column(type: .text, values: .text(codes: codes, dictionary: dictionary), validity: validity)
    }
}
