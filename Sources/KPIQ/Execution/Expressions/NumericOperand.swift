/// A numeric input of a kernel: a batch of values or one constant, as integers or doubles.
enum NumericOperand {
    case ints([Int64])
    case doubles([Double])
    case int(Int64)
    case double(Double)

    /// The vector's values (bools count as 0/1); nil for a null constant.
    init?(_ vector: Vector) {
        switch vector.values {
        case .ints(let a): self = .ints(a)
        case .doubles(let a): self = .doubles(a)
        case .bools(let a): self = .ints(a.map { Int64($0) })
        case .text: return nil
        case .constant(let scalar):
            switch scalar {
            case .int(let v), .date(let v), .timestamp(let v): self = .int(v)
            case .decimal(let v): self = .double(v)
            case .bool(let b): self = .int(b ? 1 : 0)
            default: return nil
            }
        }
    }

    /// Both operands of a binary kernel over `batch`, with their combined validity; nil when
    /// either is a null constant (every row is then null).
    static func pair(_ left: any PhysicalExpression, _ right: any PhysicalExpression, _ batch: Batch) throws
        -> (x: NumericOperand, y: NumericOperand, valid: [UInt8]?)?
    {
        let a = try left.evaluate(batch), b = try right.evaluate(batch)
        guard let x = NumericOperand(a), let y = NumericOperand(b) else { return nil }
        return (x, y, Vector.combine(a.validityForCombine, b.validityForCombine, count: batch.count))
    }

    var isInteger: Bool {
        switch self {
        case .ints, .int: return true
        default: return false
        }
    }

    /// A constant as a decimal (an integer constant compared with decimals); nil for vectors.
    var constantDouble: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    @inline(__always)
    func int(_ i: Int) -> Int64 {
        switch self {
        case .ints(let a): return a[i]
        case .int(let v): return v
        case .doubles(let a): return Self.truncated(a[i])
        case .double(let v): return Self.truncated(v)
        }
    }

    /// A double as an integer; 0 for one that has none (NaN, infinite, beyond Int64), which
    /// `Int64(_:)` would trap on.
    @inline(__always)
    static func truncated(_ v: Double) -> Int64 {
        v.isFinite && v.magnitude < 9.2e18 ? Int64(v) : 0
    }

    @inline(__always)
    func double(_ i: Int) -> Double {
        switch self {
        case .ints(let a): return Double(a[i])
        case .int(let v): return Double(v)
        case .doubles(let a): return a[i]
        case .double(let v): return v
        }
    }

    /// All values as doubles (flat).
    func doubles(count: Int) -> [Double] {
        switch self {
        case .doubles(let a): return a
        case .ints(let a): return a.map { Double($0) }
        case .int(let v): return [Double](repeating: Double(v), count: count)
        case .double(let v): return [Double](repeating: v, count: count)
        }
    }

    /// The values for a loop with no switch per row: row i is at `values[i * step]`, with a
    /// step of 0 for a constant. Decimals read as integers are truncated first.
    @inline(__always)
    func withIntReader<R>(count n: Int, _ body: (_ values: UnsafePointer<Int64>, _ step: Int) -> R) -> R {
        switch self {
        case .int(let v): return withUnsafePointer(to: v) { body($0, 0) }
        case .ints(let a) where !a.isEmpty: return a.withUnsafeBufferPointer { body($0.baseAddress!, 1) }
        default:
            let a = ints(count: Swift.max(n, 1))
            return a.withUnsafeBufferPointer { body($0.baseAddress!, 1) }
        }
    }

    /// `withIntReader` for decimals (integers converted first).
    @inline(__always)
    func withDoubleReader<R>(count n: Int, _ body: (_ values: UnsafePointer<Double>, _ step: Int) -> R) -> R {
        switch self {
        case .double(let v): return withUnsafePointer(to: v) { body($0, 0) }
        case .doubles(let a) where !a.isEmpty: return a.withUnsafeBufferPointer { body($0.baseAddress!, 1) }
        default:
            let a = doubles(count: Swift.max(n, 1))
            return a.withUnsafeBufferPointer { body($0.baseAddress!, 1) }
        }
    }

    func ints(count: Int) -> [Int64] {
        switch self {
        case .ints(let a): return a
        case .doubles(let a): return a.map(Self.truncated)
        case .int(let v): return [Int64](repeating: v, count: count)
        case .double(let v): return [Int64](repeating: Self.truncated(v), count: count)
        }
    }
}
