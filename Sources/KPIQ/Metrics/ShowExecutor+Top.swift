/// `top N [with other]` of a `show`.
///
/// The first N dimension values in the sort's order are kept; over periods, each keeps all its
/// periods, in calendar order (a value ranks by its first row in the sort). With `other`, the
/// rest are folded into one row per period that is computed again from the rows of the folded
/// values, never added up from the rows shown: ratios are ratios of totals and distinct counts
/// stay exact (a visitor seen under two folded sources is one visitor). Shares are the
/// exception: a share is a row's part of the sum of the rows, so the folded part is the sum of
/// the folded rows' shares.
extension ShowExecutor {
    func topRows(_ table: Table, top: Int, show: ShowStatement, outputs: [Output], dimensions: [Dimension], compiled: ShowPlanner.Compiled) throws -> Table {
        if show.withOther, dimensions.count != 1 {
            throw Diagnostic(.invalidArgument, "`top N with other` works with one `by` dimension", at: show.dimensions.dropFirst().first?.span ?? show.metrics.first?.span)
        }
        if dimensions.isEmpty { return TableOperations.slice(table, offset: 0, count: top) }
        let periodColumn = compiled.periodColumn
        func key(_ row: Int) -> [Scalar] { (0..<dimensions.count).map { table.columns[$0].scalar(at: row) } }
        func period(_ row: Int) -> Scalar { periodColumn.map { table.columns[$0].scalar(at: row) } ?? .null }
        // Dimension values ranked by their first row in the sort.
        var ranked: [[Scalar]] = []
        var rowsOf: [[Scalar]: [Int]] = [:]
        for row in 0..<table.rowCount {
            let k = key(row)
            if rowsOf[k] == nil { ranked.append(k) }
            rowsOf[k, default: []].append(row)
        }
        let kept = ranked.prefix(top), folded = Array(ranked.dropFirst(top))
        var order: [Int] = []
        for k in kept {
            var rows = rowsOf[k]!
            if periodColumn != nil { rows.sort { (ComparisonExpression.compareScalars(period($0), period($1)) ?? 0) < 0 } }
            order += rows
        }
        let keptTable = table.gather(order.map { Int32($0) })
        guard show.withOther, !folded.isEmpty else { return keptTable }
        let other = try otherRows(table, folded: folded.map { $0[0] }, foldedRows: folded.flatMap { rowsOf[$0]! }, show: show,
                                  outputs: outputs, dimension: dimensions[0], compiled: compiled)
        // The dimension becomes text, to hold `other`.
        let keptAsText = Table(names: keptTable.names, columns: [ColumnFactory.text((0..<keptTable.rowCount).map { r in
            let v = keptTable.columns[0].scalar(at: r)
            return v.isNull ? nil : v.description
        })] + Array(keptTable.columns.dropFirst()), rowCount: keptTable.rowCount)
        return try TableOperations.concatenate(keptAsText, other, names: keptTable.names)
    }

    /// The `other` rows (one per period): the show computed again without the dimension, over
    /// the rows whose value is one of `folded`, with the same row conditions (the conditions on
    /// shown values chose the rows to fold; they do not apply to the folded total).
    private func otherRows(
        _ table: Table, folded: [Scalar], foldedRows: [Int], show: ShowStatement, outputs: [Output], dimension: Dimension,
        compiled: ShowPlanner.Compiled
    ) throws -> Table {
        let rowFilter = compiled.rowFilter
        let hasPeriod = compiled.periodColumn != nil
        let column = dimension.expression
        var alternatives: [Expression] = []
        let values = folded.filter { !$0.isNull }
        if !values.isEmpty {
            alternatives.append(Expression(.inList(column, values.map { Expression(.literal(Self.literal($0)), span: .none) }, negated: false), span: .none))
        }
        if folded.contains(where: \.isNull) { alternatives.append(Expression(.isNull(column, negated: false), span: .none)) }
        let folding = alternatives.count == 1 ? alternatives[0]
            : Expression(.chain(alternatives[0], alternatives.dropFirst().map { ChainLink(op: .or, operand: $0) }), span: .none)
        var rest = show
        rest.dimensions = []
        rest.top = nil
        rest.sort = []
        rest.withOther = false
        rest.filter = rowFilter.map { Expression.binary(.and, $0, folding, span: Optional<Span>.none) } ?? folding
        // The same periods as the table, even where the folded values have no rows.
        if rest.range == nil, hasPeriod, let first = compiled.calendar.units.first, let last = compiled.calendar.units.last {
            rest.range = TimeRange(kind: .dates(from: first.written.start, to: last.counted.end - 1), span: .none)
        }
        let computed = try ShowExecutor(catalog: catalog, kpis: kpis, asOf: asOf, cancel: cancel, source: source).run(rest).table
        // Shares: the folded rows' shares added up, per period.
        let periodColumn = hasPeriod ? 1 : nil
        var shareSums: [String: [Scalar: Double]] = [:]
        let prefixes = show.comparisons.map(\.columnPrefix)
        let shareNames = Set(outputs.filter(\.expression.containsShare).flatMap { output in [output.name] + prefixes.map { output.name + "_" + $0 } })
        for name in shareNames {
            guard let c = table.column(named: name) else { continue }
            var sums: [Scalar: Double] = [:]
            for row in foldedRows {
                let p = periodColumn.map { table.columns[$0].scalar(at: row) } ?? .null
                if let v = c.scalar(at: row).doubleValue { sums[p, default: 0] += v }
            }
            shareSums[name] = sums
        }
        var columns: [Column] = []
        for (index, name) in table.names.enumerated() {
            if index == 0 {
                columns.append(ColumnFactory.text([String](repeating: "other", count: computed.rowCount)))
                continue
            }
            var values = (0..<computed.rowCount).map { row in computed.column(named: name)?.scalar(at: row) ?? .null }
            let periodOf = { (row: Int) -> Scalar in hasPeriod ? computed.columns[0].scalar(at: row) : .null }
            if let sums = shareSums[name] {
                values = (0..<computed.rowCount).map { row in sums[periodOf(row)].map { .decimal($0) } ?? .null }
            }
            for prefix in prefixes {
                if let base = name.removingSuffix("_change_" + prefix), shareNames.contains(base) {
                    values = (0..<computed.rowCount).map { row in
                        guard let now = shareSums[base]?[periodOf(row)], let before = shareSums[base + "_" + prefix]?[periodOf(row)] else { return .null }
                        return .decimal(now - before)
                    }
                } else if let base = name.removingSuffix("_rel_change_" + prefix), shareNames.contains(base) {
                    values = (0..<computed.rowCount).map { row in
                        guard let now = shareSums[base]?[periodOf(row)], let before = shareSums[base + "_" + prefix]?[periodOf(row)], before != 0 else { return .null }
                        return .decimal((now - before) / abs(before))
                    }
                }
            }
            columns.append(ColumnFactory.scalars(values, type: table.columns[index].type))
        }
        return Table(names: table.names, columns: columns, rowCount: computed.rowCount)
    }
}

extension String {
    fileprivate func removingSuffix(_ suffix: String) -> String? {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : nil
    }
}
