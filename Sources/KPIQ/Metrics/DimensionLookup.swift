/// Reaching a dimension a dataset does not have through declared relationships: contacts
/// have `campaign`, campaigns have `channel`, so `show leads by channel` looks each contact's
/// campaign up in campaigns. Lookups are many-to-one (the target key must be unique), so they
/// never multiply rows.
struct DimensionLookup {
    let catalog: Catalog
    let relationships: [Relationship]
    /// Touches dated after it are not known yet (`first_touch`, `TouchDimension`).
    var asOf: Int64? = nil

    /// A path of relationships from `dataset` to one that has `column` (shortest first).
    func path(from dataset: String, to column: String) -> [Relationship]? {
        var queue: [(String, [Relationship])] = [(dataset, [])]
        var seen: Set<String> = [dataset]
        while !queue.isEmpty {
            let (current, path) = queue.removeFirst()
            if path.count > 3 { continue }
            for relation in relationships where relation.fromDataset == current {
                let next = path + [relation]
                if catalog[relation.toDataset]?.table.index(of: column) != nil { return next }
                if seen.insert(relation.toDataset).inserted { queue.append((relation.toDataset, next)) }
            }
        }
        return nil
    }

    /// The columns `dataset` has or reaches through relationships (its own first).
    func reachableColumns(from dataset: String) -> [String] {
        var columns: [String] = []
        var queue = [dataset]
        var seen: Set<String> = [dataset]
        while !queue.isEmpty {
            let current = queue.removeFirst()
            columns += catalog[current]?.table.names ?? []
            for relation in relationships where relation.fromDataset == current && seen.insert(relation.toDataset).inserted {
                queue.append(relation.toDataset)
            }
        }
        return columns
    }

    /// The dataset's rows as a plan, with the `columns` it lacks joined in along relationships.
    /// Added columns keep their own names. Throws when a column cannot be reached.
    func plan(_ dataset: Dataset, adding columns: [(name: String, span: Span)], context: String) throws -> LogicalPlan {
        var plan = LogicalPlan.scan(name: dataset.name, table: dataset.table)
        for (column, span) in columns {
            guard let touch = TouchDimension(columnName: column), plan.schema.index(of: column) == nil else { continue }
            plan = try touch.join(plan, rowsName: dataset.name, catalog: catalog, asOf: asOf, span: span)
        }
        // Group the needed columns by the path that reaches them.
        var paths: [[Relationship]] = []
        var columnsByPath: [[String]] = []
        for (column, span) in columns where plan.schema.index(of: column) == nil {
            guard let path = path(from: dataset.name, to: column) else {
                var diagnostic = Diagnostic(.missingDimension, "`\(column)` is not a column of `\(dataset.name)`\(context)", at: span)
                let holders = catalog.datasets.filter { $0.table.index(of: column) != nil }.map(\.name)
                if holders.isEmpty, let near = EditDistance.closest(to: column, among: reachableColumns(from: dataset.name)) {
                    diagnostic.label = "did you mean `\(near)`?"
                } else if let holder = holders.first {
                    // A key shared by name that identifies the holder's rows, if there is one.
                    let keys = dataset.table.names.filter { name in
                        guard let target = catalog[holder], let column = target.table.column(named: name) else { return false }
                        return Session.distinctCount(column) == Int64(target.table.rowCount - column.nullCount)
                    }
                    diagnostic.hints = ["`\(holder)` has it; declare how `\(dataset.name)` reaches it: relate \(dataset.name).\(keys.first ?? "KEY") -> \(holder).\(keys.first ?? "KEY")"]
                }
                throw diagnostic
            }
            if let k = paths.firstIndex(where: { $0.map(\.description) == path.map(\.description) }) {
                columnsByPath[k].append(column)
            } else {
                paths.append(path)
                columnsByPath.append([column])
            }
        }
        for (path, wanted) in zip(paths, columnsByPath) {
            plan = try join(plan, along: path, bringing: wanted)
        }
        return plan
    }

    /// Left-joins the last dataset of `path` (through the ones before it) for `wanted` columns.
    private func join(_ plan: LogicalPlan, along path: [Relationship], bringing wanted: [String]) throws -> LogicalPlan {
        // Build the lookup table from the far end back: key of the first hop -> wanted columns.
        var lookup: LogicalPlan?
        var lookupKey = ""
        for (index, relation) in path.enumerated().reversed() {
            guard let target = catalog[relation.toDataset] else {
                throw Diagnostic(.unknownDataset, "relationship \(relation.description) points at a dataset that is not loaded")
            }
            try checkUnique(target, relation.toColumn)
            var current = LogicalPlan.scan(name: target.name, table: target.table)
            if let inner = lookup {
                // Bring the columns found further along into this hop.
                let nextRelation = path[index + 1]
                current = joinPlan(current, inner, leftKey: nextRelation.fromColumn, rightKey: lookupKey)
            }
            let schema = current.schema
            let keep = [relation.toColumn] + wanted.filter { schema.index(of: $0) != nil && $0 != relation.toColumn }
            let keyName = "__key\(index)"
            let expressions = keep.map { BoundExpression(.column(schema.index(of: $0)!), type: schema.fields[schema.index(of: $0)!].type, span: .none) }
            let fields = keep.enumerated().map { k, name in
                Schema.Field(name: k == 0 ? keyName : name, type: schema.fields[schema.index(of: name)!].type, origin: schema.fields[schema.index(of: name)!].origin)
            }
            lookup = .project(current, expressions, Schema(fields: fields))
            lookupKey = keyName
        }
        return joinPlan(plan, lookup!, leftKey: path[0].fromColumn, rightKey: lookupKey)
    }

    private func joinPlan(_ left: LogicalPlan, _ right: LogicalPlan, leftKey: String, rightKey: String) -> LogicalPlan {
        let ls = left.schema, rs = right.schema
        let li = ls.index(of: leftKey)!, ri = rs.index(of: rightKey)!
        let rightColumns = rs.fields.indices.filter { $0 != ri && ls.index(of: rs.fields[$0].name) == nil }
        let fields = ls.fields + rightColumns.map { rs.fields[$0] }
        return .join(left: left, right: right, JoinSpec(kind: .left, leftKeys: [li], rightKeys: [ri], rightColumns: rightColumns),
                     Schema(fields: fields, datasetName: ls.datasetName))
    }

    /// A lookup key must be unique, or the join would count rows twice.
    private func checkUnique(_ dataset: Dataset, _ column: String) throws {
        guard let c = dataset.table.column(named: column) else {
            throw Diagnostic(.unknownColumn, "relationship target `\(dataset.name).\(column)` does not exist")
        }
        let distinct = Session.distinctCount(c)
        let present = Int64(dataset.table.rowCount - c.nullCount)
        if distinct != present {
            throw Diagnostic(.invalidMetric, "`\(dataset.name).\(column)` has repeated values, so it cannot be looked up without counting rows twice",
                             hints: ["relate to a column that identifies one row of `\(dataset.name)`"])
        }
    }
}
