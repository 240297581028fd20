import Dispatch
import Foundation
import ZIPFoundation

/// Loads one worksheet of an XLSX workbook into a `Table`: the package is a ZIP archive
/// (read with ZIPFoundation), the workbook's parts are XML read by `XMLPullTokenizer`, the
/// cells become text as a CSV export would hold them (`XLSXSheetReader`), and the columns are
/// typed by the CSV loader's inference (`TextCellTyping`).
package enum XLSXReader {
    /// The most rows a sheet has.
    package static let maxRows = Int64(XLSXCellReference.maxRow)

    /// `sheet`: the worksheet's name (the first one when nil). `headerRow`: the row of the
    /// column names, 1-based; 0 for none.
    package static func load(
        path: String, sheet: String? = nil, headerRow: Int = 1, options: CSVOptions = CSVOptions(),
        cancel: CancellationToken? = nil, budget: MemoryBudget? = nil
    ) throws -> (table: Table, report: LoadReport) {
        let started = DispatchTime.now()
        let package = try ZIPPackage(path: path, budget: budget)
        var (table, warnings) = try load(package, path: path, sheet: sheet, headerRow: headerRow, options: options, cancel: cancel)
        if cancel?.isCancelled == true { throw Cancelled() }
        var report = LoadReport(path: path, bytes: package.fileSize, rows: table.rowCount, delimiter: .byte(44), header: headerRow > 0,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        warnings = warnings.filter { !$0.isEmpty }
        report.warnings = warnings
        return (table, report)
    }

    /// The load from any package (`XLSXPackage`): tests and the fuzzer give one in memory.
    static func load(
        _ package: XLSXPackage, path: String, sheet: String?, headerRow: Int, options: CSVOptions, cancel: CancellationToken?
    ) throws -> (Table, [String]) {
        let workbook: XLSXWorkbook
        do {
            workbook = try XLSXWorkbook(package)
        } catch let problem as XLSXProblem {
            throw LoadError(path: path, place: problem.place, message: problem.message, hint: problem.hint)
        }
        let chosen: XLSXWorkbook.Sheet
        if let sheet {
            guard let found = workbook.sheets.first(where: { $0.name == sheet })
                ?? workbook.sheets.first(where: { $0.name.lowercased() == sheet.lowercased() }) else {
                let list = workbook.sheets.map { "\"\($0.name)\"" }.joined(separator: ", ")
                var hint = "sheets: \(list)"
                if let near = EditDistance.closest(to: sheet, among: workbook.sheets.map(\.name)) { hint = "did you mean \"\(near)\"? " + hint }
                throw LoadError(path: path, message: "the workbook has no sheet \"\(sheet)\"", hint: hint)
            }
            chosen = found
        } else {
            guard let first = workbook.sheets.first else { throw LoadError(path: path, message: "the workbook has no worksheet") }
            chosen = first
        }
        let place = "sheet \(chosen.name)"
        guard let bytes = try sheetPart(package, chosen, path: path) else {
            throw LoadError(path: path, place: place, message: "the sheet's part `\(chosen.part)` is missing from the file")
        }
        let reader = XLSXSheetReader(sheetName: chosen.name, workbook: workbook, headerRow: headerRow)
        let read: XLSXSheetReader.Result
        do {
            read = try reader.read(bytes, part: chosen.part)
        } catch let problem as XLSXSheetReader.CellProblem {
            throw LoadError(path: path, place: "\(place), \(problem.cell.hasPrefix("row") || problem.cell.hasPrefix("after") || problem.cell.hasPrefix("column") ? "" : "cell ")\(problem.cell)",
                            message: problem.message, hint: problem.hint)
        } catch let problem as XLSXProblem {
            throw LoadError(path: path, place: "\(place), \(problem.place)", message: problem.message, hint: problem.hint)
        }
        if read.names.isEmpty {
            throw LoadError(path: path, place: place, message: headerRow > 1 ? "the sheet has no cells from row \(headerRow) on" : "the sheet is empty")
        }
        var warnings = read.warnings
        if let given = options.columnNames, given.count != read.names.count {
            throw LoadError(path: path, place: place, message: "`names` lists \(given.count) columns but the sheet has \(read.names.count)")
        }
        let names = CSVReader.uniqueNames(options.columnNames ?? read.names, warnings: &warnings)
        let forced = try TextCellTyping.forcedTypes(names: names, options: options, path: path)
        do {
            let table = try TextCellTyping.table(names: names, columns: read.columns, rowCount: read.rowCount,
                                                 forced: forced, options: options, cancel: cancel)
            return (table, warnings)
        } catch let problem as TextCellTyping.CellProblem {
            let cell = XLSXCellReference(column: read.sheetColumns[problem.column], row: Int(read.sheetRows[problem.row]))
            throw LoadError(path: path, field: names[problem.column], place: "\(place), cell \(cell.name)",
                            message: problem.message, hint: problem.hint)
        }
    }

    private static func sheetPart(_ package: XLSXPackage, _ sheet: XLSXWorkbook.Sheet, path: String) throws -> [UInt8]? {
        do {
            return try package.part(sheet.part)
        } catch let problem as XLSXProblem {
            throw LoadError(path: path, place: "sheet \(sheet.name)", message: problem.message, hint: problem.hint)
        }
    }
}

/// A workbook file: a ZIP archive whose entries are the parts.
private final class ZIPPackage: XLSXPackage {
    let archive: Archive
    let fileSize: Int
    let budget: MemoryBudget?
    /// Entries by lowercased name: part names compare without case.
    private var entries: [String: Entry] = [:]

    init(path: String, budget: MemoryBudget?) throws {
        // Read the first bytes first, to tell an old or encrypted workbook from a damaged one.
        let file = try MappedFile(path: path)
        fileSize = file.count
        self.budget = budget
        if file.count >= 4, file.base[0] == 0xD0, file.base[1] == 0xCF, file.base[2] == 0x11, file.base[3] == 0xE0 {
            throw LoadError(path: path, message: "this is an old-style .xls workbook or a password-protected one, not an XLSX file",
                            hint: "save it from Excel or LibreOffice as \"Excel Workbook (.xlsx)\", without a password")
        }
        guard file.count >= 4, file.base[0] == 0x50, file.base[1] == 0x4B else {
            throw LoadError(path: path, message: file.count == 0 ? "the file is empty" : "not an XLSX workbook (it is not a ZIP archive)",
                            hint: "an .xlsx file is saved by Excel, LibreOffice or Google Sheets; a CSV file needs a .csv name")
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw LoadError(path: path, message: "the XLSX file is damaged: its ZIP directory cannot be read")
        }
        for entry in archive where entry.type == .file {
            entries[entry.path.lowercased()] = entry
        }
    }

    func part(_ name: String) throws -> [UInt8]? {
        guard let entry = entries[name.lowercased()] else { return nil }
        let declared = Int(clamping: entry.uncompressedSize)
        if let budget {
            try budget.check(declared, for: "reading `\(name)` of the workbook", remedy: "save a smaller workbook (fewer rows or sheets)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(declared, 1 << 30))
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                // Never more than the entry says it holds (a forged size is not trusted further).
                guard bytes.count + chunk.count <= declared else { throw XLSXProblem(place: name, message: "the part is larger than its ZIP entry says") }
                bytes.append(contentsOf: chunk)
            }
        } catch let problem as XLSXProblem {
            throw problem
        } catch {
            throw XLSXProblem(place: name, message: "the part cannot be decompressed (\(error)); the file is damaged")
        }
        return bytes
    }
}
