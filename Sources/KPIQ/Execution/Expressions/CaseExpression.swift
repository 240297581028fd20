/// `case when c1 then r1 when c2 then r2 else r end` (and `if(c, a, b)`): the first clause
/// whose condition is true (not null) gives the row its value.
struct CaseExpression: PhysicalExpression {
    let clauses: [(condition: any PhysicalExpression, result: any PhysicalExpression)]
    let otherwise: (any PhysicalExpression)?
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        switch type {
        case .int?, .date?, .timestamp?: return try numeric(batch, integers: true)
        case .decimal?: return try numeric(batch, integers: false)
        default: break
        }
        let n = batch.count
        // Which branch each row takes: clause index, or clauses.count for `else`.
        var choice = [Int](repeating: clauses.count, count: n)
        var undecided = n
        var results: [Vector] = []
        for (index, clause) in clauses.enumerated() {
            let condition = BoolOperand(try clause.condition.evaluate(batch)).truthMask(count: n)
            for i in 0..<n where choice[i] == clauses.count && condition[i] != 0 {
                choice[i] = index
                undecided -= 1
            }
            results.append(try clause.result.evaluate(batch))
            if undecided == 0 { break }
        }
        while results.count < clauses.count { results.append(.constant(.null, type: type, count: n)) }
        results.append(try otherwise?.evaluate(batch) ?? .constant(.null, type: type, count: n))
        return Self.select(results, choice: choice, type: type, count: n)
    }

    /// Numbers, dates and timestamps: each branch writes the rows it takes straight into the
    /// result, so no branch is copied whole and no row is looked up through a choice array
    /// (`if(mql_at < x, mql_at, null)` per stage of a funnel is one pass over the rows). The
    /// first branch to write a column of values lends it as the result's values (a value
    /// under a null is never read), so `case when c then x end` copies nothing.
    private func numeric(_ batch: Batch, integers: Bool) throws -> Vector {
        let n = batch.count
        var ints: [Int64] = []
        var doubles: [Double] = []
        var written = false
        var valid = [UInt8](repeating: 0, count: n)
        // 1 for the rows no branch has taken yet (nil before the first clause: every row).
        var open: [UInt8]?
        var undecided = n
        /// Rows where `take` is 1 get `source`'s value (a null constant leaves them null). A
        /// select per row, not a branch: which rows a branch takes is as random as the data.
        func write(_ source: Vector, _ take: [UInt8]) {
            guard let x = NumericOperand(source) else { return }
            if !written {
                written = true
                switch x {
                case .ints(let a) where integers: ints = a
                case .doubles(let a) where !integers: doubles = a
                default:
                    if integers { ints = x.ints(count: n) } else { doubles = x.doubles(count: n) }
                }
            } else {
                // Blends by a mask of all ones or all zeros (take is 0 or 1): no branch, so
                // the loops run in vector registers. Into a new array: the values so far are
                // often lent by a branch's vector, and copying them first would be one more pass.
                take.withUnsafeBufferPointer { take in
                    switch x {
                    case .ints(let a) where integers:
                        ints = a.withUnsafeBufferPointer { a in Self.blended(ints, take) { a[$0] } }
                    case .int(let v) where integers:
                        ints = Self.blended(ints, take) { _ in v }
                    case .doubles(let a) where !integers:
                        doubles = a.withUnsafeBufferPointer { a in Self.blended(doubles, take) { a[$0] } }
                    case .double(let v) where !integers:
                        doubles = Self.blended(doubles, take) { _ in v }
                    default:
                        for i in 0..<n where take[i] != 0 {
                            if integers { ints[i] = x.int(i) } else { doubles[i] = x.double(i) }
                        }
                    }
                }
            }
            // Each row is taken by one branch at most, so its validity is set once.
            take.withUnsafeBufferPointer { take in
                valid.withUnsafeMutableBufferPointer { valid in
                    if let sourceValid = source.valid {
                        sourceValid.withUnsafeBufferPointer { sourceValid in for i in 0..<n { valid[i] |= take[i] & sourceValid[i] } }
                    } else {
                        for i in 0..<n { valid[i] |= take[i] }
                    }
                }
            }
        }
        for clause in clauses where undecided > 0 {
            var take = BoolOperand(try clause.condition.evaluate(batch)).truthMask(count: n)
            take.withUnsafeMutableBufferPointer { take in
                if open == nil {
                    open = [UInt8](unsafeUninitializedCapacity: n) { open, initialized in
                        for i in 0..<n { open[i] = 1 &- take[i] }
                        initialized = n
                    }
                } else {
                    open!.withUnsafeMutableBufferPointer { open in
                        for i in 0..<n {
                            let t = take[i] & open[i]
                            take[i] = t
                            open[i] &= 1 &- t
                        }
                    }
                }
            }
            // Counted apart from the loops above, which then vectorize.
            let taken = Flags.ones(take)
            guard taken > 0 else { continue }
            undecided -= taken
            write(try clause.result.evaluate(batch), take)
        }
        if undecided > 0, let otherwise { write(try otherwise.evaluate(batch), open ?? [UInt8](repeating: 1, count: n)) }
        guard written else { return .constant(.null, type: type, count: n) }
        let validCount = Flags.ones(valid)
        return Vector(type: type, values: integers ? .ints(ints) : .doubles(doubles), valid: validCount == n ? nil : valid, count: n)
    }

    /// `value(i)` where `take[i]` is 1, `kept[i]` where it is 0, as a new array.
    @inline(__always)
    static func blended(_ kept: [Int64], _ take: UnsafeBufferPointer<UInt8>, _ value: (Int) -> Int64) -> [Int64] {
        blended(kept, take, value, by: blend)
    }

    @inline(__always)
    static func blended(_ kept: [Double], _ take: UnsafeBufferPointer<UInt8>, _ value: (Int) -> Double) -> [Double] {
        blended(kept, take, value, by: blend)
    }

    @inline(__always)
    private static func blended<T>(_ kept: [T], _ take: UnsafeBufferPointer<UInt8>, _ value: (Int) -> T, by blend: (T, T, UInt8) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: take.count) { out, initialized in
            kept.withUnsafeBufferPointer { kept in
                for i in 0..<take.count { out.initializeElement(at: i, to: blend(kept[i], value(i), take[i])) }
            }
            initialized = take.count
        }
    }

    /// `value` where `take` is 1, `kept` where it is 0.
    @inline(__always)
    static func blend(_ kept: Int64, _ value: Int64, _ take: UInt8) -> Int64 {
        let mask = 0 &- Int64(take)
        return (value & mask) | (kept & ~mask)
    }

    @inline(__always)
    static func blend(_ kept: Double, _ value: Double, _ take: UInt8) -> Double {
        let mask = 0 &- UInt64(take)
        return Double(bitPattern: (value.bitPattern & mask) | (kept.bitPattern & ~mask))
    }

    /// Row i takes its value from `sources[choice[i]]`. Each source is flattened once into
    /// one array (source s at `s * n`), so the row loop reads plain memory.
    static func select(_ sources: [Vector], choice: [Int], type: DataType?, count n: Int) -> Vector {
        var validFlat = [UInt8](repeating: 1, count: sources.count * n)
        for (s, source) in sources.enumerated() {
            if case .constant(let scalar) = source.values {
                if scalar.isNull { for i in 0..<n { validFlat[s * n + i] = 0 } }
            } else if let valid = source.valid {
                validFlat.replaceSubrange(s * n..<(s + 1) * n, with: valid)
            }
        }
        var valid = [UInt8](repeating: 1, count: n)
        var anyNull = false
        for i in 0..<n where validFlat[choice[i] * n + i] == 0 {
            valid[i] = 0
            anyNull = true
        }
        let validity = anyNull ? valid : nil
        func pick<T>(_ flat: [T]) -> [T] { (0..<n).map { flat[choice[$0] * n + $0] } }
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
                var flat = [Int64](repeating: 0, count: sources.count * n)
                for (s, source) in sources.enumerated() {
                    if case .text(let c, _) = source.values { flat.replaceSubrange(s * n..<(s + 1) * n, with: c) }
                }
                return Vector(type: .text, values: .text(codes: pick(flat), dictionary: dictionary), valid: validity, count: n)
            }
            var builder = TextVectorBuilder(capacity: n)
            for i in 0..<n {
                if let text = sources[choice[i]].text(at: i) { builder.append(text) } else { builder.appendNull() }
            }
            return builder.vector()
        case .decimal?:
            let flat = sources.flatMap { NumericOperand($0)?.doubles(count: n) ?? [Double](repeating: 0, count: n) }
            return Vector(type: .decimal, values: .doubles(pick(flat)), valid: validity, count: n)
        case .bool?:
            let flat = sources.flatMap { BoolOperand($0).truthMask(count: n) }
            return Vector(type: .bool, values: .bools(pick(flat)), valid: validity, count: n)
        case nil:
            return .constant(.null, type: nil, count: n)
        default:
            let flat = sources.flatMap { NumericOperand($0)?.ints(count: n) ?? [Int64](repeating: 0, count: n) }
            return Vector(type: type, values: .ints(pick(flat)), valid: validity, count: n)
        }
    }
}

