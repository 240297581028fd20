/// `cohort orders: customer_id, order_date [over month] [periods N]`, compiled to a plan of
/// engine operators (scans, filters, aggregates, joins, projections, a sort), so it runs on
/// the vectorized executor and reads as SQL. When the purchases span at most 63 periods from
/// the first one's (`PeriodSet`; `base` below is that period's first day, `p(t)` the period
/// index `date_diff(grain, base, t)`):
///
///     WITH purchases AS (SELECT * FROM orders
///                        WHERE customer IS NOT NULL AND time < as_of + 1 day),
///          customers AS (SELECT customer, period(min(time)) AS cohort,
///                               day(min(time)) < day(max(time)) AS repurchaser,
///                               bit_or(1 << p(time)) >> p(min(time)) AS offsets
///                        FROM purchases GROUP BY customer),
///          patterns  AS (SELECT cohort, repurchaser, offsets, count() AS n
///                        FROM customers GROUP BY ALL),
///          sized     AS (SELECT cohort, sum(n) AS customers,
///                               sum(CASE WHEN repurchaser THEN n ELSE 0 END) AS repurchasers,
///                               sum(n * ((offsets >> 1) & 1)) AS active_1, ...
///                        FROM patterns GROUP BY cohort),
///          last      AS (SELECT period(max(time)) AS last_period FROM purchases)
///     SELECT cohort, customers, repurchasers / customers, customers / customers AS r0,
///            CASE WHEN cohort + k periods <= last_period THEN coalesce(active_k, 0) / customers END, ...
///     FROM sized CROSS JOIN last
///     ORDER BY cohort
///
/// On a longer span, `sized` is the sizes joined to the active repurchasers counted from
/// their rows, and `customers` is kept as a stage (as it is with `value`, whose revenue per
/// offset joins every row to its customer):
///
///          sizes     AS (SELECT cohort, count() AS customers,
///                               count() FILTER (WHERE repurchaser) AS repurchasers
///                        FROM customers GROUP BY cohort),
///          cells     AS (SELECT cohort, period(time) AS period, count(DISTINCT customer) AS active
///                        FROM orders JOIN (SELECT customer, cohort FROM customers WHERE repurchaser)
///                        USING (customer) WHERE time < as_of + 1 day GROUP BY 1, 2),
///          sized     AS (SELECT * FROM sizes LEFT JOIN
///                          (SELECT cohort, sum(active) FILTER (WHERE date_diff(grain, cohort, period) = 1) AS active_1, ...
///                           FROM cells GROUP BY cohort) USING (cohort))
///
/// Definitions (the usual ones, as in docs/kpi.md): a purchase is a customer's day with at
/// least one row, so several orders on one day are one purchase; the repurchase rate is the
/// share of customers with purchases on two or more distinct days; r(k) is the share of a
/// cohort with a purchase k periods after its first-purchase period. Rows dated after the
/// as-of day have not happened yet and are left out, as are rows without a customer or a time.
///
/// Why this shape: a customer has purchases on two or more days exactly when the day of the
/// first differs from the day of the last, and `day` keeps order, so the customers are one
/// grouping by customer (by dictionary code, no hashing) with a min and a max of the raw
/// time, never a distinct of (customer, day) pairs. The same grouping collects the set of
/// periods each customer bought in, one OR per row, so the rows are read once; customers
/// then share few (cohort, repurchaser, offsets) patterns, and the active customers per
/// (cohort, offset) are sums over those patterns. Without the sets (more than 63 periods), only repurchasers can be active after their first period, so only
/// their rows are joined to their cohort (by code, see `HashJoin`), after which the
/// customers active per (cohort, period) are an exact distinct count in few groups; cheaper
/// than first making the distinct (customer, period) pairs, a hash grouping with nearly as
/// many groups as rows. Offsets are computed on the cells (cohorts times periods), as is the
/// pivot to one column per offset, so `periods 1000` costs 1,000 sums over a few hundred rows.
struct CohortPlanner {
    let catalog: Catalog
    let asOf: Int64
    /// Whether the active periods may be collected as a set of bits per customer when the
    /// data spans few enough periods (off only to test the join plan on the same data).
    var collectsPeriodSets = true

