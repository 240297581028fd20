/// `and` / `or` of any number of operands with SQL's three-valued logic: `false and null` is
/// false, `true or null` is true, otherwise null wins. Operands are combined one at a time
/// into the result, and once every row is decided (all false for `and`, all true for `or`)
/// the rest are not evaluated.
struct LogicalExpression: PhysicalExpression {
    let isAnd: Bool
    let operands: [any PhysicalExpression]
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        // Operands without nulls (comparisons of columns that have none): a byte-wide `and` or
        // `or` of their values, one pass each. The first operand with nulls goes on below.
        var combined: [UInt8]?
        for (k, operand) in operands.enumerated() {
            let vector = try operand.evaluate(batch)
            guard vector.valid == nil, case .bools(let values) = vector.values, values.count == n else {
                return try threeValued(batch, first: vector, at: k, combined: combined)
            }
            if let so = combined {
                combined = [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
                    so.withUnsafeBufferPointer { so in
                        values.withUnsafeBufferPointer { values in
                            if isAnd { for i in 0..<n { out[i] = so[i] & values[i] } } else { for i in 0..<n { out[i] = so[i] | values[i] } }
                        }
                    }
                    initialized = n
                }
            } else {
                combined = values
            }
            // Every row decided (all false for `and`, all true for `or`): the rest are not read.
            let ones = Flags.ones(combined!)
            if isAnd ? ones == 0 : ones == n { break }
        }
        return Vector(type: .bool, values: .bools(combined ?? [UInt8](repeating: isAnd ? 1 : 0, count: n)), valid: nil, count: n)
    }

    /// Three-valued from operand `k` on, whose vector is `first`; `combined` is the operands
    /// before it, all without nulls, already combined (nil for none).
    private func threeValued(_ batch: Batch, first: Vector, at k: Int, combined: [UInt8]?) throws -> Vector {
        let n = batch.count
        // The value that decides a row: false for `and`, true for `or`. Per row: whether an
        // operand had the deciding value, and whether one was null.
        let deciding: UInt8 = isAnd ? 0 : 1
        var decided = [UInt8](repeating: 0, count: n)
        var sawNull = [UInt8](repeating: 0, count: n)
        if let combined {
            // Rows where the combination so far already has the deciding value.
            for i in 0..<n { decided[i] = combined[i] ^ deciding ^ 1 }
        }
        for index in k..<operands.count {
            let vector = index == k ? first : try operands[index].evaluate(batch)
            let x = BoolOperand(vector)
            let truth = x.truthMask(count: n)
            let valid = x.constant.map { [UInt8](repeating: $0.1 ? 1 : 0, count: n) } ?? vector.valid
            // A byte-wide `and` over the rows (vectorizes; a count would widen every byte).
            var allDecided: UInt8 = 1
            decided.withUnsafeMutableBufferPointer { decided in
                sawNull.withUnsafeMutableBufferPointer { sawNull in
                    truth.withUnsafeBufferPointer { truth in
                        if let valid {
                            valid.withUnsafeBufferPointer { valid in
                                for i in 0..<n {
                                    // Valid and equal to the deciding value.
                                    decided[i] |= valid[i] & (truth[i] ^ deciding ^ 1)
                                    sawNull[i] |= valid[i] ^ 1
                                    allDecided &= decided[i]
                                }
                            }
                        } else {
                            for i in 0..<n {
                                decided[i] |= truth[i] ^ deciding ^ 1
                                allDecided &= decided[i]
                            }
                        }
                    }
                }
            }
            if allDecided == 1 { break }
        }
        // Decided rows take the deciding value; others are null if an operand was, else the
        // other value.
        // Without a branch per row: which rows are decided is as random as the data.
        var values = [UInt8](repeating: 0, count: n)
        var validity = [UInt8](repeating: 1, count: n)
        values.withUnsafeMutableBufferPointer { values in
            validity.withUnsafeMutableBufferPointer { validity in
                decided.withUnsafeBufferPointer { decided in
                    sawNull.withUnsafeBufferPointer { sawNull in
                        for i in 0..<n {
                            let d = decided[i], open = (d | sawNull[i]) ^ 1
                            values[i] = (d & deciding) | (open & (deciding ^ 1))
                            validity[i] = d | (sawNull[i] ^ 1)
                        }
                    }
                }
            }
        }
        let nulls = n - Flags.ones(validity)
        return Vector(type: .bool, values: .bools(values), valid: nulls > 0 ? validity : nil, count: n)
    }
}

