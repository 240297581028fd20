/// Several dictionaries (one per Parquet row group of a text column) merged into one, with
/// each piece's codes translated.
///
/// Interning millions of entries (a visitor id column: about 100k per row group, 6M distinct)
/// into one table costs a cache miss per entry on one core. Instead each entry's hash picks one
/// of many partitions by its top bits, the entries are listed in partition order, and each
/// partition is interned on its own into a table small enough to stay in cache, partitions
/// spread over all cores; a partition's codes follow those of every partition before it.
/// Codes are ordered by partition, then by first appearance within the partition (pieces in
/// order, entries in code order): deterministic, though not first-seen order overall, as with
/// the CSV loader's columns of many strings (`PartitionedDictionaryBuilder`).
enum DictionaryMerge {
    /// Below this many entries in all (or past what a 32-bit place holds), one table in
    /// first-seen order. (Not by thread count: the codes are the same however many cores run it.)
    static let partitionedMinimum = 1 << 16
    /// At most about this many entries per partition: a table of up to 32k slots of 24 bytes.
    static let entriesPerPartition = 1 << 14

    /// Each piece's codes in one array, in piece order, translated into the merged dictionary.
    /// A piece's codes index its dictionary (a piece with an empty dictionary: null rows only,
    /// code 0).
    static func merge(codes pieces: [[UInt32]], dictionaries: [StringDictionary]) -> ([UInt32], StringDictionary) {
        let entries = dictionaries.reduce(0) { $0 + $1.count }
        let translations = entries < partitionedMinimum || entries + dictionaries.count > Int(UInt32.max)
            ? firstSeen(dictionaries)
            : partitioned(dictionaries, entries: entries)
        let starts = pieces.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let total = starts.last!
        let codes = [UInt32](unsafeUninitializedCapacity: total) { out, initialized in
            let shared = UncheckedBox(out)
            translations.table.withUnsafeBufferPointer { table in
                _ = Parallel.map(pieces.count) { p in
                    pieces[p].withUnsafeBufferPointer { codes in
                        let out = shared.value, at = translations.starts[p]
                        for i in 0..<codes.count { out[starts[p] + i] = table[at + Int(codes[i])] }
                    }
                }
            }
            initialized = total
        }
        return (codes, translations.dictionary)
    }

    /// Each piece's codes' codes in `dictionary`: piece p's code c at `table[starts[p] + c]`
    /// (at least one place per piece, so code 0 of a piece of nulls maps to 0).
    private typealias Translations = (table: [UInt32], starts: [Int], dictionary: StringDictionary)

    private static func tableStarts(_ dictionaries: [StringDictionary]) -> [Int] {
        dictionaries.reduce(into: [0]) { $0.append($0.last! + max(1, $1.count)) }
    }

    /// One table, entries in piece order: codes in order of first appearance.
    private static func firstSeen(_ dictionaries: [StringDictionary]) -> Translations {
        var interner = StringInterner(expectedCount: max(8, dictionaries.reduce(0) { $0 + $1.count }))
        let starts = tableStarts(dictionaries)
        var table = [UInt32](repeating: 0, count: starts.last!)
        for (p, dictionary) in dictionaries.enumerated() {
            for code in 0..<dictionary.count {
                var isNew = false
                table[starts[p] + code] = UInt32(truncatingIfNeeded: dictionary.withBytes(code) { bytes in
                    interner.intern(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count, isNew: &isNew)
                })
            }
        }
        return (table, starts, interner.finish())
    }

    /// An entry in partition order: its interning key, its place in the table of
    /// translations, and its piece (for the bytes of a string longer than a key holds).
    private struct Entry {
        var key0: UInt64
        var key1: UInt64
        var place: UInt32
        var piece: UInt32
    }

