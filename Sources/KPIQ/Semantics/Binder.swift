/// Resolves a parsed statement against the session: names to columns and datasets, types
/// checked and decided, constants folded. Produces bound expressions and logical plans;
/// every problem is a `Diagnostic` pointing at the text.
package struct Binder {
    package let catalog: Catalog
    /// Today for this statement (`today()`, `last 30 days`): the session's "as of" date.
    package let asOf: Int64
    /// The statement's text, for naming unnamed columns after what was written.
    package let source: SourceText?

    package init(catalog: Catalog, asOf: Int64, source: SourceText? = nil) {
        self.catalog = catalog
        self.asOf = asOf
        self.source = source
    }

    /// A column name for an unnamed expression: the column it reads, `sum_amount` for an
    /// aggregate of one column, otherwise the expression as written.
    func defaultName(_ expression: Expression) -> String {
        switch expression.kind {
        case .name(let parts): return parts.last!.name
        case .call(let name, let arguments, let filter) where filter == nil:
            if arguments.isEmpty || (arguments.count == 1 && { if case .star = arguments[0].kind { return true } else { return false } }()) {
                return name.name.lowercased()
            }
            if arguments.count == 1, case .name(let parts) = arguments[0].kind {
                return name.name.lowercased() + "_" + parts.last!.name
            }
        default: break
        }
        let text = source?.text(of: expression.span) ?? ""
        return text.isEmpty ? "value" : text
    }

    /// The dataset named `name`, or a diagnostic suggesting a close name.
    func dataset(_ name: Identifier) throws -> Dataset {
        if let dataset = catalog[name.name] { return dataset }
        throw Self.unknownDataset(name, suggesting: catalog.names, loaded: catalog.names, listHint: "loaded datasets: ")
    }

    /// `unknown dataset`, with the closest of `suggesting` as a did-you-mean, else how to load
    /// one, else `listHint` followed by the loaded datasets.
    static func unknownDataset(_ name: Identifier, suggesting names: [String], loaded: [String], listHint: String) -> Diagnostic {
        var diagnostic = Diagnostic(.unknownDataset, "unknown dataset `\(name.name)`", at: name.span)
        if let near = EditDistance.closest(to: name.name, among: names) {
            diagnostic.label = "did you mean `\(near)`?"
        } else if loaded.isEmpty {
            diagnostic.hints = ["no dataset is loaded yet: `load \"file.csv\" as \(name.name)`"]
        } else {
            diagnostic.hints = [listHint + loaded.joined(separator: ", ")]
        }
        return diagnostic
    }

    /// The column `name` of a schema, or a diagnostic suggesting a close name.
    static func column(_ name: Identifier, in schema: Schema) throws -> Int {
        if let index = schema.index(of: name.name) { return index }
        let place = schema.datasetName.map { " in dataset `\($0)`" } ?? ""
        var diagnostic = Diagnostic(.unknownColumn, "unknown column `\(name.name)`\(place)", at: name.span)
        if let near = EditDistance.closest(to: name.name, among: schema.names) {
            diagnostic.label = "did you mean `\(Identifier.quote(near))`?"
        } else {
            let listed = schema.names.prefix(12).map(Identifier.quote).joined(separator: ", ")
            diagnostic.hints = ["columns: " + listed + (schema.names.count > 12 ? ", ..." : "")]
        }
        if name.name.contains(".") == false, schema.names.contains(where: { $0.contains(".") && $0.hasSuffix(name.name) }) {
            diagnostic.hints.append("names with dots or spaces go in backquotes: `emp.var.rate`")
        }
        throw diagnostic
    }

    /// The narrowest type both values fit, or nil when they do not mix.
    static func unify(_ a: DataType?, _ b: DataType?) -> DataType?? {
        switch (a, b) {
        case (nil, let t), (let t, nil): return .some(t)
        case (let x?, let y?) where x == y: return .some(x)
        case (.int?, .decimal?), (.decimal?, .int?): return .some(.decimal)
        case (.date?, .timestamp?), (.timestamp?, .date?): return .some(.timestamp)
        default: return nil
        }
    }
}