    /// The plan and presentation of `cohort`; throws a diagnostic for an unknown dataset or
    /// column, or a purchase time that is not a date or timestamp.
    func plan(_ cohort: CohortStatement) throws -> PlannedStatement {
        let dataset = try Binder(catalog: catalog, asOf: asOf).dataset(cohort.dataset)
        let schema = Schema(table: dataset.table, dataset: dataset.name)
        let entityIndex = try Binder.column(cohort.entity, in: schema)
        let timeIndex = try Binder.column(cohort.time, in: schema)
        let timeType = schema.fields[timeIndex].type
        guard timeType.isTemporal else {
            throw Diagnostic(.typeMismatch, "the purchase time must be a date or timestamp; `\(cohort.time.name)` is \(timeType.name)", at: cohort.time.span)
        }
        let entityType = schema.fields[entityIndex].type
        let entityName = cohort.entity.name
        let grain = cohort.grain
        let entity = E.column(entityIndex, entityType)
        let time = E.column(timeIndex, timeType)
        // The rows that are purchases: a customer, and a time up to the end of the as-of day
        // (a null time fails the comparison). Read as stored by each stage that needs them,
        // filtered as they stream: cheaper than a filtered copy. A test that cannot remove a
        // row is left out (a column without nulls; an as-of day after the last stored time,
        // the usual case), so reading all the data runs with no filter at all.
        let table = dataset.table
        var timeConditions: [BoundExpression] = []
        if Self.latest(table.columns[timeIndex]).map({ $0 >= Self.endOfDay(asOf, timeType) }) ?? true {
            timeConditions.append(E.compare(.less, time, ExpressionBinder.timeConstant(asOf + 1, like: timeType, span: .none)))
        } else if table.columns[timeIndex].nullCount > 0 {
            timeConditions.append(E.notNull(time))
        }
        let entityConditions = table.columns[entityIndex].nullCount > 0 ? [E.notNull(entity)] : []
        func filtered(_ input: LogicalPlan, _ conditions: [BoundExpression]) -> LogicalPlan {
            conditions.isEmpty ? input : .filter(input, BoundExpression.logical(isAnd: true, conditions, span: .none))
        }
        let purchases = filtered(.scan(name: dataset.name, table: table), entityConditions + timeConditions)
        var plan = QueryPlan(result: purchases)

        // `by`: each customer's values on their first purchase.
        let dimensionIndexes = try cohort.dimensions.map { try Binder.column($0, in: schema) }
        let dimensionFields = dimensionIndexes.map { schema.fields[$0] }
        let d = dimensionIndexes.count
        let valueIndex = try cohort.value.map { name -> Int in
            let index = try Binder.column(name, in: schema)
            guard schema.fields[index].type.isNumeric else {
                throw Diagnostic(.typeMismatch, "`value` is a number column; `\(name.name)` is \(schema.fields[index].type.name)", at: name.span)
            }
            return index
        }

        // When the purchases span at most `PeriodSet.capacity` periods, each customer's
        // periods with a purchase are collected in the same grouping as a set of bits
        // (`bit_or(shift_left(1, period index))`, shifted to start at the cohort's period), so
        // the active customers per cohort and offset are sums over the customers: no second
        // read of the rows and no join of them to their customers.
        let periodBase = collectsPeriodSets ? PeriodSet.base(of: table.columns[timeIndex], asOf: asOf, grain: grain) : nil

        // customers: each one's cohort, whether they bought on a second day, their dimensions
        // (and, with a period base, the set of their periods with a purchase).
        let periodIndex = periodBase.map { E.call(.dateDiff, [E.text(grain.rawValue), E.date($0), E.truncate(time, to: grain)], type: .int) }
        let firstAndLast = LogicalPlan.aggregate(
            purchases, keys: [entity],
            aggregates: [E.aggregate(.min, time, type: timeType), E.aggregate(.max, time, type: timeType)]
                + dimensionIndexes.map { BoundAggregate(function: .first, argument: E.column($0, schema.fields[$0].type), fraction: nil, orderBy: time,
                                                        filter: nil, type: schema.fields[$0].type, span: .none) }
                + (periodIndex.map { [E.aggregate(.bitOr, E.call(.shiftLeft, [E.int(1), $0], type: .int), type: .int)] } ?? []),
            Schema(fields: [.init(name: entityName, type: entityType), .init(name: "first_time", type: timeType),
                            .init(name: "last_time", type: timeType)] + dimensionFields
                + (periodBase == nil ? [] : [.init(name: "periods", type: .int)])))
        let first = E.column(1, timeType), last = E.column(2, timeType)
        func day(_ e: BoundExpression) -> BoundExpression { timeType == .date ? e : E.truncate(e, to: .day) }
        // Bit k of `offsets`: a purchase k periods after the cohort's.
        let offsets = periodBase.map {
            E.call(.shiftRight, [E.column(3 + d, .int), E.call(.dateDiff, [E.text(grain.rawValue), E.date($0), E.truncate(first, to: grain)], type: .int)], type: .int)
        }
        let customersProjection = LogicalPlan.project(
            firstAndLast, [E.column(0, entityType), E.truncate(first, to: grain), E.compare(.less, day(first), day(last))]
                + (0..<d).map { E.column(3 + $0, dimensionFields[$0].type) } + (offsets.map { [$0] } ?? []),
            Schema(fields: [.init(name: entityName, type: entityType), .init(name: "cohort", type: .date), .init(name: "repurchaser", type: .bool)]
                + dimensionFields + (offsets == nil ? [] : [.init(name: "offsets", type: .int)])))
        // Read once (sets of periods, no `value`), the customers stream into their cohort's
        // sums; read again (joins to the rows), they are kept as a stage.
        let customers = offsets != nil && valueIndex == nil ? customersProjection : plan.add("customers", customersProjection)
        // Dimensions then cohort: the key of every table below.
        let groupKeys = (0..<d).map { E.column(3 + $0, dimensionFields[$0].type) } + [E.column(1, .date)]
        let groupFields = dimensionFields + [Schema.Field(name: "cohort", type: .date)]
        let g = groupFields.count

        // cells: per cohort and period, the returning customers buying then. A customer who
        // bought on one day only is active in their cohort's first period alone, which every
        // customer is (r(0) is 100%), so only the rows of repurchasers are joined. The join
        // reads the stored rows (a null customer never matches) and the as-of cut follows it,
        // so no filtered copy of all rows is made.
        // The rows of `who` (customers: entity, dimensions, cohort), each with its customer's
        // dimensions and cohort, up to the as-of day; keys: those, then the row's period.
        func rowsWithCohorts(_ who: LogicalPlan) -> (rows: LogicalPlan, keys: [BoundExpression]) {
            let whoFields = Array(who.schema.fields.dropFirst())
            let joined = LogicalPlan.join(
                left: .scan(name: dataset.name, table: dataset.table), right: who,
                JoinSpec(kind: .inner, leftKeys: [entityIndex], rightKeys: [0], rightColumns: Array(1...g)),
                // The customer's values are their first purchase's: named so where a row's own differ.
                Schema(fields: schema.fields + whoFields.map { Schema.Field(name: schema.index(of: $0.name) == nil ? $0.name : "first_" + $0.name, type: $0.type) }))
            let keys = (0..<g).map { E.column(schema.fields.count + $0, groupFields[$0].type) } + [E.truncate(time, to: grain)]
            return (filtered(joined, timeConditions), keys)
        }
        let customerGroups = (0..<d).map { E.column(3 + $0, dimensionFields[$0].type) } + [E.column(1, .date)]
        let returning = LogicalPlan.project(
            .filter(customers, E.column(2, .bool)), [E.column(0, entityType)] + customerGroups,
            Schema(fields: [.init(name: entityName, type: entityType)] + groupFields))

        // last: the period of the last purchase; later offsets have no data yet (n/a, not 0%).
        // Purchases stop at the as-of day, so it is never after the as-of day's period.
        let lastPeriod = plan.add("last", .project(
            .aggregate(purchases, keys: [], aggregates: [E.aggregate(.max, time, type: timeType)],
                       Schema(fields: [.init(name: "last_time", type: timeType)])),
            [E.truncate(E.column(0, timeType), to: grain)], Schema(fields: [.init(name: "last_period", type: .date)])))

        // matrix: one row per cohort, the offsets pivoted into columns by filtered sums.
        let written = cohort.periods ?? Self.defaultPeriods(grain)
        let horizon = Int(min(max(written, 0), CohortStatement.maxPeriods))  // the parser refuses more
        // Per (group, period) cells to (group, offset), pivoted: one column per offset k of
        // `measure` summed where `offset = k` (or, cumulative, `offset <= k`).
        func pivot(_ cells: LogicalPlan, _ name: String, _ type: DataType, offsets: ClosedRange<Int>, cumulative: Bool) -> LogicalPlan {
            let cohortColumn = E.column(g - 1, .date)
            let withOffsets = LogicalPlan.project(
                cells, (0..<g).map { E.column($0, groupFields[$0].type) }
                    + [E.call(.dateDiff, [E.text(grain.rawValue), cohortColumn, E.column(g, .date)], type: .int), E.column(g + 1, type)],
                Schema(fields: groupFields + [.init(name: "offset", type: .int), .init(name: name, type: type)]))
            var fields = groupFields
            let sums = offsets.map { k -> BoundAggregate in
                fields.append(.init(name: "\(name)_\(k)", type: type))
                return E.aggregate(.sum, E.column(g + 1, type), type: type, where: E.compare(cumulative ? .lessOrEqual : .equal, E.column(g, .int), E.int(Int64(k))))
            }
            return .aggregate(withOffsets, keys: (0..<g).map { E.column($0, groupFields[$0].type) }, aggregates: sums, Schema(fields: fields))
        }
        // Null dimension values are a group too: the joins on the group match nulls.
        func joinOnGroup(_ left: LogicalPlan, _ right: LogicalPlan) -> LogicalPlan {
            let kept = Array(g..<right.schema.fields.count)
            var spec = JoinSpec(kind: .left, leftKeys: Array(0..<g), rightKeys: Array(0..<g), rightColumns: kept)
            spec.nullsEqual = true
            return .join(left: left, right: right, spec, Schema(fields: left.schema.fields + kept.map { right.schema.fields[$0] }))
        }
        let sizeFields: [Schema.Field] = [.init(name: "customers", type: .int), .init(name: "repurchasers", type: .int)]
        let sizeAggregates = [E.count(), E.count(where: E.column(2, .bool))]
        let activeFields = (1...max(horizon, 1)).map { Schema.Field(name: "active_\($0)", type: .int) }
        var sized: LogicalPlan
        if offsets != nil {
            // patterns: the customers per (group, repurchaser, offsets), few rows (customers
            // share their patterns); then per group its customers, its repurchasers, and for
            // each offset k the customers with bit k of their offsets set.
            let offsetsColumn = E.column(3 + d, .int)
            let patternFields = groupFields + [.init(name: "repurchaser", type: .bool), .init(name: "offsets", type: .int), .init(name: "n", type: .int)]
            let patterns = LogicalPlan.aggregate(customers, keys: groupKeys + [E.column(2, .bool), offsetsColumn], aggregates: [E.count()],
                                                 Schema(fields: patternFields))
            let n = E.column(g + 2, .int), patternOffsets = E.column(g + 1, .int)
            sized = .aggregate(
                patterns, keys: (0..<g).map { E.column($0, groupFields[$0].type) },
                aggregates: [E.aggregate(.sum, n, type: .int), E.aggregate(.sum, BoundExpression(.caseWhen([BoundWhen(condition: E.column(g, .bool), result: n)], otherwise: E.int(0)), type: .int, span: .none), type: .int)]
                    + (1...max(horizon, 1)).map { k in
                        let bit = E.call(.bitAnd, [E.call(.shiftRight, [patternOffsets, E.int(Int64(k))], type: .int), E.int(1)], type: .int)
                        return E.aggregate(.sum, .arithmetic(.multiply, n, bit, type: .int, span: .none), type: .int)
                    },
                Schema(fields: groupFields + sizeFields + activeFields))
        } else {
            // sizes: per cohort, its customers and repurchasers; cells: per cohort and period,
            // the active repurchasers, pivoted to one column per offset.
            let sizes = plan.add("sizes", .aggregate(customers, keys: groupKeys, aggregates: sizeAggregates, Schema(fields: groupFields + sizeFields)))
            let (returningRows, cellKeys) = rowsWithCohorts(returning)
            let cells = plan.add("cells", .aggregate(
                returningRows, keys: cellKeys, aggregates: [E.aggregate(.countDistinct, entity, type: .int)],
                Schema(fields: groupFields + [.init(name: "period", type: .date), .init(name: "active", type: .int)])))
            sized = joinOnGroup(sizes, pivot(cells, "active", .int, offsets: 1...max(horizon, 1), cumulative: false))
        }
        if horizon == 0 {
            // No offset after the first: the pivot's placeholder column is dropped.
            sized = .project(sized, (0..<(g + 2)).map { E.column($0, sized.schema.fields[$0].type) }, Schema(fields: Array(sized.schema.fields.prefix(g + 2))))
        }
        // `value`: the revenue of every customer's rows per (group, period), cumulated by offset.
        if let valueIndex {
            let valueType: DataType = schema.fields[valueIndex].type == .int ? .int : .decimal
            let all = LogicalPlan.project(customers, [E.column(0, entityType)] + customerGroups,
                                          Schema(fields: [.init(name: entityName, type: entityType)] + groupFields))
            let (rows, keys) = rowsWithCohorts(all)
            let revenue = plan.add("revenue", .aggregate(
                rows, keys: keys, aggregates: [E.aggregate(.sum, E.column(valueIndex, schema.fields[valueIndex].type), type: valueType)],
                Schema(fields: groupFields + [.init(name: "period", type: .date), .init(name: "value", type: valueType)])))
            sized = joinOnGroup(sized, pivot(revenue, "value", valueType, offsets: 0...horizon, cumulative: true))
        }
        let sizedFields = sized.schema.fields
        let width = g + 2 + horizon
        let keyed = LogicalPlan.project(sized, sizedFields.indices.map { E.column($0, sizedFields[$0].type) } + [E.int(0)],
                                        Schema(fields: sizedFields + [.init(name: "one", type: .int)]))
        let lastKeyed = LogicalPlan.project(lastPeriod, [E.int(0), E.column(0, .date)],
                                            Schema(fields: [.init(name: "one", type: .int), .init(name: "last_period", type: .date)]))
        let oneIndex = sizedFields.count
        let withLast = LogicalPlan.join(
            left: keyed, right: lastKeyed, JoinSpec(kind: .inner, leftKeys: [oneIndex], rightKeys: [0], rightColumns: [1]),
            Schema(fields: keyed.schema.fields + [.init(name: "last_period", type: .date)]))
        let cohortStart = E.column(g - 1, .date), size = E.column(g, .int), lastData = E.column(oneIndex + 1, .date)
        var names = cohort.dimensions.map(\.name) + [grain.rawValue, "customers", "repurchase_rate"]
        var formats: [ValueFormat?] = [ValueFormat?](repeating: nil, count: d) + [ValueFormat(grain: grain), .count, .percent]
        var outputs = (0..<d).map { E.column($0, dimensionFields[$0].type) } + [cohortStart, size, E.divide(E.column(g + 1, .int), size)]
        // A period after the last one with data is n/a, not 0.
        func known(_ k: Int, _ value: BoundExpression) -> BoundExpression {
            let periodStart = BoundExpression(.shift(cohortStart, CalendarMath.length(of: Int64(k), grain)), type: .date, span: .none)
            return BoundExpression(.caseWhen([BoundWhen(condition: E.compare(.lessOrEqual, periodStart, lastData), result: value)], otherwise: nil),
                                   type: .decimal, span: .none)
        }
        let prefix = grain.rawValue.prefix(1)
        for k in 0...horizon {
            let active = k == 0 ? size : E.call(.coalesce, [E.column(g + 2 + k - 1, .int), E.int(0)], type: .int)
            outputs.append(known(k, E.divide(active, size)))
            names.append("\(prefix)\(k)")
            formats.append(.percent)
        }
        if cohort.withChurn {
            // The share of the customers active at k-1 lost by k, as retention rates: n/a where
            // nobody was active at k-1 (x / 0) or offset k is after the data.
            for k in 1...max(1, horizon) where k <= horizon {
                let active = E.call(.coalesce, [E.column(g + 2 + k - 1, .int), E.int(0)], type: .int)
                let before = k == 1 ? size : E.call(.coalesce, [E.column(g + 2 + k - 2, .int), E.int(0)], type: .int)
                let kept = E.divide(active, before)
                outputs.append(known(k, BoundExpression.arithmetic(.subtract, BoundExpression(.constant(.decimal(1)), type: .decimal, span: .none), kept,
                                                                   type: .decimal, span: .none)))
                names.append("churn_\(prefix)\(k)")
                formats.append(.percent)
            }
        }
        if valueIndex != nil {
            // Revenue per customer of the cohort up to offset k: the observed LTV curve.
            for k in 0...horizon {
                let cumulative = E.column(width + k, sizedFields[width + k].type)
                outputs.append(known(k, E.divide(E.call(.coalesce, [cumulative, E.int(0)], type: cumulative.type ?? .decimal), size)))
                names.append("ltv_\(prefix)\(k)")
                formats.append(.money)
            }
        }
        let fields = zip(names, outputs).map { Schema.Field(name: $0, type: $1.type ?? .decimal) }
        plan.result = .sort(.project(withLast, outputs, Schema(fields: fields)),
                            (0..<g).map { BoundSortKey(expression: E.column($0, fields[$0].type), descending: false, nullsFirst: false) })

        var title = "cohort \(dataset.name): \(entityName) by first \(cohort.time.name) \(grain.rawValue)"
        if !cohort.dimensions.isEmpty { title += " and " + cohort.dimensions.map(\.name).joined(separator: ", ") }
        title += "; share buying k \(grain.rawValue)s later"
        var notes = ["churn between offsets k-1 and k is 1 - r(k)/r(k-1); an empty cell is a period after the data ends"]
        if let value = cohort.value {
            notes.append("ltv_\(prefix)k: `\(value.name)` of the cohort's customers from their first \(grain.rawValue) through k \(grain.rawValue)s later, per customer")
        }
        if !cohort.dimensions.isEmpty {
            notes.append("a customer's " + cohort.dimensions.map { "`\($0.name)`" }.joined(separator: ", ") + " is the one on their first purchase")
        }
        return PlannedStatement(plan: plan, formats: formats, title: title, notes: notes)
    }

