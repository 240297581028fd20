/// `load "file" as name [time col] [with (...)]`.
extension Session {
    /// Options `with (...)` accepts, with what each takes (for messages and `.help load`).
    package static let loadOptions: [(name: String, help: String)] = [
        ("delimiter", "\";\", \"\\t\", \"|\", \",\" or whitespace (runs of spaces)"),
        ("header", "true or false"),
        ("names", "(a, b, c): column names to use"),
        ("nulls", "(\"\", \"NA\", \"null\"): texts read as null"),
        ("types", "(column type, ...): force types (int, decimal, bool, date, timestamp, text)"),
        ("dates", "\"%d/%m/%Y\": a date or timestamp format (strptime-like); also `formats (...)`"),
        ("widths", "(6, 9, 3): fixed-width fields"),
        ("quote", "\"'\": the quote character"),
        ("on_error", "fail (default) or skip: skip bad rows and report them"),
        ("decimal", "\",\" or \".\": the decimal mark (detected per column when not given)"),
        ("encoding", "\"utf-8\", \"latin1\", \"windows-1252\" or \"utf-16\" (UTF-16 is detected by its byte-order mark)"),
        ("file_column", "true, or a name in quotes: add a column naming each row's file (default `_file`)"),
    ]

    func executeLoad(_ load: LoadStatement, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let path = context.resolve(load.path)
        let format = try Self.loadFormat(load)
        var table: Table
        let report: LoadReport
        do {
            (table, report) = format == .parquet ? try loadParquet(load, path: path, context) : try Self.readFile(format, load, path: path, context)
        } catch let error as LoadError {
            // Messages name the file as it was written in the statement.
            // A file a pattern matched is named by the pattern's folder as written and its own name.
            let shownPath = error.path == path ? load.path : Self.matchedPath(error.path, pattern: load.path)
            var diagnostic = Diagnostic(error.code, error.message, at: error.line == nil ? load.pathSpan : nil,
                                        file: error.line == nil ? nil : FileLocation(path: shownPath, line: error.line, column: error.column, field: error.field))
            if let hint = error.hint { diagnostic.hints.append(hint) }
            if error.line == nil { diagnostic.message = "\(shownPath)\(error.place.map { ", " + $0 } ?? ""): \(error.message)" }
            throw diagnostic
        }
        var timeColumn: String?
        if let time = load.timeColumn {
            let schema = Schema(table: table, dataset: load.name.name)
            let index = try Binder.column(time, in: schema)
            if table.columns[index].isUntyped {
                // An empty export's time column has no values to type it: timestamps, as the
                // same export with rows would most likely have.
                var columns = table.columns
                columns[index] = Column(type: .timestamp, values: .integers(PackedIntegers.pack([Int64](repeating: 0, count: table.rowCount))),
                                        validity: Validity(allNull: table.rowCount))
                table = Table(names: table.names, columns: columns, rowCount: table.rowCount)
            }
            guard table.columns[index].type.isTemporal else {
                throw Diagnostic(.typeMismatch, "the time column must be a date or timestamp; `\(time.name)` was read as \(table.columns[index].type.name)",
                                 at: time.span, hints: ["force its type: `with (types (\(Identifier.quote(time.name)) timestamp))` or give its format with `dates \"...\"`"])
            }
            timeColumn = time.name
        }
        // The origin says how the file was read when that was not plain UTF-8 CSV (`.datasets`
        // shows it, a saved session keeps it): `depenses.csv (decimal comma, day-first dates)`.
        let readAs = report.detected.isEmpty ? "" : " (\(report.detected.joined(separator: ", ")))"
        var dataset = Dataset(name: load.name.name, table: table, timeColumn: timeColumn, origin: load.path + readAs)
        if let end = load.endColumn { dataset.endTimeColumn = try Self.flightEnd(end, of: dataset) }
        catalog.put(dataset)
        if let identity = FileIdentity(path: path) { loadedFiles[identity] = load.name.name }
        var warnings = report.warnings.map { Diagnostic(.loadWarning, $0, at: load.pathSpan, severity: .warning) }
        if report.skippedCount > 0 {
            let lines = report.skipped.prefix(10).map { row in
                (row.path.map { Self.matchedPath($0, pattern: load.path) + ", " } ?? "") + "line \(row.line): \(row.reason)"
            }
            warnings.append(Diagnostic(
                .loadWarning, "skipped \(Self.count(report.skippedCount)) bad row\(report.skippedCount == 1 ? "" : "s") in \(load.path)",
                at: load.pathSpan, hints: lines + (report.skippedCount > 10 ? ["... and \(report.skippedCount - 10) more"] : []),
                severity: .warning))
        }
        return (.message("loaded `\(load.name.name)`: \(Self.rows(table.rowCount)), \(Self.columns(table.columnCount))\(readAs)"), warnings)
    }

