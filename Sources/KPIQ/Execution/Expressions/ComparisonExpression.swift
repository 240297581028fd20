/// `= != < <= > >=` between numbers, dates and timestamps, bools, or texts.
///
/// Text against a constant compares dictionary codes: equality looks the constant up once,
/// an ordering is decided once per dictionary entry (`TextPredicateCache`). Text against text
/// compares codes when both share a dictionary, strings otherwise.
struct ComparisonExpression: PhysicalExpression {
    let op: BinaryOperator
    let left: any PhysicalExpression
    let right: any PhysicalExpression
    let cache = TextPredicateCache()
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try left.evaluate(batch)
        let b = try right.evaluate(batch)
        let n = batch.count
        let valid = Vector.combine(a.validityForCombine, b.validityForCombine, count: n)
        if case .constant(let sa) = a.values, case .constant(let sb) = b.values {
            let result = Self.compareScalars(sa, sb).map { Self.holds(self.op, $0) }
            return .constant(result.map { .bool($0) } ?? .null, type: .bool, count: n)
        }
        if a.type == .text || b.type == .text {
            return Vector(type: .bool, values: .bools(compareText(a, b, n)), valid: valid, count: n)
        }
        guard var x = NumericOperand(a), var y = NumericOperand(b) else {
            return .constant(.null, type: .bool, count: n)
        }
        // A date compared with a timestamp is its midnight.
        if a.type == .date, b.type == .timestamp { x = Self.scaled(x, CivilCalendar.microsPerDay) }
        if b.type == .date, a.type == .timestamp { y = Self.scaled(y, CivilCalendar.microsPerDay) }
        let op = self.op
        let result: [UInt8]
        if case .ints(let values) = x, case .int(let constant) = y {
            result = Self.compare(values, op, constant)
        } else if case .int(let constant) = x, case .ints(let values) = y {
            result = Self.compare(values, Self.mirrored(op), constant)
        } else if case .ints(let left) = x, case .ints(let right) = y {
            result = Self.compare(left, op, right)
        } else if case .doubles(let values) = x, let constant = y.constantDouble {
            result = Self.compare(values, op, constant)
        } else if let constant = x.constantDouble, case .doubles(let values) = y {
            result = Self.compare(values, Self.mirrored(op), constant)
        } else if case .doubles(let left) = x, case .doubles(let right) = y {
            result = Self.compare(left, op, right)
        } else if x.isInteger, y.isInteger {
            result = Self.kernel(n) { i in Self.holds(op, x.int(i) < y.int(i) ? -1 : (x.int(i) == y.int(i) ? 0 : 1)) }
        } else {
            result = Self.kernel(n) { i in Self.holds(op, Self.order(x.double(i), y.double(i))) }
        }
        return Vector(type: .bool, values: .bools(result), valid: valid, count: n)
    }

    /// Integers against a constant (`converted_to_lead = 1`, `year >= 2024`): one loop per
    /// operator, so the loop body is a compare and a store.
    static func compare(_ values: [Int64], _ op: BinaryOperator, _ constant: Int64) -> [UInt8] {
        compare(values, op, constant, less: <, same: ==)
    }

    /// Integers against integers, row by row (`last_opened_at > as_of - 30 days`).
    static func compare(_ left: [Int64], _ op: BinaryOperator, _ right: [Int64]) -> [UInt8] {
        compare(left, op, right, less: <, same: ==)
    }

    /// Decimals against a constant (`elapsed < 0.0`), in the order of `order`.
    static func compare(_ values: [Double], _ op: BinaryOperator, _ constant: Double) -> [UInt8] {
        compare(values, op, constant, less: less, same: same)
    }

    /// Decimals against decimals, row by row, in the order of `order`.
    static func compare(_ left: [Double], _ op: BinaryOperator, _ right: [Double]) -> [UInt8] {
        compare(left, op, right, less: less, same: same)
    }

    /// Every operator from an order's `less` and `same` (`a <= b` is `!(b < a)`), one loop per
    /// operator.
    @inline(__always)
    private static func compare<T>(_ values: [T], _ op: BinaryOperator, _ constant: T,
                                   less: (T, T) -> Bool, same: (T, T) -> Bool) -> [UInt8] {
        values.withUnsafeBufferPointer { v in
            let n = v.count
            switch op {
            case .equal: return kernel(n) { same(v[$0], constant) }
            case .notEqual: return kernel(n) { !same(v[$0], constant) }
            case .less: return kernel(n) { less(v[$0], constant) }
            case .lessOrEqual: return kernel(n) { !less(constant, v[$0]) }
            case .greater: return kernel(n) { less(constant, v[$0]) }
            case .greaterOrEqual: return kernel(n) { !less(v[$0], constant) }
            default: return [UInt8](repeating: 0, count: n)
            }
        }
    }

    @inline(__always)
    private static func compare<T>(_ left: [T], _ op: BinaryOperator, _ right: [T],
                                   less: (T, T) -> Bool, same: (T, T) -> Bool) -> [UInt8] {
        left.withUnsafeBufferPointer { a in
            right.withUnsafeBufferPointer { b in
                let n = min(a.count, b.count)
                switch op {
                case .equal: return kernel(n) { same(a[$0], b[$0]) }
                case .notEqual: return kernel(n) { !same(a[$0], b[$0]) }
                case .less: return kernel(n) { less(a[$0], b[$0]) }
                case .lessOrEqual: return kernel(n) { !less(b[$0], a[$0]) }
                case .greater: return kernel(n) { less(b[$0], a[$0]) }
                case .greaterOrEqual: return kernel(n) { !less(a[$0], b[$0]) }
                default: return [UInt8](repeating: 0, count: n)
                }
            }
        }
    }

    /// Decimals are ordered as SQL engines order them: NaN (from a Parquet file, say) above
    /// every number and equal to itself, so `<`, `=` and `>` hold for exactly one of any pair.
    @inline(__always)
    static func less(_ p: Double, _ q: Double) -> Bool { p < q || (q.isNaN && !p.isNaN) }

    @inline(__always)
    static func same(_ p: Double, _ q: Double) -> Bool { p == q || (p.isNaN && q.isNaN) }

    @inline(__always)
    static func order(_ p: Double, _ q: Double) -> Int { less(p, q) ? -1 : (same(p, q) ? 0 : 1) }

    @inline(__always)
    static func kernel(_ n: Int, _ f: (Int) -> Bool) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n { buffer[i] = f(i) ? 1 : 0 }
            initialized = n
        }
    }

    static func scaled(_ operand: NumericOperand, _ factor: Int64) -> NumericOperand {
        switch operand {
        case .ints(let a): return .ints(a.map { $0 &* factor })
        case .int(let v): return .int(v &* factor)
        default: return operand
        }
    }

    /// Whether an ordering result (-1, 0, 1) satisfies the operator.
    @inline(__always)
    static func holds(_ op: BinaryOperator, _ order: Int) -> Bool {
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        default: return false
        }
    }

    /// Ordering of two constants (nil when either is null or they cannot be compared).
    static func compareScalars(_ a: Scalar, _ b: Scalar) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.text(let x), .text(let y)): return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.date(let x), .timestamp(let y)): return compare(x * CivilCalendar.microsPerDay, y)
        case (.timestamp(let x), .date(let y)): return compare(x, y * CivilCalendar.microsPerDay)
        case (.int(let x), .int(let y)), (.date(let x), .date(let y)), (.timestamp(let x), .timestamp(let y)): return compare(x, y)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else { return nil }
            return order(x, y)
        }
    }

    @inline(__always)
    static func compare<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }

    private func compareText(_ a: Vector, _ b: Vector, _ n: Int) -> [UInt8] {
        let op = self.op
        switch (a.values, b.values) {
        case (.text(let codes, let dictionary), .constant(let scalar)):
            guard case .text(let constant) = scalar else { return [UInt8](repeating: 0, count: n) }
            return textAgainstConstant(codes, dictionary, constant, op)
        case (.constant(let scalar), .text(let codes, let dictionary)):
            guard case .text(let constant) = scalar else { return [UInt8](repeating: 0, count: n) }
            return textAgainstConstant(codes, dictionary, constant, Self.mirrored(op))
        case (.text(let ca, let da), .text(let cb, let db)):
            if da === db {
                if op == .equal || op == .notEqual {
                    return Self.kernel(n) { i in (ca[i] == cb[i]) == (op == .equal) }
                }
                let ranks = da.sortRanks
                return Self.kernel(n) { i in Self.holds(op, Self.compare(ranks[Int(ca[i])], ranks[Int(cb[i])])) }
            }
            return Self.kernel(n) { i in
                da.withBytes(Int(ca[i])) { x in
                    db.withBytes(Int(cb[i])) { y in Self.holds(op, Self.compareBytes(x, y)) }
                }
            }
        default:
            return [UInt8](repeating: 0, count: n)
        }
    }

    private func textAgainstConstant(_ codes: [Int64], _ dictionary: StringDictionary, _ constant: String, _ op: BinaryOperator) -> [UInt8] {
        let n = codes.count
        if op == .equal || op == .notEqual {
            let target = cache.code(of: constant, in: dictionary)
            let wanted = op == .equal
            return Self.kernel(n) { i in (Int(codes[i]) == target) == wanted }
        }
        let table = cache.table(for: dictionary) { text in
            Self.holds(op, Self.compareBytes(Array(text.utf8), Array(constant.utf8)))
        }
        return table.withUnsafeBufferPointer { t in
            Self.kernel(n) { i in t[Int(codes[i])] != 0 }
        }
    }

    static func compareBytes(_ x: some Collection<UInt8>, _ y: some Collection<UInt8>) -> Int {
        var i = x.makeIterator(), j = y.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let p?, let q?): if p != q { return p < q ? -1 : 1 }
            }
        }
    }

    static func mirrored(_ op: BinaryOperator) -> BinaryOperator {
        switch op {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return op
        }
    }
}
