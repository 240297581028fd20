/// `greatest(a, b, ...)` / `least(a, b, ...)`: the largest or smallest argument, ignoring
/// nulls (null only when every argument is). Numbers, dates and timestamps run through typed
/// loops, one pass per argument; text and booleans compare values one by one.
struct ExtremeExpression: PhysicalExpression {
    let arguments: [any PhysicalExpression]
    let greatest: Bool
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        // `beats(v, w)`: v replaces w. One loop per type and direction, with the order inlined.
        switch (type, greatest) {
        case (.int?, true), (.date?, true), (.timestamp?, true):
            // The binder made every argument of this type (a date among timestamps is cast).
            return try numeric(batch, values: { $0.ints(count: $1) }, beats: { $0 > $1 }, wrap: { .ints($0) })
        case (.int?, false), (.date?, false), (.timestamp?, false):
            return try numeric(batch, values: { $0.ints(count: $1) }, beats: { $0 < $1 }, wrap: { .ints($0) })
        case (.decimal?, true):
            // Integers among decimals are converted; NaN is above every number, as in comparisons.
            return try numeric(batch, values: { $0.doubles(count: $1) }, beats: { ComparisonExpression.less($1, $0) }, wrap: { .doubles($0) })
        case (.decimal?, false):
            return try numeric(batch, values: { $0.doubles(count: $1) }, beats: { ComparisonExpression.less($0, $1) }, wrap: { .doubles($0) })
        default:
            return try byValue(batch)
        }
    }

    /// The first argument with values is taken as it is; each later one replaces the rows
    /// where it has a value and either beats the value so far or there is none yet.
    @inline(__always)  // so that `beats` is inlined into the loops
    private func numeric<T>(_ batch: Batch, values: (NumericOperand, Int) -> [T], beats: (T, T) -> Bool,
                            wrap: ([T]) -> Vector.Values) throws -> Vector {
        let n = batch.count
        var result: [T]?
        var valid: [UInt8]?  // nil while every row has a value
        for argument in arguments {
            let vector = try argument.evaluate(batch)
            guard let x = NumericOperand(vector) else { continue }  // a null constant
            guard let kept = result else {
                result = values(x, n)
                valid = vector.valid
                continue
            }
            // Into a new array: the values so far are often the first argument's, lent.
            let source = values(x, n)
            let xValid = vector.valid
            var have = valid
            result = [T](unsafeUninitializedCapacity: n) { out, initialized in
                kept.withUnsafeBufferPointer { kept in
                    source.withUnsafeBufferPointer { source in
                        if have == nil, xValid == nil {
                            // No nulls on either side: a select per row, no branch.
                            for i in 0..<n { out[i] = beats(source[i], kept[i]) ? source[i] : kept[i] }
                            return
                        }
                        var flags = have ?? [UInt8](repeating: 1, count: n)
                        let has = xValid ?? [UInt8](repeating: 1, count: n)
                        flags.withUnsafeMutableBufferPointer { flags in
                            has.withUnsafeBufferPointer { has in
                                for i in 0..<n {
                                    let take = has[i] & ((1 &- flags[i]) | (beats(source[i], kept[i]) ? 1 : 0))
                                    out[i] = take != 0 ? source[i] : kept[i]
                                    flags[i] |= has[i]
                                }
                            }
                        }
                        have = Flags.ones(flags) == n ? nil : flags
                    }
                }
                initialized = n
            }
            valid = have
        }
        guard let result else { return .constant(.null, type: type, count: n) }
        return Vector(type: type, values: wrap(result), valid: valid, count: n)
    }

    /// Text and booleans: the values compared one row at a time.
    private func byValue(_ batch: Batch) throws -> Vector {
        let n = batch.count
        let vectors = try arguments.map { try $0.evaluate(batch) }
        var choice = [Int](repeating: -1, count: n)
        for (k, vector) in vectors.enumerated() {
            for i in 0..<n where vector.isValid(i) {
                if choice[i] < 0 {
                    choice[i] = k
                } else if let order = ComparisonExpression.compareScalars(vector.scalar(at: i), vectors[choice[i]].scalar(at: i)),
                    greatest ? order > 0 : order < 0
                {
                    choice[i] = k
                }
            }
        }
        let sources = vectors + [.constant(.null, type: type, count: n)]
        return CaseExpression.select(sources, choice: choice.map { $0 < 0 ? vectors.count : $0 }, type: type, count: n)
    }
}
