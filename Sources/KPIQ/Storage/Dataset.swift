/// A loaded (or computed) table under a name, with what kpiq knows about it.
public struct Dataset: Sendable {
    public var name: String
    public var table: Table
    /// The column `show ... over` and `during` use for this dataset's metrics.
    public var timeColumn: String?
    /// With `time start_date .. end_date`: the last day of each row's run (a campaign's
    /// flight). Sums over the dataset are spread evenly over each row's days.
    public var endTimeColumn: String?
    /// Where the data came from (a file path, or the query that produced it).
    public var origin: String
    /// How to show the numbers of some columns, by name: those of a KPI result kept with
    /// `let` (percent, money, 2024-03). Pipelines over the dataset carry them over.
    public var formats: [String: ValueFormat]

    public init(name: String, table: Table, timeColumn: String? = nil, origin: String, formats: [String: ValueFormat] = [:]) {
        self.name = name
        self.table = table
        self.timeColumn = timeColumn
        self.origin = origin
        self.formats = formats
    }
}

/// The datasets of a session, in the order they were added.
public struct Catalog: Sendable {
    private var order: [String] = []
    private var byName: [String: Dataset] = [:]

    public init() {}

    public var names: [String] { order }

    public var datasets: [Dataset] { order.map { byName[$0]! } }

    public subscript(name: String) -> Dataset? { byName[name] }

    /// Adds or replaces a dataset (a replaced one keeps its place in the order).
    public mutating func put(_ dataset: Dataset) {
        if byName[dataset.name] == nil { order.append(dataset.name) }
        byName[dataset.name] = dataset
    }

    public mutating func remove(_ name: String) {
        byName[name] = nil
        order.removeAll { $0 == name }
    }

    /// Bytes the datasets hold (what a statement's memory budget starts from). A dictionary
    /// shared by several datasets (`let` keeps its source's) is counted once.
    public var byteCount: Int {
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
