import KPIQ

/// Results for other programs (CSV, JSON) or documents (Markdown), and sqlite's `line` mode.
/// CSV and JSON carry raw values at full precision: 0.1234567 (not 12.3%), ISO dates, and an
/// empty field (CSV) or `null` (JSON) for null.
package enum MachineFormats {
    /// The rows of a result, a slice at a time: which rows, and whether the slice opens or
    /// closes the whole (a header, a closing bracket). A long result is printed slice by
    /// slice, never as one string, and Ctrl-C can stop it between slices.
    package struct Slice {
        package var rows: Range<Int>
        package var rowCount: Int
        package var isFirst: Bool { rows.lowerBound == 0 }
        package var isLast: Bool { rows.upperBound == rowCount }

        package init(rows: Range<Int>, rowCount: Int) {
            self.rows = rows
            self.rowCount = rowCount
        }

        /// The slices of `rowCount` rows, `size` rows each (one empty slice for no rows).
        package static func slices(of rowCount: Int, size: Int = 16_384) -> [Slice] {
            stride(from: 0, to: max(rowCount, 1), by: size).map { Slice(rows: $0..<min($0 + size, rowCount), rowCount: rowCount) }
        }

        static func whole(_ table: Table) -> Slice { Slice(rows: 0..<table.rowCount, rowCount: table.rowCount) }
    }

    package static func csv(_ result: QueryResult, _ slice: Slice? = nil) -> String {
        let slice = slice ?? .whole(result.table)
        return CSVWriter.text(result.table, header: slice.isFirst, rows: slice.rows)
    }

    /// One JSON array of row objects, on one line.
    package static func json(_ result: QueryResult, _ slice: Slice? = nil) -> String {
        let table = result.table
        let slice = slice ?? .whole(table)
        var out = slice.isFirst ? "[" : ""
        for row in slice.rows {
            if row > 0 { out += "," }
            out += "{"
            for (c, column) in table.columns.enumerated() {
                if c > 0 { out += "," }
                out += jsonString(table.names[c]) + ":" + jsonValue(column.scalar(at: row))
            }
            out += "}"
        }
        return slice.isLast ? out + "]\n" : out
    }

    package static func jsonValue(_ value: Scalar) -> String {
        switch value {
        case .null: return "null"
        case .int(let v): return String(v)
        case .decimal(let v): return v.isFinite ? Scalar.formatDouble(v) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .text(let s): return jsonString(s)
        case .date, .timestamp: return jsonString(value.description)
        }
    }

    package static func jsonString(_ text: String) -> String {
        BackslashQuoting.quoted(text, escapingControls: true)
    }

    /// The decimals each column shows in the human formats (`markdown`, `lines`), over all
    /// the rows, so that every slice of a result lines up.
    package static func decimals(_ result: QueryResult) -> [Int?] {
        TableRenderer.columnDecimals(result, rows: Array(0..<result.table.rowCount))
    }

    /// A GitHub-flavoured Markdown table, with human formatting.
    package static func markdown(_ result: QueryResult, _ slice: Slice? = nil, decimals: [Int?]? = nil) -> String {
        let table = result.table
        let slice = slice ?? .whole(table)
        func escape(_ s: String) -> String { s.replacing("|", with: "\\|") }
        var out = ""
        if slice.isFirst {
            out += "| " + table.names.map(escape).joined(separator: " | ") + " |\n"
            out += "|" + table.columns.map { $0.type.isNumeric ? " ---: |" : " --- |" }.joined() + "\n"
        }
        let decimals = decimals ?? Self.decimals(result)
        for row in slice.rows {
            let cells = table.columns.indices.map { c in
                escape(TableRenderer.cellText(ValueFormatter.format(table.columns[c].scalar(at: row), type: table.columns[c].type,
                                                                    format: result.formats[c], decimals: decimals[c]), unicode: true))
            }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// Each row as `name = value` lines, rows separated by a blank line.
    package static func lines(_ result: QueryResult, _ slice: Slice? = nil, decimals: [Int?]? = nil) -> String {
        let table = result.table
        let slice = slice ?? .whole(table)
        let width = table.names.map(TerminalText.width).max() ?? 0
        let decimals = decimals ?? Self.decimals(result)
        var out = ""
        for row in slice.rows {
            if row > 0 { out += "\n" }
            for (c, column) in table.columns.enumerated() {
                let name = table.names[c]
                let value = ValueFormatter.format(column.scalar(at: row), type: column.type, format: result.formats[c], decimals: decimals[c])
                out += String(repeating: " ", count: width - TerminalText.width(name)) + name + " = " + value + "\n"
            }
        }
        return out
    }
}
