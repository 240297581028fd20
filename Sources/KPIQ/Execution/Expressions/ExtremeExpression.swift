/// `greatest(a, b, ...)` / `least(a, b, ...)`: the largest or smallest argument, ignoring
/// nulls (null only when every argument is). Numbers, dates and timestamps run through typed
/// loops, one pass per argument; text and booleans compare values one by one.
struct ExtremeExpression: PhysicalExpression {
    let arguments: [any PhysicalExpression]
    let greatest: Bool
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        switch type {
        case .int?, .date?, .timestamp?:
            // The binder made every argument of this type (a date among timestamps is cast).
            return try numeric(batch, values: { $0.ints(count: $1) }, less: { $0 < $1 }, wrap: { .ints($0) })
        case .decimal?:
            // Integers among decimals are converted; NaN is above every number, as in comparisons.
            return try numeric(batch, values: { $0.doubles(count: $1) }, less: ComparisonExpression.less, wrap: { .doubles($0) })
        default:
            return try byValue(batch)
        }
    }

    /// The first argument with values is taken as it is; each later one replaces, without a
    /// branch per row, the rows where it has a value and either beats the value so far or
    /// there is none yet.
    @inline(__always)  // so that `less` is inlined into the loops
    private func numeric<T>(_ batch: Batch, values: (NumericOperand, Int) -> [T], less: (T, T) -> Bool,
                            wrap: ([T]) -> Vector.Values) throws -> Vector {
        let n = batch.count
        var result: [T]?
        var valid: [UInt8]?  // nil while every row has a value
        let greatest = self.greatest
        for argument in arguments {
            let vector = try argument.evaluate(batch)
            guard let x = NumericOperand(vector) else { continue }  // a null constant
            let xValid = vector.valid
            guard var out = result else {
                result = values(x, n)
                valid = xValid
                continue
            }
            result = nil  // `out` is the array's one reference: written in place
            // A constant is read at position 0 of a one-value array: the same loops serve both.
            let step: Int
            switch x {
            case .int, .double: step = 0
            default: step = 1
            }
            let source = values(x, step == 0 ? 1 : n)
            source.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { out in
                    guard valid != nil || xValid != nil else {
                        for i in 0..<n {
                            let v = source[i &* step]
                            if greatest ? less(out[i], v) : less(v, out[i]) { out[i] = v }
                        }
                        return
                    }
                    var have = valid ?? [UInt8](repeating: 1, count: n)
                    let has = xValid ?? [UInt8](repeating: 1, count: n)
                    have.withUnsafeMutableBufferPointer { have in
                        has.withUnsafeBufferPointer { has in
                            for i in 0..<n {
                                let v = source[i &* step]
                                let better: UInt8 = (greatest ? less(out[i], v) : less(v, out[i])) ? 1 : 0
                                if has[i] & ((1 &- have[i]) | better) != 0 { out[i] = v }
                                have[i] |= has[i]
                            }
                        }
                    }
                    valid = have.contains(0) ? have : nil
                }
            }
            result = out
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
