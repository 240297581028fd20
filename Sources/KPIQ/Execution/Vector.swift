/// The values of one column for one batch of rows (or one value for every row).
///
/// Expressions take vectors and return vectors; a batch is at most `Vector.batchSize` rows,
/// so intermediate results stay in cache. Integer-backed types (int, date, timestamp) are
/// flat `Int64`s; text is a code per row into a dictionary, never a string per row.
package struct Vector: Sendable {
    package static let batchSize = 2048

    package enum Values: Sendable {
        case ints([Int64])
        case doubles([Double])
        case bools([UInt8])
        case text(codes: [Int64], dictionary: StringDictionary)
        /// The same value in every row (`count` rows).
        case constant(Scalar)
    }

    /// The logical type; nil for an untyped null constant.
    package var type: DataType?
    package var values: Values
    /// Per row: 1 when there is a value, 0 when null. Nil when every row has a value.
    package var valid: [UInt8]?
    package var count: Int

    package init(type: DataType?, values: Values, valid: [UInt8]?, count: Int) {
        self.type = type
        self.values = values
        self.valid = valid
        self.count = count
    }

    package static func constant(_ scalar: Scalar, type: DataType?, count: Int) -> Vector {
        Vector(type: type, values: .constant(scalar), valid: nil, count: count)
    }

    @inline(__always)
    package func isValid(_ i: Int) -> Bool {
        if case .constant(let scalar) = values { return !scalar.isNull }
        return valid.map { $0[i] != 0 } ?? true
    }

    package var isConstant: Bool {
        if case .constant = values { return true }
        return false
    }

    /// The value of row `i` (slow path: rendering, tests, constant folding).
    package func scalar(at i: Int) -> Scalar {
        guard isValid(i) else { return .null }
        switch values {
        case .constant(let scalar): return scalar
        case .ints(let a):
            switch type {
            case .date: return .date(a[i])
            case .timestamp: return .timestamp(a[i])
            case .bool: return .bool(a[i] != 0)
            default: return .int(a[i])
            }
        case .doubles(let a): return .decimal(a[i])
        case .bools(let a): return .bool(a[i] != 0)
        case .text(let codes, let dictionary): return .text(dictionary.string(Int(codes[i])))
        }
    }

    /// A flat (non-constant) copy: constants repeated `count` times.
    package func flattened() -> Vector {
        guard case .constant(let scalar) = values else { return self }
        let valid: [UInt8]? = scalar.isNull ? [UInt8](repeating: 0, count: count) : nil
        switch (type, scalar) {
        case (_, .int(let v)), (_, .date(let v)), (_, .timestamp(let v)):
            return Vector(type: type, values: .ints([Int64](repeating: v, count: count)), valid: valid, count: count)
        case (_, .decimal(let v)):
            return Vector(type: type, values: .doubles([Double](repeating: v, count: count)), valid: valid, count: count)
        case (_, .bool(let v)):
            return Vector(type: type, values: .bools([UInt8](repeating: v ? 1 : 0, count: count)), valid: valid, count: count)
        case (_, .text(let s)):
            return Vector(type: .text, values: .text(codes: [Int64](repeating: 0, count: count), dictionary: StringDictionary(strings: [s])),
                          valid: valid, count: count)
        case (let type, .null):
            switch type ?? .int {
            case .decimal: return Vector(type: type, values: .doubles([Double](repeating: 0, count: count)), valid: valid, count: count)
            case .bool: return Vector(type: type, values: .bools([UInt8](repeating: 0, count: count)), valid: valid, count: count)
            case .text:
                return Vector(type: type, values: .text(codes: [Int64](repeating: 0, count: count), dictionary: .empty), valid: valid, count: count)
            default: return Vector(type: type, values: .ints([Int64](repeating: 0, count: count)), valid: valid, count: count)
            }
        }
    }

    /// The rows at `positions` (positions within this vector).
    package func compacted(_ positions: [Int32]) -> Vector {
        let n = positions.count
        let valid = self.valid.map { v in positions.map { v[Int($0)] } }
        switch values {
        case .constant: return Vector(type: type, values: values, valid: nil, count: n)
        case .ints(let a): return Vector(type: type, values: .ints(positions.map { a[Int($0)] }), valid: valid, count: n)
        case .doubles(let a): return Vector(type: type, values: .doubles(positions.map { a[Int($0)] }), valid: valid, count: n)
        case .bools(let a): return Vector(type: type, values: .bools(positions.map { a[Int($0)] }), valid: valid, count: n)
        case .text(let codes, let d): return Vector(type: type, values: .text(codes: positions.map { codes[Int($0)] }, dictionary: d), valid: valid, count: n)
        }
    }

    /// Validity of two operands combined (a row is valid when both are).
    static func combine(_ a: [UInt8]?, _ b: [UInt8]?, count: Int) -> [UInt8]? {
        switch (a, b) {
        case (nil, nil): return nil
        case (let x?, nil): return x
        case (nil, let y?): return y
        case (let x?, let y?):
            return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = x[i] & y[i] }
                initialized = count
            }
        }
    }

    /// The validity of an operand as stored (constants: all valid or all null).
    var validityForCombine: [UInt8]? {
        if case .constant(let scalar) = values { return scalar.isNull ? [UInt8](repeating: 0, count: count) : nil }
        return valid
    }
}
