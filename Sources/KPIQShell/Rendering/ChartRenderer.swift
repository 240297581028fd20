import KPIQ

/// Charts in the terminal, because a trend is seen rather than read.
///
/// A breakdown (a text column and numbers) becomes horizontal bars; a series over time (a
/// date or timestamp column and numbers) becomes a column plot as wide as the terminal, one
/// per number column, or a sparkline per value when a text column breaks the series down. Unicode block characters, or plain ASCII when the terminal
/// is not UTF-8.
package struct ChartRenderer {
    package var width: Int
    package var height: Int
    package var unicode: Bool

    package init(width: Int = 80, height: Int = 10, unicode: Bool = true) {
        self.width = width
        self.height = height
        self.unicode = unicode
    }

    package enum ChartError: Error, CustomStringConvertible {
        case nothingToPlot(String)
        package var description: String {
            switch self {
            case .nothingToPlot(let why): return why
            }
        }
    }

    package func render(_ result: QueryResult, request: ChartRequest = ChartRequest(style: .auto, x: nil, y: [])) throws -> String {
        let table = result.table
        guard table.rowCount > 0 else { throw ChartError.nothingToPlot("the result has no rows to chart") }
        if let name = ChartAxes.unknownColumn(table, request: request) {
            var message = "unknown column `\(name)` in the result"
            if let near = EditDistance.closest(to: name, among: table.names) { message += " (did you mean `\(near)`?)" }
            throw ChartError.nothingToPlot(message)
        }
        let axes = ChartAxes(table, request: request)
        let (xIndex, yIndexes, isTime, style) = (axes.x, axes.ys, axes.isTime, axes.style)
        guard !yIndexes.isEmpty else { throw ChartError.nothingToPlot("the result has no numeric column to chart") }
        let labels: [String] = (0..<table.rowCount).map { row in
            xIndex < 0 ? String(row + 1) : ValueFormatter.format(table.columns[xIndex].scalar(at: row), type: table.columns[xIndex].type,
                                                                 format: result.formats[xIndex])
        }
        // A series over time broken down by a dimension (source by month): one line per value.
        // Only text is a dimension: a flag such as `partial` marks periods of the one series.
        let seriesIndex = isTime && style == .line
            ? table.columns.indices.first { $0 != xIndex && !yIndexes.contains($0) && table.columns[$0].type == .text } : nil
        var out = ""
        for y in yIndexes {
            let values = (0..<table.rowCount).map { table.columns[y].scalar(at: $0).doubleValue }
            let format = result.formats[y]
            let name = table.names[y]
            if let seriesIndex {
                out += seriesLines(name: name, result: result, x: xIndex, series: seriesIndex, values: values, format: format, type: table.columns[y].type)
                continue
            }
            out += style == .line
                ? line(name: name, labels: labels, values: values, format: format, type: table.columns[y].type)
                : bars(name: name, labels: labels, values: values, format: format, type: table.columns[y].type)
        }
        return out
    }

    /// One sparkline per value of `series`, over the periods of `x` (gaps left blank), with
    /// each line's first, last, lowest and highest values.
    func seriesLines(name: String, result: QueryResult, x: Int, series: Int, values: [Double?], format: ValueFormat?, type: DataType) -> String {
        let table = result.table
        var periods: [Int64] = []
        var seen = Set<Int64>()
        var names: [String] = []
        var byName: [String: [Int64: Double]] = [:]
        for row in 0..<table.rowCount {
            let period: Int64
            switch table.columns[x].scalar(at: row) {
            case .date(let d): period = d
            case .timestamp(let t): period = t
            default: continue
            }
            if seen.insert(period).inserted { periods.append(period) }
            let label = ValueFormatter.format(table.columns[series].scalar(at: row), type: table.columns[series].type, format: result.formats[series])
            if byName[label] == nil {
                names.append(label)
                byName[label] = [:]
            }
            if let v = values[row] { byName[label]![period] = v }
        }
        periods.sort()
        func label(_ period: Int64) -> String {
            let type = table.columns[x].type
            return ValueFormatter.format(type == .date ? .date(period) : .timestamp(period), type: type, format: result.formats[x])
        }
        let nameWidth = min(24, names.map(\.count).max() ?? 0)
        var out = "\(name) by \(table.names[series]), \(label(periods.first ?? 0)) to \(label(periods.last ?? 0))\n"
        var lines: [(shown: String, points: [Double?], summary: String)] = []
        for series in names {
            let points = periods.map { byName[series]![$0] }
            let shown = series.count > nameWidth ? String(series.prefix(nameWidth - 1)) + (unicode ? "…" : "~") : series
            let present = points.compactMap { $0 }
            var summary = ""
            if let first = present.first, let last = present.last, let low = present.min(), let high = present.max() {
                summary = "\(show(first, format, type)) \(unicode ? "→" : "->") \(show(last, format, type))"
                    + "  (low \(show(low, format, type)), high \(show(high, format, type)))"
            }
            lines.append((shown, points, summary))
        }
        // Each period as wide as the terminal allows once names and summaries are placed.
        let summaryWidth = lines.map(\.summary.count).max() ?? 0
        let cellWidth = max(1, (width - nameWidth - summaryWidth - 4) / max(1, periods.count))
        for line in lines {
            let spark = sparkline(line.points).map { String(repeating: String($0), count: cellWidth) }.joined()
            out += " " + line.shown + String(repeating: " ", count: nameWidth - line.shown.count) + " " + spark + "  " + line.summary + "\n"
        }
        return out
    }

    private func show(_ v: Double?, _ format: ValueFormat?, _ type: DataType) -> String {
        guard let v else { return ValueFormatter.nullText }
        let whole = type == .int && v == v.rounded() && v.magnitude < 9.2e18  // Int64(v) traps beyond
        return ValueFormatter.format(whole ? .int(Int64(v)) : .decimal(v), type: type, format: format)
    }

    /// One bar per row, scaled to the largest absolute value. With negative values, a zero
    /// axis splits the width: negative bars grow left of it, positive ones right.
    func bars(name: String, labels: [String], values: [Double?], format: ValueFormat?, type: DataType) -> String {
        let labelWidth = min(24, labels.map(\.count).max() ?? 0)
        let texts = values.map { show($0, format, type) }
        let valueWidth = texts.map(\.count).max() ?? 0
        // Bars longer than about 100 cells are hard to compare by eye.
        let barWidth = max(10, min(width, 100) - labelWidth - valueWidth - 4)
        let present = values.compactMap { $0 }
        let most = max(0, present.max() ?? 0), least = min(0, present.min() ?? 0)
        let span = most - least
        // Cells left of the axis for negatives (none when all values are positive).
        let negativeWidth = least < 0 ? max(1, Int((Double(barWidth - 1) * -least / span).rounded())) : 0
        let positiveWidth = least < 0 ? barWidth - 1 - negativeWidth : barWidth
        let axis = unicode ? "│" : "|"
        var out = "\(name)\n"
        for (k, label) in labels.enumerated() {
            let shown = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + (unicode ? "…" : "~") : label
            out += " " + shown + String(repeating: " ", count: labelWidth - shown.count) + " "
            var bar = ""
            if least < 0 {
                let v = values[k] ?? 0
                let left = v < 0 ? String(repeating: unicode ? "█" : "#", count: max(1, Int((-v / span * Double(barWidth - 1)).rounded()))) : ""
                let right = v > 0 ? barText(v / span * Double(barWidth - 1)) : ""
                bar = String(repeating: " ", count: max(0, negativeWidth - left.count)) + left + axis + right
                bar += String(repeating: " ", count: max(0, positiveWidth - right.count))
            } else {
                let b = values[k].map { span > 0 ? barText($0 / span * Double(positiveWidth)) : "" } ?? ""
                bar = b + String(repeating: " ", count: max(0, positiveWidth - b.count))
            }
            out += bar + " " + texts[k] + "\n"
        }
        return out
    }

    /// A bar of `length` cells, with eighth-cell precision in Unicode.
    func barText(_ length: Double) -> String {
        let full = Int(length)
        if !unicode { return String(repeating: "#", count: max(full, length > 0 ? 1 : 0)) }
        let eighths = Int(((length - Double(full)) * 8).rounded())
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
        var text = String(repeating: "█", count: full)
        if eighths > 0 { text += partials[eighths] }
        if text.isEmpty, length > 0 { text = "▏" }
        return text
    }

    /// A column plot over time, `height` rows tall and as wide as `width`: each period gets an
    /// equal share of the columns (periods are averaged into columns when there are more
    /// periods than columns). The axis starts at zero for data that never goes below it, so
    /// heights compare as amounts; it starts at the lowest value otherwise.
    func line(name: String, labels: [String], values: [Double?], format: ValueFormat?, type: DataType) -> String {
        let present = values.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return "\(name): no values\n" }
        let bottom = min(0, low)
        let top = max(0, high)
        let topLabel = show(top, format, type), bottomLabel = show(bottom, format, type)
        let axisWidth = max(topLabel.count, bottomLabel.count)
        // " " + axis labels + " ┤" before the plot.
        let plotWidth = max(10, width - axisWidth - 3)
        let columns = min(values.count, plotWidth)
        // Average values into `columns` buckets when there are more points than columns.
        let buckets: [Double?] = (0..<columns).map { c in
            let lower = c * values.count / columns, upper = max(lower + 1, (c + 1) * values.count / columns)
            let part = values[lower..<upper].compactMap { $0 }
            return part.isEmpty ? nil : part.reduce(0) { $0 + $1 / Double(part.count) }  // a mean that cannot overflow
        }
        // Cells per bucket, spreading the plot over the whole width.
        let cellWidth = max(1, plotWidth / columns)
        var out = "\(name)\n"
        let levels = unicode ? ["", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["", ".", ".", ":", ":", "|", "|", "#", "#"]
        for row in stride(from: height - 1, through: 0, by: -1) {
            var text = ""
            for bucket in buckets {
                var cell = " "
                if let v = bucket, top > bottom {
                    let filled = Self.fraction(v, from: bottom, to: top) * Double(height) - Double(row)
                    if filled >= 1 { cell = levels[8] } else if filled > 0 { cell = levels[max(1, Int((filled * 8).rounded()))] }
                }
                // A gap of one cell between wide columns keeps neighbouring periods apart.
                text += String(repeating: cell, count: cellWidth > 2 ? cellWidth - 1 : cellWidth) + (cellWidth > 2 ? " " : "")
            }
            let axis = row == height - 1 ? topLabel : (row == 0 ? bottomLabel : "")
            out += (" " + String(repeating: " ", count: axisWidth - axis.count) + axis + (unicode ? " ┤" : " |") + text).trailingSpacesRemoved + "\n"
        }
        // Period labels under their columns, as many as fit without touching.
        var axisLine = ""
        for c in 0..<columns {
            let label = labels[c * values.count / columns]
            let position = c * cellWidth
            guard position >= axisLine.count + (axisLine.isEmpty ? 0 : 2), position + label.count <= plotWidth || c == 0 else { continue }
            axisLine += String(repeating: " ", count: position - axisLine.count) + label
        }
        out += " " + String(repeating: " ", count: axisWidth + 2) + axisLine + "\n"
        return out
    }

    /// ▁▂▃▅▇ per value (nulls as spaces).
    package func sparkline(_ values: [Double?]) -> String {
        let present = values.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return "" }
        let ticks = unicode ? Array("▁▂▃▄▅▆▇█") : Array("_.-=+*#@")
        return String(values.map { value -> Character in
            guard let value else { return " " }
            if high == low { return ticks[3] }
            return ticks[min(7, max(0, Int(Self.fraction(value, from: low, to: high) * 7.999)))]
        })
    }

    /// `high - low` for any finite values (halved first, so ±1e308 do not overflow to infinity).
    static func distance(_ low: Double, _ high: Double) -> Double { (high / 2 - low / 2) * 2 }

    /// Where `value` lies from `low` (0) to `high` (1), without overflowing; `high > low`.
    static func fraction(_ value: Double, from low: Double, to high: Double) -> Double {
        let result = (value / 2 - low / 2) / (high / 2 - low / 2)
        return result.isFinite ? result : 0
    }
}
