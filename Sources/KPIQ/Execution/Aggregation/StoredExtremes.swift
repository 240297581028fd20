/// `from t | agg as_of = max(opened_at)`: the latest date in the data, asked before most
/// as-of KPIs. With no key, no filter and a stored integer, date or timestamp column, both
/// extremes are one pass over the column's packed values (a byte, two or four per row), with
/// no batches decoded, remembered with the column (`ColumnExtremes`).
enum StoredExtremes {
    /// The one-row result: each aggregate's min or max over its stored column (the planner
    /// checked that every aggregate is one, of a packed integer column: `PhysicalPlanner`).
    static func table(_ columns: [Column], aggregates: [BoundAggregate], names: [String]) -> Table {
        var results: [Column] = []
        for (aggregate, column) in zip(aggregates, columns) {
            guard case .integers = column.values else { preconditionFailure("stored extremes of a column not stored as integers") }
            let both = of(column)
            let value = aggregate.function == .min ? both?.min : both?.max
            let validity: Validity? = value == nil ? Validity(flags: [false]) : nil
            results.append(Column(type: column.type, values: .integers(PackedIntegers.pack([value ?? 0], validity: validity)), validity: validity))
        }
        return Table(names: names, columns: results, rowCount: 1)
    }

    /// The smallest and largest value that are not null (nil when none is), read now, in one
    /// pass. Narrow offsets from one base with a positive scale order as their values do, so
    /// they are compared as stored.
    static func extremes(_ packed: PackedIntegers, validity: Validity?) -> (min: Int64, max: Int64)? {
        func value<T: FixedWidthInteger>(_ offset: T) -> Int64 { packed.base &+ Int64(offset) &* packed.scale }
        switch packed.storage {
        case .u8(let a) where packed.scale > 0: return fold(a, validity).map { (value($0.min), value($0.max)) }
        case .u16(let a) where packed.scale > 0: return fold(a, validity).map { (value($0.min), value($0.max)) }
        case .u32(let a) where packed.scale > 0: return fold(a, validity).map { (value($0.min), value($0.max)) }
        default:
            // The widest offsets may wrap: compare the values themselves.
            return fold(packed.unpacked(), validity)
        }
    }

    /// The smallest and largest value of an integer-backed column that are not null (nil when
    /// none is, or the column is not stored as integers), read once per column.
    static func of(_ column: Column) -> ColumnExtremes.Extremes? {
        guard case .integers(let packed) = column.values, let memo = column.extremes else { return nil }
        return memo.value {
            extremes(packed, validity: column.validity).map { ColumnExtremes.Extremes(min: $0.min, max: $0.max) }
        }
    }

    /// The day numbers of the earliest and latest time stored in a date or timestamp column;
    /// nil when it holds none (or one outside the calendar).
    static func days(of column: Column) -> (earliest: Int64, latest: Int64)? {
        guard let both = of(column), case let (earliest, latest) = (both.min, both.max),
              CalendarMath.inCalendar(earliest, type: column.type), CalendarMath.inCalendar(latest, type: column.type)
        else { return nil }
        return (CalendarMath.dayNumber(earliest, type: column.type), CalendarMath.dayNumber(latest, type: column.type))
    }

    private static func fold<T: FixedWidthInteger>(_ values: [T], _ validity: Validity?) -> (min: T, max: T)? {
        values.withUnsafeBufferPointer { values -> (min: T, max: T)? in
            guard let validity else {
                guard var low = values.first else { return nil }
                var high = low
                for v in values {
                    low = Swift.min(low, v)
                    high = Swift.max(high, v)
                }
                return (low, high)
            }
            var best: (min: T, max: T)?
            validity.words.withUnsafeBufferPointer { words in
                for (w, word) in words.enumerated() where word != 0 {
                    let start = w << 6
                    var low: T, high: T
                    if word == ~0, start + 64 <= values.count {
                        // 64 values at a time, without a branch on each.
                        low = values[start]
                        high = low
                        for i in start..<start + 64 {
                            low = Swift.min(low, values[i])
                            high = Swift.max(high, values[i])
                        }
                    } else {
                        // Bits past the column's end are never set; checked all the same.
                        var bits = word
                        guard start + bits.trailingZeroBitCount < values.count else { continue }
                        low = values[start + bits.trailingZeroBitCount]
                        high = low
                        while bits != 0, start + bits.trailingZeroBitCount < values.count {
                            let v = values[start + bits.trailingZeroBitCount]
                            low = Swift.min(low, v)
                            high = Swift.max(high, v)
                            bits &= bits - 1
                        }
                    }
                    best = best.map { (Swift.min($0.min, low), Swift.max($0.max, high)) } ?? (low, high)
                }
            }
            return best
        }
    }
}
