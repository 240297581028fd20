import Foundation
import Testing
@testable import KPIQ

/// What a CSV load reads besides plain UTF-8 files: other encodings, compressed files and
/// several files matched by a pattern (fixtures from tools/fixtures/csvlocale.py).
@Suite struct CSVInputTests {
    static func fixture(_ name: String) -> String { RegionalCSVTests.fixture(name) }

    @Test func latin1() throws {
        var options = CSVOptions()
        options.encoding = .latin1
        let (table, report) = try CSVReader.load(path: Self.fixture("latin1.csv"), options: options)
        #expect(TestSupport.values(table, "ville") == [.text("São Paulo"), .text("Zürich"), .text("Île-de-France")])
        #expect(TestSupport.values(table, "montant") == [.decimal(1.5), .decimal(2.25), .decimal(3)])
        #expect(report.detected.contains("Latin-1"))
    }

    @Test func windows1252() throws {
        var options = CSVOptions()
        options.encoding = .windows1252
        let table = try CSVReader.load(path: Self.fixture("windows-1252.csv"), options: options).table
        #expect(TestSupport.values(table, "note") == [.text("“bien”"), .text("–"), .text("Œuvre")])
        #expect(TestSupport.values(table, "montant") == [.decimal(1.5), .decimal(2.25), .decimal(3)])
    }

