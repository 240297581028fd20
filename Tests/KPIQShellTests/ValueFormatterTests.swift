import KPIQ
import Testing
@testable import KPIQShell

/// How numbers read in tables: separators, places, magnitudes a double cannot show exactly.
@Suite struct ValueFormatterTests {
    @Test func groupsAndRoundsHalfAwayFromZero() {
        #expect(ValueFormatter.grouped(1_234_567.125, decimals: 2) == "1,234,567.13")
        #expect(ValueFormatter.grouped(-0.004, decimals: 2) == "0.00")
        #expect(ValueFormatter.grouped(-2.5, decimals: 0) == "-3")
        #expect(ValueFormatter.grouped(0, decimals: 1) == "0.0")
    }

    /// Beyond 15-16 significant digits a double has no more places to show; beyond 10^18 the
    /// digits are written in scientific notation instead of being lost.
    @Test func largeMagnitudes() {
        #expect(ValueFormatter.grouped(1e20, decimals: 2) == "1e+20")
        #expect(ValueFormatter.grouped(99_999_999_999_999_999.0, decimals: 0) == "100,000,000,000,000,000")
        #expect(ValueFormatter.grouped(1e15 + 0.5, decimals: 2) == "1,000,000,000,000,001")
        #expect(ValueFormatter.grouped(1e14 + 0.5, decimals: 2) == "100,000,000,000,000.5")
        #expect(ValueFormatter.number(1e20) == "1e+20")
        #expect(!ValueFormatter.grouped(1e15 + 0.5, decimals: 2).hasSuffix("48"))
    }

    /// A column of decimals, plain or formatted as `number`, uses the same places throughout.
    @Test func columnPlacesAreConsistent() {
        let values = [0.1122, 0.05085, 0.118]
        let places = ValueFormatter.decimals(for: values)
        let cells = values.map { ValueFormatter.format(.decimal($0), type: .decimal, format: .number, decimals: places) }
        #expect(cells == ["0.1122", "0.0509", "0.1180"])
    }
}