    private static func partitioned(_ dictionaries: [StringDictionary], entries: Int) -> Translations {
        var partitionBits = 1
        while partitionBits < 16, (1 << partitionBits) * entriesPerPartition < entries { partitionBits += 1 }
        let partitionCount = 1 << partitionBits
        let shift = UInt64(64 - partitionBits)
        // 1. Each entry's partition, and how many entries each piece sends to each partition.
        let partitionOf: [[UInt16]] = Parallel.map(dictionaries.count) { p in
            let dictionary = dictionaries[p]
            return [UInt16](unsafeUninitializedCapacity: dictionary.count) { out, initialized in
                for code in 0..<dictionary.count {
                    let hash = dictionary.withBytes(code) { bytes in
                        StringInterner.key(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count).hash
                    }
                    out[code] = UInt16(truncatingIfNeeded: hash >> shift)
                }
                initialized = dictionary.count
            }
        }
        // 2. The entries in partition order, pieces in order within a partition, each as its
        //    interning key and its place in the table of translations: the strings are read
        //    in order here, so interning a partition reads its entries in order too, and looks
        //    at a string's bytes only when longer than a key holds. (The key is made again
        //    here rather than kept from step 1: 16 bytes per entry less, for one more pass
        //    over strings read in order.)
        var counts = [Int](repeating: 0, count: partitionCount * dictionaries.count)
        for p in dictionaries.indices {
            for q in partitionOf[p] { counts[Int(q) * dictionaries.count + p] += 1 }
        }
        var at = 0
        for k in counts.indices {
            let count = counts[k]
            counts[k] = at
            at += count
        }
        let starts = tableStarts(dictionaries)
        let listed = [Entry](unsafeUninitializedCapacity: entries) { out, initialized in
            let shared = UncheckedBox(out)
            _ = Parallel.map(dictionaries.count) { p in
                var next = (0..<partitionCount).map { counts[$0 * dictionaries.count + p] }
                let dictionary = dictionaries[p]
                for (code, q) in partitionOf[p].enumerated() {
                    let key = dictionary.withBytes(code) { bytes in
                        StringInterner.key(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count)
                    }
                    shared.value[next[Int(q)]] = Entry(key0: key.key0, key1: key.key1, place: UInt32(starts[p] + code), piece: UInt32(p))
                    next[Int(q)] += 1
                }
            }
            initialized = entries
        }
        func partitionStart(_ q: Int) -> Int { q == partitionCount ? entries : counts[q * dictionaries.count] }

        // 3. Each partition interned on its own; runs of partitions spread over the cores. Each
        //    entry's code within its partition goes to its place (disjoint writes).
        var table = [UInt32](repeating: 0, count: starts.last!)
        let runs = Parallel.ranges(partitionCount, parts: Parallel.threadCount * 4)
        let found: [[(count: Int, dictionary: StringDictionary)]] = table.withUnsafeMutableBufferPointer { table in
            let shared = UncheckedBox(table)
            return listed.withUnsafeBufferPointer { listed in
                Parallel.map(runs.count) { r in
                    var interner = StringInterner(expectedCount: entriesPerPartition)
                    var result: [(count: Int, dictionary: StringDictionary)] = []
                    for q in runs[r] {
                        let range = partitionStart(q)..<partitionStart(q + 1)
                        interner.removeAll(expecting: range.count)
                        for k in range {
                            let entry = listed[k]
                            var isNew = false
                            let local: Int
                            if entry.key1 == StringInterner.longMarker {
                                let piece = Int(entry.piece)
                                local = dictionaries[piece].withBytes(Int(entry.place) - starts[piece]) { bytes in
                                    interner.intern(StringInterner.Key(key0: entry.key0, key1: entry.key1, hash: entry.key0),
                                                    bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count, isNew: &isNew)
                                }
                            } else {
                                // An inline key holds the bytes: the interner reads no string.
                                let key = StringInterner.Key(key0: entry.key0, key1: entry.key1,
                                                             hash: StringInterner.hashInline(entry.key0, entry.key1))
                                local = interner.intern(key, UnsafeRawPointer(bitPattern: 1)!, Int(entry.key1 >> 56) - 1, isNew: &isNew)
                            }
                            shared.value[Int(entry.place)] = UInt32(truncatingIfNeeded: local)
                        }
                        result.append((interner.count, interner.finish()))
                    }
                    return result
                }
            }
        }
        let perPartition = found.flatMap { $0 }
        // 4. A partition's codes follow every earlier partition's.
        var base = [UInt32](repeating: 0, count: partitionCount)
        var sum = 0
        for q in 0..<partitionCount {
            base[q] = UInt32(truncatingIfNeeded: sum)
            sum += perPartition[q].count
        }
        table.withUnsafeMutableBufferPointer { table in
            let shared = UncheckedBox(table)
            _ = Parallel.map(dictionaries.count) { p in
                for (code, q) in partitionOf[p].enumerated() { shared.value[starts[p] + code] &+= base[Int(q)] }
            }
        }
        return (table, starts, StringDictionary(concatenating: perPartition.map(\.dictionary)))
    }
}
