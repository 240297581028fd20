import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a string dictionary: gives each distinct byte string a code, in first-seen order.
///
/// Open addressing over a power-of-two table of 24-byte slots. Strings of up to 15 bytes (ids,
/// sources, countries: nearly every marketing key) are stored inline in their slot, so a
/// lookup costs one cache miss and no byte comparison call; longer strings keep their hash in
/// the slot and are compared against the dictionary bytes only when the hashes agree. Raw
/// buffers and a noncopyable value keep the loop free of bounds checks and reference counting.
/// Used by the CSV loader (one per text column per partition) and when merging dictionaries.
struct StringInterner: ~Copyable {
    /// `key1`'s top byte is the inline length + 1 (1...16), or `longMarker` for strings kept
    /// out of line (then `key0` is their full hash). `code` is code + 1; 0 marks an empty slot.
    /// Defined in C, where the loader's lookup loop reads it (ckpiq_text_lookup.h).
    typealias Slot = kpiq_slot

    static let longMarker: UInt64 = 0xFF << 56
    /// Table size up to which the table is kept at most an eighth full.
    static let sparseSlots = 1024

    private var bytes = GrowableBuffer<UInt8>(capacity: 256)
    private var offsets = GrowableBuffer<Int>(capacity: 16)
    private var table: UnsafeMutablePointer<Slot>
    private var tableSize: Int
    private var mask: Int
    private(set) var count = 0

    init(expectedCount: Int = 8, expectedBytes: Int = 256) {
        bytes.reserve(expectedBytes)
        offsets.reserve(expectedCount + 1)
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        tableSize = size
        mask = size - 1
        table = LargeAllocation.allocate(Slot.self, count: size)
        table.initialize(repeating: Slot(key0: 0, key1: 0, code: 0), count: size)
        offsets.append(0)
    }

    deinit {
        bytes.release()
        offsets.release()
        LargeAllocation.free(table)
    }

    /// Total bytes of the distinct strings.
    var byteCount: Int { bytes.count }

    /// Forgets every string but keeps the memory, for reuse on the next piece of work, using
    /// only as much of the table as `expected` strings need (so clearing it stays cheap).
    mutating func removeAll(expecting expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        reserve(expected)
        mask = size - 1
        table.update(repeating: Slot(key0: 0, key1: 0, code: 0), count: size)
        bytes.removeAll()
        offsets.removeAll()
        offsets.append(0)
        count = 0
    }

    /// Makes room for `expected` strings without growing while they are added.
    mutating func reserve(_ expected: Int) {
        var size = tableSize
        while size < expected * 2 { size <<= 1 }
        if size > tableSize {
            LargeAllocation.free(table)
            table = LargeAllocation.allocate(Slot.self, count: size)
            table.initialize(repeating: Slot(key0: 0, key1: 0, code: 0), count: size)
            tableSize = size
            mask = size - 1
        }
        offsets.reserve(expected + 1)
    }

    /// The distinct strings' bytes, end to end, and where each ends (`offsets[code + 1]`).
    var storage: (bytes: UnsafeBufferPointer<UInt8>, offsets: UnsafeBufferPointer<Int>) {
        (UnsafeBufferPointer(start: bytes.base, count: bytes.count), UnsafeBufferPointer(start: offsets.base, count: offsets.count))
    }

