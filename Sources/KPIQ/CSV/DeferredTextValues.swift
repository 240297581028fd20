import CKPIQSupport

/// The values of a text column with many distinct strings, kept per row until the dictionary is
/// built once for the whole file (`PartitionedDictionaryBuilder`).
///
/// Each row keeps its interning key (`StringInterner.Key` without the hash: the string itself
/// when it has at most 15 bytes, else its hash) and the top 16 bits of its hash, which pick its
/// bucket. So building the dictionary reads these arrays sequentially and never goes back to the
/// file for the short strings that make up nearly every id column. Strings longer than 15 bytes
/// also keep a reference to their bytes (in the file, or copied to a side buffer when they are
/// not there, as unescaped quoted text is not).
struct DeferredTextValues: ~Copyable {
    /// One key per row; null rows hold a zero key.
    private(set) var keys = GrowableBuffer<KeyWords>()
    private(set) var hashTops = GrowableBuffer<UInt16>()
    /// Per row, once a long string was seen: its offset in the file (>= 0) or in `side`
    /// (stored as `-(offset + 1)`), and its length.
    private(set) var longOffsets = GrowableBuffer<Int64>(capacity: 16)
    private(set) var longLengths = GrowableBuffer<Int32>(capacity: 16)
    private(set) var side = GrowableBuffer<UInt8>(capacity: 64)
    private(set) var hasLongStrings = false

    let fileBase: UnsafePointer<UInt8>
    let fileEnd: Int

    /// The two words of a key (defined in C, where the loader's id loop writes it and the
    /// dictionary builder's scatter reads it).
    typealias KeyWords = kpiq_key

    init(fileBase: UnsafePointer<UInt8>, fileEnd: Int) {
        self.fileBase = fileBase
        self.fileEnd = fileEnd
    }

    deinit {
        keys.release()
        hashTops.release()
        longOffsets.release()
        longLengths.release()
        side.release()
    }

    var count: Int { keys.count }

    /// Frees the keys once the dictionary builder has copied them into bucket order (the hash
    /// tops and long strings' references stay): the builder's next arrays then reuse pages
    /// just freed instead of touching fresh ones.
    mutating func releaseKeys() {
        keys.release()
        keys = GrowableBuffer()
    }

    mutating func reserve(_ rows: Int) {
        keys.reserve(rows)
        hashTops.reserve(rows)
    }

    /// Room for `extra` more rows that a C loop writes from row `count` on
    /// (`kpiq_append_deferred_keys`), then `didAppendRows`; nil once long strings are kept,
    /// as every row then also needs a reference that loop does not write.
    mutating func reserveRows(_ extra: Int) -> (keys: UnsafeMutablePointer<KeyWords>, hashTops: UnsafeMutablePointer<UInt16>)? {
        if hasLongStrings { return nil }
        keys.reserve(keys.count + extra)
        hashTops.reserve(hashTops.count + extra)
        return (keys.base + keys.count, hashTops.base + hashTops.count)
    }

    mutating func didAppendRows(_ added: Int) {
        keys.setCount(keys.count + added)
        hashTops.setCount(hashTops.count + added)
    }

    @inline(__always)
    mutating func appendPlaceholder() {
        keys.append(KeyWords(key0: 0, key1: 0))
        hashTops.append(0)
        if hasLongStrings {
            longOffsets.append(0)
            longLengths.append(0)
        }
    }

    /// Appends a value whose key is already computed. Returns false when it is not valid UTF-8.
    @inline(__always)
    mutating func append(key: StringInterner.Key, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let isLong = key.key1 == StringInterner.longMarker
        if isLong || !Self.isASCII(key) {
            if !UTF8Validation.isValid(p, n) { return false }
        }
        keys.append(KeyWords(key0: key.key0, key1: key.key1))
        hashTops.append(UInt16(truncatingIfNeeded: key.hash >> 48))
        if isLong || hasLongStrings { appendReference(isLong ? p : nil, n) }
        return true
    }

    /// True when an inline key holds only ASCII bytes (its length byte aside).
    @inline(__always)
    static func isASCII(_ key: StringInterner.Key) -> Bool {
        (key.key0 | key.key1 & 0x00FF_FFFF_FFFF_FFFF) & 0x8080_8080_8080_8080 == 0
    }

    /// Appends a value that was validated before, with the reference of its bytes when long
    /// (from `reference(_:_:)`).
    mutating func appendValidated(key: StringInterner.Key, longReference: Int64, length n: Int) {
        keys.append(KeyWords(key0: key.key0, key1: key.key1))
        hashTops.append(UInt16(truncatingIfNeeded: key.hash >> 48))
        let isLong = key.key1 == StringInterner.longMarker
        if isLong, !hasLongStrings { startLongReferences(rowsBefore: keys.count - 1) }
        if hasLongStrings {
            longOffsets.append(isLong ? longReference : 0)
            longLengths.append(isLong ? Int32(truncatingIfNeeded: n) : 0)
        }
    }

    /// Records where a long string's bytes are (nil: a short string, whose key holds it).
    private mutating func appendReference(_ p: UnsafePointer<UInt8>?, _ n: Int) {
        if !hasLongStrings { startLongReferences(rowsBefore: keys.count - 1) }
        guard let p else {
            longOffsets.append(0)
            longLengths.append(0)
            return
        }
        longOffsets.append(reference(p, n))
        longLengths.append(Int32(truncatingIfNeeded: n))
    }

    /// The first long string: the rows before it get empty references.
    private mutating func startLongReferences(rowsBefore: Int) {
        hasLongStrings = true
        longOffsets.reserve(keys.capacity)
        longLengths.reserve(keys.capacity)
        for _ in 0..<rowsBefore {
            longOffsets.append(0)
            longLengths.append(0)
        }
    }

    /// Where the text at `p` is: in the file when it lies there, otherwise copied to `side`.
    mutating func reference(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        let offset = p - fileBase
        if offset >= 0, offset + n <= fileEnd { return Int64(offset) }
        let at = side.count
        side.append(contentsOf: p, count: n)
        return -Int64(at) - 1
    }

    /// Sets the value of an earlier placeholder row (re-read after a promotion to text).
    mutating func fill(row: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        let key = StringInterner.key(UnsafeRawPointer(p), n)
        keys[row] = KeyWords(key0: key.key0, key1: key.key1)
        hashTops[row] = UInt16(truncatingIfNeeded: key.hash >> 48)
        if key.key1 == StringInterner.longMarker {
            if !hasLongStrings { startLongReferences(rowsBefore: keys.count) }
            longOffsets[row] = reference(p, n)
            longLengths[row] = Int32(truncatingIfNeeded: n)
        }
    }

    mutating func truncate(to rows: Int) {
        keys.truncate(to: rows)
        hashTops.truncate(to: rows)
        longOffsets.truncate(to: rows)
        longLengths.truncate(to: rows)
    }

    /// The bytes of row `row`, which holds a long string.
    @inline(__always)
    func longText(_ row: Int) -> (UnsafePointer<UInt8>, Int) {
        let offset = longOffsets[row]
        let length = Int(longLengths[row])
        if offset >= 0 { return (fileBase + Int(offset), length) }
        return (UnsafePointer(side.base) + Int(-offset - 1), length)
    }
}
