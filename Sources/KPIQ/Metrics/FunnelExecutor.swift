/// `funnel contacts: created_at -> mql_at -> sql_at -> customer_at [by source] [within 90 days]`
///
/// Stages come from timestamp columns, as CRMs store them. A unit (row) has reached a stage
/// when that stage or any later one has a timestamp (contacts that skipped MQL still count
/// as MQLs once they are SQLs). With `within`, a stage counts only when reached within that
/// time of entering the funnel, and a unit that has not converted yet but is still inside the
/// window at the "as of" date is *open*: it is neither a conversion nor a loss, and step rates
/// leave it out (converted / (entered - open)).
///
/// The "as of" day is today for the data: a unit that entered after it is left out, and a
/// stage reached after it is not reached yet.
struct FunnelExecutor {
    let catalog: Catalog
    let asOf: Int64
    let cancel: CancellationToken?

    func run(_ funnel: FunnelStatement) throws -> QueryResult {
        let dataset = try Binder(catalog: catalog, asOf: asOf).dataset(funnel.dataset)
        let table = dataset.table
        let schema = Schema(table: table, dataset: dataset.name)
        // Stage times in microseconds (dates at midnight); nil when not reached by the as-of day.
        let now = AsOfRange.end(asOf: asOf) * CivilCalendar.microsPerDay
        var stages: [[Int64?]] = []
        for step in funnel.steps {
            let index = try Binder.column(step, in: schema)
            let column = table.columns[index]
            guard column.type.isTemporal else {
                throw Diagnostic(.typeMismatch, "a funnel stage is a date or timestamp column; `\(step.name)` is \(column.type.name)", at: step.span)
            }
            stages.append((0..<table.rowCount).map { row in
                let time: Int64?
                switch column.scalar(at: row) {
                case .date(let d): time = d * CivilCalendar.microsPerDay
                case .timestamp(let t): time = t
                default: time = nil
                }
                // Not reached yet on the as-of day.
                return time.flatMap { $0 < now ? $0 : nil }
            })
        }
        let dimensionColumns = try funnel.dimensions.map { try Binder.column($0, in: schema) }
        // In microseconds; `within` is at most `Interval.maxYears` (the parser's limit), far from overflowing.
        let window = funnel.within.map { ($0.days + $0.months * 30) * CivilCalendar.microsPerDay + $0.micros }
        let range = try funnel.range.map { try AsOfRange.resolve($0, asOf: asOf) }
        let stepCount = funnel.steps.count

        struct Tally {
            var entered: [Int]
            var converted: [Int]
            var open: [Int]
            var days: [[Double]]

            init(stages: Int) {
                entered = [Int](repeating: 0, count: stages)
                converted = entered
                open = entered
                days = [[Double]](repeating: [], count: stages)
            }
        }
        var tallies: [[Scalar]: Tally] = [:]
        var order: [[Scalar]] = []
        for row in 0..<table.rowCount {
            if row & 0xFFFF == 0 { try cancel?.check() }
            guard let start = stages[0][row] else { continue }
            if let range, start < range.start * CivilCalendar.microsPerDay || start >= range.end * CivilCalendar.microsPerDay { continue }
            let key = dimensionColumns.map { table.columns[$0].scalar(at: row) }
            if tallies[key] == nil {
                tallies[key] = Tally(stages: stepCount)
                order.append(key)
            }
            // Reached k: some stage at or after k has a time (within the window).
            var reached = [Bool](repeating: false, count: stepCount)
            var later = false
            for k in stride(from: stepCount - 1, through: 0, by: -1) {
                if let t = stages[k][row], window.map({ t - start <= $0 }) ?? true { later = true }
                reached[k] = later
            }
            reached[0] = true
            var tally = tallies[key]!
            tally.entered[0] += 1
            tally.converted[0] += 1
            for k in 1..<stepCount where reached[k - 1] {
                tally.entered[k] += 1
                if reached[k] {
                    tally.converted[k] += 1
                    if let a = stages[k - 1][row], let b = stages[k][row], b >= a {
                        tally.days[k].append(Double(b - a) / Double(CivilCalendar.microsPerDay))
                    }
                } else if let window, now - start < window {
                    tally.open[k] += 1
                }
            }
            tallies[key] = tally
        }
        let keys = ShowExecutor.orderedCombinations(order)
        var rows: [(key: [Scalar], step: Int)] = []
        for key in keys { for k in 0..<stepCount { rows.append((key, k)) } }
        var columns: [Column] = []
        var names: [String] = []
        var formats: [ValueFormat?] = []
        for (d, dimension) in funnel.dimensions.enumerated() {
            names.append(dimension.name)
            columns.append(ColumnFactory.scalars(rows.map { $0.key[d] }, type: table.columns[dimensionColumns[d]].type))
            formats.append(nil)
        }
        names += ["step", "stage", "entered", "converted", "open", "step_rate", "overall_rate", "median_days"]
        formats += [nil, nil, .count, .count, .count, .percent, .percent, .days]
        columns.append(ColumnFactory.ints(rows.map { Int64($0.step + 1) }))
        columns.append(ColumnFactory.text(rows.map { funnel.steps[$0.step].name }))
        columns.append(ColumnFactory.ints(rows.map { Int64(tallies[$0.key]!.entered[$0.step]) }))
        columns.append(ColumnFactory.ints(rows.map { Int64(tallies[$0.key]!.converted[$0.step]) }))
        columns.append(ColumnFactory.ints(rows.map { Int64(tallies[$0.key]!.open[$0.step]) }))
        columns.append(ColumnFactory.doubles(rows.map { row in
            guard row.step > 0 else { return nil }
            let t = tallies[row.key]!
            let decided = t.entered[row.step] - t.open[row.step]
            return decided > 0 ? Double(t.converted[row.step]) / Double(decided) : nil
        }))
        columns.append(ColumnFactory.doubles(rows.map { row in
            let t = tallies[row.key]!
            return t.entered[0] > 0 ? Double(t.converted[row.step]) / Double(t.entered[0]) : nil
        }))
        columns.append(ColumnFactory.doubles(rows.map { row in
            var days = tallies[row.key]!.days[row.step]
            return row.step == 0 || days.isEmpty ? nil : QuantileAccumulator.quantile(&days, 0.5)
        }))
        var title = "funnel \(dataset.name): " + funnel.steps.map(\.name).joined(separator: " -> ")
        if !funnel.dimensions.isEmpty { title += " by " + funnel.dimensions.map(\.name).joined(separator: ", ") }
        if let within = funnel.within { title += " within \(within.description)" }
        var notes: [String] = []
        if funnel.within != nil {
            notes.append("open: not converted yet but still inside the window at \(CivilCalendar.formatDate(asOf)); step_rate = converted / (entered - open)")
        }
        return QueryResult(table: Table(names: names, columns: columns, rowCount: rows.count), formats: formats, title: title, notes: notes)
    }
}
