/// `bit_and(x, y)`, `shift_left(x, n)`, `shift_right(x, n)`: whole numbers read as sets of
/// 64 bits. Shifts move the bit pattern (zeros come in at either end, the sign is not kept),
/// so a set of up to 64 members (periods, flags) survives any shift; a shift by less than 0
/// or more than 63 places is null, never a trap.
struct BitwiseExpression: PhysicalExpression {
    enum Operation { case and, shiftLeft, shiftRight }

    let operation: Operation
    let left: any PhysicalExpression
    let right: any PhysicalExpression
    var type: DataType? { .int }

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        guard let operands = try NumericOperand.pair(left, right, batch) else { return .constant(.null, type: .int, count: n) }
        let (x, y) = (operands.x, operands.y)
        var valid = operands.valid
        let xs = x.ints(count: n), ys = y.ints(count: n)
        var out = [Int64](repeating: 0, count: n)
        switch operation {
        case .and:
            for i in 0..<n { out[i] = xs[i] & ys[i] }
        case .shiftLeft, .shiftRight:
            let left = operation == .shiftLeft
            var outOfRange: [Int] = []
            for i in 0..<n {
                let places = ys[i]
                if places < 0 || places > 63 {
                    outOfRange.append(i)
                    continue
                }
                let bits = UInt64(bitPattern: xs[i])
                out[i] = Int64(bitPattern: left ? bits << UInt64(places) : bits >> UInt64(places))
            }
            if !outOfRange.isEmpty {
                if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                for i in outOfRange { valid![i] = 0 }
            }
        }
        return Vector(type: .int, values: .ints(out), valid: valid, count: n)
    }
}