/// Read access to a boolean vector: (value, isValid) per row.
struct BoolOperand {
    let vector: Vector
    let constant: (UInt8, Bool)?

    init(_ vector: Vector) {
        self.vector = vector
        if case .constant(let scalar) = vector.values {
            switch scalar {
            case .bool(let b): constant = (b ? 1 : 0, true)
            case .int(let v): constant = (v != 0 ? 1 : 0, true)
            default: constant = (0, false)
            }
        } else {
            constant = nil
        }
    }

    /// Per row: 1 where the value is true (not null, not false), else 0; one typed loop
    /// (filters and filtered aggregates read this instead of the per-row subscript).
    func truthMask(count n: Int) -> [UInt8] {
        if let constant { return [UInt8](repeating: constant.1 && constant.0 != 0 ? 1 : 0, count: n) }
        if case .bools(let a) = vector.values, a.count == n {
            // Booleans are stored as 0 or 1 (`Column.Values.bools`): the values are the mask
            // as they are, or under the validity in one pass.
            guard let valid = vector.valid else { return a }
            return [UInt8](unsafeUninitializedCapacity: n) { mask, initialized in
                a.withUnsafeBufferPointer { a in valid.withUnsafeBufferPointer { valid in for i in 0..<n { mask[i] = a[i] & valid[i] } } }
                initialized = n
            }
        }
        var mask = [UInt8](repeating: 0, count: n)
        mask.withUnsafeMutableBufferPointer { mask in
            switch vector.values {
            case .bools(let a): a.withUnsafeBufferPointer { a in for i in 0..<Swift.min(n, a.count) { mask[i] = a[i] != 0 ? 1 : 0 } }
            case .ints(let a): a.withUnsafeBufferPointer { a in for i in 0..<n { mask[i] = a[i] != 0 ? 1 : 0 } }
            case .doubles(let a): a.withUnsafeBufferPointer { a in for i in 0..<n { mask[i] = a[i] != 0 ? 1 : 0 } }
            default: return
            }
            if let valid = vector.valid {
                valid.withUnsafeBufferPointer { valid in for i in 0..<n { mask[i] &= valid[i] } }
            }
        }
        return mask
    }

    @inline(__always)
    subscript(i: Int) -> (UInt8, Bool) {
        if let constant { return constant }
        let valid = vector.valid.map { $0[i] != 0 } ?? true
        switch vector.values {
        case .bools(let a): return (a[i], valid)
        case .ints(let a): return (a[i] != 0 ? 1 : 0, valid)
        case .doubles(let a): return (a[i] != 0 ? 1 : 0, valid)
        default: return (0, false)
        }
    }
}

/// `not x` (null stays null).
struct NotExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        if case .constant(let scalar) = a.values {
            if case .bool(let b) = scalar { return .constant(.bool(!b), type: .bool, count: batch.count) }
            return .constant(.null, type: .bool, count: batch.count)
        }
        let x = BoolOperand(a)
        let values = (0..<batch.count).map { x[$0].0 == 0 ? UInt8(1) : 0 }
        return Vector(type: .bool, values: .bools(values), valid: a.valid, count: batch.count)
    }
}

/// `x is [not] null`: never null itself.
struct IsNullExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let negated: Bool
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        if let column = operand as? ColumnExpression, case .some(let flags) = batch.storedValidity(column.index) {
            // A stored column: its null bitmap is enough.
            guard let flags else { return .constant(.bool(negated), type: .bool, count: n) }
            // `is not null` is the validity flags themselves.
            let values = negated ? flags : flags.map { $0 ^ 1 }
            return Vector(type: .bool, values: .bools(values), valid: nil, count: n)
        }
        let a = try operand.evaluate(batch)
        if case .constant(let scalar) = a.values {
            return .constant(.bool(scalar.isNull != negated), type: .bool, count: n)
        }
        guard let valid = a.valid else { return .constant(.bool(negated), type: .bool, count: n) }
        // `is not null` is the validity flags themselves.
        let values = negated ? valid : valid.map { $0 ^ 1 }
        return Vector(type: .bool, values: .bools(values), valid: nil, count: n)
    }
}
