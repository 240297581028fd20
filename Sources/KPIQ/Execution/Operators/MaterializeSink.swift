/// Collects a pipeline's output rows into a table, keeping the input order (morsel order,
/// then row order within a morsel), whichever thread handled which morsel.
final class MaterializeSink: BatchSink {
    let schema: Schema
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    /// Per morsel: the batches' vectors, one array per column.
    @exclusivity(unchecked) private(set) var parts: [(morsel: Int, columns: [Vector])] = []
    /// The result's share of the memory budget, shared by every worker's sink (a filter's
    /// output size is known only as its batches come).
    let meter: MemoryBudget.Meter?

    init(schema: Schema, meter: MemoryBudget.Meter? = nil) {
        self.schema = schema
        self.meter = meter
    }

    func consume(_ batch: Batch, morsel: Int) throws {
        // A value and its null flag in the batch's vector, then 8 bytes again when the
        // vectors are concatenated into a column (before it is packed).
        try meter?.add(batch.count, of: 17 * schema.fields.count)
        parts.append((morsel, (0..<schema.fields.count).map { batch.vector($0) }))
    }

    /// The table of every sink's rows, in input order.
    /// The sinks' pieces joined into one table, in morsel order. Its columns are joined by all
    /// cores, each after a look at the token: joining a few columns of millions of rows (and
    /// packing them) takes longer than a Ctrl-C may wait.
    static func table(_ sinks: [MaterializeSink], schema: Schema, cancel: CancellationToken?) throws -> Table {
        let parts = sinks.flatMap(\.parts).enumerated().sorted { a, b in
            a.element.morsel != b.element.morsel ? a.element.morsel < b.element.morsel : a.offset < b.offset
        }.map(\.element.columns)
        let columns = try Parallel.map(schema.fields.count) { c in
            try cancel?.check()
            return VectorConcatenation.column(parts.map { $0[c] }, type: schema.fields[c].type)
        }
        let rows = parts.reduce(0) { $0 + ($1.first?.count ?? 0) }
        return Table(names: schema.names, columns: columns, rowCount: rows)
    }
}

/// Joins batch vectors into one stored column (packing integers, merging dictionaries).
enum VectorConcatenation {
    static func column(_ vectors: [Vector], type: DataType) -> Column {
        let total = vectors.reduce(0) { $0 + $1.count }
        var validFlags: [Bool]?
        if vectors.contains(where: { $0.validityForCombine != nil }) {
            var flags: [Bool] = []
            flags.reserveCapacity(total)
            for v in vectors {
                if let valid = v.validityForCombine { flags.append(contentsOf: valid.map { $0 != 0 }) } else {
                    flags.append(contentsOf: repeatElement(true, count: v.count))
                }
            }
            validFlags = flags
        }
        let validity = validFlags.map { Validity(flags: $0) }
        let flat = vectors.map { $0.flattened() }
        switch type {
        case .decimal:
            var values: [Double] = []
            values.reserveCapacity(total)
            for v in flat { values.append(contentsOf: NumericOperand(v)?.doubles(count: v.count) ?? [Double](repeating: 0, count: v.count)) }
            return Column(type: .decimal, values: .doubles(values), validity: validity)
        case .bool:
            var values: [UInt8] = []
            values.reserveCapacity(total)
            for v in flat {
                if case .bools(let a) = v.values { values.append(contentsOf: a) } else { values.append(contentsOf: repeatElement(0, count: v.count)) }
            }
            return Column(type: .bool, values: .bools(values), validity: validity)
        case .text:
            return textColumn(flat, total: total, validity: validity)
        default:
            var values: [Int64] = []
            values.reserveCapacity(total)
            for v in flat { values.append(contentsOf: NumericOperand(v)?.ints(count: v.count) ?? [Int64](repeating: 0, count: v.count)) }
            let scales: [Int64] = type == .timestamp ? [CivilCalendar.microsPerSecond, 1000] : []
            return Column(type: type, values: .integers(PackedIntegers.pack(values, validity: validity, scales: scales)), validity: validity)
        }
    }

    /// Text: kept on its dictionary when all batches share one; otherwise the used strings
    /// are re-interned into a new dictionary.
    private static func textColumn(_ vectors: [Vector], total: Int, validity: Validity?) -> Column {
        var shared: StringDictionary?
        var same = true
        for v in vectors {
            guard case .text(_, let d) = v.values else { continue }
            if shared == nil { shared = d } else if shared !== d { same = false; break }
        }
        var codes: [Int64] = []
        codes.reserveCapacity(total)
        if same {
            for v in vectors {
                if case .text(let c, _) = v.values { codes.append(contentsOf: c) } else { codes.append(contentsOf: repeatElement(0, count: v.count)) }
            }
            return Column(type: .text, values: .text(codes: PackedIntegers.pack(codes, validity: validity), dictionary: shared ?? .empty),
                          validity: validity)
        }
        var interner = StringInterner()
        for v in vectors {
            guard case .text(let c, let d) = v.values else { codes.append(contentsOf: repeatElement(0, count: v.count)); continue }
            // Map each dictionary's used codes once.
            var map = [Int64: Int64]()
            for (i, code) in c.enumerated() {
                guard v.isValid(i) else { codes.append(0); continue }
                if let mapped = map[code] { codes.append(mapped); continue }
                let mapped = Int64(interner.intern(d.string(Int(code))))
                map[code] = mapped
                codes.append(mapped)
            }
        }
        return Column(type: .text, values: .text(codes: PackedIntegers.pack(codes, validity: validity), dictionary: interner.finish()),
                      validity: validity)
    }
}
