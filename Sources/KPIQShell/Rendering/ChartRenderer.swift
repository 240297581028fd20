import KPIQ

/// Charts in the terminal, because a trend is seen rather than read.
///
/// A breakdown (a text column and numbers) becomes horizontal bars; a series over time (a
/// date or timestamp column and numbers) becomes a column plot with its range and a
/// sparkline per number column. Unicode block characters, or plain ASCII when the terminal
/// is not UTF-8.
public struct ChartRenderer {
    public var width: Int
    public var height: Int
    public var unicode: Bool

    public init(width: Int = 80, height: Int = 10, unicode: Bool = true) {
        self.width = width
        self.height = height
        self.unicode = unicode
    }

    public enum ChartError: Error, CustomStringConvertible {
        case nothingToPlot(String)
        public var description: String {
            switch self {
            case .nothingToPlot(let why): return why
            }
        }
    }

    public func render(_ result: QueryResult, request: ChartRequest = ChartRequest(style: .auto, x: nil, y: [])) throws -> String {
        let table = result.table
        guard table.rowCount > 0 else { throw ChartError.nothingToPlot("the result has no rows to chart") }
        let xIndex: Int
        if let x = request.x, let i = table.index(of: x) {
            xIndex = i
        } else if let i = table.columns.firstIndex(where: { !$0.type.isNumeric }) {
            xIndex = i
        } else {
            xIndex = -1
        }
        var yIndexes = request.y.compactMap { table.index(of: $0) }
        if yIndexes.isEmpty { yIndexes = table.columns.indices.filter { table.columns[$0].type.isNumeric && $0 != xIndex } }
        guard !yIndexes.isEmpty else { throw ChartError.nothingToPlot("the result has no numeric column to chart") }
        let isTime = xIndex >= 0 && table.columns[xIndex].type.isTemporal
        let style: ChartRequest.Style = request.style == .auto ? (isTime ? .line : .bar) : request.style
        let labels: [String] = (0..<table.rowCount).map { row in
            xIndex < 0 ? String(row + 1) : ValueFormatter.format(table.columns[xIndex].scalar(at: row), type: table.columns[xIndex].type,
                                                                 format: result.formats[xIndex])
        }
        var out = ""
        for y in yIndexes {
            let values = (0..<table.rowCount).map { table.columns[y].scalar(at: $0).doubleValue }
            let format = result.formats[y]
            let name = table.names[y]
            out += style == .line
                ? line(name: name, labels: labels, values: values, format: format, type: table.columns[y].type)
                : bars(name: name, labels: labels, values: values, format: format, type: table.columns[y].type)
        }
        return out
    }

    private func show(_ v: Double?, _ format: ValueFormat?, _ type: DataType) -> String {
        guard let v else { return ValueFormatter.nullText }
        let whole = type == .int && v == v.rounded() && v.magnitude < 9.2e18  // Int64(v) traps beyond
        return ValueFormatter.format(whole ? .int(Int64(v)) : .decimal(v), type: type, format: format)
    }

    /// One bar per row, scaled to the largest absolute value.
    func bars(name: String, labels: [String], values: [Double?], format: ValueFormat?, type: DataType) -> String {
        let labelWidth = min(24, labels.map(\.count).max() ?? 0)
        let texts = values.map { show($0, format, type) }
        let valueWidth = texts.map(\.count).max() ?? 0
        let barWidth = max(10, width - labelWidth - valueWidth - 4)
        let largest = values.compactMap { $0.map(abs) }.max() ?? 0
        var out = "\(name)\n"
        for (k, label) in labels.enumerated() {
            let shown = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + (unicode ? "…" : "~") : label
            let bar = values[k].map { largest > 0 ? barText(abs($0) / largest * Double(barWidth)) : "" } ?? ""
            out += " " + shown + String(repeating: " ", count: labelWidth - shown.count) + " "
            out += bar + String(repeating: " ", count: max(0, barWidth - bar.count)) + " " + texts[k] + "\n"
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

    /// A column plot over time: `height` rows, one column per period (or per group of
    /// periods when there are more periods than columns), with min and max marked.
    func line(name: String, labels: [String], values: [Double?], format: ValueFormat?, type: DataType) -> String {
        let present = values.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return "\(name): no values\n" }
        // The plot spans the data's own range (a trend is about change), down to zero only
        // when values reach or cross it.
        let top = high
        var bottom = low > 0 ? low - Self.distance(low, high) / Double(height - 1) : min(0, low)
        if !bottom.isFinite { bottom = low }
        let columns = min(values.count, max(10, width - 14))
        // Average values into `columns` buckets when there are more points than columns.
        let buckets: [Double?] = (0..<columns).map { c in
            let lower = c * values.count / columns, upper = max(lower + 1, (c + 1) * values.count / columns)
            let part = values[lower..<upper].compactMap { $0 }
            return part.isEmpty ? nil : part.reduce(0) { $0 + $1 / Double(part.count) }  // a mean that cannot overflow
        }
        let bottomLabel = show(low > 0 ? low : bottom, format, type)
        let axisWidth = max(show(top, format, type).count, bottomLabel.count)
        var out = "\(name)\n"
        let levels = unicode ? ["", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["", ".", ".", ":", ":", "|", "|", "#", "#"]
        for row in stride(from: height - 1, through: 0, by: -1) {
            var text = ""
            for bucket in buckets {
                guard let v = bucket, top > bottom else { text += " "; continue }
                let filled = Self.fraction(v, from: bottom, to: top) * Double(height)
                let cell = filled - Double(row)
                if cell >= 1 { text += levels[8] } else if cell > 0 { text += levels[max(1, Int((cell * 8).rounded()))] } else { text += " " }
            }
            let axis = row == height - 1 ? show(top, format, type) : (row == 0 ? bottomLabel : "")
            out += (" " + String(repeating: " ", count: axisWidth - axis.count) + axis + (unicode ? " ┤" : " |") + text).trailingSpacesRemoved + "\n"
        }
        let first = labels.first ?? "", last = labels.last ?? ""
        let gap = max(1, buckets.count - first.count - last.count)
        out += " " + String(repeating: " ", count: axisWidth + 2) + first + String(repeating: " ", count: gap) + last + "\n"
        out += (" " + String(repeating: " ", count: axisWidth + 2) + sparkline(values)).trailingSpacesRemoved + "\n"
        return out
    }

    /// ▁▂▃▅▇ per value (nulls as spaces).
    public func sparkline(_ values: [Double?]) -> String {
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
