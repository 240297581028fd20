/// Counts distinct codes per group from a list of `group << 32 | code` pairs (a distinct
/// count whose bitmaps per group would not fit: hundreds of campaigns times millions of
/// visitors).
///
/// The pairs are bucketed by group with one counting pass and one scatter of 32-bit codes;
/// then each group's codes are marked in one bitmap over the dictionary (a few hundred KB per
/// million codes, so it stays in cache), counted as bits are first set, and cleared by walking
/// the same codes. Two sequential passes and two cached ones, instead of sorting 64-bit pairs
/// on all their bits; every pass is split between the cores.
enum DistinctPairCounter {
    /// Distinct codes of each group `0..<groupCount` over the pairs of every list (a list per
    /// worker); codes are below `universe`.
    static func counts(_ lists: [[UInt64]], groupCount: Int, universe: Int) -> [Int64] {
        guard groupCount > 0 else { return [] }
        // The bucketing is a counting sort split between the cores: each piece of a list
        // counts its groups, every (group, piece) gets its place from those counts, and each
        // piece scatters its codes to its own places.
        let total = lists.reduce(0) { $0 + $1.count }
        let split = total < 1 << 16 ? 1 : Parallel.threadCount
        var pieces: [(list: Int, rows: Range<Int>)] = []
        for (l, list) in lists.enumerated() where !list.isEmpty {
            let size = (list.count + split - 1) / split
            for start in stride(from: 0, to: list.count, by: size) { pieces.append((l, start..<min(list.count, start + size))) }
        }
        let histograms = Parallel.map(pieces.count) { p -> [Int] in
            var counts = [Int](repeating: 0, count: groupCount)
            lists[pieces[p].list].withUnsafeBufferPointer { pairs in
                counts.withUnsafeMutableBufferPointer { counts in
                    for i in pieces[p].rows { counts[Int(pairs[i] >> 32)] += 1 }
                }
            }
            return counts
        }
        var starts = [Int](repeating: 0, count: groupCount + 1)
        var cursors = [[Int]](repeating: [Int](repeating: 0, count: groupCount), count: pieces.count)
        for g in 0..<groupCount {
            var position = starts[g]
            for p in 0..<pieces.count {
                cursors[p][g] = position
                position += histograms[p][g]
            }
            starts[g + 1] = position
        }
        let codes = [UInt32](unsafeUninitializedCapacity: total) { codes, initialized in
            _ = Parallel.map(pieces.count) { p in
                var cursor = cursors[p]
                lists[pieces[p].list].withUnsafeBufferPointer { pairs in
                    cursor.withUnsafeMutableBufferPointer { cursor in
                        for i in pieces[p].rows {
                            let g = Int(pairs[i] >> 32)
                            codes[cursor[g]] = UInt32(truncatingIfNeeded: pairs[i])
                            cursor[g] += 1
                        }
                    }
                }
            }
            initialized = total
        }
        // Groups split into ranges of about equal pairs, one bitmap per range.
        let parts = total < 1 << 16 ? 1 : Parallel.threadCount * 2
        var cuts = [0]
        for p in 1..<parts {
            let target = total / parts * p
            var g = cuts.last!
            while g < groupCount, starts[g] < target { g += 1 }
            cuts.append(g)
        }
        cuts.append(groupCount)
        let words = max(1, (universe + 63) / 64)
        let counted = Parallel.map(parts) { p -> [Int64] in
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
        return counted.flatMap { $0 }
    }
}
