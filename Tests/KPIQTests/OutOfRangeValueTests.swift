import Foundation
import Testing
@testable import KPIQ

/// Values beyond what kpiq holds are never changed silently: an integer beyond 64 bits makes
/// its column text (with a note saying why), and a timestamp that its zone offset moves out
/// of 0001-01-01 to 9999-12-31 is an error with its line and column.
@Suite struct OutOfRangeValueTests {
    static func load(_ text: String, _ options: CSVOptions = CSVOptions(), partitions: Int? = nil) throws -> (Table, LoadReport) {
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        return try CSVReader.load(path: path, options: options, partitions: partitions)
    }

    static func loadError(_ text: String, _ options: CSVOptions = CSVOptions()) -> LoadError? {
        do {
            _ = try load(text, options)
            return nil
        } catch {
            return error as? LoadError
        }
    }

    @Test func integersBeyond64BitsMakeTheColumnText() throws {
        let (table, report) = try Self.load("a\n1\n9223372036854775807\n9223372036854775808\n")
        #expect(table.types == [.text])
        #expect(TestSupport.values(table, "a") == [.text("1"), .text("9223372036854775807"), .text("9223372036854775808")])
        #expect(report.warnings == [
            "column `a` is read as text: `9223372036854775808` (line 4) is an integer beyond 64 bits, which would lose digits as a decimal; "
                + "`types (a decimal)` reads it as approximate numbers",
        ])
    }

    /// The rule does not depend on which value comes first, nor on the partition it is in.
    @Test func whateverTheOrder() throws {
        #expect(try Self.load("a\n-99999999999999999999\n2\n").0.types == [.text])
        #expect(try Self.load("a\n1.5\n99999999999999999999\n").0.types == [.text])
        #expect(try Self.load("a\n99999999999999999999\n1.5\n").0.types == [.text])
        var text = "id,x\n"
        for i in 0..<2000 { text += "\(i),\(i).5\n" }
        text += "1,123456789012345678901234\n"
        let (table, report) = try Self.load(text, partitions: 3)
        #expect(table.types == [.int, .text])
        #expect(TestSupport.values(table, "x").last == .text("123456789012345678901234"))
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.contains("(line 2002)") == true)
    }

    @Test func whatStaysNumeric() throws {
        // Fits 64 bits (19 digits, or leading zeros); a long decimal with a fraction is a decimal.
        #expect(try Self.load("a\n9223372036854775807\n-9223372036854775808\n").0.types == [.int])
        #expect(try Self.load("a\n00000000000000000000001\n2\n").0.types == [.int])
        let (decimals, report) = try Self.load("a\n1.5\n12345678901234567890.5\n1e30\n")
        #expect(decimals.types == [.decimal])
        #expect(report.warnings.isEmpty)
    }

    @Test func forcedTypesDecide() throws {
        var options = CSVOptions()
        options.types = ["a": .decimal]
        let (table, report) = try Self.load("a\n1\n9223372036854775808\n", options)
        #expect(table.types == [.decimal])
        #expect(report.warnings.isEmpty)
        options.types = ["a": .int]
        let error = Self.loadError("a\n1\n9223372036854775808\n", options)
        #expect(error?.message == "`9223372036854775808` is beyond the range of int (64 bits)")
        #expect(error?.line == 3)
        options.types = ["a": .text]
        #expect(try Self.load("a\n1\n9223372036854775808\n", options).1.warnings.isEmpty)
    }

    @Test func aZoneOffsetBeforeYearOneIsAnError() {
        let error = Self.loadError("t\n2024-01-01T00:30:00+05:00\n0001-01-01T00:00:00+01:00\n")
        #expect(error?.line == 3)
        #expect(error?.column == 1)
        #expect(error?.field == "t")
        #expect(error?.message == "`0001-01-01T00:00:00+01:00` is outside 0001-01-01 to 9999-12-31 once its zone offset is applied")
        // First in its column, after 9999-12-31, in a date column, or forced: the same error.
        #expect(Self.loadError("t\n0001-01-01T00:00:00+01:00\n")?.line == 2)
        #expect(Self.loadError("t\n9999-12-31T23:30:00-01:00\n")?.line == 2)
        #expect(Self.loadError("t\n2024-01-01\n0001-01-01 00:10+00:30\n")?.line == 3)
        var options = CSVOptions()
        options.types = ["t": .timestamp]
        #expect(Self.loadError("t\n2024-01-01\n0001-01-01T00:00:00+01:00\n", options)?.message.contains("outside") == true)
    }

    @Test func skippedInTolerantModeAndTextWhenForced() throws {
        var options = CSVOptions()
        options.onError = .skip
        let (table, report) = try Self.load("t\n2024-01-01T00:30:00+05:00\n0001-01-01T00:00:00+01:00\n", options)
        #expect(table.types == [.timestamp])
        #expect(table.rowCount == 1)
        #expect(report.skipped.map(\.line) == [3])
        options = CSVOptions()
        options.types = ["t": .text]
        #expect(try Self.load("t\n0001-01-01T00:00:00+01:00\n", options).0.types == [.text])
    }

    /// A user format with `%z` follows the same rule.
    @Test func userFormatsWithAZone() throws {
        var options = CSVOptions()
        options.formats = [try DateFormat("%d/%m/%Y %H:%M %z")]
        #expect(Self.loadError("t\n01/02/2024 10:00 +01:00\n01/01/0001 00:00 +01:00\n", options)?.line == 3)
    }

    /// Casts and literals never hold such an instant either.
    @Test func parsingChecksTheRange() {
        var micros: Int64 = 0
        let early = Array("0001-01-01T00:00:00+01:00".utf8)
        #expect(!FieldParsing.parseISOTimestamp(early, early.count, &micros))
        #expect(FieldParsing.isOutOfRangeISOTimestamp(early, early.count))
        let fine = Array("0001-01-01T01:00:00+01:00".utf8)
        #expect(FieldParsing.parseISOTimestamp(fine, fine.count, &micros))
        #expect(micros == CivilCalendar.minMicros)
    }
}
