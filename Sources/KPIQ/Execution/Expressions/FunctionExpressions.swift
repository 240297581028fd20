#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Physical implementations of the scalar functions. The binder has checked argument counts
/// and types, and that the extra arguments of text functions are constants.
enum FunctionExpressions {
    static func build(_ function: ScalarFunction, arguments: [BoundExpression], type: DataType?) -> any PhysicalExpression {
        let built = arguments.map(PhysicalExpressions.build)
        let constants = arguments.map { $0.constantValue }
        func text(_ k: Int) -> String {
            if case .text(let s)? = constants[k] { return s }
            return constants[k]?.description ?? ""
        }
        func integer(_ k: Int) -> Int64 {
            switch constants[k] {
            case .int(let v)?: return v
            case .decimal(let v)?: return v.isFinite && v.magnitude < 9e18 ? Int64(v) : 0
            default: return 0
            }
        }
        switch function {
        case .lower: return DictionaryMapExpression(operand: built[0], type: .text) { .text($0.lowercased()) }
        case .upper: return DictionaryMapExpression(operand: built[0], type: .text) { .text($0.uppercased()) }
        case .trim:
            return DictionaryMapExpression(operand: built[0], type: .text) { s in
                .text(String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()))
            }
        case .length: return DictionaryMapExpression(operand: built[0], type: .int) { .int(Int64($0.count)) }
        case .contains: return TextPredicateExpression(operand: built[0], predicate: .contains(text(1)), negated: false)
        case .startsWith: return TextPredicateExpression(operand: built[0], predicate: .startsWith(text(1)), negated: false)
        case .endsWith: return TextPredicateExpression(operand: built[0], predicate: .endsWith(text(1)), negated: false)
        case .replace:
            let old = text(1), new = text(2)
            return DictionaryMapExpression(operand: built[0], type: .text) { .text(old.isEmpty ? $0 : $0.replacing(old, with: new)) }
        case .splitPart:
            let separator = text(1), index = Int(integer(2))
            return DictionaryMapExpression(operand: built[0], type: .text) { s in
                let pieces = separator.isEmpty ? [Substring(s)] : s.split(separator: separator, omittingEmptySubsequences: false)
                let k = index > 0 ? index - 1 : pieces.count + index
                return k >= 0 && k < pieces.count ? .text(String(pieces[k])) : .text("")
            }
        case .substr:
            // Start and length are as written (any Int64): compare before adding, never add.
            let start = Int(integer(1)), length = arguments.count > 2 ? Int(integer(2)) : Int.max
            return DictionaryMapExpression(operand: built[0], type: .text) { s in
                let characters = Array(s)
                let from = start > 0 ? start - 1 : 0
                guard from < characters.count, length > 0 else { return .text("") }
                let to = from + min(length, characters.count - from)
                return .text(String(characters[from..<to]))
            }
        case .coalesce:
            return CoalesceExpression(arguments: built, type: type)
        case .nullif:
            return NullIfExpression(value: built[0], other: built[1], type: type)
        case .greatest, .least:
            return ExtremeExpression(arguments: built, greatest: function == .greatest, type: type)
        case .abs:
            return NumericMapExpression(operand: built[0], type: type, integer: { $0 == .min ? nil : Swift.abs($0) }, double: { Swift.abs($0) })
        case .round:
            let digits = arguments.count > 1 ? integer(1) : 0
            let scale = pow(10.0, Double(digits))
            return NumericMapExpression(operand: built[0], type: type, integer: { $0 }, double: { ($0 * scale).rounded(.toNearestOrAwayFromZero) / scale })
        case .floor: return NumericMapExpression(operand: built[0], type: type, integer: { $0 }, double: { $0.rounded(.down) })
        case .ceil: return NumericMapExpression(operand: built[0], type: type, integer: { $0 }, double: { $0.rounded(.up) })
        case .sqrt: return NumericMapExpression(operand: built[0], type: .decimal, integer: nil, double: { $0 < 0 ? .nan : $0.squareRoot() })
        case .ln: return NumericMapExpression(operand: built[0], type: .decimal, integer: nil, double: { $0 <= 0 ? .nan : log($0) })
        case .exp: return NumericMapExpression(operand: built[0], type: .decimal, integer: nil, double: { Darwin_exp($0) })
        case .power:
            return ArithmeticPowerExpression(base: built[0], exponent: built[1])
        case .bitAnd: return BitwiseExpression(operation: .and, left: built[0], right: built[1])
        case .shiftLeft: return BitwiseExpression(operation: .shiftLeft, left: built[0], right: built[1])
        case .shiftRight: return BitwiseExpression(operation: .shiftRight, left: built[0], right: built[1])
        case .day, .week, .month, .quarter, .year:
            return PeriodTruncationExpression(operand: built[0], grain: function.truncationGrain!)
        case .datePart:
            guard let unit = CalendarMath.Part(name: text(0)) else { return ConstantExpression(value: .null, type: .int) }
            return DatePartExpression(operand: built[1], part: unit)
        case .weekday: return DatePartExpression(operand: built[0], part: .weekday)
        case .hour: return DatePartExpression(operand: built[0], part: .hour)
        case .format:
            guard case .success(let pattern) = DateFormatPattern.parse(text(1)) else { return ConstantExpression(value: .null, type: .text) }
            return DateFormatExpression(operand: built[0], format: pattern)
        case .dateDiff:
            let operandType: DataType = arguments[1].type == .timestamp || arguments[2].type == .timestamp ? .timestamp : .date
            return DateDiffExpression(unit: CalendarMath.DifferenceUnit(name: text(0)), start: built[1], end: built[2], operandType: operandType)
        }
    }
}

