/// Which reader a `load` uses, and the options each format takes.
extension Session {
    enum LoadFormat: Equatable {
        case csv, xlsx, json, parquet

        var name: String {
            switch self {
            case .csv: return "CSV"
            case .xlsx: return "XLSX"
            case .json: return "JSON"
            case .parquet: return "Parquet"
            }
        }
    }

    /// The format from the file's extension (`.xlsx`, `.json`, `.jsonl`, `.ndjson`, `.parquet`,
    /// `.parq`); anything else is delimited text. `sheet` only goes with a workbook.
    static func loadFormat(_ load: LoadStatement) throws -> LoadFormat {
        let lower = load.path.lowercased()
        let format: LoadFormat
        if lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm") {
            format = .xlsx
        } else if lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
            format = .json
        } else if ParquetReader.isParquet(path: load.path) {
            format = .parquet
        } else {
            format = .csv
        }
        if load.sheet != nil, format != .xlsx {
            throw Diagnostic(.unknownOption, "`sheet` chooses a worksheet of a workbook (.xlsx); this is a \(format.name) file",
                             at: load.sheetSpan ?? load.pathSpan)
        }
        return format
    }

    /// The options `with (...)` takes for each format besides CSV.
    private static let formatOptions: [LoadFormat: Set<String>] = [
        .xlsx: ["header", "names", "nulls", "null", "types", "dates", "date_format", "formats", "timestamps", "format"],
        .json: ["nulls", "null", "types", "dates", "date_format", "formats", "timestamps", "format"],
    ]

    static func readFile(_ format: LoadFormat, _ load: LoadStatement, path: String, _ context: StatementContext) throws -> (Table, LoadReport) {
        let allowed = formatOptions[format] ?? []
        for option in load.options where format != .csv && !allowed.contains(option.name.name.lowercased()) {
            throw Diagnostic(.unknownOption, "option `\(option.name.name)` does not apply to \(format.name) files", at: option.span,
                             hints: ["\(format.name) options: " + allowed.filter { !["null", "date_format", "formats", "timestamps", "format"].contains($0) }.sorted().joined(separator: ", ")])
        }
        switch format {
        case .csv:
            let options = try csvOptions(load.options)
            return try CSVReader.load(path: path, options: options, cancel: context.cancel, progress: context.progress, budget: context.budget)
        case .xlsx:
            // `header` is a row number in a sheet (`header 3`), or true/false as for CSV.
            var headerRow = 1
            var rest: [LoadOption] = []
            for option in load.options {
                guard option.name.name.lowercased() == "header" else { rest.append(option); continue }
                switch option.value {
                case .integer(let row) where row >= 1 && row <= XLSXReader.maxRows: headerRow = Int(row)
                case .bool(let present): headerRow = present ? 1 : 0
                default: throw Diagnostic(.unknownOption, "option `header` takes the header's row number (1 is the first row), or true or false", at: option.span)
                }
            }
            let options = try csvOptions(rest)
            return try XLSXReader.load(path: path, sheet: load.sheet, headerRow: headerRow, options: options,
                                       cancel: context.cancel, budget: context.budget)
        case .json:
            let options = try csvOptions(load.options)
            return try JSONReader.load(path: path, options: options, cancel: context.cancel, budget: context.budget)
        case .parquet:
            preconditionFailure("Parquet files are read by `loadParquet`: they take no options")
        }
    }
}
