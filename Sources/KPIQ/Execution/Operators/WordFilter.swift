/// Which words a join's build side holds, one bit each: exact for dictionary codes and small
/// ids (a bitmap over the words), else hashed (false positives, never false negatives).
struct WordFilter {
    private let bits: [UInt64]
    private let shift: UInt64
    private let exact: Bool

    init(_ words: [UInt64], usable: [Bool]?) {
        let largest = words.max() ?? 0
        var size = 1 << 12
        while size < words.count * 16 { size <<= 1 }
        // Codes and ids below a few million: a bit per value, no hashing.
        exact = largest < UInt64(max(size, 1 << 25))
        let bitCount = exact ? Int(largest) + 1 : size
        shift = UInt64(64 - (size.trailingZeroBitCount))
        var bits = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        for (row, word) in words.enumerated() where usable?[row] ?? true {
            let bit = exact ? Int(word) : Int(ByteHash.mix(word) >> shift)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.bits = bits
    }

    @inline(__always)
    func mayContain(_ word: UInt64) -> Bool {
        let bit: Int
        if exact {
            guard word < UInt64(bits.count) << 6 else { return false }
            bit = Int(word)
        } else {
            bit = Int(ByteHash.mix(word) >> shift)
        }
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }
}