@inline(__always)
func Darwin_exp(_ x: Double) -> Double { exp(x) }

/// A numeric function of one argument; non-finite results become null.
struct NumericMapExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let type: DataType?
    /// Integer version (nil: convert to decimal first); returns nil for null.
    let integer: (@Sendable (Int64) -> Int64?)?
    let double: @Sendable (Double) -> Double

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        guard let x = NumericOperand(a) else { return .constant(.null, type: type, count: n) }
        var valid = a.validityForCombine
        func invalidate(_ i: Int) {
            if valid == nil { valid = [UInt8](repeating: 1, count: n) }
            valid![i] = 0
        }
        if type == .int, x.isInteger, let integer {
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                if let r = integer(x.int(i)) { out[i] = r } else { invalidate(i) }
            }
            return Vector(type: .int, values: .ints(out), valid: valid, count: n)
        }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let r = double(x.double(i))
            if r.isFinite { out[i] = r } else { invalidate(i) }
        }
        return Vector(type: .decimal, values: .doubles(out), valid: valid, count: n)
    }
}

/// `power(x, y)`.
struct ArithmeticPowerExpression: PhysicalExpression {
    let base: any PhysicalExpression
    let exponent: any PhysicalExpression
    var type: DataType? { .decimal }

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        guard let operands = try NumericOperand.pair(base, exponent, batch) else { return .constant(.null, type: .decimal, count: n) }
        let (x, y) = (operands.x, operands.y)
        var valid = operands.valid
        var out = [Double](repeating: 0, count: n)
        // A constant base 2^k with |k| a power of two (0.5 for a half-life decay, 2, 4, 0.25):
        // exp2(k * y) is that power with an exact exponent, at a fraction of `pow`'s cost.
        if let k = Self.powerOfTwoExponent(x), case .doubles(let exponents) = y {
            exponents.withUnsafeBufferPointer { exponents in
                out.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n { out[i] = exp2(k * exponents[i]) }
                }
            }
        } else {
            for i in 0..<n { out[i] = pow(x.double(i), y.double(i)) }
        }
        // Not a finite number (an overflow, a negative base to a fraction): null.
        for i in 0..<n where !out[i].isFinite {
            out[i] = 0
            if valid == nil { valid = [UInt8](repeating: 1, count: n) }
            valid![i] = 0
        }
        return Vector(type: .decimal, values: .doubles(out), valid: valid, count: n)
    }

    /// k when `base` is the constant 2^k with |k| a power of two (so k * y rounds as y does).
    private static func powerOfTwoExponent(_ base: NumericOperand) -> Double? {
        let b: Double
        switch base {
        case .double(let v): b = v
        case .int(let v): b = Double(v)
        default: return nil
        }
        guard b > 0, b.isNormal, b.significandBitPattern == 0 else { return nil }
        let k = Int(b.exponent)
        guard k != 0, k.magnitude.nonzeroBitCount == 1 else { return nil }
        return Double(k)
    }
}

/// `nullif(a, b)`: null where a = b, else a.
struct NullIfExpression: PhysicalExpression {
    let value: any PhysicalExpression
    let other: any PhysicalExpression
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        var a = try value.evaluate(batch).flattened()
        let equal = try ComparisonExpression(op: .equal, left: ConstantVector(a), right: other).evaluate(batch)
        let eq = BoolOperand(equal)
        var valid = a.valid ?? [UInt8](repeating: 1, count: batch.count)
        for i in 0..<batch.count where eq[i].1 && eq[i].0 != 0 { valid[i] = 0 }
        a.valid = valid
        return a
    }
}

/// Wraps an already computed vector as an expression.
struct ConstantVector: PhysicalExpression {
    let vector: Vector
    init(_ vector: Vector) { self.vector = vector }
    var type: DataType? { vector.type }
    func evaluate(_ batch: Batch) throws -> Vector { vector }
}

/// `a || b || ...` and `concat(...)`: text joined; null when any part is null.
struct ConcatExpression: PhysicalExpression {
    let parts: [any PhysicalExpression]
    var type: DataType? { .text }

    func evaluate(_ batch: Batch) throws -> Vector {
        let vectors = try parts.map { try $0.evaluate(batch) }
        var builder = TextVectorBuilder(capacity: batch.count)
        rows: for i in 0..<batch.count {
            var text = ""
            for vector in vectors {
                guard let piece = vector.text(at: i) else {
                    builder.appendNull()
                    continue rows
                }
                text += piece
            }
            builder.append(text)
        }
        return builder.vector()
    }
}
