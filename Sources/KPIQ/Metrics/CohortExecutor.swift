/// `cohort orders: customer_id, order_date [over month] [periods N]`
///
/// Customers are grouped by the period of their first purchase. For each cohort: its size,
/// the repurchase rate (customers with two or more purchases / customers), and for period
/// offsets 0..N the share of the cohort that bought in that period (retention; churn over a
/// period is one minus the ratio of consecutive retention shares). Purchases after the "as of"
/// day have not happened yet and are left out.
struct CohortExecutor {
    let catalog: Catalog
    let asOf: Int64
    let cancel: CancellationToken?

    func run(_ cohort: CohortStatement) throws -> QueryResult {
        let dataset = try Binder(catalog: catalog, asOf: asOf).dataset(cohort.dataset)
        let table = dataset.table
        let schema = Schema(table: table, dataset: dataset.name)
        let entity = table.columns[try Binder.column(cohort.entity, in: schema)]
        let timeIndex = try Binder.column(cohort.time, in: schema)
        let time = table.columns[timeIndex]
        guard time.type.isTemporal else {
            throw Diagnostic(.typeMismatch, "the purchase time must be a date or timestamp; `\(cohort.time.name)` is \(time.type.name)", at: cohort.time.span)
        }
        let grain = cohort.grain
        // Per customer: purchases count and the set of periods with a purchase.
        var firstPeriod: [Scalar: Int64] = [:]
        var purchases: [Scalar: Int] = [:]
        var periodsOf: [Scalar: Set<Int64>] = [:]
        for row in 0..<table.rowCount {
            if row & 0xFFFF == 0 { try cancel?.check() }
            let who = entity.scalar(at: row)
            guard !who.isNull else { continue }
            let day: Int64
            switch time.scalar(at: row) {
            case .date(let d): day = d
            case .timestamp(let t): day = CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay)
            default: continue
            }
            if day > asOf { continue }
            let period = CalendarMath.truncate(day, to: grain)
            firstPeriod[who] = min(firstPeriod[who] ?? period, period)
            purchases[who, default: 0] += 1
            periodsOf[who, default: []].insert(period)
        }
        var cohorts: [Int64: [Scalar]] = [:]
        for (who, period) in firstPeriod { cohorts[period, default: []].append(who) }
        let starts = cohorts.keys.sorted()
        let lastPeriod = CalendarMath.truncate(asOf, to: grain)
        let observedLast = periodsOf.values.flatMap { $0 }.max() ?? lastPeriod
        let written = cohort.periods ?? (grain == .month ? 12 : grain == .week ? 12 : grain == .quarter ? 8 : 4)
        let horizon = Int(min(max(written, 0), CohortStatement.maxPeriods))  // the parser refuses more
        var names = [grain.rawValue, "customers", "repurchase_rate"]
        var formats: [ValueFormat?] = [ValueFormat(grain: grain), .count, .percent]
        var columns: [Column] = [
            ColumnFactory.ints(starts.map { $0 }, type: .date),
            ColumnFactory.ints(starts.map { Int64(cohorts[$0]!.count) }),
            ColumnFactory.doubles(starts.map { start in
                let members = cohorts[start]!
                return Double(members.filter { purchases[$0]! >= 2 }.count) / Double(members.count)
            }),
        ]
        // The work is customers times periods: check for Ctrl-C between periods and cohorts.
        for k in 0...horizon {
            try cancel?.check()
            names.append("\(grain.rawValue.prefix(1))\(k)")
            formats.append(.percent)
            columns.append(ColumnFactory.doubles(try starts.map { start in
                try cancel?.check()
                let period = CalendarMath.shiftPeriod(start, grain, by: Int64(k))
                guard period <= min(observedLast, lastPeriod) else { return nil }
                let members = cohorts[start]!
                return Double(members.filter { periodsOf[$0]!.contains(period) }.count) / Double(members.count)
            }))
        }
        let title = "cohort \(dataset.name): \(cohort.entity.name) by first \(cohort.time.name) \(grain.rawValue); share buying k \(grain.rawValue)s later"
        return QueryResult(table: Table(names: names, columns: columns, rowCount: starts.count), formats: formats, title: title,
                           notes: ["churn between offsets k-1 and k is 1 - r(k)/r(k-1); an empty cell is a period after the data ends"])
    }
}
