import Foundation
import Testing
@testable import KPIQ

/// Regional CSV: decimal commas, thousands separators, currency and percent signs, dates
/// with day and month in either order; files written by LibreOffice in French
/// (tools/fixtures/csvlocale.py) and hand-written edge cases.
@Suite struct RegionalCSVTests {
    static func fixture(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/KPIQTests/Fixtures/csvlocale/\(name)").path
    }

    static func day(_ y: Int64, _ m: Int64, _ d: Int64) -> Scalar { .date(CivilCalendar.days(year: y, month: m, day: d)) }

    static func decimals(_ table: Table, _ name: String) -> [Double?] {
        TestSupport.values(table, name).map { scalar -> Double? in
            if case .decimal(let d) = scalar { return d }
            return nil
        }
    }

    static func close(_ a: [Double?], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x.map { abs($0 - y) <= 1e-9 * max(1, abs(y)) } ?? false }
    }

    @Test func libreOfficeFrenchExport() throws {
        let (table, report) = try CSVReader.load(path: Self.fixture("french-libreoffice.csv"))
        #expect(report.delimiter == .byte(59))
        #expect(table.names == ["jour", "canal", "chiffre_affaires", "taux_conversion", "visites"])
        #expect(table.types == [.date, .text, .decimal, .decimal, .int])
        #expect(TestSupport.values(table, "jour") == [Self.day(2024, 1, 31), Self.day(2024, 2, 1), Self.day(2024, 2, 29), Self.day(2024, 12, 13)])
        #expect(Self.close(Self.decimals(table, "chiffre_affaires"), [1234.56, 98765.4, 0.5, -2500]))
        // LibreOffice writes rates as shown (one decimal): 3,3 % is 0.033.
        #expect(Self.close(Self.decimals(table, "taux_conversion"), [0.125, 0.033, 0.5, 1]))
        #expect(TestSupport.values(table, "visites") == [.int(15234), .int(980), .int(12), .int(1_000_000)])
        #expect(TestSupport.values(table, "canal")[1] == .text("Réseaux sociaux"))
        #expect(report.detected.contains("decimal comma"))
        #expect(report.detected.contains("day-first dates"))
        #expect(report.detected.contains("percentages"))
        #expect(report.detected.contains("currency signs"))
    }

    /// How a file was read stays with its dataset: `.datasets` shows it after the path (and a
    /// saved session keeps it); a plain file's source is its path alone.
    @Test func theDatasetSaysHowItsFileWasRead() throws {
        let session = Session()
        let path = Self.fixture("french-libreoffice.csv")
        _ = try TestSupport.run("load \"\(path)\" as fr", session: session)
        let origin = try #require(session.catalog["fr"]).origin
        #expect(origin.hasPrefix(path + " ("))
        #expect(origin.contains("decimal comma") && origin.contains("day-first dates"))
        #expect(TestSupport.values(session.datasetsTable(), "source") == [.text(origin)])
        let plain = try TestSupport.file("a,b\n1,2\n")
        defer { TestSupport.remove(plain) }
        _ = try TestSupport.run("load \"\(plain)\" as p", session: session)
        #expect(try #require(session.catalog["p"]).origin == plain)
    }

    @Test func thousandsSeparatorsOfEveryKind() throws {
        let nbsp = "\u{00A0}", narrow = "\u{202F}"
        let table = try TestSupport.load(
            "space;nbsp;narrow;dot;apostrophe;comma\n"
                + "1 234,5;1\(nbsp)234,5;1\(narrow)234,5;1.234,5;1'234.5;\"1,234.5\"\n"
                + "-12 345 678,25;12\(nbsp)345;7;2.000.000;-12'000;\"12,000\"\n")
        #expect(table.types == [.decimal, .decimal, .decimal, .decimal, .decimal, .decimal])
        #expect(Self.close(Self.decimals(table, "space"), [1234.5, -12_345_678.25]))
        #expect(Self.close(Self.decimals(table, "nbsp"), [1234.5, 12345]))
        #expect(Self.close(Self.decimals(table, "narrow"), [1234.5, 7]))
        #expect(Self.close(Self.decimals(table, "dot"), [1234.5, 2_000_000]))
        #expect(Self.close(Self.decimals(table, "apostrophe"), [1234.5, -12000]))
        #expect(Self.close(Self.decimals(table, "comma"), [1234.5, 12000]))
    }

    @Test func groupedIntegersStayIntegers() throws {
        let table = try TestSupport.load("n;m\n1 234;12\n5;1 000 000\n")
        #expect(table.types == [.int, .int])
        #expect(TestSupport.values(table, "m") == [.int(12), .int(1_000_000)])
    }

    @Test func currencyAndPercentSigns() throws {
        let table = try TestSupport.load(
            "eur,usd,pct,neg\n\"€ 1 234,56\",\"$1,234.50\",12.5 %,(1 234.00)\n12 €,$0.99,100%,-€5\n")
        #expect(table.types == [.decimal, .decimal, .decimal, .decimal])
        #expect(Self.close(Self.decimals(table, "eur"), [1234.56, 12]))
        #expect(Self.close(Self.decimals(table, "usd"), [1234.5, 0.99]))
        #expect(Self.close(Self.decimals(table, "pct"), [0.125, 1]))
        #expect(Self.close(Self.decimals(table, "neg"), [-1234, -5]))
    }

    @Test func aColumnIsNumericOnlyIfEveryValueReadsTheSameWay() throws {
        // Two decimal marks in one column, two thousands separators, percent on some values
        // only, a word among numbers, two currencies: all stay text.
        let table = try TestSupport.load(
            "marks;groups;percent;word;currencies\n1,5;1 234;5 %;1,5;€ 3\n1.234,5;1.234,5;5;n/a;$ 3\n2.5;7;6 %;2;€ 4\n")
        #expect(table.types == [.text, .text, .text, .text, .text])
        #expect(TestSupport.values(table, "marks")[0] == .text("1,5"))
    }

    @Test func badGroupingIsText() throws {
        let table = try TestSupport.load("a;b\n1 23,5;12 3456\n2;1\n")
        #expect(table.types == [.text, .text])
    }

    @Test func ambiguousCommasFollowTheFile() throws {
        // `1,234` is 1.234 with a decimal comma and 1234 with a comma grouping thousands: the
        // file's other columns decide, then its delimiter.
        let french = try TestSupport.load("a;b\n1,234;0,5\n2,5;1\n")
        #expect(Self.close(Self.decimals(french, "a"), [1.234, 2.5]))
        let semicolons = try TestSupport.load("a;b\n1,234;x\n5,678;y\n")
        #expect(Self.close(Self.decimals(semicolons, "a"), [1.234, 5.678]))
        let english = try TestSupport.load("a,b\n\"1,234\",x\n\"5,678\",y\n")
        #expect(TestSupport.values(english, "a") == [.int(1234), .int(5678)])
    }

    @Test func givenDecimalCommaReadsPointsAsThousands() throws {
        var options = CSVOptions()
        options.decimalComma = true
        let table = try TestSupport.load("a;b;c\n1.234;1,5;3\n2.000;2;4\n", options)
        #expect(table.types == [.int, .decimal, .int])
        #expect(TestSupport.values(table, "a") == [.int(1234), .int(2000)])
        // Without it, `1.234` is a decimal point, as in most files.
        let plain = try TestSupport.load("a;b\n1.234;x\n2.000;y\n")
        #expect(Self.close(Self.decimals(plain, "a"), [1.234, 2]))
    }

    @Test func givenDecimalPointReadsCommasAsThousands() throws {
        var options = CSVOptions()
        options.decimalComma = false
        let table = try TestSupport.load("a;b\n1,234;x\n5,678;y\n", options)
        #expect(TestSupport.values(table, "a") == [.int(1234), .int(5678)])
    }

    @Test func forcedDecimalReadsRegionalNumbers() throws {
        var options = CSVOptions()
        options.types = ["a": .decimal]
        options.decimalComma = true
        let table = try TestSupport.load("a;b\n1 234,5;x\n€ 2;y\n", options)
        #expect(Self.close(Self.decimals(table, "a"), [1234.5, 2]))
    }

    @Test func nullsStayNullInRegionalColumns() throws {
        var options = CSVOptions()
        options.nullMarkers = ["", "NA"]
        let table = try TestSupport.load("a;d\n1,5;31/01/2024\n;\nNA;NA\n2,5;01/02/2024\n", options)
        #expect(table.types == [.decimal, .date])
        #expect(TestSupport.values(table, "a") == [.decimal(1.5), .null, .null, .decimal(2.5)])
        #expect(TestSupport.values(table, "d") == [Self.day(2024, 1, 31), .null, .null, Self.day(2024, 2, 1)])
    }

    @Test func datesWithDayOrMonthFirst() throws {
        let table = try TestSupport.load(
            "dayfirst,monthfirst,dotted,withtime\n31/01/2024,01/31/2024,31.12.2023,13/01/2024 14:05\n02/03/2024,03/02/2024,01.02.2024,01/02/2024 09:30:15\n")
        #expect(table.types == [.date, .date, .date, .timestamp])
        #expect(TestSupport.values(table, "dayfirst") == [Self.day(2024, 1, 31), Self.day(2024, 3, 2)])
        #expect(TestSupport.values(table, "monthfirst") == [Self.day(2024, 1, 31), Self.day(2024, 3, 2)])
        #expect(TestSupport.values(table, "dotted") == [Self.day(2023, 12, 31), Self.day(2024, 2, 1)])
        let micros = CivilCalendar.days(year: 2024, month: 2, day: 1) * CivilCalendar.microsPerDay + (9 * 3600 + 30 * 60 + 15) * 1_000_000
        #expect(TestSupport.values(table, "withtime")[1] == .timestamp(micros))
    }

    @Test func ambiguousDatesStayTextWithAWarning() throws {
        let path = try TestSupport.file("d,n\n01/02/2024,1\n03/04/2024,2\n")
        defer { TestSupport.remove(path) }
        let (table, report) = try CSVReader.load(path: path)
        #expect(table.types == [.text, .int])
        #expect(report.warnings.contains { $0.contains("day-first and as month-first") })
        // In a French file (`;`), the same dates are day-first.
        let french = try TestSupport.load("d;n\n01/02/2024;1,5\n03/04/2024;2\n")
        #expect(TestSupport.values(french, "d") == [Self.day(2024, 2, 1), Self.day(2024, 4, 3)])
    }

    @Test func impossibleDatesAreText() throws {
        let table = try TestSupport.load("d\n31/02/2024\n01/31/2024\n")
        #expect(table.types == [.text])
    }

    @Test func plainFilesAreUntouched() throws {
        let path = try TestSupport.file("a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n")
        defer { TestSupport.remove(path) }
        let (table, report) = try CSVReader.load(path: path)
        #expect(table.types == [.int, .text, .date])
        #expect(report.detected.isEmpty)
    }

    @Test func localeNumberParser() {
        func parse(_ text: String, _ mark: LocaleNumber.Mark) -> Double? {
            var copy = text
            return copy.withUTF8 { LocaleNumber.parse(UnsafeRawBufferPointer($0), mark: mark)?.value }
        }
        #expect(parse("1,5", .comma) == 1.5)
        #expect(parse("1,5", .point) == nil)
        #expect(parse(",5", .comma) == 0.5)
        #expect(parse("1,", .comma) == nil)
        #expect(parse("1 234 567", .comma) == 1_234_567)
        #expect(parse("1234 567", .comma) == nil)
        #expect(parse("12 %", .comma) == 0.12)
        #expect(parse("− 3", .comma) == -3)
        #expect(parse("(3)", .point) == -3)
        #expect(parse("-(3)", .point) == nil)
        #expect(parse("€", .comma) == nil)
        #expect(parse("CHF 1'000.50", .point) == 1000.5)
        #expect(parse("1.2.3", .comma) == nil)
        #expect(parse("1\t234", .comma) == nil)
        #expect(parse("", .comma) == nil)
        #expect(parse("%", .comma) == nil)
        #expect(parse("1e5", .point) == nil)
    }
}
