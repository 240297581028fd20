/// `top N [with other]` of a `show`, as stages of its plan.
///
/// The first N dimension values in the sort's order are kept: each value ranks by its first
/// row in the sorted result (`ROW_NUMBER()` over it, the minimum per value); over periods each
/// keeps all its periods, in calendar order. With `other`, the rest of the values left by the
/// show's `where` are folded into one row per period, computed again from their rows: the show
/// without its dimension, planned into the same plan (stages `other_...`) over the rows whose
/// value is one of the folded ones, so its ratios are ratios of totals and its distinct counts
/// exact (a visitor seen under two folded sources is one visitor). Shares are the exception: a
/// share is a row's part of the sum of the rows, so the folded part is the sum of the folded
/// rows' shares.
extension ShowPlanner {
    func top(_ count: Int, show: ShowStatement, sorted: LogicalPlan, outputs: [ShowExecutor.Output], dimensions: [ShowExecutor.Dimension],
             calendar: ShowCalendar, rowFilter: Expression?, plan: inout QueryPlan) throws -> LogicalPlan {
        if show.withOther, dimensions.count != 1 {
            throw Diagnostic(.invalidArgument, "`top N with other` works with one `by` dimension", at: show.dimensions.dropFirst().first?.span ?? show.metrics.first?.span)
        }
        guard !dimensions.isEmpty else { return .limit(sorted, count: count, offset: 0) }
        let hasPeriod = show.grain != nil
        let d = dimensions.count
        let shown = plan.add(stagePrefix + "shown", sorted)
        let ss = shown.schema
        // Each value's first row in the sorted result.
        let positions = LogicalPlan.window(shown, partition: [], order: [], functions: [.rowNumber], keepsInputOrder: false,
                                           Schema(fields: ss.fields + [Schema.Field(name: "__row", type: .int)]))
        let ps = positions.schema
        let first = BoundAggregate(function: .min, argument: Self.column(ss.fields.count, ps), fraction: nil, orderBy: nil, filter: nil, type: .int, span: .none)
        let ranks = plan.add(stagePrefix + "ranks", .aggregate(positions, keys: (0..<d).map { Self.column($0, ps) }, aggregates: [first],
                                                               Schema(fields: Array(ss.fields.prefix(d)) + [Schema.Field(name: "__first", type: .int)])))
        let rs = ranks.schema
        let byRank = [BoundSortKey(expression: Self.column(d, rs), descending: false, nullsFirst: false)]
        let kept = plan.add(stagePrefix + "kept", .limit(.sort(ranks, byRank), count: count, offset: 0))
        // The kept values' rows: by rank, each value's periods in calendar order.
        let keptRows = Self.join(shown, kept, leftKeys: Array(0..<d), rightKeys: Array(0..<d), kind: .inner, nullsEqual: true, rightColumns: [d])
        let ks = keptRows.schema
        var order = [BoundSortKey(expression: Self.column(ss.fields.count, ks), descending: false, nullsFirst: false)]
        if hasPeriod { order.append(BoundSortKey(expression: Self.column(d, ks), descending: false, nullsFirst: false)) }
        let keptSorted = LogicalPlan.sort(keptRows, order)
        guard show.withOther else {
            return Self.project(keptSorted, ss.names.enumerated().map { ($0.element, Self.column($0.offset, ks)) })
        }

        // The folded values: ranked, not kept.
        let ranked = Self.join(ranks, kept, leftKeys: [0], rightKeys: [0], kind: .left, nullsEqual: true, rightColumns: [1])
        let fs = ranked.schema
        let folded = plan.add(stagePrefix + "folded", Self.project(.filter(ranked, BoundExpression(.isNull(Self.column(2, fs), negated: false), type: .bool, span: .none)),
                                                                   [(fs.fields[0].name, Self.column(0, fs)), ("__first", Self.column(1, fs))]))
        // The show again without its dimension, over the folded values' rows, into this plan.
        let rest = Self.withoutDimensions(show, rowFilter: rowFilter, calendar: calendar)
        let computed = try planNested(rest, as: "other", restricting: (dimensions[0], folded), into: &plan)
        let cs = computed.schema
        // An `other` row only when some value was folded.
        let foldedCount = LogicalPlan.aggregate(folded, keys: [], aggregates: [BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil,
                                                                                              filter: nil, type: .int, span: .none)],
                                                Schema(fields: [Schema.Field(name: "__folded", type: .int)]))
        let anyFolded = LogicalPlan.filter(foldedCount, Self.comparison(.greater, Self.column(0, foldedCount.schema), Self.int(0)))
        let guardKey = Self.project(anyFolded, [("__join", Self.int(0))])
        var other = Self.join(Self.project(computed, cs.names.enumerated().map { ($0.element, Self.column($0.offset, cs)) } + [("__join", Self.int(0))]),
                              guardKey, leftKeys: [cs.fields.count], rightKeys: [0], kind: .inner, nullsEqual: false, rightColumns: [])
        // Shares: the folded rows' shares added up, per period.
        let prefixes = show.comparisons.map(\.columnPrefix)
        let shareNames = outputs.filter(\.expression.containsShare).flatMap { output in [output.name] + prefixes.map { output.name + "_" + $0 } }
        var shareColumns: [String: Int] = [:]
        if !shareNames.isEmpty {
            let foldedRows = Self.join(shown, folded, leftKeys: [0], rightKeys: [0], kind: .inner, nullsEqual: true, rightColumns: [])
            let frs = foldedRows.schema
            let periodKey = hasPeriod ? [Self.column(d, frs)] : []
            let sums = shareNames.map { name in
                BoundAggregate(function: .sum, argument: Self.column(frs.index(of: name)!, frs), fraction: nil, orderBy: nil, filter: nil, type: .decimal, span: .none)
            }
            var fields = shareNames.map { Schema.Field(name: "__sum_" + $0, type: .decimal) }
            if hasPeriod { fields.insert(Schema.Field(name: "__period", type: .date), at: 0) }
            let shareSums = plan.add(stagePrefix + "folded_shares", .aggregate(foldedRows, keys: periodKey, aggregates: sums, Schema(fields: fields)))
            let os = other.schema
            let base = os.fields.count
            if hasPeriod {
                other = Self.join(other, shareSums, leftKeys: [0], rightKeys: [0], kind: .left, nullsEqual: false, rightColumns: Array(1...shareNames.count))
            } else {
                let keyed = Self.project(shareSums, [("__join", Self.int(0))] + shareNames.map { ("__sum_" + $0, Self.column(shareSums.schema.index(of: "__sum_" + $0)!, shareSums.schema)) })
                other = Self.join(other, keyed, leftKeys: [os.index(of: "__join")!], rightKeys: [0], kind: .left, nullsEqual: false,
                                  rightColumns: Array(1...shareNames.count))
            }
            for (k, name) in shareNames.enumerated() { shareColumns[name] = base + k }
        }
        // The table's columns: `other` for the dimension (now text), the rest by name.
        let os = other.schema
        var items: [(String, BoundExpression)] = []
        for (index, field) in ss.fields.enumerated() {
            if index == 0 {
                items.append((field.name, Self.text("other")))
                continue
            }
            if let sum = shareColumns[field.name] {
                items.append((field.name, Self.column(sum, os)))
            } else if let base = shareNames.first(where: { name in prefixes.contains { field.name == name + "_change_" + $0 } }),
                      let prefix = prefixes.first(where: { field.name == base + "_change_" + $0 }),
                      let now = shareColumns[base], let before = shareColumns[base + "_" + prefix] {
                items.append((field.name, BoundExpression.arithmetic(.subtract, Self.column(now, os), Self.column(before, os), type: .decimal, span: .none)))
            } else if let base = shareNames.first(where: { name in prefixes.contains { field.name == name + "_rel_change_" + $0 } }),
                      let prefix = prefixes.first(where: { field.name == base + "_rel_change_" + $0 }),
                      let now = shareColumns[base], let before = shareColumns[base + "_" + prefix] {
                let change = BoundExpression.arithmetic(.subtract, Self.column(now, os), Self.column(before, os), type: .decimal, span: .none)
                let magnitude = BoundExpression(.function(.abs, [Self.column(before, os)]), type: .decimal, span: .none)
                items.append((field.name, BoundExpression.arithmetic(.divide, change, magnitude, type: .decimal, span: .none)))
            } else if let column = os.index(of: field.name) {
                items.append((field.name, Self.column(column, os)))
            } else {
                items.append((field.name, Self.null(field.type)))
            }
        }
        let otherRows = Self.project(other, items)
        let keptText = Self.project(keptSorted, ss.fields.enumerated().map { index, field in
            let column = Self.column(index, ks)
            return (field.name, index == 0 ? BoundExpression(.cast(column), type: .text, span: .none) : column)
        })
        return .union(keptText, otherRows, keptText.schema)
    }
}
