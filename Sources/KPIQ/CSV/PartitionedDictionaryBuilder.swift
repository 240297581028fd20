/// Dictionary-encodes a column with many distinct strings, on all cores, in cache-sized pieces.
///
/// Interning ten million visitor ids into one hash table costs a cache miss per row. Instead:
/// every row already has its 16-byte interning key and the top bits of its hash, which pick a
/// bucket (`DeferredTextValues`). Copy the keys into bucket order, intern each bucket into a
/// small table that stays in L2 while reading its keys sequentially, then give bucket `b`'s
/// codes the offset of all buckets before it. Codes are ordered by bucket, then by first
/// appearance within the bucket: deterministic, though not first-seen order overall.
enum PartitionedDictionaryBuilder {
    typealias KeyWords = DeferredTextValues.KeyWords

    /// The rows of one partition, in file order.
    struct Part {
        let keys: UnsafePointer<KeyWords>
        let hashTops: UnsafePointer<UInt16>
        let count: Int
        /// Row number of the first row in the whole column.
        let firstRow: Int
        /// Where long strings' bytes are (nil when the part has none): see `DeferredTextValues`.
        let longOffsets: UnsafePointer<Int64>?
        let longLengths: UnsafePointer<Int32>?
        let fileBase: UnsafePointer<UInt8>
        let sideBase: UnsafePointer<UInt8>

        init(_ values: borrowing DeferredTextValues, firstRow: Int) {
            keys = UnsafePointer(values.keys.base)
            hashTops = UnsafePointer(values.hashTops.base)
            count = values.count
            self.firstRow = firstRow
            longOffsets = values.hasLongStrings ? UnsafePointer(values.longOffsets.base) : nil
            longLengths = values.hasLongStrings ? UnsafePointer(values.longLengths.base) : nil
            fileBase = values.fileBase
            sideBase = UnsafePointer(values.side.base)
        }

        @inline(__always)
        func longText(_ row: Int) -> (UnsafePointer<UInt8>, Int) {
            let offset = longOffsets![row]
            let length = Int(longLengths![row])
            if offset >= 0 { return (fileBase + Int(offset), length) }
            return (sideBase + Int(-offset - 1), length)
        }
    }

    /// A piece of one part, for one task.
    private struct Chunk {
        let part: Int
        let rows: Range<Int>
    }

    /// Scratch arrays indexed by position in bucket order. The long-string arrays are only
    /// written for long strings: their untouched pages cost nothing.
    private struct Work {
        let entries: UnsafeMutablePointer<KeyWords>
        let codeAt: UnsafeMutablePointer<UInt32>
        let longPointers: UnsafeMutablePointer<UnsafePointer<UInt8>>?
        let longLengths: UnsafeMutablePointer<Int32>?

        init(_ n: Int, long: Bool) {
            let size = max(1, n)
            entries = LargeAllocation.allocate(KeyWords.self, count: size)
            codeAt = LargeAllocation.allocate(UInt32.self, count: size)
            longPointers = long ? LargeAllocation.allocate(UnsafePointer<UInt8>.self, count: size) : nil
            longLengths = long ? LargeAllocation.allocate(Int32.self, count: size) : nil
        }

        func release() {
            LargeAllocation.free(entries)
            LargeAllocation.free(codeAt)
            if let longPointers { LargeAllocation.free(longPointers) }
            if let longLengths { LargeAllocation.free(longLengths) }
        }
    }

    /// What one interning task produced for its run of buckets.
    private struct TaskOutput {
        var bytes: [UInt8] = []
        /// End of each string in `bytes`, in code order.
        var ends: [Int] = []
        /// Strings per bucket of the run.
        var bucketCounts: [Int] = []
    }