    @Test func latin1WithoutTheOptionSaysWhatToDo() throws {
        #expect { try CSVReader.load(path: Self.fixture("latin1.csv")) } throws: { error in
            guard let error = error as? LoadError else { return false }
            return error.message.contains("UTF-8") && error.line == 2
        }
    }

    @Test func excelUnicodeTextIsUTF16WithAByteOrderMark() throws {
        let (table, report) = try CSVReader.load(path: Self.fixture("utf16le-bom.txt"))
        #expect(report.delimiter == .byte(9))
        #expect(table.names == ["Campaign", "Clicks", "Cost"])
        #expect(TestSupport.values(table, "Campaign") == [.text("Été 2024 🌞"), .text("日本")])
        #expect(TestSupport.values(table, "Clicks") == [.int(1200), .int(7)])
        #expect(TestSupport.values(table, "Cost") == [.decimal(34.5), .decimal(0.99)])
        #expect(report.detected.contains("UTF-16 LE"))
        let bigEndian = try CSVReader.load(path: Self.fixture("utf16be-bom.csv")).table
        #expect(TestSupport.values(bigEndian, "b") == [.int(1), .int(2)])
    }

    @Test func brokenUTF16IsAnErrorWithItsOffset() throws {
        // A byte-order mark, "a\n", then a lone high surrogate.
        let path = try TestSupport.file(bytes: [0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00, 0x00, 0xD8, 0x62, 0x00])
        defer { TestSupport.remove(path) }
        #expect { try CSVReader.load(path: path) } throws: { error in
            (error as? LoadError)?.message.contains("byte 6") == true
        }
        let odd = try TestSupport.file(bytes: [0xFF, 0xFE, 0x61, 0x00, 0x0A])
        defer { TestSupport.remove(odd) }
        #expect(throws: LoadError.self) { try CSVReader.load(path: odd) }
    }

    @Test func gzipAndZstd() throws {
        let plain = try CSVReader.load(path: Self.fixture("french-libreoffice.csv")).table
        for name in ["french.csv.gz", "french.csv.zst"] {
            let (table, report) = try CSVReader.load(path: Self.fixture(name))
            #expect(table.types == plain.types)
            for column in table.names { #expect(TestSupport.values(table, column) == TestSupport.values(plain, column)) }
            #expect(report.detected.first == (name.hasSuffix("gz") ? "gzip" : "zstd"))
        }
    }

    @Test func truncatedAndCorruptCompressedFilesAreErrors() throws {
        for name in ["french.csv.gz", "french.csv.zst"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture(name))))
            let truncated = try TestSupport.file(bytes: Array(bytes.prefix(bytes.count / 2)), name: name)
            defer { TestSupport.remove(truncated) }
            #expect { try CSVReader.load(path: truncated) } throws: { error in
                (error as? LoadError)?.message.contains("truncated") == true
            }
            var corrupt = bytes
            for k in 20..<min(60, corrupt.count) { corrupt[k] ^= 0x5A }
            let damaged = try TestSupport.file(bytes: corrupt, name: name)
            defer { TestSupport.remove(damaged) }
            #expect(throws: LoadError.self) { try CSVReader.load(path: damaged) }
        }
    }

    @Test func concatenatedGzipMembers() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture("monthly/sessions-2024-04.csv.gz"))))
        let path = try TestSupport.file(bytes: bytes + bytes, name: "twice.csv.gz")
        defer { TestSupport.remove(path) }
        let table = try CSVReader.load(path: path).table
        // The second member repeats the header, which is then a row: visits becomes text.
        #expect(table.rowCount == 3)
    }

    @Test func aPatternLoadsEveryMatchInNameOrder() throws {
        var options = CSVOptions()
        options.fileColumn = "_file"
        let (table, report) = try CSVReader.load(path: Self.fixture("monthly/sessions-2024-*.csv*"), options: options)
        #expect(table.names == ["day", "channel", "visits", "_file"])
        #expect(table.types == [.date, .text, .decimal, .text])
        #expect(TestSupport.values(table, "channel") == [.text("ads"), .text("seo"), .text("ads"), .text("mail"), .text("ads")])
        #expect(TestSupport.values(table, "visits") == [.decimal(3), .decimal(4), .decimal(5), .decimal(1), .decimal(2.5)])
        #expect(TestSupport.values(table, "_file") == [
            .text("sessions-2024-01.csv"), .text("sessions-2024-02.csv"), .text("sessions-2024-02.csv"),
            .text("sessions-2024-03.csv"), .text("sessions-2024-04.csv.gz"),
        ])
        #expect(report.detected.contains("4 files"))
    }

    @Test func aPatternAcrossParallelRangesKeepsEachRowsFile() throws {
        // Files large enough to be parsed in several ranges each.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-glob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var expected: [Scalar] = []
        for (k, rows) in [70_000, 3, 90_000].enumerated() {
            var text = "id,name\n"
            for i in 0..<rows { text += "\(i),n\(i % 7)\n" }
            try Data(text.utf8).write(to: folder.appendingPathComponent("part-\(k).csv"))
            expected += Array(repeating: .text("part-\(k).csv"), count: rows)
        }
        var options = CSVOptions()
        options.fileColumn = "source"
        let table = try CSVReader.load(path: folder.appendingPathComponent("part-*.csv").path, options: options).table
        #expect(table.rowCount == 160_003)
        #expect(TestSupport.values(table, "source") == expected)
        #expect(TestSupport.values(table, "id")[70_002] == .int(2))
    }

    @Test func aDifferentHeaderNamesTheFile() throws {
        #expect { try CSVReader.load(path: Self.fixture("bad-header/*.csv")) } throws: { error in
            guard let error = error as? LoadError else { return false }
            return error.path.hasSuffix("bad-header/b.csv") && error.line == 1 && error.message.contains("header differs")
                && error.message.contains("a.csv")
        }
    }

    @Test func anErrorInAMatchedFileNamesItsLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-glob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("a,b\n1,2\n3,4\n".utf8).write(to: folder.appendingPathComponent("1.csv"))
        try Data("a,b\n5,6\n7,8,9\n".utf8).write(to: folder.appendingPathComponent("2.csv"))
        #expect { try CSVReader.load(path: folder.appendingPathComponent("*.csv").path) } throws: { error in
            guard let error = error as? LoadError else { return false }
            return error.path.hasSuffix("/2.csv") && error.line == 3
        }
    }

    @Test func aPatternMatchingNothingIsAnError() throws {
        #expect { try CSVReader.load(path: Self.fixture("monthly/nothing-*.csv")) } throws: { error in
            (error as? LoadError)?.message.contains("no file matches") == true
        }
    }

    @Test func sessionMessageSaysWhatWasDetected() throws {
        let session = Session()
        let outcome = session.run(SourceText(name: "test", text: "load \"\(Self.fixture("french-libreoffice.csv"))\" as ventes time jour"))
        #expect(outcome.error == nil)
        let messages = outcome.outputs.compactMap { output -> String? in
            if case .message(let text) = output { return text }
            return nil
        }
        #expect(messages.first?.contains("decimal comma") == true)
        #expect(messages.first?.contains("day-first dates") == true)
        let bad = session.run(SourceText(name: "test", text: "load \"x.csv\" as x with (encoding \"ebcdic\")"))
        #expect(bad.error?.message.contains("encoding") == true)
    }
}
