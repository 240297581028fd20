import CKPIQSupport

/// `first(x, by)` / `last(x, by)` when `by` is an integer, a date or a timestamp (first touch
/// by time): the value at the smallest (largest) ordering value, ties to the earliest row.
///
/// Grouping by visitor makes millions of groups touched in random order, so each group's
/// state is one 24-byte record (ordering value, the value as a word, row) and a row costs one
/// cache line. Text values are kept as codes of the argument's dictionary; should a batch
/// bring another dictionary (a derived text column), they switch to strings.
final class FirstLastByTimeAccumulator: Accumulator, RowNumberedAccumulator {
    private struct Best {
        var key: Int64 = 0
        /// The value: a dictionary code, an integer's or a double's bits, 0/1.
        var word: UInt64 = 0
        /// Global row number; `noRow` when the group has seen none.
        var row: Int32 = FirstLastByTimeAccumulator.noRow
        var hasValue = false
    }

    private static let noRow = Int32.max
    private let isFirst: Bool
    private let type: DataType
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var best: [Best] = []
    @exclusivity(unchecked) private var dictionary: StringDictionary?
    /// Text values once two dictionaries have been seen (nil until then).
    @exclusivity(unchecked) private var strings: [String?]?

    @exclusivity(unchecked) var batchRows: [Int32] = []
    /// The statement's token, from `reserve`: gathering millions of groups' values takes
    /// longer than Ctrl-C may wait, so `finish` stops early when it is raised.
    private var cancel: CancellationToken?

    init(isFirst: Bool, type: DataType) {
        self.isFirst = isFirst
        self.type = type
    }

    /// Whether (key, row) beats the best (key, row) so far.
    @inline(__always)
    private func beats(_ key: Int64, _ row: Int32, _ current: Best) -> Bool {
        if current.row == Self.noRow { return true }
        if key == current.key { return row < current.row }
        return isFirst ? key < current.key : key > current.key
    }

    /// From this many groups on, the records are allocated at once (on huge pages) rather than
    /// grown by appending.
    private static let bulkGroups = 1 << 16

    /// Records for millions of groups are filled before the batch that brings them, in pieces a
    /// cancel can stop: right after a load their huge pages are cold, and 6M visitors' 144 MB
    /// took 270 ms in one go.
    func reserve(groupCount: Int, cancel: CancellationToken?) throws {
        self.cancel = cancel
        guard best.isEmpty, groupCount > Self.bulkGroups else { return }
        guard let records = Self.emptyRecords(groupCount, cancel: cancel) else { throw Cancelled() }
        best = records
    }

    /// `count` records of groups that have seen no row, filled 8 MB at a time; nil when
    /// `cancel` was raised before the end.
    private static func emptyRecords(_ count: Int, cancel: CancellationToken?) -> [Best]? {
        let piece = (8 << 20) / MemoryLayout<Best>.stride
        var stopped = false
        let records = LargeAllocation.array(of: Best.self, count: count) { start in
            var done = 0
            while done < count {
                if cancel?.isCancelled == true {
                    // The rest stays unwritten: the array (of plain values, nothing to
                    // destroy) is dropped, never read.
                    stopped = true
                    return
                }
                let n = min(piece, count - done)
                (start + done).initialize(repeating: Best(), count: n)
                done += n
            }
        }
        return stopped ? nil : records
    }

    private func grow(to count: Int) {
        if best.isEmpty, count > Self.bulkGroups { best = Self.emptyRecords(count, cancel: nil)! }
        if best.count < count { best.append(contentsOf: repeatElement(Best(), count: count - best.count)) }
        if strings != nil { strings!.grow(to: count, with: nil) }
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        grow(to: groupCount)
        guard let argument = argument?.flattened(), let order = order?.flattened(), case .ints(let keys) = order.values else { return }
        // The value of row i as a word (nil: null), and its string once in string mode.
        var codes: [Int64]?
        var ints: [Int64]?
        var doubles: [Double]?
        var bools: [UInt8]?
        var rowDictionary: StringDictionary?
        switch argument.values {
        case .text(let c, let d):
            codes = c
            rowDictionary = d
            if strings == nil, dictionary == nil { dictionary = d }
            if strings == nil, dictionary !== d { switchToStrings() }
        case .ints(let v): ints = v
        case .doubles(let v): doubles = v
        case .bools(let v): bools = v
        case .constant: return  // flattened above
        }
        let valueValid = argument.valid
        let orderValid = order.valid
        let n = groups.count
        let stringMode = strings != nil
        groups.withUnsafeBufferPointer { groups in
            keys.withUnsafeBufferPointer { keys in
                best.withUnsafeMutableBufferPointer { best in
                    // Groups come in random order (a visitor's sessions are far apart), so each
                    // row's record is a cache miss: ask for the record a few rows ahead.
                    let ahead = 12
                    for i in 0..<n {
                        if i + ahead < n { kpiq_prefetch_write(best.baseAddress! + Int(groups[i + ahead])) }
                        if let mask, mask[i] == 0 { continue }
                        if let orderValid, orderValid[i] == 0 { continue }
                        let g = Int(groups[i])
                        let row = i < batchRows.count ? batchRows[i] : Int32(i)
                        let key = keys[i]
                        guard beats(key, row, best[g]) else { continue }
                        let hasValue = valueValid.map { $0[i] != 0 } ?? true
                        var word: UInt64 = 0
                        if hasValue {
                            if let codes { word = UInt64(truncatingIfNeeded: codes[i]) }
                            else if let ints { word = UInt64(bitPattern: ints[i]) }
                            else if let doubles { word = doubles[i].bitPattern }
                            else if let bools { word = UInt64(bools[i]) }
                        }
                        best[g] = Best(key: key, word: word, row: row, hasValue: hasValue)
                        if stringMode { strings![g] = hasValue ? rowDictionary!.string(Int(word)) : nil }
                    }
                }
            }
        }
    }

