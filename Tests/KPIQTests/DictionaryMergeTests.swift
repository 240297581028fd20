import Testing
@testable import KPIQ

/// Merging pieces' dictionaries (Parquet row groups of a text column): every row keeps its
/// string, the merged dictionary holds each distinct string once, a piece of nulls only (an
/// empty dictionary, codes 0) stays 0, on both paths (one table under `partitionedMinimum`
/// entries, partitions above).
@Suite struct DictionaryMergeTests {
    func pieces(count: Int, entriesEach: Int, seed: UInt64) -> (codes: [[UInt32]], dictionaries: [StringDictionary]) {
        var random = SplitMix(seed: seed)
        var codes: [[UInt32]] = []
        var dictionaries: [StringDictionary] = []
        for piece in 0..<count {
            if piece == 1 {
                // Null rows only.
                codes.append([0, 0, 0])
                dictionaries.append(.empty)
                continue
            }
            // Overlapping ranges of ids, short (inline) and long strings.
            let first = piece * entriesEach / 2
            let strings = (0..<entriesEach).map { k in
                let id = first + k
                return id % 7 == 0 ? "a-much-longer-visitor-identifier-\(id)" : "v\(id)"
            }
            dictionaries.append(StringDictionary(strings: strings))
            codes.append((0..<(entriesEach * 2)).map { _ in UInt32(random.next() % UInt64(entriesEach)) })
        }
        return (codes, dictionaries)
    }

    @Test(arguments: [(entriesEach: 1_000, pieces: 4), (entriesEach: 30_000, pieces: 5)])
    func everyRowKeepsItsString(entriesEach: Int, pieces count: Int) {
        let (codes, dictionaries) = pieces(count: count, entriesEach: entriesEach, seed: 9)
        let entries = dictionaries.reduce(0) { $0 + $1.count }
        #expect((entries >= DictionaryMerge.partitionedMinimum) == (entriesEach == 30_000))
        let (merged, dictionary) = DictionaryMerge.merge(codes: codes, dictionaries: dictionaries)
        var at = 0
        for (piece, pieceCodes) in codes.enumerated() {
            for code in pieceCodes {
                if dictionaries[piece].count == 0 {
                    #expect(merged[at] == 0)
                } else if dictionary.string(Int(merged[at])) != dictionaries[piece].string(Int(code)) {
                    Issue.record("piece \(piece) row \(at): \(dictionary.string(Int(merged[at]))) for \(dictionaries[piece].string(Int(code)))")
                    return
                }
                at += 1
            }
        }
        #expect(at == merged.count)
        let distinct = Set(dictionaries.flatMap { d in (0..<d.count).map { d.string($0) } })
        #expect(dictionary.count == distinct.count)
        #expect(Set((0..<dictionary.count).map { dictionary.string($0) }) == distinct)
    }
}
