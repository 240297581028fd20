/// A set of periods as the bits of one whole number: bit k is the k-th period (of a grain)
/// from a base period. `cohort` uses it to collect each customer's periods with a purchase in
/// the grouping that finds their first and last purchase.
enum PeriodSet {
    /// Periods a set can hold: bits 0 to 62, so no set is negative and every shift of one
    /// moves zeros in.
    static let capacity = 63

    /// The first day of the period of the earliest time stored in `column`, when every time up
    /// to the end of the as-of day falls within `capacity` periods of it; nil otherwise (or for
    /// a column with no times).
    static func base(of column: Column, asOf: Int64, grain: Grain) -> Int64? {
        guard let (earliest, latest) = StoredExtremes.days(of: column) else { return nil }
        let first = CalendarMath.truncate(earliest, to: grain)
        let last = min(latest, asOf)
        guard last >= first, let span = CalendarMath.periods(from: first, to: last, grain), span < capacity else { return nil }
        return first
    }
}
