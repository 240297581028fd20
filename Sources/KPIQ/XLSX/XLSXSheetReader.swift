#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one worksheet's XML (`<sheetData>` rows of `<c>` cells) in one pass into text cells
/// per column (`TextCells`), as a CSV export of the sheet would hold them:
/// - shared and inline strings as their text, booleans as `true`/`false`;
/// - numbers as written (`1234.5`), or, under a date or time format, as a date, timestamp
///   or time of day (`XLSXSerialDate`);
/// - empty and missing cells as null; error values (`#N/A`) as null, counted for a warning;
///   formulas by their saved result.
/// Rows above the header row are skipped (titles), and so are rows without any value. The
/// header's names come from its row, and a header cell inside a merged range takes the
/// range's text (merged header cells), which is why the names are settled after the
/// sheet's last part (`<mergeCells>` comes after the data).
struct XLSXSheetReader {
    let sheetName: String
    let workbook: XLSXWorkbook
    /// 1-based row of the header; 0 for none (columns are `col1`, `col2`, ...).
    let headerRow: Int

    struct Result {
        var names: [String]
        var columns: [TextCells]
        var rowCount: Int
        /// The sheet row of each loaded row, and the sheet column of each loaded column (for
        /// messages naming a cell).
        var sheetRows: [Int32]
        var sheetColumns: [Int]
        var warnings: [String]
    }

    /// A problem at a cell of the sheet.
    struct CellProblem: Error {
        var cell: String
        var message: String
        var hint: String?
    }

    func read(_ bytes: [UInt8], part: String) throws -> Result {
        var state = State(headerRow: headerRow)
        do {
            try XLSXWorkbook.parse(bytes, part: part) { xml in try scan(&xml, into: &state) }
        } catch let problem as XLSXProblem where state.lastCell != nil {
            // Name the place by the last cell read, which a person can find.
            throw CellProblem(cell: "after cell \(state.lastCell!.name)", message: problem.message)
        }
        return try finish(state)
    }

    private struct State {
        let headerRow: Int
        /// Loaded cells by sheet column (index 0 unused).
        var columns: [TextCells?] = [nil]
        /// Texts of the header row and the rows above it, by row then column: merged header
        /// cells take their text from the range's first cell.
        var upperRows: [Int: [Int: String]] = [:]
        var merges: [(XLSXCellReference, XLSXCellReference)] = []
        var dataRows = 0
        var sheetRows: [Int32] = []
        var lastCell: XLSXCellReference?
        var errorCells = 0
        var firstErrorCell: String?
        var formulasWithoutValue = 0
        var firstFormulaWithoutValue: String?
        var sheetHasRows = false
        var lastRowNumber = 0

        init(headerRow: Int) { self.headerRow = headerRow }

        mutating func cells(_ column: Int) -> TextCells {
            while columns.count <= column { columns.append(nil) }
            if let existing = columns[column] { return existing }
            let created = TextCells()
            columns[column] = created
            return created
        }
    }

    /// What kind of value a `<c>` holds, from its `t` attribute.
    private enum CellType { case number, shared, inline, formulaString, bool, error, isoDate }

