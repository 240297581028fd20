/// The `by` dimensions of a `show`: a column (`by source`), or an expression over each
/// dataset's columns (`by device_type = lower(device)`, `by month(ts)`), computed on the rows of
/// every dataset a metric reads, with the columns a dataset lacks looked up along relationships
/// like plain dimensions.
extension ShowExecutor {
    struct Dimension {
        var name: String
        /// Over a dataset's columns, names without a dataset prefix.
        var expression: Expression
        /// The column, when the dimension is a plain one (what a target's `for` matches).
        var column: String?
        var span: Span

        /// The columns it reads, with where they were written.
        var columns: [(name: String, span: Span)] { ShowExecutor.columnNames(expression).map { ($0.name, $0.span) } }

        /// A computed dimension (or a renamed column): a condition naming it applies to the
        /// result, since no dataset has a column of that name.
        var isDerived: Bool { column != name }
    }

    func bindDimensions(_ show: ShowStatement, outputs: [Output]) throws -> [Dimension] {
        var dimensions: [Dimension] = []
        let binder = Binder(catalog: catalog, asOf: asOf, source: source)
        for item in show.dimensions {
            if let touch = try TouchDimension.parse(item.expression, catalog: catalog) {
                let name = item.name?.name ?? touch.defaultName
                guard !dimensions.contains(where: { $0.name == name }), !outputs.contains(where: { $0.name == name }) else {
                    throw Diagnostic(.duplicateName, "`\(name)` is both a dimension and another column", at: item.span)
                }
                let column = Expression(.name([Identifier(touch.columnName, span: item.expression.span)]), span: item.expression.span)
                dimensions.append(Dimension(name: name, expression: column, column: nil, span: item.expression.span))
                continue
            }
            let expression = Self.unqualified(item.expression)
            var column: String?
            if case .name(let parts) = expression.kind { column = parts[0].name }
            let name = item.name?.name ?? column ?? binder.defaultName(item.expression)
            if Self.columnNames(expression).isEmpty {
                throw Diagnostic(.invalidArgument, "a `by` dimension reads a column; this one is a constant", at: item.expression.span,
                                 hints: ["to keep some rows, use `where`: show ... where source = \"paid\""])
            }
            guard !dimensions.contains(where: { $0.name == name }), !outputs.contains(where: { $0.name == name }) else {
                throw Diagnostic(.duplicateName, "`\(name)` is both a dimension and another column", at: item.span)
            }
            dimensions.append(Dimension(name: name, expression: expression, column: column, span: item.expression.span))
        }
        return dimensions
    }

    /// `campaigns.channel` is read as `channel` in whichever dataset has or reaches it.
    private static func unqualified(_ e: Expression) -> Expression {
        var out = e
        switch e.kind {
        case .name(let parts): out.kind = .name([parts.last!])
        case .unary(let op, let a): out.kind = .unary(op, unqualified(a))
        case .chain(let first, let links):
            out.kind = .chain(unqualified(first), links.map { ChainLink(op: $0.op, operand: unqualified($0.operand)) })
        case .call(let f, let args, let filter): out.kind = .call(f, args.map(unqualified), filter: filter.map(unqualified))
        case .isNull(let a, let n): out.kind = .isNull(unqualified(a), negated: n)
        case .inList(let a, let items, let n): out.kind = .inList(unqualified(a), items.map(unqualified), negated: n)
        case .between(let a, let b, let c, let n): out.kind = .between(unqualified(a), unqualified(b), unqualified(c), negated: n)
        case .like(let a, let b, let n): out.kind = .like(unqualified(a), unqualified(b), negated: n)
        case .caseWhen(let clauses, let otherwise):
            out.kind = .caseWhen(clauses.map { WhenClause(condition: unqualified($0.condition), result: unqualified($0.result)) },
                                 otherwise: otherwise.map(unqualified))
        case .during(let a, let range): out.kind = .during(unqualified(a), range)
        case .literal, .star: break
        }
        return out
    }
}
