/// The choices `PhysicalPlanner` makes, which the executor runs and `.explain` prints.

/// How a chain of filters and projections is gathered into a table.
enum StreamStrategy: Equatable {
    /// Batches over morsels on all cores into a materialising sink.
    case batches
    /// A projection that only picks columns: the input's columns, no batches.
    case passThrough([Int])
}

/// How rows are numbered into groups (`GroupIndexer`).
enum GroupingStrategy: String, Sendable {
    /// No keys: one group.
    case single
    /// Text keys from dictionaries: the codes are the group number (`CodeGrouping`).
    case codes
    /// One integer or date key: its offset from the smallest value (`RangeGrouping`).
    case range
    /// Anything else: a hash table over the keys' words (`HashGrouping`).
    case hash

    /// As `.explain` prints it.
    var label: String {
        switch self {
        case .single: return "one group"
        case .codes: return "groups by dictionary codes"
        case .range: return "groups by value range"
        case .hash: return "groups by hash"
        }
    }
}

/// How one aggregate folds its rows into each group's value.
enum AggregateFold {
    case count, countDistinct, sum, mean, stddev, quantile, bitOr
    /// min or max of numbers, dates or timestamps (unboxed slots).
    case numericExtreme
    /// min or max of anything else.
    case extreme
    /// first or last by an integer, date or timestamp.
    case firstLastByTime
    /// first or last by any other ordering.
    case firstLastByValue
    /// `first(x, by)` with `by` stored in order: x read at each group's first row (the values).
    case firstRow(Column)
}

/// A grouped aggregate's choices.
struct GroupedAggregation {
    var grouping: GroupingStrategy
    var folds: [AggregateFold]
    /// Whether batches run on all cores (expressions past `ScanPipeline.maxParallelDepth`
    /// run on one, with the stack they need).
    var parallel: Bool
    /// The stored column that is the only key, when it is one (see
    /// `GroupIndexer.orderedGroupsByRows`).
    var keyColumn: Column?
    /// True when the input table was not known when choosing (a stage not run yet): the
    /// shortcuts that read the data are chosen when it runs.
    var decidedOnData: Bool
    /// At most this many groups, when the stored data says (`PhysicalPlanner.groupBound`);
    /// known only for a grouping with a distinct count, which sizes its state by it.
    var groupBound: Int? = nil
    /// Counts filtered by one small integer column, counted in one pass.
    var smallValueCounts: SmallValueCounts? = nil
}

/// How an aggregate runs.
enum AggregateStrategy {
    /// No key, every aggregate a min or max of a stored integer column (`StoredExtremes`):
    /// the columns' packed values are read, no batches.
    case storedExtremes([Column])
    case grouped(GroupedAggregation)

    /// As `.explain` prints it, given the aggregates' printed calls and the names of the
    /// input's columns.
    func label(calls: [String], inputNames: [String]) -> String {
        switch self {
        case .storedExtremes:
            return "reads the stored columns' packed values"
        case .grouped(let grouped):
            var parts = [grouped.grouping.label]
            for (fold, call) in zip(grouped.folds, calls) {
                if case .firstRow = fold { parts.append(call + " read at each group's first row") }
            }
            if let counts = grouped.smallValueCounts, counts.column < inputNames.count {
                parts.append("\(counts.members.count) counts from one count per value of \(Identifier.quote(inputNames[counts.column]))")
            }
            if !grouped.parallel { parts.append("one thread (deep expressions)") }
            if grouped.decidedOnData { parts.append("shortcuts that read the data chosen when the input has run") }
            return parts.joined(separator: "; ")
        }
    }
}
