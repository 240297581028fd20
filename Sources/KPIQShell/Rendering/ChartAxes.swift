import KPIQ

/// Which columns a chart plots and how, as its request asks and the result's types suggest:
/// the same choice for a chart in the terminal (`ChartRenderer`) and in a report
/// (`HTMLReport`).
struct ChartAxes {
    /// The column along the x axis; -1 when there is none to use (the rows are numbered).
    let x: Int
    /// The plotted columns: the requested ones, or else every numeric column but x. Empty when
    /// there is nothing numeric to plot.
    let ys: [Int]
    /// Whether x is a date or timestamp (a series over time).
    let isTime: Bool
    /// The request's style, `auto` settled: lines over time, bars otherwise.
    let style: ChartRequest.Style

    init(_ table: Table, request: ChartRequest) {
        let x: Int
        if let name = request.x, let i = table.index(of: name) {
            x = i
        } else if request.style != .bar, let i = table.columns.firstIndex(where: { $0.type.isTemporal }) {
            x = i  // a series over time, even when a dimension comes first
        } else if let i = table.columns.firstIndex(where: { !$0.type.isNumeric }) {
            x = i
        } else {
            x = -1
        }
        let requested = request.y.compactMap { table.index(of: $0) }
        self.x = x
        ys = requested.isEmpty ? table.columns.indices.filter { table.columns[$0].type.isNumeric && $0 != x } : requested
        isTime = x >= 0 && table.columns[x].type.isTemporal
        style = request.style == .auto ? (isTime ? .line : .bar) : request.style
    }

    /// The first column the request names that the table does not have.
    static func unknownColumn(_ table: Table, request: ChartRequest) -> String? {
        ([request.x].compactMap { $0 } + request.y).first { table.index(of: $0) == nil }
    }
}
