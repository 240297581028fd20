import Foundation
import Testing
@testable import KPIQ

/// The loader's C loops (text_lookup.c, int_run.c) take plain fields and stop at anything
/// else, handing the row to the Swift path; the values must come out the same whichever path
/// a row takes, across batches, quoted fields (unescaped into the batch's scratch) and the
/// last bytes of the file (where 16-byte loads are not allowed).
@Suite struct CSVLoadKernelsTests {
    static let texts = ["web", "ads", "x", "eight888", "nine99999", "fifteen-bytes!!", "/features/automation-and-more",
                        "/blog/customer-stories-for-teams", "a,b", "say \"hi\"", "", "é-accent"]

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    @Test func mixedFieldsGiveTheSameValuesOnEveryPath() throws {
        var ids: [Int64?] = []
        var sources: [String?] = []
        var lines = ["id,source"]
        var state: UInt64 = 7
        for i in 0..<3_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(state >> 33)
            let id: Int64?
            var idField: String
            switch r % 9 {
            case 0: id = nil; idField = ""
            case 1: id = 123_456_789 + Int64(i); idField = String(id!)  // nine digits: the general parser
            case 2: id = -Int64(i); idField = String(id!)
            case 3: id = Int64(i); idField = "\"\(i)\""  // quoted: read from the scratch buffer
            default: id = Int64(r % 100_000_000); idField = String(id!)
            }
            let text = Self.texts[r % Self.texts.count]
            ids.append(id)
            sources.append(text.isEmpty ? nil : text)
            lines.append("\(idField),\(Self.csvField(text))")
        }
        // Last row short, so its values end within 16 bytes of the end of the file.
        ids.append(5)
        sources.append("x")
        lines.append("5,x")
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        #expect(table.column(named: "id")?.type == .int)
        #expect(TestSupport.values(table, "id") == ids.map { $0.map(Scalar.int) ?? .null })
        #expect(TestSupport.values(table, "source") == sources.map { $0.map(Scalar.text) ?? .null })
    }

    /// Flags: one-digit values, which the integer loop reads without its eight-digit parser,
    /// among nulls, quoted ones and longer numbers.
    @Test func oneDigitValuesOnEveryPath() throws {
        var expected: [Int64?] = []
        var lines = ["id,flag"]
        for i in 0..<2_000 {
            switch i % 17 {
            case 0: lines.append("\(i),"); expected.append(nil)
            case 1: lines.append("\(i),\"\(i % 10)\""); expected.append(Int64(i % 10))
            case 2: lines.append("\(i),\(i)"); expected.append(Int64(i))
            default: lines.append("\(i),\(i % 10)"); expected.append(Int64(i % 10))
            }
        }
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        #expect(table.column(named: "flag")?.type == .int)
        Self.expectValues(table, "flag", expected.map { $0.map(Scalar.int) ?? .null })
    }

    /// A one-byte value that is not a digit, after a run of digits and well before the end of
    /// the file (where the C loop leaves values to the general parser), is not an integer.
    @Test(arguments: ["x", "-", "+", "/", ":"])
    func oneByteNonDigitsAreNotIntegers(byte: String) throws {
        let lines = ["id,flag"] + (0..<300).map { "\($0),\($0 % 10)" } + ["300,\(byte)"] + (301..<400).map { "\($0),1" }
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        #expect(table.column(named: "flag")?.type == .text, "\(byte)")
        #expect(TestSupport.values(table, "flag")[300] == .text(byte))
    }

    /// Column `name` holds exactly `expected` (nil: null), row by row.
    static func expectText(_ table: Table, _ name: String, _ expected: [String?]) {
        expectValues(table, name, expected.map { $0.map(Scalar.text) ?? .null })
    }

    /// Column `name` holds exactly `expected`, row by row (naming the first rows that differ).
    static func expectValues(_ table: Table, _ name: String, _ expected: [Scalar]) {
        let values = TestSupport.values(table, name)
        #expect(values.count == expected.count)
        let wrong = zip(values, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(wrong.isEmpty, "first wrong rows: \(wrong.prefix(3))")
    }

    /// More distinct values than an interned column keeps (so the column defers its
    /// dictionary), mixing nulls, quoted values, non-ASCII and, later on, long strings.
    @Test func deferredColumnKeepsEveryValue() throws {
        var expected: [String?] = []
        // Two columns: a one-column file's empty row would be a blank line.
        var lines = ["id,visitor"]
        for i in 0..<(TextColumnStore.deferThreshold * 3) {
            let text: String?
            switch i % 11 {
            case 0: text = nil
            case 1: text = "é\(i)"
            case 2: text = "q,\(i)"
            case 3 where i > TextColumnStore.deferThreshold * 2: text = "a-long-visitor-identifier-\(i)"
            default: text = String(i * 7919 % 1_000_003, radix: 16)
            }
            expected.append(text)
            lines.append("\(i)," + (text.map(Self.csvField) ?? ""))
        }
        lines.append("0,z")
        expected.append("z")
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        Self.expectText(table, "visitor", expected)
    }

    /// Enough short ASCII ids (with nulls) for the dictionary builder's write-combining scatter
    /// (`kpiq_scatter_keys`: its entries need 2 MB, so 131,072 rows or more), in five
    /// partitions, so chunks share bucket lines with each other and with the bucket before.
    @Test func scatteredIdsKeepEveryValue() throws {
        var expected: [String?] = []
        var lines = ["id,visitor"]
        for i in 0..<150_000 {
            // Some ids repeat, some rows are null, lengths vary from 1 to 15 bytes.
            let text: String? = i % 13 == 0 ? nil : String(String(i * 7919 % 90_001, radix: 36).prefix(1 + i % 15))
            expected.append(text)
            lines.append("\(i)," + (text ?? ""))
        }
        let path = try TestSupport.file(lines.joined(separator: "\n"))
        defer { TestSupport.remove(path) }
        let table = try CSVReader.load(path: path, options: CSVOptions(), partitions: 5).table
        Self.expectText(table, "visitor", expected)
    }

    /// Times in order (several rows a date), then out of order (a new date every row), with
    /// nulls, a space for the `T`, quoted values, and last a fraction of a second (the column
    /// switches to microseconds).
    @Test func timestampsOnEveryPath() throws {
        var expected: [Int64?] = []
        var lines = ["id,ts"]
        func add(_ day: Int64, _ second: Int64, separator: String = "T", quoted: Bool = false, fraction: String = "") {
            let (y, m, d) = CivilCalendar.civil(day)
            let text = String(format: "%04d-%02d-%02d%@%02d:%02d:%02d", Int(y), Int(m), Int(d), separator,
                              Int(second / 3600), Int(second / 60 % 60), Int(second % 60)) + fraction
            lines.append("\(lines.count)," + (quoted ? "\"\(text)\"" : text))
            expected.append((day * 86_400 + second) * 1_000_000 + (fraction.isEmpty ? 0 : 500_000))
        }
        let start = CivilCalendar.days(year: 2024, month: 2, day: 27)
        for i in 0..<2_000 {
            if i % 13 == 0 {
                lines.append("\(lines.count),")
                expected.append(nil)
                continue
            }
            add(start + Int64(i / 300), Int64(i * 37 % 86_400), separator: i % 7 == 0 ? " " : "T", quoted: i % 11 == 0)
        }
        for i in 0..<700 { add(start + Int64(i * 7919 % 400), Int64(i * 13 % 86_400)) }
        add(start, 12, fraction: ".5")
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        #expect(table.column(named: "ts")?.type == .timestamp)
        Self.expectValues(table, "ts", expected.map { $0.map(Scalar.timestamp) ?? .null })
    }

    /// A time that is not two digits, a colon, two digits, a colon, two digits in range, after
    /// a run of good ones on its date (which the C loop reads), is not a timestamp: the column
    /// becomes text, as the general parser decides.
    @Test(arguments: ["24:00:00", "00:60:00", "00:00:60", "a0:00:00", "0a:00:00", "00:a0:00", "00:0a:00", "00:00:a0", "00:00:0a", "00-00:00",
                      "99:99:99", "0/:00:00", "00:00:5:", "\u{7F}0:00:00"])
    func malformedTimesAreNotTimestamps(time: String) throws {
        var lines = ["id,ts"]
        for i in 0..<300 { lines.append("\(i),2024-02-27T00:\(String(format: "%02d", i % 60)):00") }
        lines.append("300,2024-02-27T\(time)")
        lines.append("301,2024-02-27T00:00:01")
        let table = try TestSupport.load(lines.joined(separator: "\n"))
        #expect(table.column(named: "ts")?.type == .text, "\(time)")
        #expect(TestSupport.values(table, "ts")[300] == .text("2024-02-27T\(time)"))
    }

    @Test func inlineHashIsOneDefinition() {
        // Swift's hashes are the C ones; pin a few values so a change to either shows.
        #expect(StringInterner.hashInline(0, 1 << 56) == kpiqHashInlineReference(0, 1 << 56))
        #expect(StringInterner.hashInline(0x6F6C_6C65_68, 6 << 56) == kpiqHashInlineReference(0x6F6C_6C65_68, 6 << 56))
    }

    /// The inline hash as first written in Swift.
    private func kpiqHashInlineReference(_ k0: UInt64, _ k1: UInt64) -> UInt64 {
        var h = k0 &* 0x9E37_79B9_7F4A_7C15 ^ k1 &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
