import Foundation
import Testing
@testable import KPIQ

/// Lines end with "\n", "\r\n", or (classic Mac OS, Excel's "CSV (Macintosh)") "\r" alone.
@Suite struct LineEndTests {
    @Test func carriageReturnsAloneEndLines() throws {
        let table = try TestSupport.load("a,b\r1,2\r3,4\r")
        #expect(table.names == ["a", "b"])
        #expect(TestSupport.values(table, "a") == [.int(1), .int(3)])
        #expect(TestSupport.values(table, "b") == [.int(2), .int(4)])
    }

    @Test func withoutAFinalLineEndAndWithAByteOrderMark() throws {
        let path = try TestSupport.file(bytes: [0xEF, 0xBB, 0xBF] + Array("x;y\rp;1\rq;2".utf8))
        defer { TestSupport.remove(path) }
        let table = try CSVReader.load(path: path).table
        #expect(TestSupport.values(table, "x") == [.text("p"), .text("q")])
        #expect(TestSupport.values(table, "y") == [.int(1), .int(2)])
    }

    /// A multi-line value keeps its line break; errors count lines by their CRs.
    @Test func quotedLineBreaksAndErrorLines() throws {
        let table = try TestSupport.load("id,note\r1,\"two\rlines\"\r2,plain\r")
        #expect(TestSupport.values(table, "note") == [.text("two\nlines"), .text("plain")])
        do {
            _ = try TestSupport.load("a,b\r1,2\r3\r")
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.line == 3)
            #expect(error.message == "expected 2 fields, found 1")
        }
    }

    /// Across partitions (the cuts look for row starts after a newline).
    @Test func manyRowsInSeveralPartitions() throws {
        var text = "n,t\r"
        for i in 0..<10_000 { text += "\(i),v\(i % 7)\r" }
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let table = try CSVReader.load(path: path, options: CSVOptions(), partitions: 4).table
        #expect(table.rowCount == 10_000)
        #expect(TestSupport.values(table, "n") == (0..<10_000).map { .int(Int64($0)) })
    }

    /// Files whose lines end with "\n" keep a carriage return inside a line as data.
    @Test func newlineFilesAreUnchanged() throws {
        let crlf = try TestSupport.load("a,b\r\n1,x\ry\r\n")
        #expect(TestSupport.values(crlf, "b") == [.text("x\ry")])
        let lf = try TestSupport.load("a,b\n1,\"x\ry\"\n")
        #expect(TestSupport.values(lf, "b") == [.text("x\ry")])
    }
}
