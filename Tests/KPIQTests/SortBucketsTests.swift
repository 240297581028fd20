import Testing
@testable import KPIQ

/// A sort whose first key spans few values is ordered by counting (`Sorter.bucketed`); it must
/// give the comparison sort's order exactly: nulls last or first, descending, ties in input
/// order, the other keys within each bucket.
@Suite struct SortBucketsTests {
    func comparisonOrder(_ keys: [Sorter.Key], _ n: Int) -> [Int] {
        (0..<n).sorted { a, b in
            for key in keys {
                let c = key.compare(a, b)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
    }

    @Test func countingOrderEqualsTheComparisonOrder() throws {
        var random = SplitMix(seed: 31)
        for trial in 0..<40 {
            let n = 1 + Int(random.next() % 2_000)
            let spread = trial % 3 == 0 ? UInt64(5) : UInt64(n)
            let firstValues = (0..<n).map { _ in Int64(random.next() % spread) - 3 }
            let firstValid: [UInt8]? = trial % 2 == 0 ? (0..<n).map { _ in random.next() % 7 == 0 ? 0 : 1 } : nil
            let first = Sorter.Key(values: .ints(firstValues), valid: firstValid, descending: trial % 4 >= 2,
                                   nullsFirst: trial % 8 >= 4)
            let second = Sorter.Key(values: .doubles((0..<n).map { _ in Double(random.next() % 10) }), valid: nil,
                                    descending: trial % 5 == 0, nullsFirst: false)
            let third = Sorter.Key(values: .ranks((0..<n).map { _ in UInt32(random.next() % 3) }), valid: nil,
                                   descending: false, nullsFirst: false)
            for keys in [[first], [first, second], [first, second, third]] {
                let counted = try Sorter.bucketed(keys, rows: n, cancel: nil)
                #expect(counted == comparisonOrder(keys, n), "trial \(trial), \(keys.count) keys")
            }
        }
    }

    @Test func aWideOrFractionalFirstKeyIsLeftToTheComparisonSort() throws {
        let wide = Sorter.Key(values: .ints([0, 1 << 40, 5]), valid: nil, descending: false, nullsFirst: false)
        #expect(try Sorter.bucketed([wide], rows: 3, cancel: nil) == nil)
        let doubles = Sorter.Key(values: .doubles([0.5, 0.25]), valid: nil, descending: false, nullsFirst: false)
        #expect(try Sorter.bucketed([doubles], rows: 2, cancel: nil) == nil)
        let onlyNulls = Sorter.Key(values: .ints([7, 7]), valid: [0, 0], descending: false, nullsFirst: false)
        #expect(try Sorter.bucketed([onlyNulls], rows: 2, cancel: nil) == [0, 1])
    }
}
