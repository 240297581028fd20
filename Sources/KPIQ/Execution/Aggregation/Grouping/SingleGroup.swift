/// The grouping of an aggregate without keys: every row is in group 0, which exists from the
/// first batch on (even an empty one: an empty table still sends one), so an aggregate over
/// no rows still has its one row; its first row stays `GroupIndexer.deadRow` until a row comes.
final class SingleGroup {
    /// The first row of group 0 (empty before the first batch).
    // Hot per-row state: no run-time exclusivity checks. One thread uses a grouping at a time
    // (each worker its own), and no access here overlaps another.
    @exclusivity(unchecked) var firstRows: [Int32] = []
    var count: Int { firstRows.count }

    func groups(rowNumbers: [Int32]) -> [Int32] {
        if firstRows.isEmpty { firstRows = [GroupIndexer.deadRow] }
        if let first = rowNumbers.first, first < firstRows[0] { firstRows[0] = first }
        return [Int32](repeating: 0, count: rowNumbers.count)
    }

    /// Every group of `other` (at most the one) is group 0 here.
    func absorb(_ other: SingleGroup) -> [Int32] {
        if firstRows.isEmpty { firstRows = other.firstRows }
        if let theirs = other.firstRows.first, theirs < firstRows[0] { firstRows[0] = theirs }
        return [Int32](repeating: 0, count: other.count)
    }
}
