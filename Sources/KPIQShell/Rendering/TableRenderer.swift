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
package struct TableRenderer {
    package var maxRows: Int
    package var maxColumnWidth: Int
    /// The terminal width; text columns are narrowed (widest first) to fit. Nil: no limit.
    package var terminalWidth: Int?
    package var unicode: Bool
    /// Checked every few thousand rows: a result of millions of rows takes seconds to lay
    /// out, and Ctrl-C must stop it (the caller then prints nothing of it).
    package var isCancelled: () -> Bool = { false }

    package init(maxRows: Int = 40, maxColumnWidth: Int = 40, terminalWidth: Int? = nil, unicode: Bool = true) {
        self.maxRows = maxRows
        self.maxColumnWidth = maxColumnWidth
        self.terminalWidth = terminalWidth
        self.unicode = unicode
    }

    package func render(_ result: QueryResult) -> String {
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
        // Where columns were left out of the middle: a marker column stands in for them.
        let gap = shown.indices.dropLast().first { shown[$0 + 1] != shown[$0] + 1 }
        let gapMarker = unicode ? "…" : "~"
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for (k, c) in shown.enumerated() {
                let cell = truncate(values[c], to: widths[c])
                let pad = String(repeating: " ", count: max(0, widths[c] - displayWidth(cell)))
                parts.append(" " + (rightAligned[c] ? pad + cell : cell + pad) + " ")
                if k == gap { parts.append(" \(gapMarker) ") }
            }
            return parts.joined(separator: "|").trailingSpacesRemoved
        }
        if headers.isEmpty {
            out += "(no columns)\n"
            return out
        }
        out += line(headers) + "\n"
        var rule = shown.map { String(repeating: "-", count: widths[$0] + 2) }
        if let gap { rule.insert("---", at: gap + 1) }
        out += rule.joined(separator: "+") + "\n"
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
            let text = "(\(left.count) more column\(left.count == 1 ? "" : "s") not shown, too wide for the terminal: \(left.joined(separator: ", ")); "
                + "use `select`, `.mode line` or a wider window)"
            out += (terminalWidth.map { Self.wrapped(text, width: $0) } ?? text) + "\n"
        }
        for note in result.notes {
            let text = TerminalText.visible(note, keepingLayout: true)
            out += (terminalWidth.map { Self.wrapped(text, width: $0) } ?? text) + "\n"
        }
        return out
    }

    /// `text` broken at spaces into lines of at most `width` cells (a word longer than a line
    /// stays whole), so the terminal does not break words.
    static func wrapped(_ text: String, width: Int) -> String {
        guard TerminalText.width(text) > width, width > 10 else { return text }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if !current.isEmpty, TerminalText.width(candidate) > width {
                lines.append(current)
                current = "  " + word  // continuation lines indented under the first
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
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

    /// Narrows text columns (widest first, but none below `minimumCut` cells, so values stay
    /// readable) until the table fits the terminal; if it still does not, leaves columns out
    /// of the middle, as DuckDB does, keeping the first and last ones (a marker column shows
    /// where). Returns the columns to show, in order.
    private func fitToTerminal(_ widths: inout [Int], cuttable: [Bool]) -> [Int] {
        let all = Array(widths.indices)
        guard let terminalWidth else { return all }
        func total(_ columns: [Int], marker: Bool) -> Int {
            columns.reduce(0) { $0 + widths[$1] + 3 } - 1 + (marker ? 4 : 0)
        }
        let floors = widths.map { min($0, Self.minimumCut) }
        while total(all, marker: false) > terminalWidth {
            guard let widest = all.filter({ cuttable[$0] && widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        if total(all, marker: false) <= terminalWidth { return all }
        // From both ends towards the middle, while the columns and the marker fit.
        var left: [Int] = [0], right: [Int] = []
        var nextLeft = 1, nextRight = all.count - 1
        var fromRight = true
        while nextLeft <= nextRight {
            let candidate = fromRight ? nextRight : nextLeft
            guard total(left + [candidate] + right, marker: true) <= terminalWidth else { break }
            if fromRight {
                right.insert(candidate, at: 0)
                nextRight -= 1
            } else {
                left.append(candidate)
                nextLeft += 1
            }
            fromRight.toggle()
        }
        return left + right
    }

    /// Text is not cut below this many cells to make a table fit (`organ…` says nothing).
    static let minimumCut = 12

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
