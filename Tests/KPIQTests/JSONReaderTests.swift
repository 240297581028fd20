import Foundation
import Testing
@testable import KPIQ

/// JSON lines and arrays of objects written by DuckDB and Python (tools/fixtures/
/// make_xlsx_json_fixtures.py), and bad JSON giving an error at its line and column.
@Suite struct JSONReaderTests {
    static func fixture(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/KPIQTests/Fixtures/json/\(name)").path
    }

    static func schema(_ table: Table) -> [String] {
        zip(table.names, table.columns).map { "\($0):\($1.type.name)" }
    }

    static func values(_ table: Table, _ name: String) -> [String] {
        TestSupport.values(table, name).map(\.description)
    }

    /// Loads `text` from a temporary file.
    static func load(_ text: String, options: CSVOptions = CSVOptions()) throws -> Table {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-json-\(UUID().uuidString).jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try JSONReader.load(path: path, options: options).table
    }

    static func error(_ text: String, options: CSVOptions = CSVOptions()) -> LoadError? {
        do {
            _ = try load(text, options: options)
            return nil
        } catch {
            return error as? LoadError
        }
    }

    @Test func duckDBLinesAndArray() throws {
        for name in ["duckdb_events.jsonl", "duckdb_events_array.json"] {
            let table = try JSONReader.load(path: Self.fixture(name)).table
            #expect(Self.schema(table) == ["id:int", "kind:text", "ts:timestamp", "amount:decimal", "paid:bool", "country:text"], "\(name)")
            #expect(Self.values(table, "ts") == ["2024-01-05T10:00:00", "2024-01-06T11:30:15", "2024-01-07T00:00:00"])
            #expect(Self.values(table, "amount") == ["19.5", "null", "7"])
            #expect(Self.values(table, "paid") == ["true", "false", "true"])
            #expect(Self.values(table, "country") == ["fr", "null", "de"])
        }
    }

