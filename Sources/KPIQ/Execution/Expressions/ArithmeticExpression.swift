#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `+ - * / %` on numbers (and `date - date`, `timestamp - timestamp`), as a chain applied
/// left to right in a loop: `a + b - c` is `(a + b) - c` without recursing per term.
///
/// Integer overflow and division by zero give null, never a trap; `/` always gives a decimal,
/// so `leads / visitors` is a ratio and not a truncated integer.
struct ArithmeticExpression: PhysicalExpression {
    struct Step {
        let op: BinaryOperator
        let operand: any PhysicalExpression
        /// The type of the value after this step.
        let type: DataType?
    }

    let first: any PhysicalExpression
    let steps: [Step]
    var type: DataType? { steps.last?.type ?? first.type }

    func evaluate(_ batch: Batch) throws -> Vector {
        var value = try first.evaluate(batch)
        for step in steps {
            value = Self.apply(step.op, value, try step.operand.evaluate(batch), type: step.type, count: batch.count)
        }
        return value
    }

    /// `a op b` for a batch of `n` rows, giving a vector of `type`.
    static func apply(_ op: BinaryOperator, _ a: Vector, _ b: Vector, type: DataType?, count n: Int) -> Vector {
        var valid = Vector.combine(a.validityForCombine, b.validityForCombine, count: n)
        guard let x = NumericOperand(a), let y = NumericOperand(b) else {
            return .constant(.null, type: type, count: n)
        }
        // Differences of two times: days (whole for dates, fractional for timestamps).
        if op == .subtract, a.type == b.type, a.type == .date || a.type == .timestamp {
            if a.type == .date {
                return integerResult(x, y, n, &valid) { $0.subtractingReportingOverflow($1) }
            }
            return doubleResult(x, y, n, &valid) { (Double($0) - Double($1)) / Double(CivilCalendar.microsPerDay) }
        }
        if type == .date, op == .add || op == .subtract {
            // date +/- whole days; a day outside the calendar is null, like an overflow.
            return integerResult(x, y, n, &valid, type: .date) {
                let (day, overflow) = op == .add ? $0.addingReportingOverflow($1) : $0.subtractingReportingOverflow($1)
                return (day, overflow || !CivilCalendar.contains(day: day))
            }
        }
        if type == .int, x.isInteger, y.isInteger {
            switch op {
            case .add: return integerResult(x, y, n, &valid) { $0.addingReportingOverflow($1) }
            case .subtract: return integerResult(x, y, n, &valid) { $0.subtractingReportingOverflow($1) }
            case .multiply: return integerResult(x, y, n, &valid) { $0.multipliedReportingOverflow(by: $1) }
            case .modulo:
                // Any integer modulo -1 is 0; Swift reports Int64.min % -1 as an overflow (the
                // quotient does not fit), but the remainder does.
                return integerResult(x, y, n, &valid) { b, c in c == 0 ? (0, true) : c == -1 ? (0, false) : b.remainderReportingOverflow(dividingBy: c) }
            default: break
            }
        }
        switch op {
        case .add: return doubleResult(x, y, n, &valid) { $0 + $1 }
        case .subtract: return doubleResult(x, y, n, &valid) { $0 - $1 }
        case .multiply: return doubleResult(x, y, n, &valid) { $0 * $1 }
        case .divide: return doubleResult(x, y, n, &valid) { $1 == 0 ? .nan : $0 / $1 }
        case .modulo: return doubleResult(x, y, n, &valid) { $1 == 0 ? .nan : fmod($0, $1) }
        default: return .constant(.null, type: type, count: n)
        }
    }

    /// Integer kernel: an overflow makes the row null.
    @inline(__always)
    private static func integerResult(
        _ x: NumericOperand, _ y: NumericOperand, _ n: Int, _ valid: inout [UInt8]?, type: DataType = .int,
        _ f: (Int64, Int64) -> (partialValue: Int64, overflow: Bool)
    ) -> Vector {
        var overflowed: [Int] = []
        let values = [Int64](unsafeUninitializedCapacity: n) { buffer, initialized in
            x.withIntReader(count: n) { a, aStep in
                y.withIntReader(count: n) { b, bStep in
                    for i in 0..<n {
                        let (v, o) = f(a[i &* aStep], b[i &* bStep])
                        buffer[i] = v
                        if o { overflowed.append(i) }
                    }
                }
            }
            initialized = n
        }
        if !overflowed.isEmpty {
            var flags = valid ?? [UInt8](repeating: 1, count: n)
            for i in overflowed { flags[i] = 0 }
            valid = flags
        }
        return Vector(type: type, values: .ints(values), valid: valid, count: n)
    }

    /// Double kernel: a result that is not a finite number (x / 0, overflow) makes the row null.
    @inline(__always)
    private static func doubleResult(
        _ x: NumericOperand, _ y: NumericOperand, _ n: Int, _ valid: inout [UInt8]?, _ f: (Double, Double) -> Double
    ) -> Vector {
        var nonFinite = 0
        let values = [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
            // Noted in a local, not a captured flag, and with the common strides spelled
            // out (`withStrides`), so the loops run in vector registers.
            if x.isInteger, y.isInteger {
                // Times and integers: converted in the loop, not copied first.
                nonFinite = x.withIntReader(count: n) { a, aStep in
                    y.withIntReader(count: n) { b, bStep in
                        withStrides(aStep, bStep) { aStep, bStep in
                            var bad = 0
                            for i in 0..<n {
                                let v = f(Double(a[i &* aStep]), Double(b[i &* bStep]))
                                buffer[i] = v
                                bad |= v.isFinite ? 0 : 1
                            }
                            return bad
                        }
                    }
                }
            } else {
                nonFinite = x.withDoubleReader(count: n) { a, aStep in
                    y.withDoubleReader(count: n) { b, bStep in
                        withStrides(aStep, bStep) { aStep, bStep in
                            var bad = 0
                            for i in 0..<n {
                                let v = f(a[i &* aStep], b[i &* bStep])
                                buffer[i] = v
                                bad |= v.isFinite ? 0 : 1
                            }
                            return bad
                        }
                    }
                }
            }
            initialized = n
        }
        if nonFinite != 0 {
            var flags = valid ?? [UInt8](repeating: 1, count: n)
            for i in 0..<n where !values[i].isFinite { flags[i] = 0 }
            valid = flags
        }
        return Vector(type: .decimal, values: .doubles(values), valid: valid, count: n)
    }

    /// Calls `body` with the two strides (1 for a column, 0 for a constant) as literals in the
    /// common cases, so each inlined copy of its loop has fixed strides and vectorizes.
    @inline(__always)
    private static func withStrides<R>(_ aStep: Int, _ bStep: Int, _ body: (Int, Int) -> R) -> R {
        switch (aStep, bStep) {
        case (1, 1): return body(1, 1)
        case (1, 0): return body(1, 0)
        case (0, 1): return body(0, 1)
        default: return body(aStep, bStep)
        }
    }
}
