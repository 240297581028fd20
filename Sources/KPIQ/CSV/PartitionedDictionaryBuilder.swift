/// Dictionary-encodes a column with many distinct strings, on all cores, in cache-sized pieces.
///
/// Interning ten million visitor ids into one hash table costs a cache miss per row. Instead:
/// give every value a bucket from its hash, copy each value's 16-byte key (the string itself
/// when it is short) into bucket order, intern each bucket into a small table that stays in L2
/// while reading its keys sequentially, then give bucket `b`'s codes the offset of all buckets
/// before it. Codes are ordered by bucket, then by first appearance within the bucket:
/// deterministic, though not first-seen order overall.
enum PartitionedDictionaryBuilder {
    /// One value per row: where its bytes are (ignored for null rows).
    struct Texts {
        let pointers: UnsafeMutablePointer<UnsafePointer<UInt8>>
        let lengths: UnsafeMutablePointer<Int32>
        let count: Int

        init(count: Int) {
            self.count = count
            pointers = .allocate(capacity: max(1, count))
            lengths = .allocate(capacity: max(1, count))
        }

        func release() {
            pointers.deallocate()
            lengths.deallocate()
        }

        @inline(__always)
        func key(_ row: Int) -> StringInterner.Key {
            StringInterner.key(UnsafeRawPointer(pointers[row]), Int(lengths[row]))
        }
    }

    /// A key in bucket order, with the row it came from.
    private struct Entry {
        var key0: UInt64
        var key1: UInt64
        var row: UInt32
    }

    /// Scratch arrays, indexed by row or by position in bucket order.
    private struct Work {
        let bucketOf: UnsafeMutablePointer<UInt16>
        let entries: UnsafeMutablePointer<Entry>
        let codeAt: UnsafeMutablePointer<UInt32>

        init(_ n: Int) {
            let size = max(1, n)
            bucketOf = .allocate(capacity: size)
            entries = LargeAllocation.allocate(Entry.self, count: size)
            codeAt = .allocate(capacity: size)
        }

        func release() {
            bucketOf.deallocate()
            LargeAllocation.free(entries)
            codeAt.deallocate()
        }
    }

