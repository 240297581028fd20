/// The values of one text column of one partition while a file loads.
///
/// It starts by interning each value into a dictionary (`StringInterner`), which is fastest
/// while the dictionary fits in cache: sources, devices, countries, campaigns. When a column
/// turns out to hold many distinct values (visitor ids, emails), interning row by row becomes
/// a cache miss per row, so the store switches to *deferred* mode: it keeps each row's
/// interning key (`DeferredTextValues`), and the dictionary is built once at the end by
/// `PartitionedDictionaryBuilder`, which works on cache-sized pieces on all cores.
struct TextColumnStore: ~Copyable {
    /// Distinct values above which a partition stops interning row by row.
    static let deferThreshold = 1 << 14

    let fileBase: UnsafePointer<UInt8>
    let fileEnd: Int
    private(set) var interner = StringInterner()
    /// Interned mode: one code per row.
    private(set) var codes = CodeBuffer()
    /// Deferred mode: one key per row.
    private(set) var deferred: DeferredTextValues
    private(set) var isDeferred = false
    private(set) var count = 0

    init(fileBase: UnsafePointer<UInt8>, fileEnd: Int, expectedRows: Int) {
        self.fileBase = fileBase
        self.fileEnd = fileEnd
        deferred = DeferredTextValues(fileBase: fileBase, fileEnd: fileEnd)
        codes.reserve(expectedRows)
    }

    @inline(__always)
    mutating func appendPlaceholder() {
        if isDeferred {
            deferred.appendPlaceholder()
        } else {
            codes.append(0)
        }
        count += 1
    }

    /// Appends one value. Returns false when it is not valid UTF-8.
    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        append(key: StringInterner.key(UnsafeRawPointer(p), n), p, n)
    }

    /// Appends a value whose key was computed beforehand (batch path with prefetching).
    @inline(__always)
    mutating func append(key: StringInterner.Key, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if isDeferred {
            if !deferred.append(key: key, p, n) { return false }
            count += 1
            return true
        }
        var isNew = false
        let code = interner.intern(key, UnsafeRawPointer(p), n, isNew: &isNew)
        if isNew, !UTF8Validation.isValid(p, n) { return false }
        codes.append(UInt32(truncatingIfNeeded: code))
        count += 1
        if interner.count > Self.deferThreshold { switchToDeferred() }
        return true
    }

    /// Room for `extra` more rows' keys (deferred mode), for a C loop; see
    /// `DeferredTextValues.reserveRows`.
    mutating func reserveDeferredRows(_ extra: Int) -> (keys: UnsafeMutablePointer<DeferredTextValues.KeyWords>, hashTops: UnsafeMutablePointer<UInt16>)? {
        isDeferred ? deferred.reserveRows(extra) : nil
    }

    mutating func didAppendDeferredRows(_ added: Int) {
        deferred.didAppendRows(added)
        count += added
    }

    /// Room for `extra` more codes (interned mode), for a loop that writes them through the
    /// returned storage from index `count`, then calls `didAppendCodes`.
    mutating func reserveCodes(_ extra: Int) -> (storage: UnsafeMutableRawPointer, isWide: Bool) {
        codes.reserve(codes.count + extra)
        return (codes.storage, codes.isWide)
    }

    mutating func didAppendCodes(_ added: Int) {
        codes.setCount(codes.count + added)
        count += added
    }

    @inline(__always)
    func prefetch(_ key: StringInterner.Key) {
        if !isDeferred { interner.prefetch(key) }
    }

    /// Rewrites the codes so far as the keys of their dictionary strings. Also used at assembly
    /// for a partition that stayed interned when another one switched.
    mutating func switchToDeferred() {
        if isDeferred { return }
        deferred.reserve(max(codes.capacity, count + 1024))
        var keys = [StringInterner.Key]()
        var longReferences = [Int64]()
        keys.reserveCapacity(interner.count)
        longReferences.reserveCapacity(interner.count)
        for code in 0..<interner.count {
            let (start, length) = interner.bytes(of: code)
            let key = StringInterner.key(start, length)
            keys.append(key)
            // Long strings are copied once each, not once per row.
            let isLong = key.key1 == StringInterner.longMarker
            longReferences.append(isLong ? deferred.reference(start.assumingMemoryBound(to: UInt8.self), length) : 0)
        }
        for row in 0..<codes.count {
            let code = Int(codes[row])
            // Placeholders (code 0 of a null row, or of an empty dictionary) stay placeholders:
            // null rows are never read, and rows still to be re-read are filled later.
            if code < interner.count {
                deferred.appendValidated(key: keys[code], longReference: longReferences[code], length: interner.bytes(of: code).count)
            } else {
                deferred.appendPlaceholder()
            }
        }
        codes.releaseStorage()
        interner = StringInterner()
        isDeferred = true
    }

    /// Sets the text of an earlier placeholder row (re-read after a promotion to text).
    mutating func fill(row: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        if isDeferred {
            deferred.fill(row: row, p, n)
        } else {
            var isNew = false
            let code = interner.intern(UnsafeRawPointer(p), n, isNew: &isNew)
            if interner.count > Self.deferThreshold {
                switchToDeferred()
                deferred.fill(row: row, p, n)
            } else {
                codes[row] = UInt32(truncatingIfNeeded: code)
            }
        }
    }

    mutating func truncate(to rows: Int) {
        codes.truncate(to: rows)
        deferred.truncate(to: rows)
        count = min(count, rows)
    }

    /// Empties the store (the column is about to be re-read as text from scratch).
    mutating func reset(placeholders: Int, expectedRows: Int) {
        codes.removeAll()
        deferred = DeferredTextValues(fileBase: fileBase, fileEnd: fileEnd)
        interner = StringInterner()
        isDeferred = false
        count = 0
        codes.reserve(max(placeholders, expectedRows))
        for _ in 0..<placeholders { appendPlaceholder() }
    }

    // MARK: - Reading back (assembly)

    /// The code of row `row` (interned mode only).
    @inline(__always)
    func code(_ row: Int) -> UInt32 { codes[row] }

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

    /// See `DeferredTextValues.releaseKeys`.
    mutating func releaseDeferredKeys() { deferred.releaseKeys() }
}
