/// `case when c1 then r1 when c2 then r2 else r end` (and `if(c, a, b)`): the first clause
/// whose condition is true (not null) gives the row its value.
struct CaseExpression: PhysicalExpression {
    let clauses: [(condition: any PhysicalExpression, result: any PhysicalExpression)]
    let otherwise: (any PhysicalExpression)?
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        // Which branch each row takes: clause index, or clauses.count for `else`.
        var choice = [Int](repeating: clauses.count, count: n)
        var undecided = n
        var results: [Vector] = []
        for (index, clause) in clauses.enumerated() {
            let condition = BoolOperand(try clause.condition.evaluate(batch))
            for i in 0..<n where choice[i] == clauses.count {
                let (value, valid) = condition[i]
                if valid, value != 0 {
                    choice[i] = index
                    undecided -= 1
                }
            }
            results.append(try clause.result.evaluate(batch))
            if undecided == 0 { break }
        }
        while results.count < clauses.count { results.append(.constant(.null, type: type, count: n)) }
        results.append(try otherwise?.evaluate(batch) ?? .constant(.null, type: type, count: n))
        return Self.select(results, choice: choice, type: type, count: n)
    }

    /// Row i takes its value from `sources[choice[i]]`.
    static func select(_ sources: [Vector], choice: [Int], type: DataType?, count n: Int) -> Vector {
        var valid = [UInt8](repeating: 1, count: n)
        var anyNull = false
        for i in 0..<n where !sources[choice[i]].isValid(i) {
            valid[i] = 0
            anyNull = true
        }
        let validity = anyNull ? valid : nil
        switch type {
        case .text?:
            // One dictionary for all branches when they share it; otherwise rebuild.
            var shared: StringDictionary?
            var sameDictionary = true
            for source in sources {
                if case .text(_, let d) = source.values {
                    if shared == nil { shared = d } else if shared !== d { sameDictionary = false }
                } else if case .constant(let scalar) = source.values, !scalar.isNull {
                    sameDictionary = false
                }
            }
            if sameDictionary, let dictionary = shared {
                let codes = (0..<n).map { i -> Int64 in
                    if case .text(let c, _) = sources[choice[i]].values { return c[i] }
                    return 0
                }
                return Vector(type: .text, values: .text(codes: codes, dictionary: dictionary), valid: validity, count: n)
            }
            var builder = TextVectorBuilder(capacity: n)
            for i in 0..<n {
                if let text = sources[choice[i]].text(at: i) { builder.append(text) } else { builder.appendNull() }
            }
            return builder.vector()
        case .decimal?:
            let operands = sources.map { NumericOperand($0) }
            let values = (0..<n).map { i in operands[choice[i]]?.double(i) ?? 0 }
            return Vector(type: .decimal, values: .doubles(values), valid: validity, count: n)
        case .bool?:
            let operands = sources.map { BoolOperand($0) }
            let values = (0..<n).map { i in operands[choice[i]][i].0 }
            return Vector(type: .bool, values: .bools(values), valid: validity, count: n)
        case nil:
            return .constant(.null, type: nil, count: n)
        default:
            let operands = sources.map { NumericOperand($0) }
            let values = (0..<n).map { i in operands[choice[i]]?.int(i) ?? 0 }
            return Vector(type: type, values: .ints(values), valid: validity, count: n)
        }
    }
}

/// `coalesce(a, b, ...)`: the first argument that is not null.
struct CoalesceExpression: PhysicalExpression {
    let arguments: [any PhysicalExpression]
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        let n = batch.count
        var sources: [Vector] = []
        var choice = [Int](repeating: -1, count: n)
        var open = n
        for argument in arguments {
            let vector = try argument.evaluate(batch)
            let index = sources.count
            sources.append(vector)
            for i in 0..<n where choice[i] < 0 && vector.isValid(i) {
                choice[i] = index
                open -= 1
            }
            if open == 0 { break }
        }
        let last = sources.count
        sources.append(.constant(.null, type: type, count: n))
        return CaseExpression.select(sources, choice: choice.map { $0 < 0 ? last : $0 }, type: type, count: n)
    }
}