/// `coalesce(a, b, ...)`: the first argument that is not null.
struct CoalesceExpression: PhysicalExpression {
    let arguments: [any PhysicalExpression]
    let type: DataType?

    func evaluate(_ batch: Batch) throws -> Vector {
        switch type {
        case .int?, .date?, .timestamp?: return try integers(batch)
        default: break
        }
        let n = batch.count
        var sources: [Vector] = []
        var choice = [Int](repeating: -1, count: n)
        var open = n
        for argument in arguments {
            let vector = try argument.evaluate(batch)
            let index = sources.count
            sources.append(vector)
            if case .constant(let scalar) = vector.values {
                if !scalar.isNull {
                    for i in 0..<n where choice[i] < 0 { choice[i] = index }
                    open = 0
                }
            } else if let valid = vector.valid {
                for i in 0..<n where choice[i] < 0 && valid[i] != 0 {
                    choice[i] = index
                    open -= 1
                }
            } else {
                for i in 0..<n where choice[i] < 0 { choice[i] = index }
                open = 0
            }
            if open == 0 { break }
        }
        let last = sources.count
        sources.append(.constant(.null, type: type, count: n))
        return CaseExpression.select(sources, choice: choice.map { $0 < 0 ? last : $0 }, type: type, count: n)
    }