    /// Codes for every row (0 for null rows) and the dictionary they index.
    static func build(_ parts: [Part], validity: Validity?) -> (codes: PackedIntegers, dictionary: StringDictionary) {
        let n = parts.reduce(0) { $0 + $1.count }
        var bucketBits = 4
        while bucketBits < 14, (n >> bucketBits) > 4096 { bucketBits += 1 }
        let buckets = 1 << bucketBits
        let topShift = UInt16(16 - bucketBits)
        let hasLong = parts.contains { $0.longOffsets != nil }
        let work = Work(n, long: hasLong)
        defer { work.release() }
        let shared = UncheckedBox(work)
        var chunks: [Chunk] = []
        for (index, part) in parts.enumerated() {
            for rows in Parallel.ranges(part.count, parts: Parallel.threadCount) { chunks.append(Chunk(part: index, rows: rows)) }
        }

        // 1. Rows per bucket in each chunk.
        let histograms = Parallel.map(chunks.count) { t -> [Int] in
            let chunk = chunks[t], part = parts[chunk.part]
            var histogram = [Int](repeating: 0, count: buckets)
            histogram.withUnsafeMutableBufferPointer { counts in
                for row in chunk.rows {
                    guard validity?.isValid(part.firstRow + row) ?? true else { continue }
                    counts[Int(part.hashTops[row] >> topShift)] += 1
                }
            }
            return histogram
        }
        var startCursors = [[Int]](repeating: [Int](repeating: 0, count: buckets), count: chunks.count)
        var bucketStart = [Int](repeating: 0, count: buckets + 1)
        var running = 0
        for b in 0..<buckets {
            bucketStart[b] = running
            for t in 0..<chunks.count {
                startCursors[t][b] = running
                running += histograms[t][b]
            }
        }
        bucketStart[buckets] = running

        // 2. Keys into bucket order (stable: chunks and rows within them are in order).
        _ = Parallel.map(chunks.count) { t in
            let work = shared.value
            let chunk = chunks[t], part = parts[chunk.part]
            var cursor = startCursors[t]
            cursor.withUnsafeMutableBufferPointer { cursor in
                for row in chunk.rows {
                    guard validity?.isValid(part.firstRow + row) ?? true else { continue }
                    let b = Int(part.hashTops[row] >> topShift)
                    let at = cursor[b]
                    cursor[b] = at + 1
                    let key = part.keys[row]
                    work.entries[at] = key
                    if key.key1 == StringInterner.longMarker {
                        let (pointer, length) = part.longText(row)
                        work.longPointers![at] = pointer
                        work.longLengths![at] = Int32(truncatingIfNeeded: length)
                    }
                }
            }
        }

        // 3. Intern the buckets, a run of them per task, reusing one table per task.
        let tasks = Parallel.ranges(buckets, parts: Parallel.threadCount * 8)
        let largest = (0..<buckets).map { bucketStart[$0 + 1] - bucketStart[$0] }.max() ?? 0
        let outputs = Parallel.map(tasks.count) { t -> TaskOutput in
            let work = shared.value
            var interner = StringInterner(expectedCount: largest, expectedBytes: largest * 16)
            var output = TaskOutput()
            for b in tasks[t] {
                interner.removeAll(expecting: bucketStart[b + 1] - bucketStart[b])
                var isNew = false
                for at in bucketStart[b]..<bucketStart[b + 1] {
                    let entry = work.entries[at]
                    let code: Int
                    if entry.key1 == StringInterner.longMarker {
                        let key = StringInterner.Key(key0: entry.key0, key1: entry.key1, hash: entry.key0)
                        code = interner.intern(key, UnsafeRawPointer(work.longPointers![at]), Int(work.longLengths![at]), isNew: &isNew)
                    } else {
                        // Short strings live in their key: no need to touch the row's text.
                        let key = StringInterner.Key(key0: entry.key0, key1: entry.key1, hash: StringInterner.hashInline(entry.key0, entry.key1))
                        code = interner.intern(key, UnsafeRawPointer(bitPattern: 1)!, 0, isNew: &isNew)
                    }
                    work.codeAt[at] = UInt32(truncatingIfNeeded: code)
                }
                let storage = interner.storage
                let shift = output.bytes.count
                output.bytes.append(contentsOf: storage.bytes)
                for end in storage.offsets.dropFirst() { output.ends.append(end + shift) }
                output.bucketCounts.append(interner.count)
            }
            return output
        }

        // 4. Where each bucket's codes and each task's bytes start in the dictionary.
        var codeBase = [Int](repeating: 0, count: buckets + 1)
        var taskCodeBase = [Int](repeating: 0, count: tasks.count + 1)
        var taskByteBase = [Int](repeating: 0, count: tasks.count + 1)
        for (t, run) in tasks.enumerated() {
            for (k, b) in run.enumerated() { codeBase[b + 1] = codeBase[b] + outputs[t].bucketCounts[k] }
            taskCodeBase[t + 1] = taskCodeBase[t] + outputs[t].ends.count
            taskByteBase[t + 1] = taskByteBase[t] + outputs[t].bytes.count
        }
        let dictionaryCount = codeBase[buckets]

        // 5. Codes back into row order, shifted past the buckets before each one, written
        //    straight into the column's packed storage.
        func codes<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                let out = UncheckedBox(buffer.baseAddress!)
                _ = Parallel.map(chunks.count) { t in
                    let work = shared.value
                    let codes = out.value
                    let chunk = chunks[t], part = parts[chunk.part]
                    var cursor = startCursors[t]
                    cursor.withUnsafeMutableBufferPointer { cursor in
                        codeBase.withUnsafeBufferPointer { codeBase in
                            for row in chunk.rows {
                                let global = part.firstRow + row
                                guard validity?.isValid(global) ?? true else {
                                    codes[global] = 0
                                    continue
                                }
                                let b = Int(part.hashTops[row] >> topShift)
                                let at = cursor[b]
                                cursor[b] = at + 1
                                codes[global] = T(truncatingIfNeeded: codeBase[b] &+ Int(work.codeAt[at]))
                            }
                        }
                    }
                }
                initialized = n
            }
        }
        let packed: PackedIntegers
        if dictionaryCount <= 256 {
            packed = PackedIntegers(base: 0, scale: 1, storage: .u8(codes(UInt8.self)))
        } else if dictionaryCount <= 65_536 {
            packed = PackedIntegers(base: 0, scale: 1, storage: .u16(codes(UInt16.self)))
        } else {
            packed = PackedIntegers(base: 0, scale: 1, storage: .u32(codes(UInt32.self)))
        }

        // 6. The dictionary: each task's strings end to end.
        let bytes = [UInt8](unsafeUninitializedCapacity: taskByteBase[tasks.count]) { buffer, initialized in
            let out = UncheckedBox(buffer.baseAddress)
            _ = Parallel.map(tasks.count) { t in
                outputs[t].bytes.withUnsafeBufferPointer {
                    if $0.count > 0 { (out.value! + taskByteBase[t]).update(from: $0.baseAddress!, count: $0.count) }
                }
            }
            initialized = taskByteBase[tasks.count]
        }
        let offsets = [Int](unsafeUninitializedCapacity: dictionaryCount + 1) { buffer, initialized in
            buffer[0] = 0
            let out = UncheckedBox(buffer.baseAddress!)
            _ = Parallel.map(tasks.count) { t in
                let shiftBy = taskByteBase[t]
                var k = taskCodeBase[t] + 1
                for end in outputs[t].ends {
                    out.value[k] = end + shiftBy
                    k += 1
                }
            }
            initialized = dictionaryCount + 1
        }
        return (packed, StringDictionary(bytes: bytes, offsets: offsets))
    }
}
