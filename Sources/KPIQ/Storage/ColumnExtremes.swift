import Synchronization

/// The smallest and largest stored value of an integer, date or timestamp column, and whether
/// its values never decrease down the table, each found once and remembered with the column:
/// the planner asks on every query that groups by a period of a time column or takes a
/// group's first value by time (ten million timestamps read each time otherwise).
package final class ColumnExtremes: Sendable {
    private let found = Mutex<Extremes??>(nil)
    private let ordered = Mutex<Bool?>(nil)

    /// The extremes of the values that are not null; nil when every row is null.
    package struct Extremes: Sendable {
        package let min: Int64
        package let max: Int64
    }

    package init() {}

    /// The remembered extremes, or `compute`'s (then remembered). Two threads asking at once
    /// may both compute; they find the same values.
    func value(_ compute: () -> Extremes?) -> Extremes? {
        Self.remembered(found, compute)
    }

    /// The remembered answer to whether the values never decrease, or `compute`'s (then
    /// remembered).
    func nondecreasing(_ compute: () -> Bool) -> Bool {
        Self.remembered(ordered, compute)
    }

    /// What `memo` holds, or `compute`'s answer, then held.
    private static func remembered<T: Sendable>(_ memo: borrowing Mutex<T?>, _ compute: () -> T) -> T {
        if let known = memo.withLock({ $0 }) { return known }
        let computed = compute()
        memo.withLock { $0 = computed }
        return computed
    }
}
