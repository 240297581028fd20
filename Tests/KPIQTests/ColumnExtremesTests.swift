import Testing
@testable import KPIQ

/// A column's extremes are read once and remembered with it; nulls are left out, a column of
/// nulls has none, and a column that is not stored as integers has none to remember.
@Suite struct ColumnExtremesTests {
    @Test func readOnceAndRemembered() {
        let validity = Validity(flags: [true, false, true, true])
        let column = Column(type: .int, values: .integers(PackedIntegers.pack([5, -100, 9, 7], validity: validity)), validity: validity)
        let both = StoredExtremes.of(column)
        #expect(both?.min == 5 && both?.max == 9)
        var calls = 0
        let again = column.extremes?.value {
            calls += 1
            return nil
        }
        #expect(calls == 0, "the first answer is remembered")
        #expect(again?.min == 5 && again?.max == 9)

        let nulls = Validity(flags: [false, false])
        let allNull = Column(type: .date, values: .integers(PackedIntegers.pack([0, 0], validity: nulls)), validity: nulls)
        #expect(StoredExtremes.of(allNull) == nil)
        #expect(StoredExtremes.of(allNull) == nil, "remembered as none")
        #expect(Column(type: .decimal, values: .doubles([1, 2]), validity: nil).extremes == nil)
    }

    /// Whether a column never decreases is read once and remembered too.
    @Test func orderReadOnceAndRemembered() {
        let ordered = ColumnFactory.ints([1, 1, 2, 5, 5, 9], type: .timestamp)
        #expect(ordered.isStoredNondecreasing)
        var calls = 0
        #expect(ordered.extremes?.nondecreasing { calls += 1; return false } == true)
        #expect(calls == 0, "the first answer is remembered")
        #expect(!ColumnFactory.ints([1, 3, 2]).isStoredNondecreasing)
        #expect(!ColumnFactory.text(["a", "b"]).isStoredNondecreasing)
    }
}
