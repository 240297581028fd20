import KPIQ

/// Results for other programs (CSV, JSON) or documents (Markdown), and sqlite's `line` mode.
/// CSV and JSON carry raw values at full precision: 0.1234567 (not 12.3%), ISO dates, and an
/// empty field (CSV) or `null` (JSON) for null.
package enum MachineFormats {
    package static func csv(_ result: QueryResult) -> String {
        CSVWriter.text(result.table)
    }

    /// One JSON array of row objects, on one line.
    package static func json(_ result: QueryResult) -> String {
        let table = result.table
        var out = "["
        for row in 0..<table.rowCount {
            if row > 0 { out += "," }
            out += "{"
            for (c, column) in table.columns.enumerated() {
                if c > 0 { out += "," }
                out += jsonString(table.names[c]) + ":" + jsonValue(column.scalar(at: row))
            }
            out += "}"
        }
        return out + "]\n"
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
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A GitHub-flavoured Markdown table, with human formatting.
    package static func markdown(_ result: QueryResult) -> String {
        let table = result.table
        func escape(_ s: String) -> String { s.replacing("|", with: "\\|") }
        var out = "| " + table.names.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + table.columns.map { $0.type.isNumeric ? " ---: |" : " --- |" }.joined() + "\n"
        let decimals = TableRenderer.columnDecimals(result, rows: Array(0..<table.rowCount))
        for row in 0..<table.rowCount {
            let cells = table.columns.indices.map { c in
                escape(TableRenderer.cellText(ValueFormatter.format(table.columns[c].scalar(at: row), type: table.columns[c].type,
                                                                    format: result.formats[c], decimals: decimals[c]), unicode: true))
            }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// Each row as `name = value` lines, rows separated by a blank line.
    package static func lines(_ result: QueryResult) -> String {
        let table = result.table
        let width = table.names.map(TerminalText.width).max() ?? 0
        let decimals = TableRenderer.columnDecimals(result, rows: Array(0..<table.rowCount))
        var out = ""
        for row in 0..<table.rowCount {
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