    static func csvOptions(_ given: [LoadOption]) throws -> CSVOptions {
        var options = CSVOptions()
        var seen = Set<String>()
        for option in given {
            let name = option.name.name.lowercased()
            guard seen.insert(name).inserted else {
                throw Diagnostic(.unknownOption, "option `\(name)` is given twice", at: option.span)
            }
            func bad(_ expected: String) -> Diagnostic {
                Diagnostic(.unknownOption, "option `\(name)` takes \(expected)", at: option.span)
            }
            switch name {
            case "delimiter", "delim", "sep", "separator":
                switch option.value {
                case .string(let text) where text.utf8.count == 1:
                    options.delimiter = .byte(text.utf8.first!)
                case .string(let text) where text == "\\t" || text.lowercased() == "tab":
                    options.delimiter = .byte(9)
                case .string(let text) where text.lowercased() == "whitespace" || text == " ":
                    options.delimiter = .whitespace
                case .word(let word) where word.name.lowercased() == "whitespace":
                    options.delimiter = .whitespace
                case .word(let word) where word.name.lowercased() == "tab":
                    options.delimiter = .byte(9)
                default: throw bad("one character in quotes, or `whitespace`")
                }
            case "header":
                guard case .bool(let b) = option.value else { throw bad("true or false") }
                options.header = b
            case "names":
                switch option.value {
                case .words(let words): options.columnNames = words.map(\.name)
                case .strings(let strings): options.columnNames = strings
                default: throw bad("a list of names: (a, b, c)")
                }
            case "nulls", "null":
                switch option.value {
                case .strings(let list): options.nullMarkers = list.isEmpty ? [""] : list
                case .string(let one): options.nullMarkers = ["", one]
                default: throw bad("a list of texts: (\"\", \"NA\")")
                }
            case "types":
                guard case .pairs(let pairs) = option.value else { throw bad("pairs of column and type: (a int, b date)") }
                for (column, typeName) in pairs {
                    guard let type = DataType(name: typeName.name) else {
                        throw Diagnostic(.unknownOption, "unknown type `\(typeName.name)`", at: typeName.span,
                                         hints: ["types: int, decimal, bool, date, timestamp, text"])
                    }
                    options.types[column.name] = type
                }
            case "dates", "date_format", "formats", "timestamps", "format":
                var patterns: [String] = []
                switch option.value {
                case .string(let one): patterns = [one]
                case .strings(let list): patterns = list
                default: throw bad("a format in quotes such as \"%d/%m/%Y\"")
                }
                for pattern in patterns {
                    do {
                        options.formats.append(try DateFormat(pattern))
                    } catch DateFormat.FormatError.unknownDirective(let directive) {
                        throw Diagnostic(.unknownOption, "unknown directive `\(directive)` in date format", at: option.span,
                                         hints: ["directives: %Y %y %m %d %e %H %I %M %S %f %p %b %B %z %%"])
                    }
                }
            case "widths":
                guard case .integers(let widths) = option.value, !widths.isEmpty, widths.allSatisfy({ $0 > 0 }) else {
                    throw bad("a list of positive widths: (6, 9, 3)")
                }
                options.delimiter = .widths(widths.map { Int($0) })
            case "quote":
                guard case .string(let text) = option.value, text.utf8.count == 1 else { throw bad("one character in quotes") }
                options.quote = text.utf8.first!
            case "on_error", "errors":
                guard case .word(let word) = option.value, ["fail", "skip"].contains(word.name.lowercased()) else {
                    throw bad("`fail` or `skip`")
                }
                options.onError = word.name.lowercased() == "skip" ? .skip : .fail
            case "decimal", "decimal_mark", "decimal_separator":
                guard case .string(let mark) = option.value, mark == "," || mark == "." else { throw bad("\",\" or \".\"") }
                options.decimalComma = mark == ","
            case "encoding", "charset":
                guard case .string(let text) = option.value, let encoding = TextEncoding(name: text) else {
                    throw bad("one of " + TextEncoding.names.map { "\"\($0)\"" }.joined(separator: ", "))
                }
                options.encoding = encoding
            case "file_column":
                switch option.value {
                case .bool(let on): options.fileColumn = on ? "_file" : nil
                case .string(let name) where !name.isEmpty: options.fileColumn = name
                case .word(let word): options.fileColumn = word.name
                default: throw bad("true, or a column name in quotes")
                }
            default:
                var diagnostic = Diagnostic(.unknownOption, "unknown load option `\(option.name.name)`", at: option.name.span)
                if let near = EditDistance.closest(to: name, among: loadOptions.map(\.name)) { diagnostic.label = "did you mean `\(near)`?" }
                diagnostic.hints = ["options: " + loadOptions.map(\.name).joined(separator: ", ")]
                throw diagnostic
            }
        }
        return options
    }

    /// A file a pattern matched, shown with the pattern's folder as the statement wrote it
    /// (`exports/sessions-2024-02.csv` for `exports/sessions-*.csv`).
    static func matchedPath(_ matched: String, pattern: String) -> String {
        let name = matched.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? matched
        guard let slash = pattern.lastIndex(of: "/") else { return name }
        return String(pattern[...slash]) + name
    }

    /// The column of a flight's last day (`time start_date .. end_date`): a date or timestamp.
    static func flightEnd(_ end: Identifier, of dataset: Dataset) throws -> String {
        let index = try Binder.column(end, in: Schema(table: dataset.table, dataset: dataset.name))
        let type = dataset.table.columns[index].type
        guard type.isTemporal else {
            throw Diagnostic(.typeMismatch, "the last day of a run must be a date or timestamp; `\(end.name)` is \(type.name)", at: end.span,
                             hints: ["force its type: `with (types (\(Identifier.quote(end.name)) date))`"])
        }
        return end.name
    }
}