    /// The inline key of a string of at most 15 bytes.
    @inline(__always)
    static func inlineKey(_ start: UnsafeRawPointer, _ length: Int) -> (UInt64, UInt64) {
        var k0: UInt64 = 0, k1: UInt64 = 0
        if length >= 8 {
            k0 = start.loadUnaligned(as: UInt64.self)
            var shift: UInt64 = 0
            for i in 8..<length {
                k1 |= UInt64(start.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
            }
        } else {
            var shift: UInt64 = 0
            for i in 0..<length {
                k0 |= UInt64(start.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
            }
        }
        return (k0, k1 | UInt64(length + 1) << 56)
    }

    @inline(__always)
    static func hashInline(_ k0: UInt64, _ k1: UInt64) -> UInt64 { kpiq_hash_inline(k0, k1) }

    /// What a probe compares: the inline key (or hash and marker) and the hash.
    struct Key {
        var key0: UInt64
        var key1: UInt64
        var hash: UInt64
    }

    @inline(__always)
    static func key(_ start: UnsafeRawPointer, _ length: Int) -> Key {
        if length <= 15 {
            let (k0, k1) = inlineKey(start, length)
            return Key(key0: k0, key1: k1, hash: hashInline(k0, k1))
        }
        let h = ByteHash.hash(start, length)
        return Key(key0: h, key1: longMarker, hash: h)
    }

    /// As `key`, for callers that guarantee 16 readable bytes at `start`: two plain loads
    /// and masks instead of a byte loop.
    @inline(__always)
    static func keyOverreading(_ start: UnsafeRawPointer, _ length: Int) -> Key {
        if length <= 15 {
            let w0 = start.loadUnaligned(as: UInt64.self)
            let w1 = start.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let k0: UInt64, k1: UInt64
            if length >= 8 {
                k0 = w0
                k1 = (length == 8 ? 0 : w1 & (~0 >> UInt64(128 - 8 * length))) | UInt64(length + 1) << 56
            } else {
                k0 = length == 0 ? 0 : w0 & (~0 >> UInt64(64 - 8 * length))
                k1 = UInt64(length + 1) << 56
            }
            return Key(key0: k0, key1: k1, hash: hashInline(k0, k1))
        }
        let h = ByteHash.hash(start, length)
        return Key(key0: h, key1: longMarker, hash: h)
    }

    /// A read-only view of the table for lookups in a tight loop (its fields stay in
    /// registers); valid until the next insertion.
    struct Lookup {
        let table: UnsafeMutablePointer<Slot>
        let mask: Int
        let bytes: UnsafeMutablePointer<UInt8>
        let offsets: UnsafeMutablePointer<Int>

        /// The code of the string with `key` (its bytes at `start`), or -1 when it is absent.
        @inline(__always)
        func code(of key: Key, _ start: UnsafeRawPointer, _ length: Int) -> Int {
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            while true {
                let entry = table[slot]
                if entry.code == 0 { return -1 }
                if entry.key0 == key.key0, entry.key1 == key.key1 {
                    let code = Int(entry.code) &- 1
                    if key.key1 != StringInterner.longMarker { return code }
                    let lower = offsets[code]
                    if offsets[code + 1] - lower == length, ByteHash.equal(bytes + lower, start, length) { return code }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    var lookup: Lookup { Lookup(table: table, mask: mask, bytes: bytes.base, offsets: offsets.base) }

    /// The same view for the C loop of the loader (`kpiq_append_known_texts`).
    var cLookup: kpiq_text_lookup {
        kpiq_text_lookup(table: table, mask: mask, bytes: bytes.base, offsets: offsets.base)
    }

    /// Starts loading the slot a probe for `key` will read first.
    @inline(__always)
    func prefetch(_ key: Key) {
        kpiq_prefetch_write(table + (Int(truncatingIfNeeded: key.hash) & mask))
    }

    /// The code of the byte string at `start`, adding it when new (`isNew` tells).
    @inline(__always)
    mutating func intern(_ start: UnsafeRawPointer, _ length: Int, isNew: inout Bool) -> Int {
        intern(Self.key(start, length), start, length, isNew: &isNew)
    }

    /// As `intern(_:_:isNew:)`, with the key computed beforehand.
    @inline(__always)
    mutating func intern(_ key: Key, _ start: UnsafeRawPointer, _ length: Int, isNew: inout Bool) -> Int {
        let k0 = key.key0, k1 = key.key1
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let entry = table[slot]
            if entry.code == 0 { break }
            if entry.key0 == k0, entry.key1 == k1 {
                let code = Int(entry.code) - 1
                if k1 != Self.longMarker { isNew = false; return code }
                let lower = offsets[code]
                if offsets[code + 1] - lower == length, ByteHash.equal(bytes.base + lower, start, length) {
                    isNew = false
                    return code
                }
            }
            slot = (slot + 1) & mask
        }
        let code = count
        if k1 == Self.longMarker {
            bytes.append(contentsOf: start.assumingMemoryBound(to: UInt8.self), count: length)
        } else {
            // The key holds the bytes: copy them from it rather than from `start`, which may
            // be far away in memory.
            appendInlineBytes(k0, k1)
        }
        offsets.append(bytes.count)
        table[slot] = Slot(key0: k0, key1: k1, code: UInt32(truncatingIfNeeded: code + 1))
        count += 1
        isNew = true
        // At most half full; at most an eighth while the table fits in L1 (1,024 slots, 24 KB),
        // where a loader looks up nearly every row of sources, devices and countries: a probe
        // then rarely goes past its first slot, and its loop exit is predicted.
        if count * 2 > mask || (mask < Self.sparseSlots && count * 8 > mask) { grow() }
        return code
    }

    @inline(__always)
    private mutating func appendInlineBytes(_ k0: UInt64, _ k1: UInt64) {
        let length = Int(k1 >> 56) - 1
        bytes.reserve(bytes.count + 16)
        let at = bytes.base + bytes.count
        UnsafeMutableRawPointer(at).storeBytes(of: k0, as: UInt64.self)
        UnsafeMutableRawPointer(at + 8).storeBytes(of: k1, as: UInt64.self)
        bytes.setCount(bytes.count + length)
    }

    mutating func intern(_ string: String) -> Int {
        var isNew = false
        var copy = string
        return copy.withUTF8 { buffer in
            let start = UnsafeRawPointer(buffer.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!
            return intern(start, buffer.count, isNew: &isNew)
        }
    }

    private mutating func grow() {
        let used = mask + 1
        let size = used * 2
        let fresh = LargeAllocation.allocate(Slot.self, count: size)
        fresh.initialize(repeating: Slot(key0: 0, key1: 0, code: 0), count: size)
        let newMask = size - 1
        for index in 0..<used {
            let entry = table[index]
            if entry.code == 0 { continue }
            let h = entry.key1 == Self.longMarker ? entry.key0 : Self.hashInline(entry.key0, entry.key1)
            var slot = Int(truncatingIfNeeded: h) & newMask
            while fresh[slot].code != 0 { slot = (slot + 1) & newMask }
            fresh[slot] = entry
        }
        LargeAllocation.free(table)
        table = fresh
        tableSize = size
        mask = newMask
    }

    /// Start and length of the string with `code`; valid until the next `intern`.
    @inline(__always)
    func bytes(of code: Int) -> (start: UnsafeRawPointer, count: Int) {
        let lower = offsets[code]
        return (UnsafeRawPointer(bytes.base + lower), offsets[code + 1] - lower)
    }

    /// The finished dictionary (a copy; the interner stays usable).
    func finish() -> StringDictionary {
        StringDictionary(bytes: bytes.toArray(), offsets: offsets.toArray())
    }
}
