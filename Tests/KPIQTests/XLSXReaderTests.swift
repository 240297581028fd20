import Foundation
import Testing
@testable import KPIQ

/// XLSX workbooks written by openpyxl and LibreOffice (tools/fixtures/make_xlsx_json_fixtures.py):
/// exact values and types, the header row, merged header cells, both date systems, and
/// damaged files giving an error that names the sheet and cell.
@Suite struct XLSXReaderTests {
    static func fixture(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/KPIQTests/Fixtures/xlsx/\(name)").path
    }

    static func load(_ name: String, sheet: String? = nil, header: Int = 1, options: CSVOptions = CSVOptions()) throws -> (Table, LoadReport) {
        try XLSXReader.load(path: fixture(name), sheet: sheet, headerRow: header, options: options)
    }

    /// `name:type` of every column.
    static func schema(_ table: Table) -> [String] {
        zip(table.names, table.columns).map { "\($0):\($1.type.name)" }
    }

    static func values(_ table: Table, _ name: String) -> [String] {
        TestSupport.values(table, name).map(\.description)
    }

    static func error(_ body: () throws -> Any) -> LoadError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? LoadError
        }
    }

    @Test func openpyxlDealsWithHeaderOnRowThree() throws {
        let (table, report) = try Self.load("openpyxl_deals.xlsx", sheet: "Deals", header: 3)
        #expect(Self.schema(table) == ["deal:text", "amount:decimal", "closed:date", "won:bool", "created:timestamp",
                                       "zip:int", "note:text", "duration:text", "bad:text", "total:text"])
        #expect(table.rowCount == 4)
        #expect(Self.values(table, "deal") == ["Acme", "Globex", "Initech", "Umbrella"])
        #expect(Self.values(table, "amount") == ["1200", "99.5", "-3", "null"])
        #expect(Self.values(table, "closed") == ["2024-01-31", "2024-02-29", "1999-12-31", "null"])
        #expect(Self.values(table, "won") == ["true", "false", "true", "null"])
        #expect(Self.values(table, "created") == ["2024-01-02T09:30:00", "2024-02-03T17:45:15", "2023-12-31T23:59:59", "null"])
        // Numbers stored as text infer as CSV infers them.
        #expect(Self.values(table, "zip") == ["1234", "98000", "75001", "null"])
        // An empty string is null, as in CSV.
        #expect(Self.values(table, "note") == ["first", "null", "null", "last"])
        #expect(Self.values(table, "duration") == ["01:30:00", "00:15:00", "12:00:00", "null"])
        // `#N/A` and a formula openpyxl never computed: null, each with a warning.
        #expect(Self.values(table, "bad") == ["null", "null", "null", "null"])
        #expect(table.columns[8].isUntyped)
        #expect(report.warnings == [
            "sheet Deals: 1 cell with an error value read as null, the first I4 (#N/A)",
            "sheet Deals: 1 formula cell without a saved result read as null, the first J4; the program that wrote the file did not compute formulas: open and save it in Excel or LibreOffice",
        ])
    }

    @Test func theFirstSheetByDefault() throws {
        let (table, _) = try Self.load("openpyxl_deals.xlsx")
        #expect(Self.schema(table) == ["note:text", "value:text"])
        #expect(Self.values(table, "value") == ["openpyxl"])
    }

    @Test func anUnknownSheetListsTheSheets() {
        let error = Self.error { try Self.load("openpyxl_deals.xlsx", sheet: "Dels") }
        #expect(error?.message == "the workbook has no sheet \"Dels\"")
        #expect(error?.hint == "did you mean \"Deals\"? sheets: \"Notes\", \"Deals\"")
    }

    @Test func aForcedTypeNamesTheCell() {
        var options = CSVOptions()
        options.types = ["amount": .int]
        let error = Self.error { try Self.load("openpyxl_deals.xlsx", sheet: "Deals", header: 3, options: options) }
        #expect(error?.place == "sheet Deals, cell B5")
        #expect(error?.field == "amount")
        #expect(error?.message == "`99.5` is not a valid int")
        #expect(error?.description.hasPrefix(Self.fixture("openpyxl_deals.xlsx") + ", sheet Deals, cell B5: ") == true)
    }

    /// `region` is merged over A1:A2 and `revenue` over B1:C1: with the header on row 2,
    /// column A takes the merged text; on row 1, both revenue columns do.
    @Test func mergedHeaderCells() throws {
        let (second, _) = try Self.load("openpyxl_merged_header.xlsx", header: 2)
        #expect(Self.schema(second) == ["region:text", "q1:int", "q2:decimal"])
        #expect(Self.values(second, "q2") == ["20", "40.25"])
        let (first, report) = try Self.load("openpyxl_merged_header.xlsx", header: 1)
        #expect(first.names == ["region", "revenue", "revenue_2"])
        #expect(report.warnings == ["column name `revenue` appears more than once; column 3 is named `revenue_2`"])
    }

    @Test func noHeader() throws {
        let (table, _) = try Self.load("openpyxl_merged_header.xlsx", header: 0)
        #expect(table.names == ["col1", "col2", "col3"])
        #expect(table.rowCount == 4)
    }

    @Test func the1904DateSystem() throws {
        let (table, _) = try Self.load("openpyxl_1904.xlsx")
        #expect(Self.schema(table) == ["day:date", "at:timestamp"])
        #expect(Self.values(table, "day") == ["2024-03-01", "1904-01-02"])
        #expect(Self.values(table, "at") == ["2024-03-01T06:00:00", "1904-01-01T12:00:00"])
    }

    /// A CSV converted by LibreOffice: dates as numbers with a date style, TRUE/FALSE as
    /// strings, `0042` as the number 42, an empty cell as null.
    @Test func libreOfficeFromCSV() throws {
        let (table, _) = try Self.load("libreoffice_orders.xlsx")
        #expect(Self.schema(table) == ["order_id:int", "day:date", "amount:decimal", "paid:bool", "channel:text", "code:int"])
        #expect(Self.values(table, "day") == ["2024-01-05", "2024-01-06", "null", "2024-02-29"])
        #expect(Self.values(table, "amount") == ["19.99", "5", "1234.5", "0.001"])
        #expect(Self.values(table, "paid") == ["true", "false", "true", "false"])
        #expect(Self.values(table, "channel") == ["email", "search", "null", "social"])
        #expect(Self.values(table, "code") == ["42", "null", "7", "1234"])
    }

    /// Formulas saved by LibreOffice carry their results. LibreOffice counts days before
    /// 1900-03-01 from 1899-12-30 without Excel's 29 February 1900, so its 1900-01-01 (serial
    /// 2) reads, as Excel reads it, as 1900-01-02.
    @Test func libreOfficeFormulaResults() throws {
        let (table, report) = try Self.load("libreoffice_formulas.xlsx")
        #expect(Self.schema(table) == ["a:int", "b:decimal", "sum:decimal", "label:text", "day:date"])
        #expect(Self.values(table, "sum") == ["3", "-1.5"])
        #expect(Self.values(table, "label") == ["pos", "neg"])
        #expect(Self.values(table, "day") == ["2024-05-17", "1900-01-02"])
        #expect(report.warnings.isEmpty)
    }

    /// Inline strings, rows and cells without references, a sparse row, rich text, entities,
    /// `_x000D_`, a namespace prefix and a sheet part named by an absolute target.
    @Test func handBuiltInlineStrings() throws {
        let (table, _) = try Self.load("handmade_inline.xlsx", sheet: "Raw & odd")
        #expect(Self.schema(table) == ["name:text", "count:decimal"])
        #expect(Self.values(table, "name") == ["Bold part", "null", "café <3", "line\rend"])
        #expect(Self.values(table, "count") == ["7", "8", "null", "1000"])
    }

    @Test func damagedFiles() {
        let truncated = Self.error { try Self.load("bad_truncated.xlsx") }
        #expect(truncated?.message == "the XLSX file is damaged: its ZIP directory cannot be read")
        let xml = Self.error { try Self.load("bad_xml.xlsx") }
        #expect(xml?.place == "sheet Raw & odd, after cell B5")
        #expect(xml?.message == "malformed XML: an end tag without `>`")
    }

    @Test func notAWorkbook() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-not-a-workbook.xlsx").path
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = Self.error { try XLSXReader.load(path: path) }
        #expect(error?.message == "not an XLSX workbook (it is not a ZIP archive)")
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        #expect(Self.error { try XLSXReader.load(path: path) }?.message.hasPrefix("this is an old-style .xls workbook") == true)
    }
}