    private func scan(_ xml: inout XMLPullTokenizer, into state: inout State) throws {
        var rowNumber = 0
        var rowHasValue = false
        var nextColumn = 1
        var inCell = false
        var cellType = CellType.number
        var cellStyle = 0
        var cell = XLSXCellReference(column: 1, row: 1)
        var hasFormula = false
        var hasValueElement = false
        var collecting = false
        var inInline = false
        var phoneticDepth = 0
        var value: [UInt8] = []
        value.reserveCapacity(64)

        while true {
            switch try xml.next() {
            case .start:
                if inCell {
                    if xml.nameIs("v") {
                        collecting = true
                        hasValueElement = true
                    } else if xml.nameIs("f") {
                        hasFormula = true
                    } else if xml.nameIs("is") {
                        inInline = true
                        hasValueElement = true
                    } else if xml.nameIs("rPh") {
                        phoneticDepth += 1
                    } else if inInline, phoneticDepth == 0, xml.nameIs("t") {
                        collecting = true
                    }
                } else if xml.nameIs("row") {
                    let given = xml.integerAttribute("r")
                    let number = given ?? rowNumber + 1
                    guard number > rowNumber, number <= XLSXCellReference.maxRow else {
                        throw CellProblem(cell: "row \(number)", message: "rows are out of order or beyond row \(XLSXCellReference.maxRow)")
                    }
                    rowNumber = number
                    rowHasValue = false
                    nextColumn = 1
                    state.sheetHasRows = true
                    state.lastRowNumber = rowNumber
                } else if xml.nameIs("c") {
                    if rowNumber == 0 {
                        // A cell outside any row: malformed, but its reference says where it goes.
                        rowNumber = 1
                    }
                    if let range = xml.attributeRange("r") {
                        guard let reference = XLSXCellReference(xml.base, range) else {
                            let text = String(decoding: UnsafeBufferPointer(start: xml.base + range.lowerBound, count: min(range.count, 20)), as: UTF8.self)
                            throw CellProblem(cell: "row \(rowNumber)", message: "`\(text)` is not a cell reference")
                        }
                        guard reference.row == rowNumber else {
                            throw CellProblem(cell: reference.name, message: "the cell is inside the element of row \(rowNumber)")
                        }
                        guard reference.column >= nextColumn else {
                            throw CellProblem(cell: reference.name, message: "cells of row \(rowNumber) are out of order or repeated")
                        }
                        cell = reference
                    } else {
                        guard nextColumn <= XLSXCellReference.maxColumn else {
                            throw CellProblem(cell: "row \(rowNumber)", message: "more than \(XLSXCellReference.maxColumn) columns")
                        }
                        cell = XLSXCellReference(column: nextColumn, row: rowNumber)
                    }
                    nextColumn = cell.column + 1
                    state.lastCell = cell
                    inCell = true
                    cellStyle = xml.integerAttribute("s") ?? 0
                    cellType = try Self.cellType(xml, cell: cell)
                    hasFormula = false
                    hasValueElement = false
                    collecting = false
                    inInline = false
                    phoneticDepth = 0
                    value.removeAll(keepingCapacity: true)
                } else if xml.nameIs("mergeCell") {
                    if let ref = try xml.attribute("ref"), let range = XLSXCellReference.range(ref) {
                        state.merges.append(range)
                    }
                }
            case .text:
                if collecting { try xml.appendText(into: &value) }
            case .end:
                if !inCell {
                    if xml.nameIs("row"), rowHasValue, rowNumber > headerRow {
                        state.dataRows += 1
                        state.sheetRows.append(Int32(rowNumber))
                    }
                    continue
                }
                if xml.nameIs("c") {
                    inCell = false
                    if try store(cellType, value, style: cellStyle, formula: hasFormula, hasValue: hasValueElement, at: cell, into: &state) {
                        rowHasValue = true
                    }
                } else if xml.nameIs("v") || xml.nameIs("t") {
                    collecting = false
                } else if xml.nameIs("is") {
                    inInline = false
                } else if xml.nameIs("rPh") {
                    phoneticDepth = max(0, phoneticDepth - 1)
                }
            case .done:
                return
            }
        }
    }

    private static func cellType(_ xml: XMLPullTokenizer, cell: XLSXCellReference) throws -> CellType {
        guard let range = xml.attributeRange("t") else { return .number }
        let text = String(decoding: UnsafeBufferPointer(start: xml.base + range.lowerBound, count: min(range.count, 20)), as: UTF8.self)
        switch text {
        case "n": return .number
        case "s": return .shared
        case "inlineStr": return .inline
        case "str": return .formulaString
        case "b": return .bool
        case "e": return .error
        case "d": return .isoDate
        default: throw CellProblem(cell: cell.name, message: "unknown cell type `\(text)`")
        }
    }

