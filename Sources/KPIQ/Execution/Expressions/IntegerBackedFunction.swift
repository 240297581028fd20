/// An expression of one date, timestamp or integer operand (`format`, `month`, `hour`,
/// `t + 1 month`, ...): the kernels differ, how they read their input does not. The operand is
/// evaluated once per batch; a constant is computed once, values once per row by the
/// conforming type's own loop, and anything else (a null constant) is null on every row.
protocol IntegerBackedFunction: PhysicalExpression {
    var operand: any PhysicalExpression { get }
    /// The result when every row holds `value`.
    func evaluate(constant value: Int64, inputType: DataType?, count n: Int) -> Vector
    /// The result for each row's value (a row is null where `valid` is 0).
    func evaluate(values: [Int64], valid: [UInt8]?, inputType: DataType?, count n: Int) -> Vector
}

extension IntegerBackedFunction {
    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        switch a.values {
        case .constant(.int(let v)), .constant(.date(let v)), .constant(.timestamp(let v)):
            return evaluate(constant: v, inputType: a.type, count: batch.count)
        case .ints(let values):
            return evaluate(values: values, valid: a.valid, inputType: a.type, count: batch.count)
        default:
            return .constant(.null, type: type, count: batch.count)
        }
    }
}
