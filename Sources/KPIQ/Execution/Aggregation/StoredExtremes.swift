/// `from t | agg as_of = max(opened_at)`: the latest date in the data, asked before most
/// as-of KPIs. With no key, no filter and a stored integer, date or timestamp column, each
/// extreme is one pass over the column's packed values (a byte, two or four per row), with
/// no batches decoded.
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

    /// The smallest or largest value that is not null (nil when none is), read now. Narrow offsets from
    /// one base with a positive scale order as their values do, so they are compared as stored.
    static func extreme(_ packed: PackedIntegers, validity: Validity?, isMin: Bool) -> Int64? {
        switch packed.storage {
        case .u8(let a) where packed.scale > 0: return fold(a, validity, isMin).map { packed.base &+ Int64($0) &* packed.scale }
        case .u16(let a) where packed.scale > 0: return fold(a, validity, isMin).map { packed.base &+ Int64($0) &* packed.scale }
        case .u32(let a) where packed.scale > 0: return fold(a, validity, isMin).map { packed.base &+ Int64($0) &* packed.scale }
        default:
            // The widest offsets may wrap: compare the values themselves.
            return fold(packed.unpacked(), validity, isMin)
        }
    }

    /// The smallest and largest value of an integer-backed column that are not null (nil when
    /// none is, or the column is not stored as integers), read once per column.
    static func of(_ column: Column) -> ColumnExtremes.Extremes? {
        guard case .integers(let packed) = column.values, let memo = column.extremes else { return nil }
        return memo.value {
            guard let low = extreme(packed, validity: column.validity, isMin: true),
                  let high = extreme(packed, validity: column.validity, isMin: false)
            else { return nil }
            return ColumnExtremes.Extremes(min: low, max: high)
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

    private static func fold<T: FixedWidthInteger>(_ values: [T], _ validity: Validity?, _ isMin: Bool) -> T? {
        values.withUnsafeBufferPointer { values -> T? in
            guard let validity else {
                guard var best = values.first else { return nil }
                if isMin { for v in values { best = Swift.min(best, v) } } else { for v in values { best = Swift.max(best, v) } }
                return best
            }
            var best: T?
            validity.words.withUnsafeBufferPointer { words in
                for (w, word) in words.enumerated() where word != 0 {
                    let start = w << 6
                    var local: T
                    if word == ~0, start + 64 <= values.count {
                        // 64 values at a time, without a branch on each.
                        local = values[start]
                        if isMin { for i in start..<start + 64 { local = Swift.min(local, values[i]) } } else {
                            for i in start..<start + 64 { local = Swift.max(local, values[i]) }
                        }
                    } else {
                        // Bits past the column's end are never set; checked all the same.
                        var bits = word
                        guard start + bits.trailingZeroBitCount < values.count else { continue }
                        local = values[start + bits.trailingZeroBitCount]
                        while bits != 0, start + bits.trailingZeroBitCount < values.count {
                            let v = values[start + bits.trailingZeroBitCount]
                            local = isMin ? Swift.min(local, v) : Swift.max(local, v)
                            bits &= bits - 1
                        }
                    }
                    best = best.map { isMin ? Swift.min($0, local) : Swift.max($0, local) } ?? local
                }
            }
            return best
        }
    }
}
