/// `cohort orders: customer_id, order_date [over month] [periods N]`, compiled to a plan of
/// engine operators (scans, filters, aggregates, joins, projections, a sort), so it runs on
/// the vectorized executor and reads as SQL:
///
///     WITH purchases AS (SELECT * FROM orders
///                        WHERE customer IS NOT NULL AND time < as_of + 1 day),
///          customers AS (SELECT customer, period(min(time)) AS cohort,
///                               day(min(time)) < day(max(time)) AS repurchaser
///                        FROM purchases GROUP BY customer),
///          sizes     AS (SELECT cohort, count() AS customers,
///                               count() FILTER (WHERE repurchaser) AS repurchasers
///                        FROM customers GROUP BY cohort),
///          cells     AS (SELECT cohort, period(time) AS period, count(DISTINCT customer) AS active
///                        FROM orders JOIN (SELECT customer, cohort FROM customers WHERE repurchaser)
///                        USING (customer) WHERE time < as_of + 1 day GROUP BY 1, 2),
///          last      AS (SELECT period(max(time)) AS last_period FROM purchases)
///     SELECT cohort, customers, repurchasers / customers, customers / customers AS r0,
///            CASE WHEN cohort + k periods <= last_period THEN coalesce(active_k, 0) / customers END, ...
///     FROM sizes
///     LEFT JOIN (SELECT cohort, sum(active) FILTER (WHERE date_diff(grain, cohort, period) = k) AS active_k, ...
///                FROM cells GROUP BY cohort) USING (cohort)
///     CROSS JOIN last
///     ORDER BY cohort
///
/// Definitions (the usual ones, as in the README): a purchase is a customer's day with at
/// least one row, so several orders on one day are one purchase; the repurchase rate is the
/// share of customers with purchases on two or more distinct days; r(k) is the share of a
/// cohort with a purchase k periods after its first-purchase period. Rows dated after the
/// as-of day have not happened yet and are left out, as are rows without a customer or a time.
///
/// Why this shape: a customer has purchases on two or more days exactly when the day of the
/// first differs from the day of the last, and `day` keeps order, so the customers are one
/// grouping by customer (by dictionary code, no hashing) with a min and a max of the raw
/// time, never a distinct of (customer, day) pairs. Only repurchasers can be active after
/// their first period, so only their rows are joined to their cohort (by code, see
/// `HashJoin`), after which the customers active per (cohort, period) are an exact distinct
/// count in few groups; cheaper than first making the distinct (customer, period) pairs, a
/// hash grouping with nearly as many groups as rows. Offsets are computed on the cells
/// (cohorts times periods), as is the pivot to one column per offset, so `periods 1000`
/// costs 1,000 sums over a few hundred rows.
struct CohortPlanner {
    let catalog: Catalog
    let asOf: Int64

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

        // customers: each one's cohort, and whether they bought on a second day.
        let firstAndLast = LogicalPlan.aggregate(
            purchases, keys: [entity],
            aggregates: [E.aggregate(.min, time, type: timeType), E.aggregate(.max, time, type: timeType)],
            Schema(fields: [.init(name: entityName, type: entityType), .init(name: "first_time", type: timeType),
                            .init(name: "last_time", type: timeType)]))
        let first = E.column(1, timeType), last = E.column(2, timeType)
        func day(_ e: BoundExpression) -> BoundExpression { timeType == .date ? e : E.truncate(e, to: .day) }
        let customers = plan.add("customers", .project(
            firstAndLast, [E.column(0, entityType), E.truncate(first, to: grain), E.compare(.less, day(first), day(last))],
            Schema(fields: [.init(name: entityName, type: entityType), .init(name: "cohort", type: .date), .init(name: "repurchaser", type: .bool)])))

        // sizes: per cohort, its customers and repurchasers.
        let sizes = plan.add("sizes", .aggregate(
            customers, keys: [E.column(1, .date)], aggregates: [E.count(), E.count(where: E.column(2, .bool))],
            Schema(fields: [.init(name: "cohort", type: .date), .init(name: "customers", type: .int), .init(name: "repurchasers", type: .int)])))

        // cells: per cohort and period, the returning customers buying then. A customer who
        // bought on one day only is active in their cohort's first period alone, which every
        // customer is (r(0) is 100%), so only the rows of repurchasers are joined. The join
        // reads the stored rows (a null customer never matches) and the as-of cut follows it,
        // so no filtered copy of all rows is made.
        let returning = LogicalPlan.project(
            .filter(customers, E.column(2, .bool)), [E.column(0, entityType), E.column(1, .date)],
            Schema(fields: [.init(name: entityName, type: entityType), .init(name: "cohort", type: .date)]))
        let cohortIndex = schema.fields.count
        let joined = LogicalPlan.join(
            left: .scan(name: dataset.name, table: dataset.table), right: returning,
            JoinSpec(kind: .inner, leftKeys: [entityIndex], rightKeys: [0], rightColumns: [1]),
            Schema(fields: schema.fields + [.init(name: "cohort", type: .date)]))
        let cells = plan.add("cells", .aggregate(
            filtered(joined, timeConditions), keys: [E.column(cohortIndex, .date), E.truncate(time, to: grain)],
            aggregates: [E.aggregate(.countDistinct, entity, type: .int)],
            Schema(fields: [.init(name: "cohort", type: .date), .init(name: "period", type: .date), .init(name: "active", type: .int)])))

