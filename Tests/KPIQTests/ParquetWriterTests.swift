import Foundation
import Testing
@testable import KPIQ

/// `export "x.parquet"`: every type, nulls, empty results and text dictionaries come back
/// with the same values and types, read by kpiq's own reader and, when they are installed,
/// by pyarrow and DuckDB (tools/parquet_check.py).
@Suite struct ParquetWriterTests {
    static func sample() -> Table {
        Table(names: ["n", "x", "ok", "day", "at", "label"], columns: [
            ColumnFactory.ints([1, nil, -9_223_372_036_854_775_808, 9_223_372_036_854_775_807]),
            ColumnFactory.doubles([0.1, -2.5, nil, 1e300]),
            ColumnFactory.bools([true, false, nil, true]),
            ColumnFactory.ints([19_753, -1, 0, nil], type: .date),
            ColumnFactory.ints([1_706_704_215_123_456, nil, -1, 0], type: .timestamp),
            ColumnFactory.text(["été", nil, "a", "été"]),
        ], rowCount: 4)
    }

    func roundTrip(_ table: Table) throws -> Table {
        let path = try TestSupport.file("", name: "out.parquet")
        defer { TestSupport.remove(path) }
        try ParquetWriter.write(table, to: path)
        return try ParquetReader.load(path: path).0
    }

    @Test func everyTypeComesBackExactly() throws {
        let table = Self.sample()
        let back = try roundTrip(table)
        #expect(back.names == table.names)
        #expect(back.columns.map(\.type) == table.columns.map(\.type))
        for name in table.names {
            #expect(TestSupport.values(back, name) == TestSupport.values(table, name), "\(name)")
        }
    }

    @Test func emptyAndAllNullResults() throws {
        let empty = Table(names: ["a", "b"], columns: [ColumnFactory.ints([]), ColumnFactory.text([])], rowCount: 0)
        let back = try roundTrip(empty)
        #expect(back.rowCount == 0)
        #expect(back.columns.map(\.type) == [.int, .text])
        let nulls = Table(names: ["t"], columns: [ColumnFactory.text([nil, nil])], rowCount: 2)
        #expect(TestSupport.values(try roundTrip(nulls), "t") == [.null, .null])
    }

    /// A filtered result keeps its source's dictionary; the file holds only the strings used.
    @Test func onlyUsedStringsAreWritten() throws {
        let strings = (0..<1000).map { "value-\($0)" }
        let column = ColumnFactory.text(strings)
        let table = Table(names: ["s"], columns: [column.gather([7, 7, 999])], rowCount: 3)
        let path = try TestSupport.file("", name: "few.parquet")
        defer { TestSupport.remove(path) }
        try ParquetWriter.write(table, to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size < 1000)
        let back = try ParquetReader.load(path: path).0
        #expect(TestSupport.values(back, "s") == [.text("value-7"), .text("value-7"), .text("value-999")])
        #expect(back.column(named: "s")?.dictionary?.count == 2)
    }

    @Test func exportStatementWritesParquet() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("in.csv").path
        try "source,visits\nads,3\nseo,5\nads,4\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out.parquet").path
        _ = try TestSupport.run("load \"\(csv)\" as t\nfrom t | group source | agg v = sum(visits) | sort source\nexport \"\(out)\"")
        let back = try ParquetReader.load(path: out).0
        #expect(back.names == ["source", "v"])
        #expect(TestSupport.values(back, "source") == [.text("ads"), .text("seo")])
        #expect(TestSupport.values(back, "v") == [.int(7), .int(5)])
    }

    static var pythonReaders: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import pyarrow, duckdb"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// pyarrow and DuckDB read the same values and types (skipped when they are not installed).
    @Test(.enabled(if: pythonReaders)) func pyarrowAndDuckDBReadTheExport() throws {
        let path = try TestSupport.file("", name: "check.parquet")
        defer { TestSupport.remove(path) }
        try ParquetWriter.write(Self.sample(), to: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestSupport.packageRoot.appendingPathComponent("tools/parquet_check.py").path, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let seen = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let arrow = try #require(seen["pyarrow"]), duck = try #require(seen["duckdb"])
        #expect(arrow["types"] as? [String: String] == ["n": "int64", "x": "double", "ok": "bool", "day": "date32[day]",
                                                         "at": "timestamp[us]", "label": "string"])
        #expect(duck["types"] as? [String: String] == ["n": "BIGINT", "x": "DOUBLE", "ok": "BOOLEAN", "day": "DATE",
                                                        "at": "TIMESTAMP", "label": "VARCHAR"])
        let expected: [[String]] = [
            ["1", "0.1", "true", "2024-01-31", "2024-01-31T12:30:15.123456", "été"],
            ["null", "-2.5", "false", "1969-12-31", "null", "null"],
            ["-9223372036854775808", "null", "null", "1970-01-01", "1969-12-31T23:59:59.999999", "a"],
            ["9223372036854775807", "1e+300", "true", "null", "1970-01-01T00:00:00", "été"],
        ]
        func strings(_ rows: Any?) -> [[String]] { rows as? [[String]] ?? [] }
        #expect(strings(arrow["rows"]) == expected)
        #expect(strings(duck["rows"]) == expected)
    }
}