    /// Codes for every row (0 for null rows) and the dictionary they index.
    static func build(_ texts: Texts, validity: Validity?) -> (codes: PackedIntegers, dictionary: StringDictionary) {
        let n = texts.count
        var bucketBits = 4
        while bucketBits < 14, (n >> bucketBits) > 4096 { bucketBits += 1 }
        let buckets = 1 << bucketBits
        let shift = UInt64(64 - bucketBits)
        let work = Work(n)
        defer { work.release() }
        let shared = UncheckedBox(work)
        let ranges = Parallel.ranges(n, parts: Parallel.threadCount)

        // 1. A bucket for each value; rows per bucket in each range.
        let histograms = Parallel.map(ranges.count) { t -> [Int] in
            let work = shared.value
            var histogram = [Int](repeating: 0, count: buckets)
            for row in ranges[t] {
                guard validity?.isValid(row) ?? true else { continue }
                let b = Int(texts.key(row).hash >> shift)
                work.bucketOf[row] = UInt16(truncatingIfNeeded: b)
                histogram[b] += 1
            }
            return histogram
        }
        var startCursors = [[Int]](repeating: [Int](repeating: 0, count: buckets), count: ranges.count)
        var bucketStart = [Int](repeating: 0, count: buckets + 1)
        var running = 0
        for b in 0..<buckets {
            bucketStart[b] = running
            for t in 0..<ranges.count {
                startCursors[t][b] = running
                running += histograms[t][b]
            }
        }
        bucketStart[buckets] = running

        // 2. Keys into bucket order (stable: ranges and rows within them are in order).
        _ = Parallel.map(ranges.count) { t in
            let work = shared.value
            var cursor = startCursors[t]
            for row in ranges[t] {
                guard validity?.isValid(row) ?? true else { continue }
                let b = Int(work.bucketOf[row])
                let at = cursor[b]
                cursor[b] = at + 1
                let key = texts.key(row)
                work.entries[at] = Entry(key0: key.key0, key1: key.key1, row: UInt32(truncatingIfNeeded: row))
            }
        }

        // 3. Intern the buckets, a run of them per task, reusing one table per task.
        let tasks = Parallel.ranges(buckets, parts: Parallel.threadCount * 8)
        let largest = (0..<buckets).map { bucketStart[$0 + 1] - bucketStart[$0] }.max() ?? 0
        let pieces = Parallel.map(tasks.count) { t -> [(bytes: [UInt8], ends: [Int])] in
            let work = shared.value
            var interner = StringInterner(expectedCount: largest, expectedBytes: largest * 16)
            var result: [(bytes: [UInt8], ends: [Int])] = []
            for b in tasks[t] {
                interner.removeAll(expecting: bucketStart[b + 1] - bucketStart[b])
                var isNew = false
                for at in bucketStart[b]..<bucketStart[b + 1] {
                    let entry = work.entries[at]
                    let hash = entry.key1 == StringInterner.longMarker ? entry.key0 : StringInterner.hashInline(entry.key0, entry.key1)
                    let key = StringInterner.Key(key0: entry.key0, key1: entry.key1, hash: hash)
                    let code: Int
                    if entry.key1 == StringInterner.longMarker {
                        let row = Int(entry.row)
                        code = interner.intern(key, UnsafeRawPointer(texts.pointers[row]), Int(texts.lengths[row]), isNew: &isNew)
                    } else {
                        // Short strings live in their key: no need to touch the row's text.
                        code = interner.intern(key, UnsafeRawPointer(bitPattern: 1)!, 0, isNew: &isNew)
                    }
                    work.codeAt[at] = UInt32(truncatingIfNeeded: code)
                }
                let storage = interner.storage
                result.append((Array(storage.bytes), Array(storage.offsets.dropFirst())))
            }
            return result
        }.flatMap { $0 }

        // 4. Codes back into row order, shifted past the buckets before each one.
        var codeBase = [Int](repeating: 0, count: buckets + 1)
        var byteBase = [Int](repeating: 0, count: buckets + 1)
        for b in 0..<buckets {
            codeBase[b + 1] = codeBase[b] + pieces[b].ends.count
            byteBase[b + 1] = byteBase[b] + pieces[b].bytes.count
        }
        let dictionaryCount = codeBase[buckets]
        let codes = [UInt32](unsafeUninitializedCapacity: n) { buffer, initialized in
            let out = UncheckedBox(buffer.baseAddress!)
            _ = Parallel.map(ranges.count) { t in
                let work = shared.value
                let codes = out.value
                var cursor = startCursors[t]
                for row in ranges[t] {
                    guard validity?.isValid(row) ?? true else {
                        codes[row] = 0
                        continue
                    }
                    let b = Int(work.bucketOf[row])
                    codes[row] = UInt32(truncatingIfNeeded: codeBase[b]) &+ work.codeAt[cursor[b]]
                    cursor[b] += 1
                }
            }
            initialized = n
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: byteBase[buckets]) { buffer, initialized in
            let out = UncheckedBox(buffer.baseAddress)
            _ = Parallel.map(tasks.count) { t in
                for b in tasks[t] where !pieces[b].bytes.isEmpty {
                    pieces[b].bytes.withUnsafeBufferPointer {
                        (out.value! + byteBase[b]).update(from: $0.baseAddress!, count: $0.count)
                    }
                }
            }
            initialized = byteBase[buckets]
        }
        let offsets = [Int](unsafeUninitializedCapacity: dictionaryCount + 1) { buffer, initialized in
            buffer[0] = 0
            let out = UncheckedBox(buffer.baseAddress!)
            _ = Parallel.map(tasks.count) { t in
                for b in tasks[t] {
                    let shiftBy = byteBase[b]
                    var k = codeBase[b] + 1
                    for end in pieces[b].ends {
                        out.value[k] = end + shiftBy
                        k += 1
                    }
                }
            }
            initialized = dictionaryCount + 1
        }
        let packed = codes.withUnsafeBufferPointer { PackedIntegers.packCodes($0, dictionarySize: dictionaryCount) }
        return (packed, StringDictionary(bytes: bytes, offsets: offsets))
    }
}
