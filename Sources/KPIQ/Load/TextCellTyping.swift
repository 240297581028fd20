/// Types columns of text cells (`TextCells`) exactly as the CSV loader types a file's columns:
/// the same `ColumnBuilder` sees every value (null markers, forced types, date formats and the
/// whole-column inference lattice), and the same `CSVColumnAssembler` packs the result. A
/// reader for another format therefore never has inference rules of its own.
enum TextCellTyping {
    /// Why a cell does not fit its column, with the row and column so the reader can name the
    /// cell in its own terms (a sheet's `C17`, a JSON file's line and column).
    struct CellProblem: Error {
        var row: Int
        var column: Int
        var message: String
        var hint: String?
    }

    /// The forced type of each column from `types (...)`, which must name real columns.
    static func forcedTypes(names: [String], options: CSVOptions, path: String) throws -> [DataType?] {
        var forced = [DataType?](repeating: nil, count: names.count)
        for (name, type) in options.types.sorted(by: { $0.key < $1.key }) {
            guard let index = names.firstIndex(of: name) else {
                let suggestion = EditDistance.closest(to: name, among: names)
                throw LoadError(path: path, message: "`types` names column `\(name)`, which the file does not have",
                                hint: suggestion.map { "did you mean `\($0)`?" } ?? "columns: " + names.joined(separator: ", "))
            }
            forced[index] = type
        }
        return forced
    }

    /// The table of the columns, each padded with nulls to `rowCount`. Columns are typed in
    /// parallel; the first problem in column order is thrown.
    static func table(
        names: [String], columns cells: [TextCells], rowCount: Int, forced: [DataType?], options: CSVOptions,
        cancel: CancellationToken?
    ) throws -> Table {
        for column in cells { column.padNulls(to: rowCount) }
        let settings = FieldSettings(options: options)
        let results = Parallel.map(cells.count) { c -> Result<Column, Error> in
            Result { try column(cells[c], index: c, forced: forced[c], settings: settings, cancel: cancel) }
        }
        var columns: [Column] = []
        for result in results { columns.append(try result.get()) }
        return Table(names: names, columns: columns, rowCount: rowCount)
    }

    private static func column(
        _ cells: TextCells, index: Int, forced: DataType?, settings: FieldSettings, cancel: CancellationToken?
    ) throws -> Column {
        let rows = cells.count
        let builder = ColumnBuilder(forced: forced, settings: settings, expectedRows: rows,
                                    fileBase: UnsafePointer(cells.bytes.base), fileEnd: cells.bytes.count)
        defer { builder.releaseStorage() }
        for row in 0..<rows {
            if row & 0xFFFF == 0, cancel?.isCancelled == true { throw Cancelled() }
            if cells.isNull(row) {
                builder.appendNull()
                continue
            }
            let (p, n) = cells.text(row)
            switch builder.append(p, n, quoted: false) {
            case .ok: break
            case .invalidUTF8:
                throw CellProblem(row: row, column: index, message: "invalid UTF-8 in text")
            case .outOfRange:
                throw CellProblem(row: row, column: index, message: "`\(preview(p, n))` is outside 0001-01-01 to 9999-12-31 once its zone offset is applied",
                                  hint: "dates and timestamps run from 0001-01-01 to 9999-12-31 (UTC)")
            case .mismatch:
                let type = forced?.name ?? "?"
                let beyond = forced == .int && FieldParsing.isIntegerSyntax(p, n)
                throw CellProblem(row: row, column: index,
                                  message: beyond ? "`\(preview(p, n))` is beyond the range of int (64 bits)" : "`\(preview(p, n))` is not a valid \(type)",
                                  hint: "the column's type is forced to \(type) by `types (...)`; remove that")
            }
        }
        // A column that turned text part way holds placeholders for the rows before: their
        // texts are still here, so they are filled in directly.
        if let textFrom = builder.textFromRow {
            for row in 0..<textFrom where builder.isValid(row) {
                let (p, n) = cells.text(row)
                builder.fillText(row: row, p, n)
            }
            builder.finishTextFill()
        }
        return try CSVColumnAssembler.assemble([builder], cancel: cancel)
    }

    private static func preview(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: min(n, 60)), as: UTF8.self)
    }
}
