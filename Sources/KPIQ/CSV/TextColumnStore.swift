/// The values of one text column of one partition while a file loads.
///
/// It starts by interning each value into a dictionary (`StringInterner`), which is fastest
/// while the dictionary fits in cache: sources, devices, countries, campaigns. When a column
/// turns out to hold many distinct values (visitor ids, emails), interning row by row becomes
/// a cache miss per row, so the store switches to *deferred* mode: it only remembers where each
/// value is (an offset into the file, or into a side buffer for unescaped quoted text), and
/// the dictionary is built once at the end by `PartitionedDictionaryBuilder`, which works on
/// cache-sized pieces on all cores.
struct TextColumnStore: ~Copyable {
    /// Distinct values above which a partition stops interning row by row.
    static let deferThreshold = 1 << 14

    let fileBase: UnsafePointer<UInt8>
    let fileEnd: Int
    private(set) var interner = StringInterner()
    /// Interned mode: one code per row.
    private(set) var codes = GrowableBuffer<UInt32>()
    /// Deferred mode: where each row's text is (>= 0: file offset; < 0: side buffer offset
    /// stored as `-(offset + 1)`) and its length.
    private(set) var refOffsets = GrowableBuffer<Int64>()
    private(set) var refLengths = GrowableBuffer<Int32>()
    private(set) var side = GrowableBuffer<UInt8>(capacity: 64)
    private(set) var isDeferred = false
    private(set) var count = 0

    init(fileBase: UnsafePointer<UInt8>, fileEnd: Int, expectedRows: Int) {
        self.fileBase = fileBase
        self.fileEnd = fileEnd
        codes.reserve(expectedRows)
    }

    deinit {
        codes.release()
        refOffsets.release()
        refLengths.release()
        side.release()
    }

    @inline(__always)
    mutating func appendPlaceholder() {
        if isDeferred {
            refOffsets.append(0)
            refLengths.append(0)
        } else {
            codes.append(0)
        }
        count += 1
    }

    /// Where the text at `p` is, as a reference: in the file when it lies there, otherwise
    /// copied to the side buffer.
    @inline(__always)
    private mutating func reference(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        let offset = p - fileBase
        if offset >= 0, offset + n <= fileEnd { return Int64(offset) }
        let at = side.count
        side.append(contentsOf: p, count: n)
        return -Int64(at) - 1
    }

    /// Appends one value. Returns false when it is not valid UTF-8.
    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if isDeferred {
            if !UTF8Validation.isValid(p, n) { return false }
            refOffsets.append(reference(p, n))
            refLengths.append(Int32(truncatingIfNeeded: n))
        } else {
            var isNew = false
            let code = interner.intern(UnsafeRawPointer(p), n, isNew: &isNew)
            if isNew, !UTF8Validation.isValid(p, n) { return false }
            codes.append(UInt32(truncatingIfNeeded: code))
            if interner.count > Self.deferThreshold { switchToDeferred() }
        }
        count += 1
        return true
    }

    /// Appends a value whose key was computed beforehand (batch path with prefetching).
    @inline(__always)
    mutating func append(key: StringInterner.Key, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if isDeferred { return append(p, n) }
        var isNew = false
        let code = interner.intern(key, UnsafeRawPointer(p), n, isNew: &isNew)
        if isNew, !UTF8Validation.isValid(p, n) { return false }
        codes.append(UInt32(truncatingIfNeeded: code))
        count += 1
        if interner.count > Self.deferThreshold { switchToDeferred() }
        return true
    }

    @inline(__always)
    func prefetch(_ key: StringInterner.Key) {
        if !isDeferred { interner.prefetch(key) }
    }

    /// Rewrites the codes so far as references to copies of their dictionary strings.
    private mutating func switchToDeferred() {
        var sideOffset = [Int64](repeating: 0, count: interner.count)
        for code in 0..<interner.count {
            let (start, length) = interner.bytes(of: code)
            sideOffset[code] = -Int64(side.count) - 1
            side.append(contentsOf: start.assumingMemoryBound(to: UInt8.self), count: length)
        }
        refOffsets.reserve(max(codes.capacity, count + 1024))
        refLengths.reserve(max(codes.capacity, count + 1024))
        for row in 0..<codes.count {
            let code = Int(codes[row])
            if code < interner.count {
                refOffsets.append(sideOffset[code])
                refLengths.append(Int32(truncatingIfNeeded: interner.bytes(of: code).count))
            } else {
                refOffsets.append(0)
                refLengths.append(0)
            }
        }
        codes.release()
        codes = GrowableBuffer<UInt32>()
        interner = StringInterner()
        isDeferred = true
    }

    /// Sets the text of an earlier placeholder row (re-read after a promotion to text).
    mutating func fill(row: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        if isDeferred {
            refOffsets[row] = reference(p, n)
            refLengths[row] = Int32(truncatingIfNeeded: n)
        } else {
            var isNew = false
            codes[row] = UInt32(truncatingIfNeeded: interner.intern(UnsafeRawPointer(p), n, isNew: &isNew))
        }
    }

    mutating func truncate(to rows: Int) {
        codes.truncate(to: rows)
        refOffsets.truncate(to: rows)
        refLengths.truncate(to: rows)
        count = min(count, rows)
    }

    /// Empties the store (the column is about to be re-read as text from scratch).
    mutating func reset(placeholders: Int) {
        codes.removeAll()
        refOffsets.removeAll()
        refLengths.removeAll()
        side.removeAll()
        interner = StringInterner()
        isDeferred = false
        count = 0
        codes.reserve(placeholders)
        for _ in 0..<placeholders { appendPlaceholder() }
    }

    // MARK: - Reading back (assembly)

    /// The code of row `row` (interned mode only).
    @inline(__always)
    func code(_ row: Int) -> UInt32 { codes[row] }

    /// Start and length of row `row`'s text (deferred mode: its reference; interned mode: its
    /// dictionary string). Valid while the store and the file live.
    @inline(__always)
    func text(_ row: Int) -> (UnsafePointer<UInt8>, Int) {
        if isDeferred {
            let offset = refOffsets[row]
            let length = Int(refLengths[row])
            if offset >= 0 { return (fileBase + Int(offset), length) }
            return (UnsafePointer(side.base) + Int(-offset - 1), length)
        }
        let code = Int(codes[row])
        if code >= interner.count { return (fileBase, 0) }
        let (start, length) = interner.bytes(of: code)
        return (start.assumingMemoryBound(to: UInt8.self), length)
    }

    /// Merges another partition's interned codes into this store's dictionary and returns the
    /// mapping from its codes to this one's.
    mutating func absorbDictionary(of other: borrowing TextColumnStore) -> [UInt32] {
        var mapping = [UInt32](repeating: 0, count: other.interner.count)
        for code in 0..<other.interner.count {
            let (start, length) = other.interner.bytes(of: code)
            var isNew = false
            mapping[code] = UInt32(truncatingIfNeeded: interner.intern(start, length, isNew: &isNew))
        }
        return mapping
    }

    func finishDictionary() -> StringDictionary { interner.finish() }
}
