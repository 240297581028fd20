/// One aggregate a metric reads from one dataset: `count_distinct(sessions.visitor_id)`,
/// `sum(campaigns.spend)`, `count(contacts) where customer_at is not null`.
package struct MetricLeaf: Sendable {
    package enum Kind: Sendable, Equatable {
        /// Over the rows dated within the period (the usual case).
        case aggregate
        /// Distinct values of the argument with an event (the `time` column) within `window`
        /// before the end of the period: `active_contacts(90 days)`.
        case rolling(window: Interval)
        /// Over every row dated before the end of the period (totals that accumulate, such as
        /// the contacts in the base).
        case cumulative
        /// Distinct values of the argument with rows on two or more distinct days before the
        /// end of the period: the customers who bought again (`repeated(count_distinct(...))`).
        case repeated
        /// A snapshot at the end of the period: the rows opened before it (the time column) and
        /// not closed by then (`closedBy` null or on or after the day after the period), such as
        /// the deals open at the end of each quarter.
        case open(closedBy: String)
    }

    package var dataset: String
    package var kind: Kind
    package var function: AggregateFunction
    /// Over the dataset's own columns (names without the dataset prefix).
    package var argument: Expression?
    package var filter: Expression?
    package var fraction: Double?
    /// The column that dates the rows; nil: the dataset's time column.
    package var timeColumn: String?
    /// Where it was written (for messages).
    package var span: Span
    /// A canonical text, equal for leaves that compute the same thing.
    package var key: String

    /// What an empty period gives: 0 for counts, null otherwise.
    package var emptyValue: Scalar {
        function == .count || function == .countDistinct ? .int(0) : .null
    }

    /// The value a metric sees for this leaf in one row of a `show`: `aggregated` is what the
    /// dataset gave for the row's dimensions and period (nil: it has no rows there).
    ///
    /// A sum of nothing is 0 here, unlike in a pipeline (where SQL's null holds): a month
    /// without won deals has revenue 0, so its ROI is -100%, not n/a. The exception is a row
    /// whose dimensions include null (the "no campaign" bucket) that this dataset has no rows
    /// for: it cannot speak for that bucket, so the value stays n/a. Means, medians and
    /// minimums of nothing stay null: there is nothing to average.
    package func metricValue(_ aggregated: Scalar?, type: DataType, unattributedRow: Bool) -> Scalar {
        guard function == .sum else { return aggregated ?? emptyValue }
        if let aggregated, !aggregated.isNull { return aggregated }
        if aggregated == nil, unattributedRow { return .null }
        return type == .int ? .int(0) : .decimal(0)
    }
}

/// A metric's arithmetic over its leaves.
package indirect enum MetricExpression: Sendable {
    case leaf(Int)
    case constant(Scalar)
    /// `a + b - c ...` applied left to right (a chain of any length is one node).
    case arithmetic(MetricExpression, [MetricStep])
    case negate(MetricExpression)
    case function(ScalarFunction, [MetricExpression])
    /// `share(m)`: the value over the total of all rows in the same period.
    case share(MetricExpression)

    /// The expressions directly inside this one.
    var children: [MetricExpression] {
        switch self {
        case .leaf, .constant: return []
        case .arithmetic(let first, let steps): return [first] + steps.map(\.operand)
        case .negate(let a), .share(let a): return [a]
        case .function(_, let args): return args
        }
    }

    /// Leaf indexes it reads.
    var leaves: [Int] {
        if case .leaf(let i) = self { return [i] }
        return children.flatMap(\.leaves)
    }

    /// The same expression with leaf indexes renumbered.
    func remapLeaves(_ map: (Int) -> Int) -> MetricExpression {
        switch self {
        case .leaf(let i): return .leaf(map(i))
        case .constant: return self
        case .arithmetic(let first, let steps):
            return .arithmetic(first.remapLeaves(map), steps.map { MetricStep(op: $0.op, operand: $0.operand.remapLeaves(map)) })
        case .negate(let a): return .negate(a.remapLeaves(map))
        case .share(let a): return .share(a.remapLeaves(map))
        case .function(let f, let args): return .function(f, args.map { $0.remapLeaves(map) })
        }
    }

    var containsShare: Bool {
        if case .share = self { return true }
        return children.contains { $0.containsShare }
    }
}

/// One step of a metric's arithmetic chain.
package struct MetricStep: Sendable {
    package var op: BinaryOperator
    package var operand: MetricExpression
}

/// A metric ready to compute: its expression over its own leaves, and how to show it.
package struct BoundMetric: Sendable {
    package var name: String
    package var expression: MetricExpression
    package var leaves: [MetricLeaf]
    package var format: ValueFormat
    /// True when the value is a whole number (counts): shown and typed as int.
    package var isInteger: Bool

    /// Datasets it reads.
    package var datasets: [String] {
        var seen: [String] = []
        for leaf in leaves where !seen.contains(leaf.dataset) { seen.append(leaf.dataset) }
        return seen
    }
}

/// `relate contacts.campaign -> campaigns.campaign`: each row of `from` points at one row of
/// `to`, so `to`'s columns can be dimensions of `from`'s metrics.
package struct Relationship: Sendable, Equatable {
    package var fromDataset: String
    package var fromColumn: String
    package var toDataset: String
    package var toColumn: String

    package var description: String { "\(fromDataset).\(fromColumn) -> \(toDataset).\(toColumn)" }
}

/// `target metric between a and b [for dimension = value]`: a band every value should be in.
/// With `per GRAIN` it is a goal for each period instead (`low` a goal to reach, `high` a
/// ceiling), shown as attainment and pace; `goals` names a dataset holding one goal per period
/// and dimension values.
package struct Target: Sendable {
    package var metric: String
    package var low: Double?
    package var high: Double?
    package var scope: (dimension: String, value: Scalar)?
    package var text: String
    package var grain: Grain? = nil
    package var goals: GoalsDataset? = nil

    /// Where a dataset of goals keeps them: the period column (a date in the period), the goal,
    /// and the dimension columns (every other column).
    package struct GoalsDataset: Sendable {
        package var dataset: String
        package var periodColumn: String
        package var goalColumn: String
        package var dimensions: [String]
    }

    /// A goal per period rather than a band.
    package var isPerPeriod: Bool { grain != nil }

    /// "on target", "below" or "above"; nil for a null value.
    package func status(_ value: Double?) -> String? {
        guard let value else { return nil }
        if let low, value < low { return "below" }
        if let high, value > high { return "above" }
        return "on target"
    }
}
