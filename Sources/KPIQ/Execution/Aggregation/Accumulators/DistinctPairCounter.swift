/// Counts distinct codes per group from a list of `group << 32 | code` pairs (a distinct
/// count whose bitmaps per group would not fit: hundreds of campaigns times millions of
/// visitors).
///
/// The pairs are bucketed by group with one counting pass and one scatter of 32-bit codes;
/// then each group's codes are marked in one bitmap over the dictionary (a few hundred KB per
/// million codes, so it stays in cache), counted as bits are first set, and cleared by walking
/// the same codes. Two sequential passes and two cached ones, instead of sorting 64-bit pairs
/// on all their bits; groups are split between the cores.
enum DistinctPairCounter {
    /// Distinct codes of each group `0..<groupCount`; codes are below `universe`.
    static func counts(_ pairs: [UInt64], groupCount: Int, universe: Int) -> [Int64] {
        guard groupCount > 0 else { return [] }
        var starts = [Int](repeating: 0, count: groupCount + 1)
        pairs.withUnsafeBufferPointer { pairs in
            starts.withUnsafeMutableBufferPointer { starts in
                for pair in pairs { starts[Int(pair >> 32) + 1] += 1 }
                for g in 0..<groupCount { starts[g + 1] += starts[g] }
            }
        }
        var codes = [UInt32](repeating: 0, count: pairs.count)
        var cursor = starts
        pairs.withUnsafeBufferPointer { pairs in
            codes.withUnsafeMutableBufferPointer { codes in
                cursor.withUnsafeMutableBufferPointer { cursor in
                    for pair in pairs {
                        let g = Int(pair >> 32)
                        codes[cursor[g]] = UInt32(truncatingIfNeeded: pair)
                        cursor[g] += 1
                    }
                }
            }
        }
        // Groups split into ranges of about equal pairs, one bitmap per range.
        let parts = pairs.count < 1 << 16 ? 1 : Parallel.threadCount * 2
        var cuts = [0]
        for p in 1..<parts {
            let target = pairs.count / parts * p
            var g = cuts.last!
            while g < groupCount, starts[g] < target { g += 1 }
            cuts.append(g)
        }
        cuts.append(groupCount)
        let words = max(1, (universe + 63) / 64)
        let pieces = Parallel.map(parts) { p -> [Int64] in
            let groups = cuts[p]..<max(cuts[p], cuts[p + 1])
            var result = [Int64](repeating: 0, count: groups.count)
            var bits = [UInt64](repeating: 0, count: words)
            codes.withUnsafeBufferPointer { codes in
                bits.withUnsafeMutableBufferPointer { bits in
                    for (k, g) in groups.enumerated() {
                        let run = starts[g]..<starts[g + 1]
                        var distinct: Int64 = 0
                        for i in run {
                            let code = Int(codes[i])
                            let bit: UInt64 = 1 << UInt64(code & 63)
                            if bits[code >> 6] & bit == 0 {
                                bits[code >> 6] |= bit
                                distinct += 1
                            }
                        }
                        for i in run { bits[Int(codes[i]) >> 6] = 0 }
                        result[k] = distinct
                    }
                }
            }
            return result
        }
        return pieces.flatMap { $0 }
    }
}