    /// Integer-backed results (counts of stage timestamps: `coalesce(mql_at, sql_at)`): the
    /// first argument with values is taken as it is (a value under a null is never read),
    /// each later one fills the rows still null in one branch-free loop, a constant without
    /// reading anything.
    private func integers(_ batch: Batch) throws -> Vector {
        let n = batch.count
        var values: [Int64] = []
        var valid: [UInt8] = []
        var open = n
        for argument in arguments where open > 0 {
            let vector = try argument.evaluate(batch)
            guard let x = NumericOperand(vector) else { continue }
            if values.isEmpty {
                values = x.ints(count: n)
                if let sourceValid = vector.valid {
                    valid = sourceValid
                    open = n - Flags.ones(sourceValid)
                } else {
                    open = 0
                }
                continue
            }
            // Into new arrays: the values so far are often the first argument's, lent.
            if case .int(let constant) = x {
                let missing = valid.map { 1 &- $0 }
                values = missing.withUnsafeBufferPointer { CaseExpression.blended(values, $0) { _ in constant } }
                open = 0
                continue
            }
            let source = x.ints(count: n)
            let sourceValid = vector.valid ?? [UInt8](repeating: 1, count: n)
            let take = [UInt8](unsafeUninitializedCapacity: n) { take, initialized in
                valid.withUnsafeBufferPointer { valid in
                    sourceValid.withUnsafeBufferPointer { sourceValid in
                        for i in 0..<n { take[i] = (1 &- valid[i]) & sourceValid[i] }
                    }
                }
                initialized = n
            }
            take.withUnsafeBufferPointer { take in
                values = source.withUnsafeBufferPointer { source in CaseExpression.blended(values, take) { source[$0] } }
                valid = valid.withUnsafeBufferPointer { valid in [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
                    for i in 0..<n { out[i] = valid[i] | take[i] }
                    initialized = n
                } }
            }
            open = n - Flags.ones(valid)
        }
        if values.isEmpty { return .constant(.null, type: type, count: n) }
        return Vector(type: type, values: .ints(values), valid: open == 0 ? nil : valid, count: n)
    }
}