/// The pieces: date serials, number formats, cell references, the XML tokenizer.
@Suite struct XLSXPartsTests {
    @Test func serialsIn1900() throws {
        #expect(try XLSXSerialDate.text(1, format: .date, date1904: false) == "1900-01-01")
        #expect(try XLSXSerialDate.text(59, format: .date, date1904: false) == "1900-02-28")
        #expect(throws: XLSXSerialDate.Problem.leapDay1900) { try XLSXSerialDate.text(60, format: .date, date1904: false) }
        #expect(try XLSXSerialDate.text(61, format: .date, date1904: false) == "1900-03-01")
        #expect(try XLSXSerialDate.text(45322, format: .date, date1904: false) == "2024-01-31")
        #expect(try XLSXSerialDate.text(45322.75, format: .dateTime, date1904: false) == "2024-01-31 18:00:00")
        // A date format on a serial with a time keeps the time.
        #expect(try XLSXSerialDate.text(45322.5, format: .date, date1904: false) == "2024-01-31 12:00:00")
        #expect(try XLSXSerialDate.text(45322.000011574, format: .dateTime, date1904: false) == "2024-01-31 00:00:01")
        #expect(try XLSXSerialDate.text(0.5 + 1.0 / 86_400_000 * 250, format: .time, date1904: false) == "12:00:00.250")
        #expect(try XLSXSerialDate.text(1.25, format: .time, date1904: false) == "30:00:00")
        #expect(throws: XLSXSerialDate.Problem.outOfRange) { try XLSXSerialDate.text(3_000_001, format: .date, date1904: false) }
    }

