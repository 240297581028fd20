import Foundation
import Testing
@testable import KPIQ

/// Parquet files written by pyarrow and DuckDB (Tests/KPIQTests/Fixtures/parquet, made by
/// tools/fixtures/parquet.py, whose docstring lists the values) load with exact values and
/// types, whatever the codec, page version and encoding; bad files are errors with a place.
@Suite struct ParquetReaderTests {
    static func fixture(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/KPIQTests/Fixtures/parquet/\(name).parquet").path
    }

    static func load(_ name: String) throws -> Table { try ParquetReader.load(path: fixture(name)).0 }

    func texts(_ table: Table, _ name: String) -> [String] { TestSupport.values(table, name).map(\.description) }

    /// The five rows of `types_table()` in the generator, as kpiq reads them.
    static let expectedTypes: [(String, DataType, [String])] = [
        ("i64", .int, ["1", "-2", "null", "9007199254740993", "-9223372036854775808"]),
        ("i8", .int, ["-128", "127", "0", "null", "5"]),
        ("i16", .int, ["-32768", "32767", "0", "7", "null"]),
        ("i32", .int, ["-2147483648", "2147483647", "null", "0", "1"]),
        ("u8", .int, ["0", "255", "1", "null", "2"]),
        ("u16", .int, ["0", "65535", "null", "3", "4"]),
        ("u32", .int, ["0", "4294967295", "5", "6", "null"]),
        ("u64", .int, ["0", "9223372036854775807", "null", "8", "9"]),
        ("f32", .decimal, ["0.1", "-2.5", "null", "3.25", "10000000000"]),
        ("f64", .decimal, ["0.1", "-2.5", "1e-300", "null", "123456.789"]),
        ("flag", .bool, ["true", "false", "null", "true", "true"]),
        ("name", .text, ["alpha", "", "null", "été ☕", "alpha"]),
        ("day", .date, ["2024-01-31", "1969-12-31", "null", "2000-02-29", "1970-01-01"]),
        ("ts_ms", .timestamp, ["2024-01-31T12:30:15.123", "null", "1969-12-31T23:59:59", "2000-01-01T00:00:00", "2024-06-01T00:00:00"]),
        ("ts_us", .timestamp, ["2024-01-31T12:30:15.123456", "1900-01-01T00:00:00", "null", "2000-01-01T00:00:00", "2024-06-01T00:00:00"]),
        ("ts_ns", .timestamp, ["2024-01-31T12:30:15.123456", "1969-12-31T23:59:59.999999", "null", "1970-01-01T00:00:00", "1970-01-01T00:00:00.000001"]),
        ("ts_utc", .timestamp, ["2024-01-31T12:30:00", "null", "2000-01-01T00:00:00", "2024-06-01T00:00:00", "1999-12-31T23:00:00"]),
        ("dec", .decimal, ["1234.56", "-0.01", "null", "0", "99999999.99"]),
        ("big_dec", .decimal, ["1.2345678901234567e+19", "-1.5", "null", "0", "7"]),
        ("raw", .text, ["\u{0}\u{1}", "abc", "null", "", "\u{FFFD}"]),
        ("uid", .text, ["12345678123456789abcdef012345678", "null", "00000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "00000000000000000000000000000001"]),
        ("req", .int, ["10", "20", "30", "40", "50"]),
    ]

    @Test(arguments: ["types_none", "types_snappy", "types_gzip", "types_zstd", "types_v2", "types_plain", "types_format1"])
    func everyFlatTypeLoadsExactly(_ name: String) throws {
        let table = try Self.load(name)
        #expect(table.rowCount == 5)
        for (column, type, values) in Self.expectedTypes {
            // Format 1.0 files cannot hold nanoseconds; the generator leaves that column out.
            if name == "types_format1" && column == "ts_ns" { continue }
            let loaded = try #require(table.column(named: column), "\(name): \(column)")
            #expect(loaded.type == type, "\(name): \(column)")
            #expect(texts(table, column) == values, "\(name): \(column)")
        }
        #expect(table.column(named: "req")?.validity == nil)
    }

    @Test func int96TimestampsLoadAsTimestamps() throws {
        let table = try Self.load("types_int96")
        #expect(table.columns.map(\.type) == [.timestamp, .timestamp])
        #expect(texts(table, "ts_us") == Self.expectedTypes.first { $0.0 == "ts_us" }!.2)
        #expect(texts(table, "ts_ns") == Self.expectedTypes.first { $0.0 == "ts_ns" }!.2)
    }

    /// 3000 rows in several row groups and pages: dictionary, plain, DELTA_BINARY_PACKED,
    /// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT, pages v1 and v2.
    @Test(arguments: ["many_dictionary", "many_plain_v2", "many_delta", "many_delta_v2",
                      "duckdb_uncompressed", "duckdb_snappy", "duckdb_gzip", "duckdb_zstd"])
    func manyRowsInManyPagesAndRowGroups(_ name: String) throws {
        let table = try Self.load(name)
        #expect(table.rowCount == 3000)
        #expect(table.column(named: "i")?.type == .int)
        #expect(table.column(named: "triple")?.type == .int)
        #expect(table.column(named: "label")?.type == .text)
        #expect(table.column(named: "quarter")?.type == .decimal)
        #expect(table.column(named: "third")?.type == .bool)
        let i = TestSupport.values(table, "i"), triple = TestSupport.values(table, "triple")
        let label = TestSupport.values(table, "label"), quarter = TestSupport.values(table, "quarter")
        let third = TestSupport.values(table, "third")
        for row in 0..<3000 {
            #expect(i[row] == .int(Int64(row)))
            #expect(triple[row] == .int(Int64(row * 3)))
            #expect(label[row] == (row % 5 == 0 ? .null : .text("s\(row % 7)")), "\(name) row \(row)")
            #expect(quarter[row] == .decimal(Double(row) / 4))
            #expect(third[row] == .bool(row % 3 == 0))
        }
        // Row groups' dictionaries are merged: one code per distinct string.
        #expect(table.column(named: "label")?.dictionary?.count == 7)
    }

    @Test(arguments: ["duckdb_uncompressed", "duckdb_zstd"])
    func duckdbTemporalAndDecimalTypes(_ name: String) throws {
        let table = try Self.load(name)
        #expect(table.column(named: "day")?.type == .date)
        #expect(table.column(named: "ts")?.type == .timestamp)
        #expect(table.column(named: "tstz")?.type == .timestamp)
        #expect(table.column(named: "small_dec")?.type == .decimal)
        #expect(table.column(named: "wide_dec")?.type == .decimal)
        #expect(table.column(named: "tiny")?.type == .int)
        let row = table.row(2999).map(\.description)
        #expect(row == ["2999", "8997", "s3", "749.75", "false", "2024-03-12", "2024-01-03T02:48:59", "2024-01-01T00:49:59", "29.99", "2999000.125", "199"])
    }

    @Test func nestedColumnsAreRefusedByName() throws {
        for (name, column, kind) in [("nested_list", "tags", "a list"), ("nested_struct", "point", "a group of 2 fields")] {
            let error = try #require(throws: LoadError.self) { try Self.load(name) }
            #expect(error.message == "column `\(column)` is nested (\(kind)); kpiq reads flat Parquet files")
            #expect(error.field == column)
        }
    }

    @Test func aTruncatedFileIsNotParquet() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("types_snappy"))))
        let path = try TestSupport.file(bytes: Array(bytes.prefix(bytes.count / 2)), name: "cut.parquet")
        defer { TestSupport.remove(path) }
        let error = try #require(throws: LoadError.self) { try ParquetReader.load(path: path) }
        #expect(error.message.hasPrefix("not a Parquet file"))
    }

    /// A damaged page names its row group, column and byte offset.
    @Test func aCorruptPageNamesItsPlace() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("many_dictionary"))))
        bytes[400] ^= 0xFF
        bytes[401] ^= 0x55
        let path = try TestSupport.file(bytes: bytes, name: "bad.parquet")
        defer { TestSupport.remove(path) }
        let error = try #require(throws: LoadError.self) { try ParquetReader.load(path: path) }
        #expect(error.message.hasPrefix("row group 1, column `i`, byte "), "\(error.message)")
    }

    /// Every single-byte change and every cut of a small file loads or fails with an error;
    /// none crashes (the fuzz target `ParquetFuzz` does this at random and at length).
    @Test func damagedFilesNeverCrash() throws {
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("types_int96"))))
        let path = try TestSupport.file(bytes: original, name: "damaged.parquet")
        defer { TestSupport.remove(path) }
        var failures = 0
        for position in 0..<original.count {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = original
                bytes[position] ^= flip
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                do { _ = try ParquetReader.load(path: path) } catch is LoadError { failures += 1 }
            }
        }
        #expect(failures > 0)
    }

    @Test func csvOptionsAreRefusedForParquet() throws {
        let outcome = Session().run(SourceText(name: "t", text: "load \"\(Self.fixture("types_none"))\" as t with (header false)"))
        #expect(outcome.error?.message == "`header` is a CSV option; a Parquet file carries its own column types and names")
    }

    @Test func loadStatementReadsParquet() throws {
        let table = try #require(try TestSupport.run("load \"\(Self.fixture("many_dictionary"))\" as m\nfrom m | where label == \"s3\" | agg n = count()"))
        #expect(TestSupport.values(table, "n") == [.int(343)])
    }
}
