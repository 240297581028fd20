import Synchronization

/// The smallest and largest stored value of an integer, date or timestamp column, found once
/// and remembered with the column: the planner asks for them on every query that groups by a
/// period of a time column (ten million timestamps read each time otherwise).
package final class ColumnExtremes: Sendable {
    private let found = Mutex<Extremes??>(nil)

    /// The extremes of the values that are not null; nil when every row is null.
    package struct Extremes: Sendable {
        package let min: Int64
        package let max: Int64
    }

    package init() {}

    /// The remembered extremes, or `compute`'s (then remembered). Two threads asking at once
    /// may both compute; they find the same values.
    func value(_ compute: () -> Extremes?) -> Extremes? {
        if let known = found.withLock({ $0 }) { return known }
        let computed = compute()
        found.withLock { $0 = .some(computed) }
        return computed
    }
}
