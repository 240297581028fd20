import KPIQ

/// A report for people who never open a terminal: one self-contained HTML document (inline
/// CSS, charts as inline SVG, no script at all, nothing fetched from the network) holding,
/// in order, what a script produced: its `--` comments as text, its tables with their notes,
/// its charts, and `show` results without `by` as KPI cards; the as-of day and the data
/// sources in a footer. Values read as in tables (`ValueFormatter`); every piece of text is
/// escaped, so data cannot inject markup.
package struct HTMLReport {
    package enum Item {
        /// A paragraph of the script's `--` comments.
        case comment(String)
        /// A result, with the statement that produced it when known.
        case result(QueryResult, statement: String?)
        /// Only the chart of a result (`.chart`).
        case chart(QueryResult, ChartRequest)
        /// The error that stopped the script.
        case error(String)
    }

    /// A dataset of the session, for the footer.
    package struct DataSource {
        package var name: String
        package var origin: String
        package var rows: Int
        package var columns: Int

        package init(name: String, origin: String, rows: Int, columns: Int) {
            self.name = name
            self.origin = origin
            self.rows = rows
            self.columns = columns
        }
    }

    package var title: String
    package var items: [Item] = []
    /// The as-of day ("2024-12-31") and whether the script fixed it (else it is today).
    package var asOf: String?
    package var asOfFixed = false
    package var sources: [DataSource] = []
    /// Rows of one table beyond which the rest is left out, with a note saying so (a report
    /// is read, not processed; CSV or `export` carry every row).
    package var maxRows = 10_000

    package init(title: String) {
        self.title = title
    }

    /// Datasets and as-of day from a session.
    package mutating func describe(_ session: Session) {
        asOf = CivilCalendar.formatDate(session.settings.effectiveAsOf)
        asOfFixed = session.settings.asOf != nil
        sources = session.datasetNames.compactMap { name in
            guard let dataset = session.catalog[name] else { return nil }
            return DataSource(name: name, origin: dataset.origin, rows: dataset.table.rowCount, columns: dataset.table.columnCount)
        }
    }

    // MARK: - The document

    package func document() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // Nothing may run or load: data in the report cannot become a script or a request.
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        out += "<meta name=\"generator\" content=\"\(Self.escape(KPIQVersion.description))\">\n"
        out += "<title>\(Self.escape(title))</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        out += "<header><h1>\(Self.escape(title))</h1>"
        if let asOf { out += "<p class=\"asof\">as of \(Self.escape(asOf))</p>" }
        out += "</header>\n<main>\n"
        for item in items {
            switch item {
            case .comment(let text):
                out += "<p class=\"comment\">\(Self.escape(text))</p>\n"
            case .result(let result, let statement):
                out += Self.section(result, statement: statement, maxRows: maxRows)
            case .chart(let result, let request):
                out += "<section class=\"result\">\n" + Self.charts(result, request: request) + "</section>\n"
            case .error(let text):
                out += "<section class=\"error\"><h2>The script stopped at an error</h2><pre>\(Self.escape(text))</pre></section>\n"
            }
        }
        out += "</main>\n<footer>\n"
        if let asOf {
            out += "<p>As of \(Self.escape(asOf))" + (asOfFixed ? "" : " (the day the report was made)") + ".</p>\n"
        }
        if !sources.isEmpty {
            out += "<p>Data:</p>\n<ul class=\"sources\">\n"
            for source in sources {
                out += "<li><strong>\(Self.escape(source.name))</strong>: \(Self.escape(source.origin)), "
                out += "\(ValueFormatter.grouped(Int64(source.rows))) row\(source.rows == 1 ? "" : "s"), "
                out += "\(ValueFormatter.grouped(Int64(source.columns))) column\(source.columns == 1 ? "" : "s")</li>\n"
            }
            out += "</ul>\n"
        }
        out += "<p class=\"made\">Made with \(Self.escape(KPIQVersion.description)).</p>\n</footer>\n</body>\n</html>\n"
        return out
    }

    // MARK: - Results

    /// A result: KPI cards for a show without `by`, its table (unless the cards say it all),
    /// its chart, its notes.
    static func section(_ result: QueryResult, statement: String?, maxRows: Int) -> String {
        let result = result.withoutDetailColumns()
        var out = "<section class=\"result\(result.isFailedCheck ? " alert" : "")\">\n"
        if let title = result.title { out += "<h2>\(escape(visible(title)))</h2>\n" }
        if let statement, !statement.isEmpty {
            out += "<pre class=\"statement\">\(escape(visible(statement)))</pre>\n"
        }
        if result.isFailedCheck { out += "<p class=\"alert-text\">check found \(rows(result.table.rowCount))</p>\n" }
        let shape = validShape(result)
        var cardsOnly = false
        if let shape, shape.dimensions.isEmpty, result.table.rowCount > 0 {
            out += cards(result, shape: shape)
            // One row: the cards hold every value.
            cardsOnly = shape.period == nil && result.table.rowCount == 1 && result.chart == nil
        }
        if !cardsOnly { out += table(result, maxRows: maxRows) }
        if let request = result.chart {
            out += charts(result, request: request)
        } else if let shape, let period = shape.period, !shape.dimensions.isEmpty, result.table.rowCount > 1 {
            // A KPI over periods broken down: one line per dimension value.
            out += charts(result, request: ChartRequest(style: .line, x: period, y: shape.metrics))
        } else if let shape, let period = shape.period, let x = result.table.index(of: period), result.table.rowCount > 2 {
            // A KPI over periods: the metrics of one format share a chart, a line each.
            let cells = CellFormatter(result, rows: result.table.rowCount)
            var groups: [[Int]] = []
            for metric in shape.metrics {
                guard let m = result.table.index(of: metric), result.table.columns[m].type.isNumeric else { continue }
                if let g = groups.firstIndex(where: { result.formats[$0[0]] == result.formats[m] }) { groups[g].append(m) } else { groups.append([m]) }
            }
            for group in groups { out += lineChart(result, cells: cells, x: x, ys: group, series: []) }
        }
        if !result.notes.isEmpty {
            out += "<ul class=\"notes\">\n" + result.notes.map { "<li>\(escape(visible($0)))</li>\n" }.joined() + "</ul>\n"
        }
        return out + "</section>\n"
    }

    /// The shape when the table still has the columns it names.
    static func validShape(_ result: QueryResult) -> KPIShape? {
        guard let shape = result.shape else { return nil }
        let names = result.table.names
        guard shape.metrics.allSatisfy(names.contains), shape.dimensions.allSatisfy(names.contains),
              shape.period.map(names.contains) ?? true else { return nil }
        return shape
    }

    static func rows(_ n: Int) -> String { ValueFormatter.grouped(Int64(n)) + (n == 1 ? " row" : " rows") }

    /// Text with control characters shown as escapes (`\e`), as tables show them.
    static func visible(_ text: String) -> String { TerminalText.visible(text, keepingLayout: true) }

    /// Formats for a result's cells: decimals per column, label columns.
    struct CellFormatter {
        let result: QueryResult
        let decimals: [Int?]
        let labels: [Bool]

        init(_ result: QueryResult, rows: Int) {
            self.result = result
            decimals = TableRenderer.columnDecimals(result, rows: Array(0..<rows))
            labels = result.table.names.map(ValueFormatter.isLabelColumn)
        }

        func text(_ column: Int, _ row: Int) -> String {
            let table = result.table
            let value = table.columns[column].scalar(at: row)
            if case .int(let v) = value, result.formats[column] == nil, labels[column] { return String(v) }
            return ValueFormatter.format(value, type: table.columns[column].type, format: result.formats[column], decimals: decimals[column])
        }

        /// A value of a column outside the table (a chart's axis), formatted as the column's.
        func text(_ value: Double, column: Int) -> String {
            let type = result.table.columns[column].type
            let whole = value == value.rounded() && value.magnitude < 9e15
            if type == .int, whole { return ValueFormatter.format(.int(Int64(value)), type: .int, format: result.formats[column]) }
            return ValueFormatter.format(.decimal(value), type: .decimal, format: result.formats[column], decimals: decimals[column])
        }
    }

    static func table(_ result: QueryResult, maxRows: Int) -> String {
        let table = result.table
        let shown = maxRows > 0 ? min(table.rowCount, maxRows) : table.rowCount
        let cells = CellFormatter(result, rows: shown)
        let numeric = table.columns.map { $0.type.isNumeric }
        var out = "<div class=\"table-wrap\"><table>\n<thead><tr>"
        for (c, name) in table.names.enumerated() {
            out += "<th\(numeric[c] ? " class=\"num\"" : "")>\(escape(visible(name)))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        let targets = table.names.map { $0.hasSuffix("_target") }
        for row in 0..<shown {
            out += "<tr>"
            for c in table.columns.indices {
                var classes: [String] = []
                if numeric[c] { classes.append("num") }
                if table.columns[c].scalar(at: row).isNull { classes.append("null") }
                let text = cells.text(c, row)
                if targets[c] { classes.append(statusClass(text)) }
                out += "<td" + (classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"") + ">\(escape(TableRenderer.cellText(text, unicode: true)))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody></table></div>\n"
        if shown < table.rowCount {
            out += "<p class=\"more\">The first \(rows(shown)) of \(rows(table.rowCount)) are shown; CSV or `export` give every row.</p>\n"
        } else {
            out += "<p class=\"count\">\(rows(table.rowCount))</p>\n"
        }
        return out
    }

    static func statusClass(_ text: String) -> String {
        switch text {
        case "on target": return "status on"
        case "below", "above": return "status off"
        default: return "status"
        }
    }

    // MARK: - KPI cards

    /// A card per metric: its value (the last complete period's, over periods), the change
    /// against each comparison (or the period before), its target status and a sparkline.
    static func cards(_ result: QueryResult, shape: KPIShape) -> String {
        let table = result.table
        let cells = CellFormatter(result, rows: table.rowCount)
        let periodIndex = shape.period.flatMap { table.index(of: $0) }
        let partialIndex = table.index(of: "partial")
        func isPartial(_ row: Int) -> Bool {
            guard let partialIndex, case .bool(true) = table.columns[partialIndex].scalar(at: row) else { return false }
            return true
        }
        // The row a card shows: the last complete period when there are periods.
        var row = table.rowCount - 1
        if periodIndex != nil, let complete = (0..<table.rowCount).last(where: { !isPartial($0) }) { row = complete }
        var out = "<div class=\"cards\">\n"
        for metric in shape.metrics {
            guard let m = table.index(of: metric) else { continue }
            out += "<div class=\"card\">\n<div class=\"card-name\">\(escape(visible(metric)))</div>\n"
            out += "<div class=\"card-value\">\(escape(cells.text(m, row)))</div>\n"
            if let periodIndex {
                out += "<div class=\"card-period\">\(escape(cells.text(periodIndex, row)))\(isPartial(row) ? " (partial)" : "")</div>\n"
            }
            var changes: [(String, Int?, Int?, String)] = []  // (label, change column, relative column, text when computed here)
            for prefix in shape.comparisons {
                let label = prefix == "prev_year" ? "vs previous year" : "vs previous period"
                changes.append((label, table.index(of: "\(metric)_change_\(prefix)"), table.index(of: "\(metric)_rel_change_\(prefix)"), ""))
            }
            for (label, change, relative, _) in changes {
                guard let change else { continue }
                let value = table.columns[change].scalar(at: row).doubleValue
                var text = cells.text(change, row)
                if let relative, !table.columns[relative].scalar(at: row).isNull, result.formats[m] != .percent {
                    text += " (" + cells.text(relative, row) + ")"
                }
                out += changeLine(value: value, text: text, label: label)
            }
            if shape.comparisons.isEmpty, periodIndex != nil, row > 0,
               let now = table.columns[m].scalar(at: row).doubleValue, let before = table.columns[m].scalar(at: row - 1).doubleValue {
                // No `vs`: against the period before, in the table's terms.
                let difference = now - before
                var text: String
                if result.formats[m] == .percent {
                    text = ValueFormatter.points(difference)
                } else {
                    text = (difference > 0 ? "+" : "") + cells.text(difference, column: m)
                    if before != 0 { text += " (" + (difference > 0 ? "+" : "") + ValueFormatter.percent(difference / abs(before)) + ")" }
                }
                out += changeLine(value: difference, text: text, label: "vs " + cells.text(periodIndex!, row - 1))
            }
            if let target = table.index(of: "\(metric)_target") {
                let status = cells.text(target, row)
                out += "<div class=\"card-target \(statusClass(status))\">target: \(escape(status))</div>\n"
            }
            if periodIndex != nil, table.rowCount > 1 {
                out += sparkline((0..<table.rowCount).map { table.columns[m].scalar(at: $0).doubleValue }, name: metric)
            }
            out += "</div>\n"
        }
        return out + "</div>\n"
    }

    static func changeLine(value: Double?, text: String, label: String) -> String {
        let direction = value.map { $0 > 0 ? "up" : $0 < 0 ? "down" : "flat" } ?? "flat"
        let arrow = direction == "up" ? "▲ " : direction == "down" ? "▼ " : ""
        return "<div class=\"card-change \(direction)\">\(arrow)\(escape(text)) <span>\(escape(label))</span></div>\n"
    }

    /// A small line of the values (nulls leave gaps), from zero for non-negative data.
    static func sparkline(_ values: [Double?], name: String) -> String {
        let width = 160.0, height = 36.0
        let present = values.compactMap { $0 }.filter(\.isFinite)
        guard let low = present.min(), let high = present.max() else { return "" }
        let bottom = min(0, low), top = max(0, high) == bottom ? bottom + 1 : max(0, high)
        let step = values.count > 1 ? width / Double(values.count - 1) : 0
        var path = ""
        var pen = false
        for (i, value) in values.enumerated() {
            guard let value, value.isFinite else { pen = false; continue }
            let x = Double(i) * step, y = height - 2 - (value - bottom) / (top - bottom) * (height - 4)
            path += (pen ? "L" : "M") + number(x) + " " + number(y)
            pen = true
        }
        return "<svg class=\"spark\" viewBox=\"0 0 \(number(width)) \(number(height))\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(escape(name)) over the periods\">"
            + "<path d=\"\(path)\"/></svg>\n"
    }

    // MARK: - Charts

    /// The charts of a result as its request asks: horizontal bars for a breakdown, lines
    /// over time (one per value of a text column), one chart per numeric column.
    static func charts(_ result: QueryResult, request: ChartRequest) -> String {
        let result = result.withoutDetailColumns()
        let table = result.table
        guard table.rowCount > 0 else { return "<p class=\"chart-error\">(no chart: the result has no rows to chart)</p>\n" }
        if let name = ChartAxes.unknownColumn(table, request: request) {
            return "<p class=\"chart-error\">(no chart: unknown column `\(escape(name))` in the result)</p>\n"
        }
        let axes = ChartAxes(table, request: request)
        let (xIndex, yIndexes, style) = (axes.x, axes.ys, axes.style)
        guard !yIndexes.isEmpty else { return "<p class=\"chart-error\">(no chart: the result has no numeric column to chart)</p>\n" }
        let cells = CellFormatter(result, rows: table.rowCount)
        let series = style == .line
            ? table.columns.indices.filter { $0 != xIndex && !yIndexes.contains($0) && table.columns[$0].type == .text } : []
        var out = ""
        for y in yIndexes {
            out += style == .line
                ? lineChart(result, cells: cells, x: xIndex, ys: [y], series: series)
                : barChart(result, cells: cells, x: xIndex, y: y)
        }
        return out
    }

    static let palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569", "#b45309"]

    /// Ticks from zero (or the lowest value, below zero) to the highest: 1, 2, 2.5 or 5 times a power of ten.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        guard high > low, (high - low).isFinite else { return [low] }
        let rough = (high - low) / 4
        var power = 1.0
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * power }.first { $0 >= rough } ?? power * 10
        var values: [Double] = []
        var v = (low / step).rounded(.down) * step
        while v < high + step * 0.999, values.count < 20 {
            values.append(v)
            v += step
        }
        return values
    }

    /// Lines over `x`: one per value of the `series` columns, or, given several `ys` (of one
    /// format), one per column.
    static func lineChart(_ result: QueryResult, cells: CellFormatter, x: Int, ys: [Int], series: [Int]) -> String {
        let table = result.table
        let y = ys[0]
        // The x values in order of first appearance (periods come sorted), with their labels.
        var keys: [String] = []
        var position: [String: Int] = [:]
        var names: [String] = []
        var points: [String: [Int: Double]] = [:]
        for row in 0..<table.rowCount {
            let key = x >= 0 ? cells.text(x, row) : String(row + 1)
            if position[key] == nil {
                position[key] = keys.count
                keys.append(key)
            }
            for column in ys {
                let name = ys.count > 1 ? table.names[column] : series.map { cells.text($0, row) }.joined(separator: " / ")
                if points[name] == nil {
                    names.append(name)
                    points[name] = [:]
                }
                if let v = table.columns[column].scalar(at: row).doubleValue, v.isFinite { points[name]![position[key]!] = v }
            }
        }
        let all = points.values.flatMap(\.values)
        let yName = ys.map { table.names[$0] }.joined(separator: ", ")
        let seriesName = series.map { table.names[$0] }.joined(separator: ", ")
        var out = "<figure class=\"chart line\" data-marks=\"\(all.count)\">\n<figcaption>\(escape(visible(yName)))"
        if !series.isEmpty { out += " by \(escape(visible(seriesName)))" }
        out += "</figcaption>\n"
        guard let low = all.min(), let high = all.max() else { return out + "<p class=\"chart-error\">(no values)</p></figure>\n" }
        // From zero for data that never goes below it, so heights compare as amounts.
        let grid = ticks(min(0, low), max(0, high) == min(0, low) ? 1 : max(0, high))
        let bottom = grid.first!, top = grid.last! > bottom ? grid.last! : bottom + 1
        let width = 720.0, height = 300.0, left = 76.0, right = 34.0, upper = 12.0, lower = 44.0
        let plotWidth = width - left - right, plotHeight = height - upper - lower
        func px(_ i: Int) -> Double { keys.count > 1 ? left + Double(i) * plotWidth / Double(keys.count - 1) : left + plotWidth / 2 }
        func py(_ v: Double) -> Double { upper + plotHeight - (v - bottom) / (top - bottom) * plotHeight }
        out += "<svg viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(escape(yName)) over \(escape(x >= 0 ? table.names[x] : "rows"))\">\n"
        for tick in grid {
            out += "<line class=\"grid\" x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(py(tick)))\" y2=\"\(number(py(tick)))\"/>"
            out += "<text class=\"ylabel\" x=\"\(number(left - 6))\" y=\"\(number(py(tick) + 4))\">\(escape(cells.text(tick, column: y)))</text>\n"
        }
        out += "<line class=\"axis\" x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(py(bottom)))\" y2=\"\(number(py(bottom)))\"/>\n"
        // As many x labels as fit, evenly.
        let every = max(1, Int((Double(keys.count) / 8).rounded(.up)))
        for (i, key) in keys.enumerated() where i % every == 0 || i == keys.count - 1 && (keys.count - 1) % every >= every / 2 + 1 {
            out += "<text class=\"xlabel\" x=\"\(number(px(i)))\" y=\"\(number(height - lower + 18))\">\(escape(visible(key)))</text>"
        }
        out += "\n"
        for (s, name) in names.enumerated() {
            let color = palette[s % palette.count]
            let values = points[name]!
            var path = ""
            var pen = false
            for i in keys.indices {
                guard let v = values[i] else { pen = false; continue }
                path += (pen ? "L" : "M") + number(px(i)) + " " + number(py(v))
                pen = true
            }
            out += "<path class=\"series\" stroke=\"\(color)\" d=\"\(path)\"/>\n"
            for i in keys.indices {
                guard let v = values[i] else { continue }
                let label = (name.isEmpty ? "" : name + ", ") + keys[i] + ": " + cells.text(v, column: y)
                out += "<circle class=\"mark\" fill=\"\(color)\" cx=\"\(number(px(i)))\" cy=\"\(number(py(v)))\" r=\"3\"><title>\(escape(visible(label)))</title></circle>"
            }
            out += "\n"
        }
        out += "</svg>\n"
        if names.count > 1 || !series.isEmpty {
            out += "<ul class=\"legend\">" + names.enumerated().map { s, name in
                "<li><span class=\"swatch\" style=\"background:\(palette[s % palette.count])\"></span>\(escape(visible(name)))</li>"
            }.joined() + "</ul>\n"
        }
        return out + "</figure>\n"
    }

    static func barChart(_ result: QueryResult, cells: CellFormatter, x: Int, y: Int) -> String {
        let table = result.table
        let shown = min(table.rowCount, 200)
        let values = (0..<shown).map { table.columns[y].scalar(at: $0).doubleValue.flatMap { $0.isFinite ? $0 : nil } }
        let labels = (0..<shown).map { x >= 0 ? cells.text(x, $0) : String($0 + 1) }
        let texts = (0..<shown).map { cells.text(y, $0) }
        let yName = table.names[y]
        let marks = values.compactMap { $0 }.count
        var out = "<figure class=\"chart bar\" data-marks=\"\(marks)\">\n<figcaption>\(escape(visible(yName)))"
        if x >= 0 { out += " by \(escape(visible(table.names[x])))" }
        out += "</figcaption>\n"
        let present = values.compactMap { $0 }
        let least = min(0, present.min() ?? 0), most = max(0, present.max() ?? 0)
        let span = most - least > 0 ? most - least : 1
        let width = 720.0, labelWidth = 170.0, valueWidth = 90.0, rowHeight = 26.0, barHeight = 18.0, upper = 6.0
        let plotWidth = width - labelWidth - valueWidth - 12
        let height = upper * 2 + rowHeight * Double(shown)
        func px(_ v: Double) -> Double { labelWidth + 6 + (v - least) / span * plotWidth }
        out += "<svg viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(escape(yName))\">\n"
        for k in 0..<shown {
            let top = upper + Double(k) * rowHeight
            var label = labels[k]
            if label.count > 24 { label = String(label.prefix(23)) + "…" }
            out += "<text class=\"blabel\" x=\"\(number(labelWidth))\" y=\"\(number(top + barHeight - 4))\">\(escape(visible(label)))<title>\(escape(visible(labels[k])))</title></text>"
            if let v = values[k] {
                let a = px(min(0, v)), b = px(max(0, v))
                out += "<rect class=\"mark\(v < 0 ? " negative" : "")\" x=\"\(number(a))\" y=\"\(number(top))\" width=\"\(number(max(b - a, 0.5)))\" height=\"\(number(barHeight))\">"
                out += "<title>\(escape(visible(labels[k] + ": " + texts[k])))</title></rect>"
                out += "<text class=\"bvalue\" x=\"\(number(px(max(0, v)) + 4))\" y=\"\(number(top + barHeight - 4))\">\(escape(texts[k]))</text>\n"
            } else {
                out += "<text class=\"bvalue\" x=\"\(number(px(0) + 4))\" y=\"\(number(top + barHeight - 4))\">\(escape(texts[k]))</text>\n"
            }
        }
        out += "<line class=\"axis\" x1=\"\(number(px(0)))\" x2=\"\(number(px(0)))\" y1=\"\(number(upper - 2))\" y2=\"\(number(height - upper + 2))\"/>\n"
        out += "</svg>\n"
        if shown < table.rowCount { out += "<p class=\"more\">The first \(shown) of \(rows(table.rowCount)) are drawn.</p>\n" }
        return out + "</figure>\n"
    }

    /// A coordinate with at most one decimal.
    static func number(_ v: Double) -> String {
        // Extreme data (1e308, a step that underflowed) must not trap in Int(...).
        guard v.isFinite else { return "0" }
        let rounded = (max(-1e9, min(1e9, v)) * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    // MARK: - Text

    /// Text safe in an element or an attribute: `&`, `<`, `>`, quotes escaped, control
    /// characters other than line breaks and tabs left out (they are not allowed in HTML).
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    // MARK: - Style

    /// Light, readable on a phone (tables scroll sideways inside their box), and printed on
    /// A4 without cut charts.
    static let css = """
        :root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #fff; color: var(--ink); font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        header, main, footer { max-width: 980px; margin: 0 auto; padding: 0 20px; }
        header { padding-top: 24px; border-bottom: 2px solid var(--ink); }
        h1 { font-size: 1.6em; margin: 0 0 4px; }
        h2 { font-size: 1.1em; margin: 0 0 6px; }
        .asof { color: var(--muted); margin: 0 0 12px; }
        .comment { margin: 18px 0 8px; max-width: 70ch; white-space: pre-line; }
        section.result { margin: 14px 0 26px; }
        section.alert h2, .alert-text { color: #b91c1c; }
        section.error { border-left: 4px solid #b91c1c; padding: 6px 12px; background: #fef2f2; }
        pre { white-space: pre-wrap; word-break: break-word; }
        pre.statement { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; color: var(--muted); margin: 0 0 8px; }
        .table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
        table { border-collapse: collapse; font-size: 13.5px; min-width: 100%; }
        th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; vertical-align: top; }
        th { background: #f3f4f6; font-weight: 600; position: sticky; top: 0; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tbody tr:nth-child(even) td { background: #f9fafb; }
        td.null { color: var(--muted); }
        .status.on { color: #047857; font-weight: 600; }
        .status.off { color: #b91c1c; font-weight: 600; }
        .count, .more { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
        .notes { color: var(--muted); font-size: 13px; margin: 6px 0 0; padding-left: 18px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin: 8px 0 12px; }
        .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fff; break-inside: avoid; }
        .card-name { color: var(--muted); font-size: 13px; }
        .card-value { font-size: 1.8em; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.2; }
        .card-period { color: var(--muted); font-size: 12.5px; }
        .card-change { font-size: 13px; }
        .card-change span { color: var(--muted); }
        .card-target { font-size: 13px; }
        svg.spark { display: block; width: 100%; height: 36px; margin-top: 6px; }
        svg.spark path { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
        figure.chart { margin: 12px 0; break-inside: avoid; }
        figure.chart figcaption { font-weight: 600; font-size: 13.5px; margin-bottom: 4px; }
        figure.chart svg { display: block; width: 100%; height: auto; max-width: 760px; }
        svg text { font: 11px -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
        svg .ylabel, svg .blabel { text-anchor: end; fill: var(--muted); }
        svg .xlabel { text-anchor: middle; fill: var(--muted); }
        svg .grid { stroke: var(--line); stroke-width: 1; }
        svg .axis { stroke: #9ca3af; stroke-width: 1; }
        svg .series { fill: none; stroke-width: 2; }
        svg rect.mark { fill: var(--accent); }
        svg rect.mark.negative { fill: #dc2626; }
        .legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12.5px; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
        .chart-error { color: var(--muted); }
        footer { margin-top: 28px; padding-top: 10px; padding-bottom: 24px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
        footer p { margin: 4px 0; }
        .sources { margin: 0; padding-left: 18px; }
        @media (max-width: 600px) {
          body { font-size: 14px; }
          header, main, footer { padding: 0 12px; }
          .card-value { font-size: 1.5em; }
        }
        @page { size: A4; margin: 14mm 12mm; }
        @media print {
          body { font-size: 10.5pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          header, main, footer { max-width: none; padding: 0; }
          .table-wrap { overflow: visible; border: none; }
          table { font-size: 8.5pt; }
          th, td { padding: 2px 6px; white-space: normal; }
          th { position: static; }
          section.result { break-inside: auto; }
          h2, .comment { break-after: avoid; }
          figure.chart, .card, tr { break-inside: avoid; }
        }

        """
}
