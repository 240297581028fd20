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
    static func base(of column: Column, type: DataType, asOf: Int64, grain: Grain) -> Int64? {
        guard case .integers(let packed) = column.values,
              let earliest = StoredExtremes.extreme(packed, validity: column.validity, isMin: true),
              let latest = StoredExtremes.extreme(packed, validity: column.validity, isMin: false),
              CalendarMath.inCalendar(earliest, type: type), CalendarMath.inCalendar(latest, type: type)
        else { return nil }
        let first = CalendarMath.truncate(CalendarMath.dayNumber(earliest, type: type), to: grain)
        let last = min(CalendarMath.dayNumber(latest, type: type), asOf)
        guard last >= first, let unit = CalendarMath.DifferenceUnit(name: grain.rawValue),
              let span = CalendarMath.difference(unit, first, CalendarMath.truncate(last, to: grain), type: .date),
              span < capacity
        else { return nil }
        return first
    }
}
