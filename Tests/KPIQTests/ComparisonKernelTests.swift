import Testing
@testable import KPIQ

/// The comparison kernels (a vector against a constant, a vector against a vector, for
/// integers and decimals) agree with the ordering rule row for row, for every operator, with
/// nulls and with NaN (above every number and equal to itself, as SQL engines order it).
@Suite struct ComparisonKernelTests {
    static let operators: [BinaryOperator] = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]

    /// The rule, written out: NaN is above every number and equal to itself.
    static func expected(_ op: BinaryOperator, _ p: Double, _ q: Double) -> Scalar {
        let order = p.isNaN ? (q.isNaN ? 0 : 1) : (q.isNaN ? -1 : (p < q ? -1 : (p == q ? 0 : 1)))
        switch op {
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        default: return .bool(order >= 0)
        }
    }

    static func table(_ x: [Double], _ y: [Double], nullEvery: Int) -> Table {
        let n = x.count
        let validity = Validity(flags: (0..<n).map { $0 % nullEvery != 1 })
        return Table(names: ["x", "y", "i"], columns: [
            Column(type: .decimal, values: .doubles(x), validity: validity),
            Column(type: .decimal, values: .doubles(y), validity: nil),
            Column(type: .int, values: .integers(PackedIntegers(flat: x.map { $0.isFinite ? Int64($0) : 0 })), validity: nil),
        ])
    }

    func run(_ expression: ComparisonExpression, _ table: Table) throws -> Vector {
        try expression.evaluate(Batch(table: table, start: 0, count: table.rowCount))
    }

    @Test func decimalsAgainstConstantsAndDecimals() throws {
        let x: [Double] = [-2, -0.5, 0, 0.5, 1.5, .nan, 3, 3, -0.0, .infinity, 7.25, 1.5]
        let y: [Double] = [0, -0.5, 1, .nan, 1.5, .nan, 2, 4, 0, 1, 7.25, -1]
        let table = Self.table(x, y, nullEvery: 5)
        let xs = ColumnExpression(index: 0, type: .decimal), ys = ColumnExpression(index: 1, type: .decimal)
        for op in Self.operators {
            for constant in [0.0, 1.5, .nan] {
                let c = ConstantExpression(value: .decimal(constant), type: .decimal)
                let left = try run(ComparisonExpression(op: op, left: xs, right: c), table)
                let right = try run(ComparisonExpression(op: op, left: c, right: xs), table)
                for i in 0..<x.count {
                    let isNull = i % 5 == 1
                    #expect(!left.isValid(i) == isNull)
                    #expect(!right.isValid(i) == isNull)
                    guard !isNull else { continue }
                    #expect(left.scalar(at: i) == Self.expected(op, x[i], constant), "x[\(i)] \(op.rawValue) \(constant)")
                    #expect(right.scalar(at: i) == Self.expected(op, constant, x[i]), "\(constant) \(op.rawValue) x[\(i)]")
                }
            }
            let both = try run(ComparisonExpression(op: op, left: xs, right: ys), table)
            let integerConstant = try run(ComparisonExpression(op: op, left: ys, right: ConstantExpression(value: .int(1), type: .int)), table)
            for i in 0..<x.count {
                #expect(!both.isValid(i) == (i % 5 == 1))
                if i % 5 != 1 { #expect(both.scalar(at: i) == Self.expected(op, x[i], y[i]), "x[\(i)] \(op.rawValue) y[\(i)]") }
                #expect(integerConstant.scalar(at: i) == Self.expected(op, y[i], 1), "y[\(i)] \(op.rawValue) 1")
            }
        }
    }

    @Test func integersAgainstConstantsAndIntegers() throws {
        let x: [Double] = [-3, -1, 0, 1, 2, 2, 5, 9, 1_000_000, -7]
        let table = Self.table(x, x, nullEvery: 4)
        let i = ColumnExpression(index: 2, type: .int)
        for op in Self.operators {
            let c = try run(ComparisonExpression(op: op, left: i, right: ConstantExpression(value: .int(2), type: .int)), table)
            let mirrored = try run(ComparisonExpression(op: op, left: ConstantExpression(value: .int(2), type: .int), right: i), table)
            for row in 0..<x.count {
                #expect(c.scalar(at: row) == Self.expected(op, x[row], 2))
                #expect(mirrored.scalar(at: row) == Self.expected(op, 2, x[row]))
            }
        }
    }
}