    /// Puts a finished cell's text where it belongs; true when it holds a value.
    private func store(
        _ type: CellType, _ value: [UInt8], style: Int, formula: Bool, hasValue: Bool, at cell: XLSXCellReference, into state: inout State
    ) throws -> Bool {
        var text: [UInt8]
        switch type {
        case .shared:
            guard let index = Self.integer(value), let string = workbook.sharedStrings.string(index) else {
                throw CellProblem(cell: cell.name, message: "shared string `\(String(decoding: value.prefix(20), as: UTF8.self))` is not in the workbook's table of \(workbook.sharedStrings.count)")
            }
            text = Array(string)
        case .inline, .formulaString:
            text = value
            XLSXSharedStrings.unescapeOOXML(&text, from: 0)
        case .bool:
            switch value {
            case [UInt8(ascii: "1")]: text = Array("true".utf8)
            case [UInt8(ascii: "0")]: text = Array("false".utf8)
            case []: text = []
            default: throw CellProblem(cell: cell.name, message: "a boolean cell holds `\(String(decoding: value.prefix(20), as: UTF8.self))`, not 0 or 1")
            }
        case .error:
            if !value.isEmpty, cell.row > headerRow {
                state.errorCells += 1
                if state.firstErrorCell == nil { state.firstErrorCell = "\(cell.name) (\(String(decoding: value.prefix(20), as: UTF8.self)))" }
            }
            text = []
        case .isoDate:
            text = value
        case .number:
            if !hasValue || value.isEmpty {
                if formula, cell.row > headerRow {
                    state.formulasWithoutValue += 1
                    if state.firstFormulaWithoutValue == nil { state.firstFormulaWithoutValue = cell.name }
                }
                text = []
            } else if style < workbook.styleFormats.count, workbook.styleFormats[style] != .number {
                guard let serial = Self.double(value) else {
                    throw CellProblem(cell: cell.name, message: "`\(String(decoding: value.prefix(30), as: UTF8.self))` is not a number")
                }
                do {
                    text = Array(try XLSXSerialDate.text(serial, format: workbook.styleFormats[style], date1904: workbook.date1904).utf8)
                } catch XLSXSerialDate.Problem.leapDay1900 {
                    throw CellProblem(cell: cell.name, message: "date serial 60 is 1900-02-29, a day that does not exist",
                                      hint: "Excel's 1900 date system counts a 29 February 1900 (a bug kept from Lotus 1-2-3); correct the date in the sheet")
                } catch {
                    throw CellProblem(cell: cell.name, message: "date serial `\(String(decoding: value.prefix(30), as: UTF8.self))` is outside 0001-01-01 to 9999-12-31")
                }
            } else {
                text = value
            }
        }
        if cell.row <= headerRow {
            if !text.isEmpty { state.upperRows[cell.row, default: [:]][cell.column] = String(decoding: text, as: UTF8.self) }
            return !text.isEmpty
        }
        guard !text.isEmpty else { return false }
        guard text.count < TextCells.maxCellBytes else { throw CellProblem(cell: cell.name, message: "the cell's text is too long") }
        let cells = state.cells(cell.column)
        cells.padNulls(to: state.dataRows)
        cells.append(text)
        return true
    }

    private func finish(_ state: State) throws -> Result {
        let headerTexts = state.upperRows[headerRow] ?? [:]
        let used = (1..<state.columns.count).filter { state.columns[$0] != nil } + headerTexts.keys
        guard let first = used.min(), let last = used.max() else {
            return Result(names: [], columns: [], rowCount: 0, sheetRows: [], sheetColumns: [], warnings: [])
        }
        var names: [String] = []
        var columns: [TextCells] = []
        for column in first...last {
            var name = headerTexts[column] ?? ""
            if name.isEmpty, headerRow > 0,
               let merge = state.merges.first(where: { $0.0.row <= headerRow && $0.1.row >= headerRow && $0.0.column <= column && $0.1.column >= column }) {
                name = state.upperRows[merge.0.row]?[merge.0.column] ?? ""
            }
            names.append(name)
            columns.append(column < state.columns.count ? state.columns[column] ?? TextCells() : TextCells())
        }
        // A cell outside a complete row (a malformed sheet) would put a column out of step.
        if let column = columns.firstIndex(where: { $0.count > state.dataRows }) {
            throw CellProblem(cell: "column \(XLSXCellReference.letters(first + column))", message: "a cell outside a complete `<row>` element")
        }
        var warnings: [String] = []
        if state.errorCells > 0, let cell = state.firstErrorCell {
            warnings.append("sheet \(sheetName): \(state.errorCells) cell\(state.errorCells == 1 ? "" : "s") with an error value read as null, the first \(cell)")
        }
        if state.formulasWithoutValue > 0, let cell = state.firstFormulaWithoutValue {
            warnings.append("sheet \(sheetName): \(state.formulasWithoutValue) formula cell\(state.formulasWithoutValue == 1 ? "" : "s") without a saved result read as null, the first \(cell); "
                            + "the program that wrote the file did not compute formulas: open and save it in Excel or LibreOffice")
        }
        return Result(names: names, columns: columns, rowCount: state.dataRows, sheetRows: state.sheetRows,
                      sheetColumns: Array(first...last), warnings: warnings)
    }

    private static func integer(_ bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var v = 0
        for c in bytes {
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    private static func double(_ bytes: [UInt8]) -> Double? {
        guard !bytes.isEmpty, bytes.count < 64 else { return nil }
        var d = 0.0
        let ok = bytes.withUnsafeBufferPointer { FieldParsing.parseDouble($0.baseAddress!, $0.count, &d) }
        return ok ? d : nil
    }
}