    /// From codes of one dictionary to strings, for values from several dictionaries.
    private func switchToStrings() {
        strings = best.map { b in b.hasValue && b.row != Self.noRow ? dictionary?.string(Int(b.word)) : nil }
        dictionary = nil
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! FirstLastByTimeAccumulator
        grow(to: groupCount)
        if type == .text, strings == nil, other.strings != nil || (dictionary != nil && other.dictionary != nil && dictionary !== other.dictionary) {
            switchToStrings()
        }
        if dictionary == nil, strings == nil { dictionary = other.dictionary }
        if strings != nil {
            for g in 0..<other.best.count where other.best[g].row != Self.noRow && mapping[g] >= 0 {
                let t = Int(mapping[g])
                let candidate = other.best[g]
                guard beats(candidate.key, candidate.row, best[t]) else { continue }
                best[t] = candidate
                strings![t] = candidate.hasValue ? (other.strings?[g] ?? other.dictionary?.string(Int(candidate.word))) : nil
            }
            return
        }
        // The mapping is one-to-one, so ranges of their groups write disjoint groups here.
        best.withUnsafeMutableBufferPointer { mine in
            other.best.withUnsafeBufferPointer { theirs in
                mapping.withUnsafeBufferPointer { mapping in
                    let shared = UncheckedBox((mine, theirs, mapping))
                    Parallel.forEachRange(theirs.count) { range in
                        let (mine, theirs, mapping) = shared.value
                        for g in range where theirs[g].row != Self.noRow && mapping[g] >= 0 {
                            let t = Int(mapping[g])
                            if beats(theirs[g].key, theirs[g].row, mine[t]) { mine[t] = theirs[g] }
                        }
                    }
                }
            }
        }
    }

    func finish(order: [Int]) -> Column {
        // One gather of the records (millions of groups, in an order unrelated to theirs), as
        // Int64 bit patterns, so integers, dates and timestamps are packed as they are.
        let cancel = self.cancel
        let (words, valid, allValid) = best.withUnsafeBufferPointer { best in
            order.withUnsafeBufferPointer { order in
                GroupValueGather.gather(count: order.count) { range, words, valid in
                    let ahead = 12
                    var rangeValid = true
                    for i in range {
                        // Stopped: the caller throws before the column is used.
                        if GroupValueGather.stops(at: i, of: range, cancel, values: words, valid: valid, zero: Int64(0)) { return false }
                        if i + ahead < range.upperBound, order[i + ahead] < best.count { kpiq_prefetch_read(best.baseAddress! + order[i + ahead]) }
                        let g = order[i]
                        guard g < best.count, best[g].row != Self.noRow, best[g].hasValue else {
                            rangeValid = false
                            valid[i] = false
                            words[i] = 0
                            continue
                        }
                        valid[i] = true
                        words[i] = Int64(bitPattern: best[g].word)
                    }
                    return rangeValid
                }
            }
        }
        // Stopped: an empty column, never used (AggregateSink checks the token next).
        if cancel?.isCancelled == true { return Column(type: type, values: .integers(PackedIntegers.pack([])), validity: nil) }
        let validity = allValid ? nil : Validity(flags: valid)
        switch type {
        case .text:
            if let strings { return ColumnFactory.text(order.enumerated().map { valid[$0.offset] ? strings[$0.element] : nil }) }
            // Codes are below the dictionary's size (null rows hold 0): narrowed straight away.
            let dictionary = dictionary ?? .empty
            return Column(type: .text, values: .text(codes: words.withUnsafeBufferPointer { words in
                PackedIntegers.codes(count: words.count, below: dictionary.count) { Int(truncatingIfNeeded: words[$0]) }
            }, dictionary: dictionary),
                          validity: validity)
        case .decimal: return Column(type: .decimal, values: .doubles(words.map { Double(bitPattern: UInt64(bitPattern: $0)) }), validity: validity)
        case .bool: return Column(type: .bool, values: .bools(words.map { UInt8(truncatingIfNeeded: $0) }), validity: validity)
        default:
            return Column(type: type, values: .integers(PackedIntegers.pack(words, validity: validity)), validity: validity)
        }
    }
}

/// Accumulators that break ties by global row number: the sink hands them each batch's rows.
protocol RowNumberedAccumulator: AnyObject {
    var batchRows: [Int32] { get set }
}
