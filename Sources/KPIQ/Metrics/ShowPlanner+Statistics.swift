/// `show ... with n, ci`: how much a rate can be trusted. A rate is a metric shown as a percent
/// whose formula is one division (`leads / visitors`); its denominator is its `n`.
///
/// - `with n`: `METRIC_n`, the denominator, and `METRIC_small_n`, true when it is under 30.
/// - `with ci`: `METRIC_low` and `METRIC_high`, the 95% Wilson score interval (which stays
///   inside 0..1 and behaves at 0% and 100%, unlike the normal approximation); and under `vs`,
///   `METRIC_significant_prev_period` (or `_prev_year`): whether the change is significant at
///   95% by a two-proportion z-test with a pooled proportion. With `by`,
///   `METRIC_significant_vs_total`: whether the row differs from the total of its unit, by the
///   same test between the row and the rest of the rows (the total less the row, so the row is
///   not on both sides). All are n/a where a rate is outside 0..1 (it is then not a proportion)
///   or a denominator is 0.
extension ShowPlanner {
    /// The value the denominator is kept under, next to a metric's value.
    static func denominatorName(_ valueName: String) -> String { "__n_" + valueName }

    /// The denominator of a rate, or nil when the metric is not one.
    static func denominator(of output: ShowExecutor.Output) -> MetricExpression? {
        guard output.format == .percent, !output.expression.containsShare,
            case .arithmetic(_, let steps) = output.expression, steps.count == 1, steps[0].op == .divide
        else { return nil }
        return steps[0].operand
    }

    static let smallN: Int64 = 30
    /// The 97.5th percentile of the standard normal distribution: a two-sided 95% level.
    static let z95 = 1.959963984540054

    /// The columns `with n, ci` add after a rate's own (and its comparisons'): name, expression
    /// over `schema` (the metric values, with denominators), format.
    static func statistics(_ output: ShowExecutor.Output, asked: Set<ShowStatement.Statistic>, comparisons: [ShowStatement.Comparison],
                           schema: Schema) -> [(String, BoundExpression, ValueFormat?)] {
        guard !asked.isEmpty, denominator(of: output) != nil else { return [] }
        func value(_ comparison: Int?) -> (p: BoundExpression, n: BoundExpression) {
            let name = valueName(output.name, comparison, comparisons)
            let p = column(schema.index(of: name)!, schema)
            let n = column(schema.index(of: denominatorName(name))!, schema)
            return (decimalValue(p), decimalValue(n))
        }
        let now = value(nil)
        var columns: [(String, BoundExpression, ValueFormat?)] = []
        if asked.contains(.n) {
            let n = column(schema.index(of: denominatorName(output.name))!, schema)
            columns.append((output.name + "_n", n, .count))
            columns.append((output.name + "_small_n", comparison(.less, n, n.type == .int ? int(smallN) : decimal(Double(smallN))), nil))
        }
        if asked.contains(.confidence) {
            let (low, high) = wilson(p: now.p, n: now.n)
            columns.append((output.name + "_low", low, .percent))
            columns.append((output.name + "_high", high, .percent))
            for (k, compared) in comparisons.enumerated() {
                let before = value(k)
                columns.append((output.name + "_significant_" + compared.columnPrefix, significant(now, before), nil))
            }
            if let totalP = schema.index(of: totalRateName(output.name)), let totalN = schema.index(of: denominatorName(totalRateName(output.name))) {
                // The rest: the unit's total less this row, in counts, then as a rate.
                let total = (p: decimalValue(column(totalP, schema)), n: decimalValue(column(totalN, schema)))
                let restN = subtract(total.n, now.n)
                let restP = divide(subtract(multiply(total.p, total.n), multiply(now.p, now.n)), restN)
                columns.append((output.name + "_significant_vs_total", significant(now, (restP, restN)), nil))
            }
        }
        return columns
    }

    /// Where the unit's total rate (and its denominator) is kept next to a row's.
    static func totalRateName(_ output: String) -> String { "__total_" + output }

