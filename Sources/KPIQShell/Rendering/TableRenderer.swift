import KPIQ

/// Draws a result as an aligned text table that fits the terminal:
///
///      source  | sessions | bounce_rate
///     ---------+----------+-------------
///      direct  |  176,990 |       36.2%
///     (6 rows)
///
/// Numbers are right-aligned, text left; long text is cut with an ellipsis (numbers and dates
/// never are: columns that do not fit are left out, and a line says which); when there are
/// more rows than `maxRows`, the middle ones are left out with a line saying how many.
public struct TableRenderer {
    public var maxRows: Int
    public var maxColumnWidth: Int
    /// The terminal width; text columns are narrowed (widest first) to fit. Nil: no limit.
    public var terminalWidth: Int?
    public var unicode: Bool
    /// Checked every few thousand rows: a result of millions of rows takes seconds to lay
    /// out, and Ctrl-C must stop it (the caller then prints nothing of it).
    public var isCancelled: () -> Bool = { false }

    public init(maxRows: Int = 40, maxColumnWidth: Int = 40, terminalWidth: Int? = nil, unicode: Bool = true) {
        self.maxRows = maxRows
        self.maxColumnWidth = maxColumnWidth
        self.terminalWidth = terminalWidth
        self.unicode = unicode
    }

    public func render(_ result: QueryResult) -> String {
        let table = result.table
        var out = ""
        if let title = result.title { out += TerminalText.visible(title, keepingLayout: true) + "\n" }
        let rows = visibleRows(table.rowCount)
        let headers = table.names.map { Self.cellText($0, unicode: unicode) }
        let decimals = Self.columnDecimals(result, rows: rows.compactMap { $0 })
        let labels = table.names.map(ValueFormatter.isLabelColumn)
        var cells: [[String]] = []
        cells.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            if index % 4096 == 4095, isCancelled() { return out }
            guard let row else {
                cells.append([])
                continue
            }
            cells.append(table.columns.indices.map { c in
                let value = table.columns[c].scalar(at: row)
                if case .int(let v) = value, result.formats[c] == nil, labels[c] { return String(v) }
                return Self.cellText(ValueFormatter.format(value, type: table.columns[c].type,
                                                           format: result.formats[c], decimals: decimals[c]), unicode: unicode)
            })
        }
        let rightAligned = table.columns.map { $0.type.isNumeric }
        // Only text is ever cut; a cut number or date would read as another value.
        let cuttable = table.columns.map { !$0.type.isNumeric && !$0.type.isTemporal }
        var widths = headers.map { displayWidth($0) }
        for row in cells where !row.isEmpty {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], displayWidth(cell)) }
        }
        widths = widths.enumerated().map { cuttable[$0.offset] ? min($0.element, maxColumnWidth) : $0.element }
        let shown = fitToTerminal(&widths, cuttable: cuttable)
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for c in shown {
                let cell = truncate(values[c], to: widths[c])
                let pad = String(repeating: " ", count: max(0, widths[c] - displayWidth(cell)))
                parts.append(" " + (rightAligned[c] ? pad + cell : cell + pad) + " ")
            }
            return parts.joined(separator: "|").trailingSpacesRemoved
        }
        if headers.isEmpty {
            out += "(no columns)\n"
            return out
        }
        out += line(headers) + "\n"
        out += shown.map { String(repeating: "-", count: widths[$0] + 2) }.joined(separator: "+") + "\n"
        for (index, row) in rows.enumerated() {
            if index % 4096 == 4095, isCancelled() { return out }
            if row != nil, index < cells.count, !cells[index].isEmpty {
                out += line(cells[index]) + "\n"
            } else {
                let hidden = table.rowCount - (rows.count - 1)
                let marker = unicode ? "…" : "..."
                out += " \(marker) \(ValueFormatter.grouped(Int64(hidden))) more row\(hidden == 1 ? "" : "s") \(marker)\n"
            }
        }
        out += "(\(ValueFormatter.grouped(Int64(table.rowCount))) row\(table.rowCount == 1 ? "" : "s"))\n"
        if shown.count < headers.count {
            let left = headers.indices.filter { !shown.contains($0) }.map { headers[$0] }
            out += "(\(left.count) more column\(left.count == 1 ? "" : "s") not shown, too wide for the terminal: \(left.joined(separator: ", ")); "
                + "use `select`, `.mode line` or a wider window)\n"
        }
        for note in result.notes { out += TerminalText.visible(note, keepingLayout: true) + "\n" }
        return out
    }

    /// Decimal places per column (plain decimals and percentages), from the rows shown.
    static func columnDecimals(_ result: QueryResult, rows: [Int]) -> [Int?] {
        result.table.columns.indices.map { c in
            let column = result.table.columns[c]
            let format = result.formats[c]
            if column.type.isNumeric, format == .percent || format == .percentPoints {
                return ValueFormatter.percentDecimals(for: rows.compactMap { column.scalar(at: $0).doubleValue })
            }
            guard column.type == .decimal, format == nil || format == .number else { return nil }
            return ValueFormatter.decimals(for: rows.compactMap { column.scalar(at: $0).doubleValue })
        }
    }

    /// Text fit for one table cell: line breaks, tabs and other control characters (an ESC
    /// in a CSV field) shown as escapes, so a row stays one line and the terminal is not
    /// driven by the data.
    static func cellText(_ text: String, unicode: Bool) -> String {
        TerminalText.visible(text.replacing("\r\n", with: "\n"))
    }

    /// Row numbers to show; nil marks where hidden rows are left out. `maxRows` of 0 or less
    /// shows every row.
    func visibleRows(_ count: Int) -> [Int?] {
        guard maxRows > 0, count > maxRows else { return (0..<count).map { $0 } }
        let head = (maxRows + 1) / 2
        let tail = maxRows - head
        return (0..<head).map { $0 } + [nil] + ((count - tail)..<count).map { $0 }
    }

    /// Narrows text columns (widest first, down to 6) until the table fits the terminal; if
    /// it still does not, leaves out columns from the right. Returns the columns to show.
    private func fitToTerminal(_ widths: inout [Int], cuttable: [Bool]) -> [Int] {
        var shown = Array(widths.indices)
        guard let terminalWidth else { return shown }
        func total() -> Int { shown.reduce(0) { $0 + widths[$1] + 3 } - 1 }
        while total() > terminalWidth {
            guard let widest = shown.filter({ cuttable[$0] }).max(by: { widths[$0] < widths[$1] }), widths[widest] > 6 else { break }
            widths[widest] -= 1
        }
        while total() > terminalWidth, shown.count > 1 { shown.removeLast() }
        return shown
    }

    func truncate(_ text: String, to width: Int) -> String {
        guard displayWidth(text) > width else { return text }
        let ellipsis = unicode ? "…" : "~"
        return TerminalText.prefix(text, cells: max(0, width - 1)) + ellipsis
    }

    /// Terminal cells, not characters: a CJK character or an emoji takes two.
    func displayWidth(_ text: String) -> Int { TerminalText.width(text) }
}

extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