        // last: the period of the last purchase; later offsets have no data yet (n/a, not 0%).
        // Purchases stop at the as-of day, so it is never after the as-of day's period.
        let lastPeriod = plan.add("last", .project(
            .aggregate(purchases, keys: [], aggregates: [E.aggregate(.max, time, type: timeType)],
                       Schema(fields: [.init(name: "last_time", type: timeType)])),
            [E.truncate(E.column(0, timeType), to: grain)], Schema(fields: [.init(name: "last_period", type: .date)])))

        // matrix: one row per cohort, the offsets pivoted into columns by filtered sums.
        let written = cohort.periods ?? Self.defaultPeriods(grain)
        let horizon = Int(min(max(written, 0), CohortStatement.maxPeriods))  // the parser refuses more
        let withOffsets = LogicalPlan.project(
            cells, [E.column(0, .date), E.call(.dateDiff, [E.text(grain.rawValue), E.column(0, .date), E.column(1, .date)], type: .int), E.column(2, .int)],
            Schema(fields: [.init(name: "cohort", type: .date), .init(name: "offset", type: .int), .init(name: "active", type: .int)]))
        var matrixFields: [Schema.Field] = [.init(name: "cohort", type: .date)]
        let sums = (1..<horizon + 1).map { k -> BoundAggregate in
            matrixFields.append(.init(name: "active_\(k)", type: .int))
            return E.aggregate(.sum, E.column(2, .int), type: .int, where: E.compare(.equal, E.column(1, .int), E.int(Int64(k))))
        }
        let matrix = LogicalPlan.aggregate(withOffsets, keys: [E.column(0, .date)], aggregates: sums, Schema(fields: matrixFields))

        // result: sizes, shares, and the last period (a cross join with its one row, on a constant).
        let sized = LogicalPlan.join(
            left: sizes, right: matrix, JoinSpec(kind: .left, leftKeys: [0], rightKeys: [0], rightColumns: Array(1..<horizon + 1)),
            Schema(fields: [.init(name: "cohort", type: .date), .init(name: "customers", type: .int), .init(name: "repurchasers", type: .int)]
                + matrixFields.dropFirst()))
        let width = 3 + horizon
        let keyed = LogicalPlan.project(sized, (0..<width).map { E.column($0, sized.schema.fields[$0].type) } + [E.int(0)],
                                        Schema(fields: sized.schema.fields + [.init(name: "one", type: .int)]))
        let lastKeyed = LogicalPlan.project(lastPeriod, [E.int(0), E.column(0, .date)],
                                            Schema(fields: [.init(name: "one", type: .int), .init(name: "last_period", type: .date)]))
        let withLast = LogicalPlan.join(
            left: keyed, right: lastKeyed, JoinSpec(kind: .inner, leftKeys: [width], rightKeys: [0], rightColumns: [1]),
            Schema(fields: keyed.schema.fields + [.init(name: "last_period", type: .date)]))
        let cohortStart = E.column(0, .date), size = E.column(1, .int), lastData = E.column(width + 1, .date)
        var names = [grain.rawValue, "customers", "repurchase_rate"]
        var formats: [ValueFormat?] = [ValueFormat(grain: grain), .count, .percent]
        var outputs = [cohortStart, size, E.divide(E.column(2, .int), size)]
        for k in 0...horizon {
            let periodStart = BoundExpression(.shift(cohortStart, CalendarMath.length(of: Int64(k), grain)), type: .date, span: .none)
            let active = k == 0 ? size : E.call(.coalesce, [E.column(3 + k - 1, .int), E.int(0)], type: .int)
            let share = E.divide(active, size)
            outputs.append(BoundExpression(.caseWhen([BoundWhen(condition: E.compare(.lessOrEqual, periodStart, lastData), result: share)], otherwise: nil),
                                           type: .decimal, span: .none))
            names.append("\(grain.rawValue.prefix(1))\(k)")
            formats.append(.percent)
        }
        let fields = zip(names, outputs).map { Schema.Field(name: $0, type: $1.type ?? .decimal) }
        plan.result = .sort(.project(withLast, outputs, Schema(fields: fields)),
                            [BoundSortKey(expression: E.column(0, .date), descending: false, nullsFirst: false)])

        let title = "cohort \(dataset.name): \(entityName) by first \(cohort.time.name) \(grain.rawValue); share buying k \(grain.rawValue)s later"
        return PlannedStatement(plan: plan, formats: formats, title: title,
                                notes: ["churn between offsets k-1 and k is 1 - r(k)/r(k-1); an empty cell is a period after the data ends"])
    }

    /// The latest time stored in a date or timestamp column (nil when it holds none).
    static func latest(_ column: Column) -> Int64? {
        guard case .integers(let packed) = column.values else { return nil }
        return StoredExtremes.extreme(packed, validity: column.validity, isMin: false)
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
