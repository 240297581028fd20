/// Builds small columns from Swift values (results of aggregation, metadata tables, tests).
package enum ColumnFactory {
    package static func text(_ values: [String?]) -> Column {
        var index: [String: Int64] = [:]
        var strings: [String] = []
        var codes: [Int64] = []
        codes.reserveCapacity(values.count)
        for value in values {
            guard let value else { codes.append(0); continue }
            if let code = index[value] {
                codes.append(code)
            } else {
                let code = Int64(strings.count)
                index[value] = code
                strings.append(value)
                codes.append(code)
            }
        }
        let validity = values.contains(where: { $0 == nil }) ? Validity(flags: values.map { $0 != nil }) : nil
        return Column(type: .text, values: .text(codes: PackedIntegers.pack(codes, validity: validity), dictionary: StringDictionary(strings: strings)),
                      validity: validity)
    }

    package static func ints(_ values: [Int64?], type: DataType = .int) -> Column {
        let validity = values.contains(where: { $0 == nil }) ? Validity(flags: values.map { $0 != nil }) : nil
        return Column(type: type, values: .integers(PackedIntegers.pack(values.map { $0 ?? 0 }, validity: validity)), validity: validity)
    }

    package static func doubles(_ values: [Double?]) -> Column {
        let validity = values.contains(where: { $0 == nil }) ? Validity(flags: values.map { $0 != nil }) : nil
        return Column(type: .decimal, values: .doubles(values.map { $0 ?? 0 }), validity: validity)
    }

    package static func bools(_ values: [Bool?]) -> Column {
        let validity = values.contains(where: { $0 == nil }) ? Validity(flags: values.map { $0 != nil }) : nil
        return Column(type: .bool, values: .bools(values.map { $0 == true ? 1 : 0 }), validity: validity)
    }

    /// A column from scalars of one type (nulls allowed).
    package static func scalars(_ values: [Scalar], type: DataType) -> Column {
        switch type {
        case .text: return text(values.map { if case .text(let s) = $0 { return s } else { return $0.isNull ? nil : $0.description } })
        case .decimal: return doubles(values.map { $0.doubleValue })
        case .bool: return bools(values.map { if case .bool(let b) = $0 { return b } else { return nil } })
        default:
            return ints(values.map {
                switch $0 {
                case .int(let v), .date(let v), .timestamp(let v): return v
                case .bool(let b): return b ? 1 : 0
                case .decimal(let d): return d.isFinite && d.magnitude < 9.2e18 ? Int64(d) : nil
                default: return nil
                }
            }, type: type)
        }
    }
}
