/// Conversions: `int(x)`, `decimal(x)`, `text(x)`, `bool(x)`, `date(x)`, `timestamp(x)`.
/// A value that does not convert (`int("abc")`) becomes null.
struct CastExpression: PhysicalExpression {
    let operand: any PhysicalExpression
    let type: DataType?
    let cache = MappedDictionaryCache()

    func evaluate(_ batch: Batch) throws -> Vector {
        let a = try operand.evaluate(batch)
        let n = batch.count
        guard let target = type else { return a }
        if a.type == target { return a }
        if case .constant(let scalar) = a.values {
            return .constant(Self.convert(scalar, to: target), type: target, count: n)
        }
        if case .text(let codes, let dictionary) = a.values {
            // No string at all: every row is null, and their placeholder codes index nothing.
            if dictionary.count == 0 { return .constant(.null, type: target, count: n) }
            // Parse each distinct string once.
            let mapped = cache.mapped(dictionary, type: target) { Self.convert(.text($0), to: target) }
            var valid = a.valid
            if let resultValid = mapped.valid {
                var flags = valid ?? [UInt8](repeating: 1, count: n)
                for i in 0..<n where resultValid[Int(codes[i])] == 0 { flags[i] = 0 }
                valid = flags
            }
            switch mapped.values {
            case .ints(let table): return Vector(type: target, values: .ints(codes.map { table[Int($0)] }), valid: valid, count: n)
            case .doubles(let table): return Vector(type: target, values: .doubles(codes.map { table[Int($0)] }), valid: valid, count: n)
            case .bools(let table): return Vector(type: target, values: .bools(codes.map { table[Int($0)] }), valid: valid, count: n)
            default: return .constant(.null, type: target, count: n)
            }
        }
        if a.type == .date, target == .timestamp, case .ints(let days) = a.values {
            // A date is its midnight: one multiplication per row (funnels mixing date and
            // timestamp stages subtract them as timestamps). Every date of the calendar fits.
            var valid = a.valid
            var micros = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                if CivilCalendar.contains(day: days[i]) {
                    micros[i] = days[i] * CivilCalendar.microsPerDay
                } else if valid?[i] ?? 1 != 0 {
                    if valid == nil { valid = [UInt8](repeating: 1, count: n) }
                    valid![i] = 0
                }
            }
            return Vector(type: .timestamp, values: .ints(micros), valid: valid, count: n)
        }
        if target == .text {
            var builder = TextVectorBuilder(capacity: n)
            for i in 0..<n {
                let value = a.scalar(at: i)
                if value.isNull { builder.appendNull() } else { builder.append(value.description) }
            }
            return builder.vector()
        }
        var valid = a.valid ?? [UInt8](repeating: 1, count: n)
        var anyNull = a.valid != nil
        var ints = [Int64](repeating: 0, count: target == .decimal ? 0 : n)
        var doubles = [Double](repeating: 0, count: target == .decimal ? n : 0)
        for i in 0..<n where valid[i] != 0 {
            switch Self.convert(a.scalar(at: i), to: target) {
            case .int(let v), .date(let v), .timestamp(let v): ints[i] = v
            case .bool(let b): ints[i] = b ? 1 : 0
            case .decimal(let v): doubles[i] = v
            default:
                valid[i] = 0
                anyNull = true
            }
        }
        let values: Vector.Values
        switch target {
        case .decimal: values = .doubles(doubles)
        case .bool: values = .bools(ints.map { UInt8(truncatingIfNeeded: $0) })
        default: values = .ints(ints)
        }
        return Vector(type: target, values: values, valid: anyNull ? valid : nil, count: n)
    }

    /// One value converted, or `.null`.
    static func convert(_ value: Scalar, to target: DataType) -> Scalar {
        switch (value, target) {
        case (.null, _): return .null
        case (_, .text): return .text(value.description)
        case (.int(let v), .int): return .int(v)
        case (.int(let v), .decimal): return .decimal(Double(v))
        case (.int(let v), .bool): return .bool(v != 0)
        case (.decimal(let v), .decimal): return .decimal(v)
        case (.decimal(let v), .int):
            guard v.isFinite, v >= -9.2e18, v <= 9.2e18 else { return .null }
            return .int(Int64(v))
        case (.decimal(let v), .bool): return .bool(v != 0)
        case (.bool(let b), .int): return .int(b ? 1 : 0)
        case (.bool(let b), .decimal): return .decimal(b ? 1 : 0)
        case (.bool(let b), .bool): return .bool(b)
        case (.date(let d), .date): return .date(d)
        case (.date(let d), .timestamp): return CivilCalendar.contains(day: d) ? .timestamp(d * CivilCalendar.microsPerDay) : .null
        case (.timestamp(let t), .date): return .date(CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay))
        case (.timestamp(let t), .timestamp): return .timestamp(t)
        case (.text(let s), _):
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { buffer -> Scalar in
                guard let p = buffer.baseAddress, !bytes.isEmpty else { return .null }
                let n = bytes.count
                switch target {
                case .int:
                    var v: Int64 = 0
                    return FieldParsing.parseInt(p, n, &v) ? .int(v) : .null
                case .decimal:
                    var v: Double = 0
                    return FieldParsing.parseDouble(p, n, &v) ? .decimal(v) : .null
                case .bool:
                    var b = false
                    return FieldParsing.parseLooseBool(p, n, &b) ? .bool(b) : .null
                case .date:
                    var d: Int64 = 0
                    if FieldParsing.parseISODate(p, n, &d) || FieldParsing.parseCompactDate(p, n, &d) { return .date(d) }
                    var t: Int64 = 0
                    return FieldParsing.parseISOTimestamp(p, n, &t) ? .date(CivilCalendar.floorDiv(t, CivilCalendar.microsPerDay)) : .null
                case .timestamp:
                    var t: Int64 = 0
                    if FieldParsing.parseISOTimestamp(p, n, &t) { return .timestamp(t) }
                    var d: Int64 = 0
                    return FieldParsing.parseISODate(p, n, &d) ? .timestamp(d * CivilCalendar.microsPerDay) : .null
                case .text:
                    return .text(s)
                }
            }
        default: return .null
        }
    }
}