    @Test func serialsIn1904() throws {
        #expect(try XLSXSerialDate.text(0, format: .date, date1904: true) == "1904-01-01")
        #expect(try XLSXSerialDate.text(43890, format: .date, date1904: true) == "2024-03-01")
    }

    @Test func numberFormats() {
        #expect(XLSXNumberFormat(builtinID: 0) == .number)
        #expect(XLSXNumberFormat(builtinID: 14) == .date)
        #expect(XLSXNumberFormat(builtinID: 22) == .dateTime)
        #expect(XLSXNumberFormat(builtinID: 20) == .time)
        #expect(XLSXNumberFormat(builtinID: 10) == .number)
        #expect(XLSXNumberFormat(code: "yyyy-mm-dd") == .date)
        #expect(XLSXNumberFormat(code: "dd/mm/yyyy hh:mm:ss") == .dateTime)
        #expect(XLSXNumberFormat(code: "[h]:mm:ss") == .time)
        #expect(XLSXNumberFormat(code: "h:mm AM/PM") == .time)
        #expect(XLSXNumberFormat(code: "mmm") == .date)
        #expect(XLSXNumberFormat(code: "0.00%") == .number)
        #expect(XLSXNumberFormat(code: "#,##0.00 \"days\"") == .number)
        #expect(XLSXNumberFormat(code: "[$€-40C] #,##0.00;[Red]-#,##0.00") == .number)
        #expect(XLSXNumberFormat(code: "[Red]0.00\\ \\h") == .number)
        #expect(XLSXNumberFormat(code: "General") == .number)
        #expect(XLSXNumberFormat(code: "[$-F800]dddd, mmmm dd, yyyy") == .date)
    }

    @Test func cellReferences() {
        func parse(_ text: String) -> XLSXCellReference? {
            Array(text.utf8).withUnsafeBufferPointer { XLSXCellReference($0.baseAddress!, 0..<$0.count) }
        }
        #expect(parse("C17") == XLSXCellReference(column: 3, row: 17))
        #expect(parse("$AA$1") == XLSXCellReference(column: 27, row: 1))
        #expect(parse("XFD1048576") == XLSXCellReference(column: 16_384, row: 1_048_576))
        #expect(parse("XFE1") == nil)
        #expect(parse("A0") == nil)
        #expect(parse("A1048577") == nil)
        #expect(parse("17") == nil)
        #expect(XLSXCellReference.letters(28) == "AB")
        #expect(XLSXCellReference.letters(16_384) == "XFD")
    }

    @Test func xmlTokenizer() throws {
        let text = "<?xml version=\"1.0\"?><!-- c --><a x:k='v&amp;w' n=\"3\"><b/>t&lt;<![CDATA[<raw>]]></a>"
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { buffer in
            var xml = XMLPullTokenizer(base: buffer.baseAddress!, count: buffer.count)
            #expect(try xml.next() == .start)
            #expect(xml.nameIs("a"))
            #expect(try xml.attribute("k") == "v&w")
            #expect(xml.integerAttribute("n") == 3)
            #expect(try xml.next() == .start && xml.nameIs("b"))
            #expect(try xml.next() == .end)
            #expect(try xml.next() == .text)
            var out: [UInt8] = []
            try xml.appendText(into: &out)
            #expect(try xml.next() == .text)
            try xml.appendText(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "t<<raw>")
            #expect(try xml.next() == .end && xml.nameIs("a"))
            #expect(try xml.next() == .done)
        }
        for bad in ["<a", "<a></a", "<!-- x", "<a>&bogus;</a>", "<a>&#0;</a>", "<![CDATA[x"] {
            let bytes = Array(bad.utf8)
            #expect(throws: XMLPullTokenizer.SyntaxError.self, "\(bad)") {
                try bytes.withUnsafeBufferPointer { buffer in
                    var xml = XMLPullTokenizer(base: buffer.baseAddress!, count: buffer.count)
                    var out: [UInt8] = []
                    while true {
                        let event = try xml.next()
                        if event == .done { break }
                        if event == .text { try xml.appendText(into: &out) }
                    }
                }
            }
        }
    }
}
