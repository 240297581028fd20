import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Rows whose keys are copied between two releases of their pages: 2 MB of keys.
    static let rowsPerRelease = LargeAllocation.hugePage / MemoryLayout<KeyWords>.stride

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

    /// What the scatter writes, indexed by position in bucket order: the keys, and long
    /// strings' references. The long-string arrays are only written for long strings: their
    /// untouched pages cost nothing.
    private struct Scattered {
        let entries: UnsafeMutablePointer<KeyWords>
        let longPointers: UnsafeMutablePointer<UnsafePointer<UInt8>>?
        let longLengths: UnsafeMutablePointer<Int32>?

        init(_ n: Int, long: Bool) {
            let size = max(1, n)
            // Small pages: the scatter writes every bucket's first entries at once, which with
            // huge pages would make the whole array resident while the keys it is copied from
            // still are (100+ MB more at the load's peak). With small pages it grows as it is
            // written. The scatter's write-combining lines
            // (scatter.c) keep the TLB misses this costs to one per 64 bytes written.
            entries = LargeAllocation.allocate(KeyWords.self, count: size, hugePages: false)
            longPointers = long ? LargeAllocation.allocate(UnsafePointer<UInt8>.self, count: size) : nil
            longLengths = long ? LargeAllocation.allocate(Int32.self, count: size) : nil
        }

        func release() {
            LargeAllocation.free(entries)
            if let longPointers { LargeAllocation.free(longPointers) }
            if let longLengths { LargeAllocation.free(longLengths) }
        }
    }

    /// Scratch arrays indexed by position in bucket order: the scatter's, and the two the
    /// interning writes, allocated once the scatter is done, when the keys it has read have
    /// given their pages back (`LargeAllocation.discard`), so that they do not raise the peak.
    private struct Work {
        let scattered: Scattered
        /// Each position's code within its bucket.
        let codeAt: UnsafeMutablePointer<UInt32>
        /// For a task whose buckets start at position `s`: `firstAt[s + k]` is where its `k`th
        /// distinct string first appears (a task has no more strings than positions).
        let firstAt: UnsafeMutablePointer<UInt32>

        var entries: UnsafeMutablePointer<KeyWords> { scattered.entries }
        var longPointers: UnsafeMutablePointer<UnsafePointer<UInt8>>? { scattered.longPointers }
        var longLengths: UnsafeMutablePointer<Int32>? { scattered.longLengths }

        init(_ scattered: Scattered, count n: Int) {
            self.scattered = scattered
            codeAt = LargeAllocation.allocate(UInt32.self, count: max(1, n))
            firstAt = LargeAllocation.allocate(UInt32.self, count: max(1, n))
        }

        func releaseAllButCodes() {
            scattered.release()
            LargeAllocation.free(firstAt)
        }

        func releaseCodes() { LargeAllocation.free(codeAt) }

        /// Gives back the pages of every array but the codes over a range of positions that
        /// will not be read again (see `LargeAllocation.discard`).
        func discard(_ positions: Range<Int>) {
            func release<T>(_ array: UnsafeMutablePointer<T>?) {
                guard let array else { return }
                LargeAllocation.discard(array + positions.lowerBound, byteCount: positions.count * MemoryLayout<T>.stride)
            }
            release(entries)
            release(firstAt)
            release(longPointers)
            release(longLengths)
        }

        /// Byte length of the string at position `at`.
        @inline(__always)
        func length(at: Int) -> Int {
            let key1 = entries[at].key1
            return key1 == StringInterner.longMarker ? Int(longLengths![at]) : Int(key1 >> 56) - 1
        }
    }

    /// What one interning task found in its run of buckets.
    private struct TaskOutput {
        /// Distinct strings per bucket of the run.
        var bucketCounts: [Int] = []
        var stringCount = 0
        var byteCount = 0
    }

    /// A small open-addressing set of keys, reused bucket after bucket by one task; it stores
    /// no bytes: a long string is compared against its first appearance.
    private struct BucketTable {
        struct Slot {
            var key0: UInt64
            var key1: UInt64
            /// Code + 1 within the bucket; 0 marks an empty slot.
            var code: UInt32
        }

        let slots: UnsafeMutablePointer<Slot>
        let capacity: Int
        var mask = 0

        init(largestBucket: Int) {
            var size = 16
            while size < largestBucket * 2 { size <<= 1 }
            capacity = size
            slots = LargeAllocation.allocate(Slot.self, count: size)
        }

        func release() { LargeAllocation.free(slots) }

        /// Empties the part of the table a bucket of `count` keys uses.
        mutating func reset(for count: Int) {
            var size = 16
            while size < count * 2 { size <<= 1 }
            mask = size - 1
            slots.update(repeating: Slot(key0: 0, key1: 0, code: 0), count: size)
        }
    }

    /// Step 2 of `build` for one chunk, by `kpiq_scatter_keys`, giving back the keys' pages as
    /// it goes (as the Swift loop does).
    private static func scatterCombining(
        _ part: Part, rows: Range<Int>, from startCursor: [Int], validity: Validity?, topShift: UInt16,
        into entries: UnsafeMutablePointer<KeyWords>, cancel: CancellationToken?
    ) {
        let buckets = startCursor.count
        var cursor = startCursor
        let lines = UnsafeMutableRawPointer.allocate(byteCount: buckets * 64, alignment: 64)
        defer { lines.deallocate() }
        cursor.withUnsafeMutableBufferPointer { cursor in
            startCursor.withUnsafeBufferPointer { owned in
                let state = kpiq_scatter(
                    cursor: cursor.baseAddress!, owned_from: owned.baseAddress!,
                    lines: lines.bindMemory(to: kpiq_key.self, capacity: buckets * 4), entries: entries)
                func scatter(_ words: UnsafePointer<UInt64>?) {
                    var row = rows.lowerBound
                    var released = UnsafeRawPointer(part.keys + row)
                    while row < rows.upperBound {
                        // Stopped work is thrown away by `build`: the keys need not all be copied.
                        if cancel?.isCancelled == true { break }
                        let n = min(rowsPerRelease, rows.upperBound - row)
                        kpiq_scatter_keys(
                            state, part.keys + row, part.hashTops + row, n, words, part.firstRow + row, UInt32(topShift))
                        row += n
                        // As in the Swift loop: these keys are not needed again.
                        LargeAllocation.discard(from: &released, to: UnsafeRawPointer(part.keys + row))
                    }
                    kpiq_scatter_finish(state, buckets)
                }
                if let validity { validity.words.withUnsafeBufferPointer { scatter($0.baseAddress) } } else { scatter(nil) }
            }
        }
    }

    /// Codes for every row (0 for null rows) and the dictionary they index. `releaseKeys` is
    /// called once the parts' keys have been copied (their other arrays are read to the end).
    /// Throws `Cancelled` between steps once `cancel` is raised; each step's tasks stop early
    /// too, so that a Ctrl-C is answered within a few tens of milliseconds.
    ///
    /// Fresh memory is the largest cost of a load (a first touch of a page is a page fault and
    /// zeroing, and on a virtual machine often a fault in the host too), so each array is
    /// freed as soon as it has been read for the last time, before the next is written.
    static func build(
        _ parts: [Part], validity: Validity?, cancel: CancellationToken? = nil, releaseKeys: () -> Void = {}
    ) throws -> (codes: PackedIntegers, dictionary: StringDictionary) {
        let n = parts.reduce(0) { $0 + $1.count }
        var trace = PhaseTrace(load: "dictionary of \(n) rows")
        defer { trace.emit() }
        var bucketBits = 4
        while bucketBits < 14, (n >> bucketBits) > 4096 { bucketBits += 1 }
        let buckets = 1 << bucketBits
        let topShift = UInt16(16 - bucketBits)
        let hasLong = parts.contains { $0.longOffsets != nil }
        let scattered = Scattered(n, long: hasLong)
        let scattering = UncheckedBox(scattered)
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

        trace.mark("histogram")
        if cancel?.isCancelled == true {
            scattered.release()
            throw Cancelled()
        }
        // 2. Keys into bucket order (stable: chunks and rows within them are in order).
        // Without long strings (ids nearly always), a C loop copies them through write-combining
        // lines, which needs the entries 64-byte aligned (as any large allocation is).
        let combining = !hasLong && Int(bitPattern: scattered.entries) & 63 == 0
        _ = Parallel.map(chunks.count) { t in
            let scattered = scattering.value
            let chunk = chunks[t], part = parts[chunk.part]
            if combining {
                scatterCombining(
                    part, rows: chunk.rows, from: startCursors[t], validity: validity, topShift: topShift,
                    into: scattered.entries, cancel: cancel)
                return
            }
            var cursor = startCursors[t]
            cursor.withUnsafeMutableBufferPointer { cursor in
                var released = UnsafeRawPointer(part.keys + chunk.rows.lowerBound)
                for row in chunk.rows {
                    if (row - chunk.rows.lowerBound) % Self.rowsPerRelease == 0 {
                        if cancel?.isCancelled == true { break }
                        // The keys read so far are not needed again: their pages can hold
                        // the arrays written next instead of fresh ones.
                        LargeAllocation.discard(from: &released, to: UnsafeRawPointer(part.keys + row))
                    }
                    guard validity?.isValid(part.firstRow + row) ?? true else { continue }
                    let b = Int(part.hashTops[row] >> topShift)
                    let at = cursor[b]
                    cursor[b] = at + 1
                    let key = part.keys[row]
                    scattered.entries[at] = key
                    if key.key1 == StringInterner.longMarker {
                        let (pointer, length) = part.longText(row)
                        scattered.longPointers![at] = pointer
                        scattered.longLengths![at] = Int32(truncatingIfNeeded: length)
                    }
                }
            }
        }

        trace.mark("scatter")
        if cancel?.isCancelled == true {
            scattered.release()
            throw Cancelled()
        }
        releaseKeys()
        let work = Work(scattered, count: n)
        let shared = UncheckedBox(work)

        // 3. Codes within each bucket, a run of buckets per task, in order of first appearance.
        let tasks = Parallel.ranges(buckets, parts: Parallel.threadCount * 8)
        let largest = (0..<buckets).map { bucketStart[$0 + 1] - bucketStart[$0] }.max() ?? 0
        let outputs = Parallel.map(tasks.count) { t -> TaskOutput in
            if cancel?.isCancelled == true { return TaskOutput() }
            let work = shared.value
            var table = BucketTable(largestBucket: largest)
            defer { table.release() }
            var output = TaskOutput()
            let firstAt = work.firstAt + bucketStart[tasks[t].lowerBound]
            for b in tasks[t] {
                table.reset(for: bucketStart[b + 1] - bucketStart[b])
                let firstOfBucket = output.stringCount
                var count: UInt32 = 0
                for at in bucketStart[b]..<bucketStart[b + 1] {
                    let entry = work.entries[at]
                    let isLong = entry.key1 == StringInterner.longMarker
                    let hash = isLong ? entry.key0 : StringInterner.hashInline(entry.key0, entry.key1)
                    var slot = Int(truncatingIfNeeded: hash) & table.mask
                    var code: UInt32
                    while true {
                        let candidate = table.slots[slot]
                        if candidate.code == 0 {
                            code = count
                            count += 1
                            table.slots[slot] = BucketTable.Slot(key0: entry.key0, key1: entry.key1, code: code + 1)
                            firstAt[firstOfBucket + Int(code)] = UInt32(truncatingIfNeeded: at)
                            output.byteCount += work.length(at: at)
                            break
                        }
                        if candidate.key0 == entry.key0, candidate.key1 == entry.key1 {
                            code = candidate.code - 1
                            if !isLong { break }
                            // Same hash: compare the bytes with the string's first appearance.
                            let first = Int(firstAt[firstOfBucket + Int(code)])
                            let length = Int(work.longLengths![at])
                            if Int(work.longLengths![first]) == length, ByteHash.equal(work.longPointers![first], work.longPointers![at], length) {
                                break
                            }
                        }
                        slot = (slot + 1) & table.mask
                    }
                    work.codeAt[at] = code
                }
                output.bucketCounts.append(Int(count))
                output.stringCount += Int(count)
            }
            return output
        }

        trace.mark("intern")
        if cancel?.isCancelled == true {
            work.releaseAllButCodes()
            work.releaseCodes()
            throw Cancelled()
        }
        // 4. Where each bucket's codes and each task's bytes start in the dictionary.
        var codeBase = [Int](repeating: 0, count: buckets + 1)
        var taskCodeBase = [Int](repeating: 0, count: tasks.count + 1)
        var taskByteBase = [Int](repeating: 0, count: tasks.count + 1)
        for (t, run) in tasks.enumerated() {
            for (k, b) in run.enumerated() { codeBase[b + 1] = codeBase[b] + outputs[t].bucketCounts[k] }
            taskCodeBase[t + 1] = taskCodeBase[t] + outputs[t].stringCount
            taskByteBase[t + 1] = taskByteBase[t] + outputs[t].byteCount
        }
        let dictionaryCount = codeBase[buckets]

        trace.mark("offsets")
        // 5. The dictionary: each task's strings end to end, copied from their first
        //    appearance (a short string from its key).
        var offsets = [Int]()
        let bytes = LargeAllocation.array(of: UInt8.self, count: taskByteBase[tasks.count]) { bytesStart in
            offsets = LargeAllocation.array(of: Int.self, count: dictionaryCount + 1) { offsetsStart in
                offsetsStart[0] = 0
                let out = UncheckedBox((bytesStart, offsetsStart))
                _ = Parallel.map(tasks.count) { t in
                    if cancel?.isCancelled == true { return }
                    let work = shared.value
                    let (bytes, offsets) = out.value
                    let firstAt = work.firstAt + bucketStart[tasks[t].lowerBound]
                    var cursor = taskByteBase[t]
                    let limit = taskByteBase[t + 1]
                    for k in 0..<outputs[t].stringCount {
                        let at = Int(firstAt[k])
                        let entry = work.entries[at]
                        let length = work.length(at: at)
                        let target = UnsafeMutableRawPointer(bytes + cursor)
                        if entry.key1 == StringInterner.longMarker {
                            target.copyMemory(from: work.longPointers![at], byteCount: length)
                        } else if cursor + 16 <= limit {
                            // Two stores; the bytes past the string are overwritten by the next.
                            target.storeBytes(of: entry.key0, as: UInt64.self)
                            target.storeBytes(of: entry.key1, toByteOffset: 8, as: UInt64.self)
                        } else {
                            withUnsafeBytes(of: entry) { target.copyMemory(from: $0.baseAddress!, byteCount: length) }
                        }
                        cursor += length
                        offsets[taskCodeBase[t] + k + 1] = cursor
                    }
                    // Only this task reads its buckets' entries: the next tasks' strings can
                    // reuse their pages.
                    let positions = bucketStart[tasks[t].lowerBound]..<bucketStart[tasks[t].upperBound]
                    work.discard(positions)
                }
            }
        }
        trace.mark("strings")
        // Only the codes at each position are still needed.
        work.releaseAllButCodes()
        if cancel?.isCancelled == true {
            work.releaseCodes()
            throw Cancelled()
        }

        // 6. Codes back into row order, shifted past the buckets before each one, written
        //    straight into the column's packed storage.
        func codes<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            LargeAllocation.array(of: T.self, count: n) { start in
                let out = UncheckedBox(start)
                _ = Parallel.map(chunks.count) { t in
                    if cancel?.isCancelled == true { return }
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

        trace.mark("codes")
        work.releaseCodes()
        if cancel?.isCancelled == true { throw Cancelled() }
        return (packed, StringDictionary(bytes: bytes, offsets: offsets))
    }
}