    /// The latest time stored in a date or timestamp column (nil when it holds none).
    static func latest(_ column: Column) -> Int64? {
        StoredExtremes.of(column)?.max
    }

    /// The first value after the as-of day, in the column's unit (days or microseconds).
    static func endOfDay(_ asOf: Int64, _ type: DataType) -> Int64 {
        type == .timestamp ? (asOf + 1) * CivilCalendar.microsPerDay : asOf + 1
    }

    /// Offsets shown when `periods` is not written: a year of months, 12 weeks, two years of
    /// quarters, four years (and four days).
    static func defaultPeriods(_ grain: Grain) -> Int64 {
        switch grain {
        case .week, .month: return 12
        case .quarter: return 8
        case .day, .year: return 4
        }
    }
}

/// Bound expressions as the planner writes them: no spans (nothing here comes from the
/// user's text but the names already checked), types stated.
private enum E {
    static func column(_ index: Int, _ type: DataType) -> BoundExpression {
        BoundExpression(.column(index), type: type, span: .none)
    }

    static func int(_ value: Int64) -> BoundExpression {
        BoundExpression(.constant(.int(value)), type: .int, span: .none)
    }

    static func date(_ day: Int64) -> BoundExpression {
        BoundExpression(.constant(.date(day)), type: .date, span: .none)
    }

