import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distinct strings of a text column, in first-seen order; rows hold codes into it.
///
/// Immutable once built and shared by every column derived from the original (filters,
/// sorts and gathers keep codes, so equality is a code comparison). Two caches are built on
/// first use: a hash index for looking strings up (literals, joins) and the sort rank of each
/// code (ordering by text without decoding strings per row).
package final class StringDictionary: Sendable {
    let bytes: [UInt8]
    let offsets: [Int]
    private let caches = Mutex(Caches())

    private struct Caches {
        var index: LookupIndex?
        var ranks: [UInt32]?
        /// Whole translations of other dictionaries into this one, newest last (each keeps
        /// its dictionary alive, so an identifier is not reused while cached).
        var translations: [(from: StringDictionary, codes: [Int32])] = []
    }

    /// Translations kept per dictionary: a session joins a few tables on a few keys.
    private static let keptTranslations = 4

    /// Open-addressing table of `code + 1` by string hash, with a byte of each entry's hash
    /// beside it so a probe that misses rarely touches the strings.
    private struct LookupIndex {
        var slots: [UInt32]
        var tags: [UInt8]
        var mask: Int

        @inline(__always)
        static func tag(_ hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 56) | 1 }
    }

    init(bytes: [UInt8], offsets: [Int]) {
        precondition(!offsets.isEmpty && offsets[0] == 0)
        self.bytes = bytes
        self.offsets = offsets
    }

    /// A dictionary of the given strings, in order (duplicates are kept as separate codes).
    package convenience init(strings: [String]) {
        var bytes: [UInt8] = []
        var offsets = [0]
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            offsets.append(bytes.count)
        }
        self.init(bytes: bytes, offsets: offsets)
    }

    /// The entries of `parts`, in order (duplicates are kept as separate codes).
    convenience init(concatenating parts: [StringDictionary]) {
        var bytes: [UInt8] = []
        var offsets = [0]
        bytes.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
        offsets.reserveCapacity(parts.reduce(1) { $0 + $1.count })
        for part in parts {
            let base = bytes.count
            bytes.append(contentsOf: part.bytes)
            for k in 1..<part.offsets.count { offsets.append(base + part.offsets[k]) }
        }
        self.init(bytes: bytes, offsets: offsets)
    }

    package static let empty = StringDictionary(bytes: [], offsets: [0])

    package var count: Int { offsets.count - 1 }

    /// Bytes held: string bytes, offsets, and whatever caches were built.
    package var byteCount: Int {
        let cached = caches.withLock {
            ($0.index?.slots.count ?? 0) * 5 + ($0.ranks?.count ?? 0) * 4 + $0.translations.reduce(0) { $0 + $1.codes.count * 4 }
        }
        return bytes.count + offsets.count * 8 + cached
    }

    /// (Null rows carry code 0, also in a column of nulls only, whose dictionary is empty:
    /// `string`, `withBytes` and `sortRanks` answer code 0 there as the empty string.)
    package func string(_ code: Int) -> String {
        if offsets.count == 1 { return "" }
        return bytes.withUnsafeBufferPointer { all in
            String(decoding: UnsafeBufferPointer(rebasing: all[offsets[code]..<offsets[code + 1]]), as: UTF8.self)
        }
    }

    /// Calls `body` with the UTF-8 bytes of `code`.
    package func withBytes<R>(_ code: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if offsets.count == 1 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[offsets[code]..<offsets[code + 1]]))
        }
    }

    /// The code of `string`, or nil when it does not occur.
    package func code(of string: String) -> Int? {
        var copy = string
        return copy.withUTF8 { utf8 in
            code(ofBytes: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Whether the lookup index has been built (lookups then cost no setup).
    var hasLookupIndex: Bool { caches.withLock { $0.index != nil } }

    /// The code of a byte string, or nil when it does not occur.
    package func code(ofBytes target: UnsafeRawBufferPointer) -> Int? {
        withLookup { $0(target) }
    }

    /// Calls `body` with a lookup function (bytes -> code) that takes the lock once, for
    /// translating many strings.
    func withLookup<R>(_ body: ((UnsafeRawBufferPointer) -> Int?) throws -> R) rethrows -> R {
        let index = caches.withLock { caches -> LookupIndex in
            if caches.index == nil { caches.index = buildIndex() }
            return caches.index!
        }
        return try bytes.withUnsafeBytes { all in
            try offsets.withUnsafeBufferPointer { offsets in
                try index.slots.withUnsafeBufferPointer { slots in
                    try index.tags.withUnsafeBufferPointer { tags in
                        let base = all.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                        return try body { target in
                            let start = target.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                            let h = ByteHash.hash(start, target.count)
                            let tag = LookupIndex.tag(h)
                            var slot = Int(truncatingIfNeeded: h) & index.mask
                            while true {
                                let entry = slots[slot]
                                if entry == 0 { return nil }
                                if tags[slot] == tag {
                                    let code = Int(entry) - 1
                                    let lower = offsets[code], upper = offsets[code + 1]
                                    if upper - lower == target.count,
                                        target.count == 0 || memcmp(base + lower, start, target.count) == 0
                                    {
                                        return code
                                    }
                                }
                                slot = (slot + 1) & index.mask
                            }
                        }
                    }
                }
            }
        }
    }

    /// For each code of `other` that `codes` use, its code here (-1: the string does not
    /// occur here); -2 for codes not used. The used codes are marked first and then looked up
    /// in code order, so `other`'s strings are read front to back rather than at random; the
    /// lookups are split over the cores when there are many. No lock or string per row.
    func translation(of codes: [Int64], from other: StringDictionary) -> [Int32] {
        let count = other.count
        var used = [UInt64](repeating: 0, count: (count + 63) / 64)
        used.withUnsafeMutableBufferPointer { used in
            for code in codes where code >= 0 && code < Int64(count) {  // null rows may hold any code
                used[Int(code) >> 6] |= 1 << UInt64(code & 63)
            }
        }
        var translation = [Int32](repeating: -2, count: count)
        let pieces = Parallel.ranges(used.count, parts: count < 200_000 ? 1 : Parallel.threadCount * 2)
        translation.withUnsafeMutableBufferPointer { translation in
            let out = translation
            withLookup { lookup in
                other.bytes.withUnsafeBytes { otherBytes in
                    other.offsets.withUnsafeBufferPointer { otherOffsets in
                        let base = otherBytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                        _ = Parallel.map(pieces.count) { p in
                            for w in pieces[p] {
                                var word = used[w]
                                while word != 0 {
                                    let c = w * 64 + word.trailingZeroBitCount
                                    word &= word - 1
                                    let lower = otherOffsets[c], upper = otherOffsets[c + 1]
                                    out[c] = Int32(lookup(UnsafeRawBufferPointer(start: base + lower, count: upper - lower)) ?? -1)
                                }
                            }
                        }
                    }
                }
            }
        }
        return translation
    }

    /// Every code of `other` as a code here (-1: the string does not occur here), computed
    /// once per pair of dictionaries: joining contacts to visitors again is then free.
    func translation(from other: StringDictionary) -> [Int32] {
        if other === self { return (0..<count).map { Int32($0) } }
        if let kept = caches.withLock({ caches in caches.translations.first { $0.from === other }?.codes }) { return kept }
        let all = [Int64](unsafeUninitializedCapacity: other.count) { buffer, initialized in
            for c in 0..<other.count { buffer[c] = Int64(c) }
            initialized = other.count
        }
        let codes = translation(of: all, from: other)
        caches.withLock { caches in
            if caches.translations.count >= Self.keptTranslations { caches.translations.removeFirst() }
            caches.translations.append((other, codes))
        }
        return codes
    }

    private func buildIndex() -> LookupIndex {
        var size = 16
        while size < count * 2 { size <<= 1 }
        var slots = [UInt32](repeating: 0, count: size)
        var tags = [UInt8](repeating: 0, count: size)
        let mask = size - 1
        bytes.withUnsafeBytes { all in
            let base = all.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            for code in 0..<count {
                let h = ByteHash.hash(base + offsets[code], offsets[code + 1] - offsets[code])
                var slot = Int(truncatingIfNeeded: h) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = UInt32(truncatingIfNeeded: code + 1)
                tags[slot] = LookupIndex.tag(h)
            }
        }
        return LookupIndex(slots: slots, tags: tags, mask: mask)
    }

    /// `ranks[code]` is the position of the code's string in byte-wise (code point) order.
    package var sortRanks: [UInt32] {
        // Without a token nothing can stop the sort.
        try! sortRanks(cancel: nil)
    }

    /// `sortRanks`, looking at the token every 65,536 comparisons: the ranks of a million
    /// strings take longer to sort than a Ctrl-C may wait.
    package func sortRanks(cancel: CancellationToken?) throws -> [UInt32] {
        try caches.withLock { caches throws -> [UInt32] in
            if let ranks = caches.ranks { return ranks }
            var comparisons = 0
            let order = try bytes.withUnsafeBytes { all -> [Int] in
                let base = all.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                return try (0..<count).sorted { a, b in
                    comparisons &+= 1
                    if comparisons & 0xFFFF == 0 { try cancel?.check() }
                    let la = offsets[a + 1] - offsets[a], lb = offsets[b + 1] - offsets[b]
                    let c = memcmp(base + offsets[a], base + offsets[b], min(la, lb))
                    return c != 0 ? c < 0 : la < lb
                }
            }
            var ranks = [UInt32](repeating: 0, count: max(count, 1))  // code 0 of an empty dictionary: see `string`
            for (rank, code) in order.enumerated() { ranks[code] = UInt32(rank) }
            caches.ranks = ranks
            return ranks
        }
    }

    /// All strings, in code order (for small dictionaries: schema display, tests).
    package var strings: [String] { (0..<count).map(string) }
}
