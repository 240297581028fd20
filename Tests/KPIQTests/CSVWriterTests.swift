import Foundation
import Testing
@testable import KPIQ

/// Exported CSV: spreadsheet formula injection neutralised, files replaced atomically.
@Suite struct CSVWriterTests {
    @Test func formulasAreNeutralisedButNumbersAreNot() {
        for (input, expected) in [("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+1+1", "'+1+1"), ("-cmd", "'-cmd"), ("@x", "'@x"),
                                  ("\tx", "'\tx"), ("\rx", "'\rx"), ("-12.5", "-12.5"), ("+3", "+3"), ("plain", "plain"), ("", "")]
        {
            #expect(CSVWriter.neutralized(input) == expected, "\(input.debugDescription)")
        }
    }

    @Test func exportQuotesAndNeutralises() throws {
        let table = Table(names: ["name", "n"], columns: [ColumnFactory.text(["=1+1", "a,b", nil]), ColumnFactory.ints([1, 2, 3])], rowCount: 3)
        #expect(CSVWriter.text(table, neutralizeFormulas: true) == "name,n\n'=1+1,1\n\"a,b\",2\n,3\n")
    }

    /// The file appears whole or not at all: no temporary file is left behind, and a write
    /// that cannot happen leaves the old file as it was.
    @Test func writesAtomically() throws {
        let path = try TestSupport.file("old\n", name: "out.csv")
        defer { TestSupport.remove(path) }
        let folder = (path as NSString).deletingLastPathComponent
        let table = Table(names: ["x"], columns: [ColumnFactory.ints([1])], rowCount: 1)
        try CSVWriter.write(table, to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x\n1\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.csv"])
        #expect(throws: CSVWriter.WriteError.self) { try CSVWriter.write(table, to: folder + "/missing/out.csv") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.csv"])
    }
}