    static func text(_ value: String) -> BoundExpression {
        BoundExpression(.constant(.text(value)), type: .text, span: .none)
    }

    static func notNull(_ e: BoundExpression) -> BoundExpression {
        BoundExpression(.isNull(e, negated: true), type: .bool, span: .none)
    }

    static func compare(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
        BoundExpression(.comparison(op, a, b), type: .bool, span: .none)
    }

    /// `a / b` as a decimal; null when `b` is 0.
    static func divide(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
        .arithmetic(.divide, a, b, type: .decimal, span: .none)
    }

    static func call(_ function: ScalarFunction, _ arguments: [BoundExpression], type: DataType) -> BoundExpression {
        BoundExpression(.function(function, arguments), type: type, span: .none)
    }

    /// The first day of the period holding a date or timestamp (`month(t)`, ...).
    static func truncate(_ e: BoundExpression, to grain: Grain) -> BoundExpression {
        let function: ScalarFunction = [.day: .day, .week: .week, .month: .month, .quarter: .quarter, .year: .year][grain]!
        return call(function, [e], type: .date)
    }

    static func aggregate(_ function: AggregateFunction, _ argument: BoundExpression, type: DataType, where filter: BoundExpression? = nil) -> BoundAggregate {
        BoundAggregate(function: function, argument: argument, fraction: nil, orderBy: nil, filter: filter, type: type, span: .none)
    }

    static func count(where filter: BoundExpression? = nil) -> BoundAggregate {
        BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: filter, type: .int, span: .none)
    }
}
