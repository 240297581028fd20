/// A null bitmap: bit `i` is 1 when row `i` holds a value, 0 when it is null.
///
/// Columns without nulls carry no bitmap at all (`Column.validity == nil`), so kernels can
/// take the fast path without testing bits.
package struct Validity: Sendable, Equatable {
    package private(set) var words: [UInt64]
    package let count: Int

    /// A bitmap with every row valid.
    package init(allValid count: Int) {
        self.count = count
        var words = [UInt64](repeating: ~0, count: (count + 63) >> 6)
        if count & 63 != 0, !words.isEmpty { words[words.count - 1] = (1 << UInt64(count & 63)) - 1 }
        self.words = words
    }

    /// A bitmap with every row null.
    package init(allNull count: Int) {
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) >> 6)
    }

    package init(words: [UInt64], count: Int) {
        precondition(words.count == (count + 63) >> 6)
        self.words = words
        self.count = count
    }

    /// Builds a bitmap from per-row flags (true = valid).
    package init(flags: some Collection<Bool>) {
        self.init(allNull: flags.count)
        for (i, valid) in flags.enumerated() where valid { setValid(i) }
    }

    @inline(__always)
    package func isValid(_ i: Int) -> Bool { (words[i >> 6] >> UInt64(i & 63)) & 1 == 1 }

    /// For each byte of bits, the eight flag bytes it spreads to (bit i to byte i, little-endian).
    private static let spreadBytes: [UInt64] = (0..<256).map { (bits: Int) -> UInt64 in
        var word: UInt64 = 0
        for i in 0..<8 where bits >> i & 1 == 1 { word |= 1 << UInt64(i * 8) }
        return word
    }

    /// Flags (1 valid, 0 null) of rows `start ..< start + count` into `flags`.
    func writeFlags(from start: Int, count: Int, into flags: UnsafeMutablePointer<UInt8>) {
        words.withUnsafeBufferPointer { words in
            var k = 0
            if start & 63 == 0 {
                // Batches start on a word: eight flags per table lookup.
                let raw = UnsafeMutableRawPointer(flags)
                Self.spreadBytes.withUnsafeBufferPointer { spread in
                    while k + 64 <= count {
                        let word = words[(start + k) >> 6]
                        for byte in 0..<8 {
                            let bits = Int(truncatingIfNeeded: word >> UInt64(byte * 8)) & 0xFF
                            raw.storeBytes(of: spread[bits], toByteOffset: k + byte * 8, as: UInt64.self)
                        }
                        k += 64
                    }
                }
            }
            for k in k..<count {
                let i = start + k
                flags[k] = UInt8(truncatingIfNeeded: words[i >> 6] >> UInt64(i & 63)) & 1
            }
        }
    }

    /// Flags of the rows at `indices` into `flags`.
    func writeFlags(at indices: UnsafeBufferPointer<Int32>, into flags: UnsafeMutablePointer<UInt8>) {
        words.withUnsafeBufferPointer { words in
            for (k, index) in indices.enumerated() {
                let i = Int(index)
                flags[k] = UInt8(truncatingIfNeeded: words[i >> 6] >> UInt64(i & 63)) & 1
            }
        }
    }

    @inline(__always)
    package mutating func setValid(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }

    @inline(__always)
    package mutating func setNull(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }

    package var nullCount: Int {
        var valid = 0
        for word in words { valid += word.nonzeroBitCount }
        return count - valid
    }

    /// Nil when every row is valid, so the fast paths apply.
    package var simplified: Validity? { nullCount == 0 ? nil : self }

    /// The bitmap of rows `indices` (in that order); stops with `Cancelled` between pieces
    /// once `cancel` is raised (see `Gather`).
    func gather(_ indices: UnsafeBufferPointer<Int32>, cancel: CancellationToken?) throws -> Validity {
        var result = Validity(allNull: indices.count)
        try Gather.inPieces(indices.count, cancel: cancel) { range in
            for k in range where isValid(Int(indices[k])) { result.setValid(k) }
        }
        return result
    }

    /// The bitmap of rows `indices` (in that order).
    package func gather(_ indices: UnsafeBufferPointer<Int32>) -> Validity {
        try! gather(indices, cancel: nil)  // without a token nothing throws
    }

    /// Appends another bitmap's bits after this one's.
    package static func concatenate(_ parts: [(validity: Validity?, count: Int)]) -> Validity? {
        if parts.allSatisfy({ $0.validity == nil }) { return nil }
        let total = parts.reduce(0) { $0 + $1.count }
        var result = Validity(allValid: total)
        var offset = 0
        for part in parts {
            if let validity = part.validity {
                for i in 0..<part.count where !validity.isValid(i) { result.setNull(offset + i) }
            }
            offset += part.count
        }
        return result
    }
}
