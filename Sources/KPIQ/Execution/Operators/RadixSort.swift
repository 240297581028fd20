/// Orders indexes by non-negative integer keys in linear time, stable: groups by first
/// appearance, millions at a time.
///
/// Each (key, index) pair is packed into one word, key above index, and the words are sorted
/// by the key's bits with a least-significant-digit radix sort: every pass reads and writes
/// contiguous arrays, with no indirection through the keys. The index in the low bits keeps
/// equal keys in index order.
enum RadixSort {
    private static let digitBits = 11
    private static let buckets = 1 << digitBits

    /// Indexes `0..<keys.count` ordered by `keys[index]` (ties keep index order). Keys must be
    /// below 2^31.
    static func order(byKeys keys: [Int]) -> [Int] {
        let n = keys.count
        if n < 256 { return (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 } }
        precondition(n < 1 << 32 && (keys.max() ?? 0) < 1 << 31)
        var packed = [UInt64](repeating: 0, count: n)
        packed.withUnsafeMutableBufferPointer { packed in
            keys.withUnsafeBufferPointer { keys in
                for i in 0..<n { packed[i] = UInt64(keys[i]) << 32 | UInt64(i) }
            }
        }
        // Indexes are already in order, so only the key bits need sorting.
        packed = sorted(packed, fromBit: 32)
        return packed.map { Int($0 & 0xFFFF_FFFF) }
    }

    /// The words in ascending order (only the bits up to the largest word's highest one are
    /// sorted on).
    static func sorted(_ words: [UInt64]) -> [UInt64] {
        words.count < 256 ? words.sorted() : sorted(words, fromBit: 0)
    }

    /// Sorts on bits `fromBit` up to the largest word's highest one, keeping the order of
    /// words equal in those bits.
    private static func sorted(_ words: [UInt64], fromBit: Int) -> [UInt64] {
        let n = words.count
        let largest = words.max() ?? 0
        let bits = 64 - largest.leadingZeroBitCount
        var data = words
        var scratch = [UInt64](repeating: 0, count: n)
        var shift = fromBit
        while shift < bits {
            var counts = [Int](repeating: 0, count: buckets + 1)
            data.withUnsafeBufferPointer { data in
                counts.withUnsafeMutableBufferPointer { counts in
                    for word in data { counts[Int((word >> UInt64(shift)) & UInt64(buckets - 1)) + 1] += 1 }
                    for d in 0..<buckets { counts[d + 1] += counts[d] }
                }
                scratch.withUnsafeMutableBufferPointer { scratch in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for word in data {
                            let d = Int((word >> UInt64(shift)) & UInt64(buckets - 1))
                            scratch[counts[d]] = word
                            counts[d] += 1
                        }
                    }
                }
            }
            swap(&data, &scratch)
            shift += digitBits
        }
        return data
    }
}
