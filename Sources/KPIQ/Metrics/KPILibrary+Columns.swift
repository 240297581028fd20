/// The columns the KPI library reads in each role's dataset, found in the library's own text
/// (so they cannot drift from it): what `use kpis with ROLE = DATASET (column = ...)` may rename.
extension KPILibrary {
    /// Per role, the library's column names, in the order first read.
    static let roleColumns: [String: [String]] = {
        var columns: [String: [String]] = [:]
        func add(_ role: String, _ column: String) {
            guard roles.contains(where: { $0.role == role }), !(columns[role]?.contains(column) ?? false) else { return }
            columns[role, default: []].append(column)
        }
        let resolver = Resolver(catalog: Catalog(), binding: Binding())
        let parametric = [Parametric.activeContacts, .activeContactRate].compactMap { try? resolver.parametricExpression($0, window: Interval(months: 0, days: 90, micros: 0)) }
        for definition in definitions {
            let roles = roleColumns(definition.expression, add: add)
            if let time = definition.timeColumn { roles.forEach { add($0, time.name) } }
        }
        for expression in parametric { _ = roleColumns(expression, add: add) }
        for (from, to) in relationships {
            add(from.0, from.1)
            add(to.0, to.1)
        }
        return columns
    }()

    /// Adds the columns an expression's aggregates read, by role; returns the roles read.
    private static func roleColumns(_ e: Expression, add: (String, String) -> Void) -> [String] {
        guard case .call(let name, let arguments, let filter) = e.kind else {
            return e.children.flatMap { roleColumns($0, add: add) }
        }
        let function = name.name.lowercased()
        if function == "rolling" || function == "cumulative" {
            let roles = arguments.first.map { roleColumns($0, add: add) } ?? []
            // rolling(AGGREGATE, window, event_time)
            if arguments.count == 3, case .name(let parts) = arguments[2].kind { roles.forEach { add($0, parts[0].name) } }
            return roles
        }
        if function == "open" {
            // open(AGGREGATE, opened_at, closed_at)
            let roles = arguments.first.map { roleColumns($0, add: add) } ?? []
            for argument in arguments.dropFirst() {
                if case .name(let parts) = argument.kind { roles.forEach { add($0, parts[0].name) } }
            }
            return roles
        }
        guard AggregateFunction(name: function) != nil else { return e.children.flatMap { roleColumns($0, add: add) } }
        // The role: `count(contacts)`, or the prefix of the qualified names.
        var names: [[Identifier]] = []
        func collect(_ e: Expression) {
            if case .name(let parts) = e.kind { names.append(parts) }
            e.children.forEach(collect)
        }
        (arguments + (filter.map { [$0] } ?? [])).forEach(collect)
        var role: String?
        if function == "count", case .name(let parts)? = arguments.first?.kind, parts.count == 1, roles.contains(where: { $0.role == parts[0].name }) {
            role = parts[0].name
            names.removeFirst()
        }
        role = role ?? names.first { $0.count == 2 }?[0].name
        guard let role else { return [] }
        for parts in names { add(parts.count == 2 ? parts[0].name : role, parts.last!.name) }
        return [role]
    }
}
