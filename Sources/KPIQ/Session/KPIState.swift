/// Metrics, targets, relationships and library bindings of a session.
package struct KPIState: Sendable {
    /// Metrics defined with `metric` (and those `use kpis` bound), by name, in order.
    package internal(set) var metrics: [String: MetricDefinition] = [:]
    package internal(set) var metricOrder: [String] = []
    package internal(set) var targets: [Target] = []
    /// Declared with `relate`.
    package internal(set) var relationships: [Relationship] = []
    /// Which datasets play the KPI library's roles.
    package internal(set) var binding = KPILibrary.Binding()
    /// Library metrics `use kpis` could not bind, with why.
    package internal(set) var unavailable: [(String, String)] = []

    mutating func removeMetric(_ name: String) {
        metrics[name] = nil
        metricOrder.removeAll { $0 == name }
    }

    mutating func define(_ metric: MetricDefinition) {
        if metrics[metric.name.name] == nil { metricOrder.append(metric.name.name) }
        metrics[metric.name.name] = metric
    }

    func resolver(_ catalog: Catalog) -> KPILibrary.Resolver {
        KPILibrary.Resolver(catalog: catalog, binding: binding)
    }

    /// Declared relationships, plus the library's conventional ones whose columns exist.
    func allRelationships(_ catalog: Catalog) -> [Relationship] {
        var all = relationships
        let resolver = resolver(catalog)
        for (from, to) in KPILibrary.relationships {
            guard let fromDataset = resolver.datasetName(forRole: from.0), let toDataset = resolver.datasetName(forRole: to.0),
                let a = catalog[fromDataset], let b = catalog[toDataset]
            else { continue }
            let fromColumn = resolver.columnName(from.1, dataset: fromDataset) ?? from.1
            let toColumn = resolver.columnName(to.1, dataset: toDataset) ?? to.1
            guard a.table.index(of: fromColumn) != nil, b.table.index(of: toColumn) != nil else { continue }
            let relation = Relationship(fromDataset: fromDataset, fromColumn: fromColumn, toDataset: toDataset, toColumn: toColumn)
            if !all.contains(where: { $0.fromDataset == relation.fromDataset && $0.toDataset == relation.toDataset }) { all.append(relation) }
        }
        return all
    }
}