    /// For `with ci` over `by`: the values with each rate's total over all rows of the unit
    /// (the show planned again without dimensions, into stages `rates_total_...`) and its
    /// denominator, joined on the period.
    func joiningTotalRates(_ values: LogicalPlan, show: ShowStatement, outputs: [ShowExecutor.Output], calendar: ShowCalendar,
                           rowFilter: Expression?, plan: inout QueryPlan) throws -> LogicalPlan {
        let rates = outputs.filter { Self.denominator(of: $0) != nil }
        guard !rates.isEmpty else { return values }
        var whole = Self.withoutDimensions(show, rowFilter: rowFilter, calendar: calendar)
        whole.metrics = show.metrics.filter { item in rates.contains { $0.name == (item.name?.name ?? ShowExecutor.metricName(item.expression, source: context.source)) } }
        whole.comparisons = []
        whole.statistics = [.n]
        let totals = try planNested(whole, as: "rates_total", into: &plan)
        let ts = totals.schema
        var items: [(String, BoundExpression)] = [("__rates_unit", show.grain.map { ts.index(of: $0.rawValue).map { Self.column($0, ts) } ?? Self.int(0) } ?? Self.int(0))]
        for rate in rates {
            items.append((Self.totalRateName(rate.name), Self.column(ts.index(of: rate.name)!, ts)))
            items.append((Self.denominatorName(Self.totalRateName(rate.name)), Self.column(ts.index(of: rate.name + "_n")!, ts)))
        }
        let keyedTotals = Self.project(totals, items)
        let vs = values.schema
        let unit = show.grain != nil ? Self.column(vs.index(of: "__period")!, vs) : Self.int(0)
        return Self.leftJoin(values, on: "__rates_unit", unit, with: keyedTotals, rightKeys: [0], nullsEqual: false,
                             rightColumns: Array(1..<keyedTotals.schema.fields.count))
    }

    /// The Wilson score interval of a proportion `p` out of `n` at 95%.
    static func wilson(p: BoundExpression, n: BoundExpression) -> (low: BoundExpression, high: BoundExpression) {
        let z2 = decimal(z95 * z95)
        let scale = add(decimal(1), divide(z2, n))
        let center = divide(add(p, divide(z2, multiply(decimal(2), n))), scale)
        let spread = add(divide(multiply(p, subtract(decimal(1), p)), n), divide(z2, multiply(decimal(4), multiply(n, n))))
        let half = divide(multiply(decimal(z95), BoundExpression(.function(.sqrt, [spread]), type: .decimal, span: .none)), scale)
        let valid = isProportion(p, n)
        return (onlyIf(valid, subtract(center, half)), onlyIf(valid, add(center, half)))
    }

    /// |p1 - p2| / sqrt(q (1 - q) (1/n1 + 1/n2)) >= z, q pooled: (p1 n1 + p2 n2) / (n1 + n2).
    static func significant(_ a: (p: BoundExpression, n: BoundExpression), _ b: (p: BoundExpression, n: BoundExpression)) -> BoundExpression {
        let pooled = divide(add(multiply(a.p, a.n), multiply(b.p, b.n)), add(a.n, b.n))
        let variance = multiply(multiply(pooled, subtract(decimal(1), pooled)), add(divide(decimal(1), a.n), divide(decimal(1), b.n)))
        let difference = BoundExpression(.function(.abs, [subtract(a.p, b.p)]), type: .decimal, span: .none)
        // A variance of 0 (both 0% or both 100%): no difference to find; x / 0 is n/a.
        let z = divide(difference, BoundExpression(.function(.sqrt, [variance]), type: .decimal, span: .none))
        let valid = BoundExpression.logical(isAnd: true, [isProportion(a.p, a.n), isProportion(b.p, b.n)], span: .none)
        return BoundExpression(.caseWhen([BoundWhen(condition: valid, result: comparison(.greaterOrEqual, z, decimal(z95)))], otherwise: nil),
                               type: .bool, span: .none)
    }

    private static func isProportion(_ p: BoundExpression, _ n: BoundExpression) -> BoundExpression {
        BoundExpression.logical(isAnd: true, [comparison(.greater, n, decimal(0)), comparison(.greaterOrEqual, p, decimal(0)),
                                              comparison(.lessOrEqual, p, decimal(1))], span: .none)
    }

    private static func onlyIf(_ condition: BoundExpression, _ value: BoundExpression) -> BoundExpression {
        BoundExpression(.caseWhen([BoundWhen(condition: condition, result: value)], otherwise: nil), type: .decimal, span: .none)
    }

    private static func decimalValue(_ e: BoundExpression) -> BoundExpression {
        e.type == .decimal ? e : BoundExpression(.cast(e), type: .decimal, span: .none)
    }

    private static func add(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression { .arithmetic(.add, a, b, type: .decimal, span: .none) }
    private static func subtract(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression { .arithmetic(.subtract, a, b, type: .decimal, span: .none) }
    private static func multiply(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression { .arithmetic(.multiply, a, b, type: .decimal, span: .none) }
    private static func divide(_ a: BoundExpression, _ b: BoundExpression) -> BoundExpression { .arithmetic(.divide, a, b, type: .decimal, span: .none) }
}
