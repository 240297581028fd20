/// A loaded (or computed) table under a name, with what kpiq knows about it.
package struct Dataset: Sendable {
    package var name: String
    package var table: Table
    /// The column `show ... over` and `during` use for this dataset's metrics.
    package var timeColumn: String?
    /// With `time start_date .. end_date`: the last day of each row's run (a campaign's
    /// flight). Sums over the dataset are spread evenly over each row's days.
    package var endTimeColumn: String?
    /// Where the data came from (a file path, or the query that produced it).
    package var origin: String
    /// How to show the numbers of some columns, by name: those of a KPI result kept with
    /// `let` (percent, money, 2024-03). Pipelines over the dataset carry them over.
    package var formats: [String: ValueFormat]

    package init(name: String, table: Table, timeColumn: String? = nil, origin: String, formats: [String: ValueFormat] = [:]) {
        self.name = name
        self.table = table
        self.timeColumn = timeColumn
        self.origin = origin
        self.formats = formats
    }
}

/// The datasets of a session, in the order they were added.
package struct Catalog: Sendable {
    private var order: [String] = []
    private var byName: [String: Dataset] = [:]

    package init() {}

    package var names: [String] { order }

    package var datasets: [Dataset] { order.map { byName[$0]! } }

    package subscript(name: String) -> Dataset? { byName[name] }

    /// Adds or replaces a dataset (a replaced one keeps its place in the order).
    package mutating func put(_ dataset: Dataset) {
        if byName[dataset.name] == nil { order.append(dataset.name) }
        byName[dataset.name] = dataset
    }

    package mutating func remove(_ name: String) {
        byName[name] = nil
        order.removeAll { $0 == name }
    }

    /// Bytes the datasets hold (what a statement's memory budget starts from). A dictionary
    /// shared by several datasets (`let` keeps its source's) is counted once.
    package var byteCount: Int {
        var seen = Set<ObjectIdentifier>()
        var total = 0
        for dataset in byName.values {
            for column in dataset.table.columns {
                total += column.byteCount
                if let dictionary = column.dictionary, !seen.insert(ObjectIdentifier(dictionary)).inserted {
                    total -= dictionary.byteCount
                }
            }
        }
        return total
    }
}
