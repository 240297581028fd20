import Synchronization

/// A function of one text value (plus constants), computed once per distinct string of the
/// dictionary and then looked up by code: `lower(source)` on ten million rows does six
/// `lowercased()` calls, not ten million.
struct DictionaryMapExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let type: DataType?
    /// The result for one string; `.null` for none.
    let function: @Sendable (String) -> Scalar
    let cache = MappedDictionaryCache()

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        switch a.values {
        case .constant(.text(let text)):
            return .constant(function(text), type: type, count: n)
        case .text(let codes, let dictionary):
            let mapped = cache.mapped(dictionary, type: type, function)
            var valid = a.valid
            if let resultValid = mapped.valid {
                var flags = valid ?? [UInt8](repeating: 1, count: n)
                for i in 0..<n where resultValid[Int(codes[i])] == 0 { flags[i] = 0 }
                valid = flags
            }
            switch mapped.values {
            case .text(let map, let newDictionary):
                return Vector(type: .text, values: .text(codes: codes.map { map[Int($0)] }, dictionary: newDictionary), valid: valid, count: n)
            case .ints(let table):
                return Vector(type: type, values: .ints(codes.map { table[Int($0)] }), valid: valid, count: n)
            case .doubles(let table):
                return Vector(type: type, values: .doubles(codes.map { table[Int($0)] }), valid: valid, count: n)
            case .bools(let table):
                return Vector(type: type, values: .bools(codes.map { table[Int($0)] }), valid: valid, count: n)
            case .constant:
                return .constant(.null, type: type, count: n)
            }
        default:
            return .constant(.null, type: type, count: n)
        }
    }
}

/// A function's results over a whole dictionary: for text results, a code map into a new
/// (deduplicated) dictionary; otherwise a value per code. `valid` flags null results.
final class MappedDictionaryCache: Sendable {
    struct Mapped: Sendable {
        var values: Vector.Values
        var valid: [UInt8]?
    }

    private let entries = Mutex<[ObjectIdentifier: (StringDictionary, Mapped)]>([:])

    func mapped(_ dictionary: StringDictionary, type: DataType?, _ function: (String) -> Scalar) -> Mapped {
        let key = ObjectIdentifier(dictionary)
        if let hit = entries.withLock({ $0[key]?.1 }) { return hit }
        // Null rows carry code 0, also in a column of nulls only, whose dictionary is empty:
        // the tables always have an entry for it (null).
        let results = dictionary.count == 0 ? [Scalar.null] : (0..<dictionary.count).map { function(dictionary.string($0)) }
        var valid: [UInt8]?
        if results.contains(where: { $0.isNull }) { valid = results.map { $0.isNull ? 0 : 1 } }
        let values: Vector.Values
        switch type {
        case .text?:
            var index = [String: Int64]()
            var strings: [String] = []
            let map = results.map { result -> Int64 in
                guard case .text(let s) = result else { return 0 }
                if let code = index[s] { return code }
                let code = Int64(strings.count)
                index[s] = code
                strings.append(s)
                return code
            }
            values = .text(codes: map, dictionary: StringDictionary(strings: strings))
        case .decimal?:
            values = .doubles(results.map { $0.doubleValue ?? 0 })
        case .bool?:
            values = .bools(results.map { if case .bool(true) = $0 { return 1 } else { return 0 } })
        default:
            values = .ints(results.map {
                switch $0 {
                case .int(let v), .date(let v), .timestamp(let v): return v
                default: return 0
                }
            })
        }
        let mapped = Mapped(values: values, valid: valid)
        entries.withLock { entries in
            if entries.count < 64 { entries[key] = (dictionary, mapped) }
        }
        return mapped
    }
}
