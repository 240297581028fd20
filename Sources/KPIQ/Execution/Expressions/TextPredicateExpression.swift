/// A yes/no question about text, answered once per dictionary entry and then per row by code:
/// `like`, `contains`, `starts_with`, `ends_with`.
struct TextPredicateExpression: PhysicalExpression {
    enum Predicate: Sendable {
        case like(LikePattern)
        case contains(String)
        case startsWith(String)
        case endsWith(String)

        func holds(_ text: String) -> Bool {
            switch self {
            case .like(let pattern): return pattern.matches(text)
            case .contains(let part): return part.isEmpty || text.contains(part)
            case .startsWith(let prefix): return text.hasPrefix(prefix)
            case .endsWith(let suffix): return text.hasSuffix(suffix)
            }
        }
    }

    let operand: any PhysicalExpression
    let predicate: Predicate
    let negated: Bool
    let cache = TextPredicateCache()
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        switch a.values {
        case .constant(.text(let text)):
            return .constant(.bool(predicate.holds(text) != negated), type: .bool, count: n)
        case .text(let codes, let dictionary):
            let predicate = self.predicate, negated = self.negated
            let table = cache.table(for: dictionary) { predicate.holds($0) != negated }
            let values = codes.map { table[Int($0)] }
            return Vector(type: .bool, values: .bools(values), valid: a.valid, count: n)
        default:
            return .constant(.null, type: .bool, count: n)
        }
    }
}

/// SQL `LIKE`: `%` matches any run of characters, `_` exactly one; case-sensitive.
struct LikePattern: Sendable {
    private let pattern: [Character]

    init(_ text: String) { pattern = Array(text) }

    func matches(_ text: String) -> Bool {
        let s = Array(text)
        var p = 0, i = 0
        var star = -1, mark = 0
        while i < s.count {
            if p < pattern.count, pattern[p] == "_" || (pattern[p] != "%" && pattern[p] == s[i]) {
                p += 1
                i += 1
            } else if p < pattern.count, pattern[p] == "%" {
                star = p
                mark = i
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                i = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "%" { p += 1 }
        return p == pattern.count
    }
}

/// `x [not] in (constants)`.
struct InListExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let items: [Scalar]
    let negated: Bool
    let cache = TextPredicateCache()
    var type: DataType? { .bool }

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        let hasNull = items.contains { $0.isNull }
        let negated = self.negated
        if case .constant(let scalar) = a.values {
            if scalar.isNull { return .constant(.null, type: .bool, count: n) }
            let found = items.contains { ComparisonExpression.compareScalars(scalar, $0) == 0 }
            if !found && hasNull { return .constant(.null, type: .bool, count: n) }
            return .constant(.bool(found != negated), type: .bool, count: n)
        }
        var found: [UInt8]
        switch a.values {
        case .text(let codes, let dictionary):
            let wanted = Set(items.compactMap { if case .text(let s) = $0 { return s } else { return nil } })
            let table = cache.table(for: dictionary) { wanted.contains($0) }
            found = codes.map { table[Int($0)] }
        case .ints(let values):
            var wanted = Set<Int64>()
            var wantedDoubles = Set<Double>()
            for item in items {
                switch item {
                case .int(let v), .timestamp(let v): wanted.insert(v)
                case .date(let d): wanted.insert(a.type == .timestamp ? d * CivilCalendar.microsPerDay : d)
                case .decimal(let v): wantedDoubles.insert(v)
                case .bool(let b): wanted.insert(b ? 1 : 0)
                default: break
                }
            }
            found = values.map { wanted.contains($0) || wantedDoubles.contains(Double($0)) ? 1 : 0 }
        case .doubles(let values):
            let wanted = Set(items.compactMap { $0.doubleValue })
            found = values.map { wanted.contains($0) ? 1 : 0 }
        case .bools(let values):
            let wanted = Set(items.compactMap { item -> UInt8? in if case .bool(let b) = item { return b ? 1 : 0 } else { return nil } })
            found = values.map { wanted.contains($0) ? 1 : 0 }
        case .constant:
            found = []
        }
        var valid = a.valid
        if hasNull {
            var flags = valid ?? [UInt8](repeating: 1, count: n)
            for i in 0..<n where found[i] == 0 { flags[i] = 0 }
            valid = flags
        }
        if negated { found = found.map { $0 ^ 1 } }
        return Vector(type: .bool, values: .bools(found), valid: valid, count: n)
    }
}
