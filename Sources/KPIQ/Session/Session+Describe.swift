/// Tables that describe the session, for `.datasets`, `.schema`, `.metrics` and completion.
extension Session {
    /// One row per dataset: name, rows, columns, memory, time column, origin.
    package func datasetsTable() -> Table {
        let datasets = catalog.datasets
        return Table(names: ["dataset", "rows", "columns", "memory", "time", "source"], columns: [
            ColumnFactory.text(datasets.map(\.name)),
            ColumnFactory.ints(datasets.map { Int64($0.table.rowCount) }),
            ColumnFactory.ints(datasets.map { Int64($0.table.columnCount) }),
            ColumnFactory.text(datasets.map { ByteSize.text($0.table.byteCount) }),
            ColumnFactory.text(datasets.map(\.timeColumn)),
            ColumnFactory.text(datasets.map(\.origin)),
        ], rowCount: datasets.count)
    }

    /// One row per column: name, type, nulls, distinct values, examples.
    package func schemaTable(_ name: String) throws -> Table {
        guard let dataset = catalog[name] else {
            var diagnostic = Diagnostic(.unknownDataset, "unknown dataset `\(name)`")
            if let near = EditDistance.closest(to: name, among: catalog.names) { diagnostic.hints = ["did you mean `\(near)`?"] }
            throw diagnostic
        }
        let table = dataset.table
        var distinct: [Int64?] = []
        var examples: [String?] = []
        for column in table.columns {
            distinct.append(Self.distinctCount(column))
            var seen: [String] = []
            var row = 0
            while seen.count < 3, row < table.rowCount, row < 10_000 {
                let value = column.scalar(at: row)
                if !value.isNull {
                    var text = value.description
                    if case .timestamp(let t) = value { text = CivilCalendar.formatTimestamp(t) }
                    if !seen.contains(text) { seen.append(text) }
                }
                row += 1
            }
            examples.append(seen.isEmpty ? nil : seen.joined(separator: ", "))
        }
        return Table(names: ["column", "type", "nulls", "distinct", "examples"], columns: [
            ColumnFactory.text(table.names.map { $0 == dataset.timeColumn ? $0 + " (time)" : $0 }),
            ColumnFactory.text(table.columns.map { $0.isUntyped ? "null" : $0.type.name }),
            ColumnFactory.ints(table.columns.map { Int64($0.nullCount) }),
            ColumnFactory.ints(distinct),
            ColumnFactory.text(examples),
        ], rowCount: table.columnCount)
    }

    /// Exact distinct non-null values of a column (codes for text, values otherwise).
    static func distinctCount(_ column: Column) -> Int64 {
        let n = column.count
        switch column.values {
        case .text(let codes, let dictionary):
            var seen = [Bool](repeating: false, count: dictionary.count)
            var count: Int64 = 0
            for i in 0..<n where !column.isNull(i) {
                let code = Int(codes[i])
                if !seen[code] { seen[code] = true; count += 1 }
            }
            return count
        case .bools(let values):
            return Int64(Set((0..<n).filter { !column.isNull($0) }.map { values[$0] }).count)
        case .doubles(let values):
            return Int64(Set((0..<n).filter { !column.isNull($0) }.map { KeyComponents.doubleKey(values[$0]) }).count)
        case .integers(let packed):
            var set = Set<Int64>()
            set.reserveCapacity(min(n, 1 << 20))
            for i in 0..<n where !column.isNull(i) { set.insert(packed[i]) }
            return Int64(set.count)
        }
    }

    /// Names the prompt can complete: datasets, each dataset's columns, metrics.
    package var datasetNames: [String] { catalog.names }

    package func columnNames(of dataset: String) -> [String] { catalog[dataset]?.table.names ?? [] }

    package var allColumnNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        for dataset in catalog.datasets {
            for name in dataset.table.names where seen.insert(name).inserted { names.append(name) }
        }
        return names
    }
}
