// libFuzzer targets for the XLSX and JSON readers (Fuzz/Main.swift picks them when the binary
// is called XLSXFuzz or JSONFuzz).
//
// XLSXFuzz: an input starting with `PK` is a whole workbook file, read through the ZIP
// container (ZIPFoundation) like a user's file. Any other input is the workbook's parts
// themselves, which a mutated ZIP would rarely reach intact: byte 0 chooses the header row
// (0-3) and whether to ask for sheet "S"; the rest is split at each "\n--\n" into the sheet,
// the shared strings, the styles and the workbook, served from memory (a missing workbook
// part gets a default one naming sheet "S").
//
// JSONFuzz: the input is the file's bytes.
//
// A load may fail with any LoadError; it must not crash, hang or read out of bounds, and
// what loads must be a consistent table (every column as long as the table).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parts served from memory.
private struct MemoryPackage: XLSXPackage {
    var parts: [String: [UInt8]]
    func part(_ name: String) throws -> [UInt8]? { parts[name.lowercased()] }
}

private func checkConsistent(_ table: Table) {
    for column in table.columns where column.count != table.rowCount {
        fuzzFail("a column of \(column.count) values in a table of \(table.rowCount) rows\n")
    }
}

func xlsxFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    if size >= 2, data[0] == 0x50, data[1] == 0x4B {
        let path = scratchPath("xlsxfuzz", extension: "xlsx")
        guard writeScratch(input, to: path) else { return 0 }
        for header in [1, 0] {
            if let (table, _) = try? XLSXReader.load(path: path, headerRow: header) { checkConsistent(table) }
        }
        return 0
    }
    guard size >= 1 else { return 0 }
    let choice = data[0]
    var pieces: [[UInt8]] = [[]]
    let body = Array(input.dropFirst())
    var k = 0
    while k < body.count {
        if k + 4 <= body.count, body[k] == 10, body[k + 1] == 45, body[k + 2] == 45, body[k + 3] == 10, pieces.count < 4 {
            pieces.append([])
            k += 4
            continue
        }
        pieces[pieces.count - 1].append(body[k])
        k += 1
    }
    var parts: [String: [UInt8]] = ["xl/worksheets/sheet1.xml": pieces[0]]
    if pieces.count > 1 { parts["xl/sharedstrings.xml"] = pieces[1] }
    if pieces.count > 2 { parts["xl/styles.xml"] = pieces[2] }
    parts["xl/workbook.xml"] = pieces.count > 3 ? pieces[3]
        : Array("<workbook><workbookPr date1904=\"\(choice & 16 != 0 ? 1 : 0)\"/><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>".utf8)
    parts["xl/_rels/workbook.xml.rels"] = Array(
        "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".utf8)
    let package = MemoryPackage(parts: parts)
    var options = CSVOptions()
    if choice & 32 != 0 { options.nullMarkers = ["", "NA"] }
    if choice & 64 != 0 { options.types = ["col1": .int] }
    if let (table, _) = try? XLSXReader.load(package, path: "fuzz.xlsx", sheet: choice & 4 != 0 ? "S" : nil,
                                             headerRow: Int(choice & 3), options: options, cancel: nil) {
        checkConsistent(table)
    }
    return 0
}

func jsonFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = scratchPath("jsonfuzz", extension: "jsonl")
    guard writeScratch(UnsafeBufferPointer(start: data, count: size), to: path) else { return 0 }
    if let (table, _) = try? JSONReader.load(path: path) { checkConsistent(table) }
    return 0
}