    /// Nested objects flatten to `a.b`, arrays stay JSON text (without the file's spacing),
    /// keys missing from a row are null, escapes decode, and `"user": null` beside objects
    /// makes no column of its own.
    @Test func pythonNested() throws {
        let table = try JSONReader.load(path: Self.fixture("python_nested.jsonl")).table
        #expect(Self.schema(table) == ["id:int", "user.name:text", "user.geo.country:text", "tags:text", "score:text",
                                       "day:date", "extra:text", "note:text"])
        #expect(Self.values(table, "user.geo.country") == ["FR", "null", "null", "DE"])
        #expect(Self.values(table, "tags") == ["[\"a\",\"b\"]", "[]", "null", "[{\"k\":1}]"])
        // Numbers beside a string that is not a number: text, as in CSV.
        #expect(Self.values(table, "score") == ["1.5", "2", "null", "n/a"])
        #expect(Self.values(table, "day") == ["2024-03-01", "2024-03-02", "null", "2024-03-04"])
        #expect(Self.values(table, "extra") == ["null", "only here", "null", "null"])
        #expect(Self.values(table, "note") == ["null", "null", "café \"quoted\"\n😀", "null"])
        let array = try JSONReader.load(path: Self.fixture("python_array.json")).table
        #expect(Self.values(array, "tags") == ["[\"a\",\"b\"]", "[]"])
        #expect(Self.schema(array) == ["id:int", "user.name:text", "user.geo.country:text", "tags:text", "score:decimal", "day:date", "extra:text"])
    }

    @Test func inferenceAndNullsAsInCSV() throws {
        let table = try Self.load("""
            {"a": "12", "b": 1, "c": "", "d": "2024-01-01T10:00:00Z", "e": 20240131, "f": 1e3}
            {"a": "13", "b": 2.5, "c": null, "d": "2024-01-02", "e": 20240201, "f": -0.5}

            {"a": "x", "b": 3, "d": null, "e": null, "f": 0}
            """)
        #expect(Self.schema(table) == ["a:text", "b:decimal", "c:text", "d:timestamp", "e:date", "f:decimal"])
        // No value at all: an open type, as for an empty CSV column.
        #expect(table.column(named: "c")?.isUntyped == true)
        #expect(Self.values(table, "d") == ["2024-01-01T10:00:00", "2024-01-02T00:00:00", "null"])
        #expect(Self.values(table, "e") == ["2024-01-31", "2024-02-01", "null"])
        #expect(table.rowCount == 3)
        var options = CSVOptions()
        options.nullMarkers = ["", "x"]
        options.types = ["b": .text]
        let forced = try Self.load("{\"a\": \"x\", \"b\": 1}\n{\"a\": \"1\", \"b\": 2}", options: options)
        #expect(Self.schema(forced) == ["a:int", "b:text"])
    }

    @Test func duplicateKeysKeepTheLast() throws {
        let table = try Self.load(#"{"a": 1, "a": 2}"# + "\n" + #"{"a": 3}"#)
        #expect(Self.values(table, "a") == ["2", "3"])
    }

    @Test func emptyArrayAndEmptyObjects() throws {
        let table = try Self.load("[{}, {\"a\": 1}, {}]")
        #expect(table.rowCount == 3)
        #expect(Self.values(table, "a") == ["null", "1", "null"])
        let none = try Self.load("[]")
        #expect(none.rowCount == 0 && none.columnCount == 0)
    }

    @Test func errorsHaveLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("{\"a\": 1}\n{\"a\": 2,}", 2, 9, "expected a key in double quotes, found `}`"),
            ("{\"a\": 1}\n{\"a\" 2}", 2, 6, "expected `:` after the key, found `2}`"),
            ("{\"a\": tru}", 1, 7, "expected a value, found `tru}`"),
            ("{\"a\": 01}", 1, 7, "a number cannot start with 0 followed by digits"),
            ("{\"a\": \"x\\q\"}", 1, 9, "unknown escape `\\q` in a string"),
            ("{\"a\": \"\\ud800\"}", 1, 8, "a lone surrogate `\\uD800` in a string"),
            ("{\"a\": \"open}", 1, 7, "this string never ends (no closing `\"`)"),
            ("{\"a\": 1", 1, 1, "this object never ends"),
            ("[1, 2]", 1, 2, "expected an object (`{`), found `1, 2]`"),
            ("[{\"a\": 1}] x", 1, 12, "unexpected `x` after the array's closing `]`"),
            ("{\"a\": [1, 2}", 1, 12, "expected `,` or `]` in an array, found `}`"),
            // An object inside an array is checked as the row's own objects are.
            ("{\"a\": [{\"b\" 1}]}", 1, 13, "expected `:` after the key, found `1}]}`"),
            ("{\"a\": [{\"b\": 1,}]}", 1, 16, "expected a key in double quotes, found `}]}`"),
            ("{\"a\": [{\"b\": 1]}", 1, 15, "expected `,` or `}` in an object, found `]}`"),
            ("\"text\"", 1, 1, "expected an object (`{`), found `\"text\"`"),
            ("", 1, 1, "the file is empty"),
            ("{\"a\": \"x\ty\"}", 1, 9, "a control character (byte 9) inside a string"),
        ]
        for (text, line, column, message) in cases {
            let error = Self.error(text)
            #expect(error?.message == message, "\(text)")
            #expect(error?.line == line && error?.column == column, "\(text): \(String(describing: error))")
        }
        let deep = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(Self.error(deep)?.message == "objects nest more than 64 deep")
        let deepArray = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(Self.error(deepArray)?.message == "arrays nest more than 64 deep")
    }

    @Test func aForcedTypeNamesTheRowsLine() {
        var options = CSVOptions()
        options.types = ["b": .int]
        let error = Self.error("{\"b\": 1}\n{\"b\": 2}\n  {\"b\": \"x\"}", options: options)
        #expect(error?.line == 3 && error?.column == 3)
        #expect(error?.field == "b")
        #expect(error?.message == "`x` is not a valid int")
    }

    @Test func invalidUTF8() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-json-utf8.jsonl").path
        try? Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try JSONReader.load(path: path)
            Issue.record("loaded invalid UTF-8")
        } catch {
            #expect((error as? LoadError)?.message == "invalid UTF-8 in text")
        }
    }
}
