/// Counts distinct codes per group from a list of `group << 32 | code` pairs (a distinct
/// count whose bitmaps per group would not fit: hundreds of campaigns times millions of
/// visitors).
///
/// The pairs are bucketed by group with one counting pass and one scatter of 32-bit codes
/// (both split between the cores); then each group's codes are marked in one bitmap over the dictionary (a few hundred KB per
/// million codes, so it stays in cache), counted as bits are first set, and cleared by walking
/// the same codes. Two sequential passes and two cached ones, instead of sorting 64-bit pairs
/// on all their bits; groups are split between the cores.
enum DistinctPairCounter {
    /// Distinct codes of each group `0..<groupCount`; codes are below `universe`.
    static func counts(_ pairs: [UInt64], groupCount: Int, universe: Int) -> [Int64] {
        guard groupCount > 0 else { return [] }
        // The bucketing is a counting sort split between the cores: each chunk of pairs counts
        // its groups, every (group, chunk) gets its place from those counts, and each chunk
        // scatters its codes to its own places.
        let chunks = pairs.count < 1 << 16 ? 1 : Parallel.threadCount
        let chunkSize = (pairs.count + chunks - 1) / chunks
        let histograms = pairs.withUnsafeBufferPointer { pairs in
            Parallel.map(chunks) { c -> [Int] in
                var counts = [Int](repeating: 0, count: groupCount)
                counts.withUnsafeMutableBufferPointer { counts in
                    for i in (c * chunkSize)..<min(pairs.count, (c + 1) * chunkSize) { counts[Int(pairs[i] >> 32)] += 1 }
                }
                return counts
            }
        }
        var starts = [Int](repeating: 0, count: groupCount + 1)
        var cursors = [[Int]](repeating: [Int](repeating: 0, count: groupCount), count: chunks)
        for g in 0..<groupCount {
            var position = starts[g]
            for c in 0..<chunks {
                cursors[c][g] = position
                position += histograms[c][g]
            }
            starts[g + 1] = position
        }
        let codes = [UInt32](unsafeUninitializedCapacity: pairs.count) { codes, initialized in
            pairs.withUnsafeBufferPointer { pairs in
                _ = Parallel.map(chunks) { c in
                    var cursor = cursors[c]
                    cursor.withUnsafeMutableBufferPointer { cursor in
                        for i in (c * chunkSize)..<min(pairs.count, (c + 1) * chunkSize) {
                            let g = Int(pairs[i] >> 32)
                            codes[cursor[g]] = UInt32(truncatingIfNeeded: pairs[i])
                            cursor[g] += 1
                        }
                    }
                }
            }
            initialized = pairs.count
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
