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
        e.renamingNames { [$0.last!] }
    }
}
