/// Turns the per-partition builders of one column into a single finished `Column`:
/// agrees on one type across partitions, re-reads text where needed, merges dictionaries,
/// concatenates values and packs integers into their narrowest width.
enum CSVColumnAssembler {
    /// The kind every partition must end up with for a column.
    static func unifiedKind(_ kinds: [ColumnBuilder.Kind]) -> ColumnBuilder.Kind {
        kinds.reduce(.unknown, CSVSniffer.widen)
    }

    /// Builds the column from builders that already share one kind. Only a text column with
    /// many distinct strings, whose dictionary takes long to build, looks at `cancel`.
    static func assemble(_ builders: [ColumnBuilder], cancel: CancellationToken? = nil) throws -> Column {
        let kind = builders.first?.kind ?? .unknown
        let total = builders.reduce(0) { $0 + $1.rows }
        let validity = concatenateValidity(builders, total: total)
        switch kind {
        case .unknown:
            // No value to infer from: text storage, an open type (see `Column.isUntyped`).
            return Column(type: .text, values: .text(codes: PackedIntegers.pack([Int64](repeating: 0, count: total)), dictionary: .empty),
                          validity: Validity(allNull: total), untyped: true)
        case .decimal:
            var values = [Double]()
            values.reserveCapacity(total)
            for b in builders { values.append(contentsOf: UnsafeBufferPointer(start: b.doubles.base, count: b.rows)) }
            if let validity {
                for i in 0..<total where !validity.isValid(i) { values[i] = 0 }
            }
            return Column(type: .decimal, values: .doubles(values), validity: validity)
        case .bool:
            let values = LargeAllocation.array(of: UInt8.self, count: total) { buffer in
                var k = 0
                for b in builders {
                    for i in 0..<b.rows { buffer[k] = b.isValid(i) ? UInt8(truncatingIfNeeded: b.ints[i]) : 0; k += 1 }
                }
            }
            return Column(type: .bool, values: .bools(values), validity: validity)
        case .int, .date, .timestamp:
            let type = kind.dataType
            let anyValue = builders.contains { $0.rows > $0.nullCount }
            if kind == .int, anyValue, builders.allSatisfy({ $0.allCompactDates || $0.rows == $0.nullCount }) {
                // Every value is an 8-digit YYYYMMDD date: read the column as dates.
                let parts = builders.map { b -> [Int64] in
                    var values = b.ints.values()
                    for i in 0..<b.rows where b.isValid(i) {
                        let v = values[i]
                        values[i] = CivilCalendar.days(year: v / 10_000, month: v / 100 % 100, day: v % 100)
                    }
                    return values
                }
                return Column(type: .date, values: .integers(packPlainValues(parts, validity: validity, scales: [])), validity: validity)
            }
            let scales: [Int64] = type == .timestamp ? [CivilCalendar.microsPerSecond, 1000] : []
            let packed = IntegerColumnPacker.pack(builders, validity: validity, scales: scales)
                ?? packPlainValues(builders.map { $0.ints.values() }, validity: validity, scales: scales)
            return Column(type: type, values: .integers(packed), validity: validity)
        case .text:
            if builders.contains(where: { $0.text.isDeferred }) {
                return try assembleDeferredText(builders, total: total, validity: validity, cancel: cancel)
            }
            let global = builders[0]
            var codeParts: [[UInt32]] = []
            for b in builders.dropFirst() { codeParts.append(global.text.absorbDictionary(of: b.text)) }
            let dictionary = global.text.finishDictionary()
            let codes = packCodes(builders, mappings: codeParts, total: total, dictionarySize: dictionary.count, validity: validity)
            return Column(type: .text, values: .text(codes: codes, dictionary: dictionary), validity: validity)
        }
    }

    /// The general path: values as plain 64-bit integers.
    private static func packPlainValues(_ parts: [[Int64]], validity: Validity?, scales: [Int64]) -> PackedIntegers {
        PackedIntegers.pack(Array(parts.joined()), validity: validity, scales: scales)
    }

    /// Codes of all partitions, translated into the merged dictionary, in the narrowest width.
    private static func packCodes(
        _ builders: [ColumnBuilder], mappings: [[UInt32]], total: Int, dictionarySize: Int, validity: Validity?
    ) -> PackedIntegers {
        func fill<T: FixedWidthInteger>(_: T.Type) -> [T] {
            LargeAllocation.array(of: T.self, count: total) { buffer in
                var k = 0
                for (index, b) in builders.enumerated() {
                    let map = index == 0 ? (0..<UInt32(b.text.interner.count)).map { $0 } : mappings[index - 1]
                    let storage = b.text.codes.storage, isWide = b.text.codes.isWide
                    map.withUnsafeBufferPointer { map in
                        if map.isEmpty {
                            // Every row is null (placeholder 0, with no string to map it to).
                            (buffer + k).initialize(repeating: 0, count: b.rows)
                        } else if isWide {
                            translate(storage.assumingMemoryBound(to: UInt16.self), b.rows, map, buffer + k)
                        } else {
                            translate(storage.assumingMemoryBound(to: UInt8.self), b.rows, map, buffer + k)
                        }
                    }
                    k += b.rows
                }
            }
        }
        if dictionarySize <= 256 { return PackedIntegers(base: 0, scale: 1, storage: .u8(fill(UInt8.self))) }
        if dictionarySize <= 65_536 { return PackedIntegers(base: 0, scale: 1, storage: .u16(fill(UInt16.self))) }
        return PackedIntegers(base: 0, scale: 1, storage: .u32(fill(UInt32.self)))
    }

    /// `out[i] = map[codes[i]]`. Codes index the map: placeholders are 0, and a store that
    /// holds a placeholder holds a string too unless the map is empty.
    @inline(__always)
    private static func translate<S: FixedWidthInteger, T: FixedWidthInteger>(
        _ codes: UnsafePointer<S>, _ count: Int, _ map: UnsafeBufferPointer<UInt32>, _ out: UnsafeMutablePointer<T>
    ) {
        let table = map.baseAddress!
        for i in 0..<count { out[i] = T(truncatingIfNeeded: table[Int(codes[i])]) }
    }

    /// A text column with many distinct values: the dictionary is built in one go, in parallel.
    private static func assembleDeferredText(
        _ builders: [ColumnBuilder], total: Int, validity: Validity?, cancel: CancellationToken?
    ) throws -> Column {
        // A partition that stayed under the threshold hands over its keys too.
        _ = Parallel.map(builders.count) { k in builders[k].text.switchToDeferred() }
        var parts: [PartitionedDictionaryBuilder.Part] = []
        var first = 0
        for b in builders {
            parts.append(PartitionedDictionaryBuilder.Part(b.text.deferred, firstRow: first))
            first += b.rows
        }
        let (codes, dictionary) = try PartitionedDictionaryBuilder.build(parts, validity: validity, cancel: cancel) {
            for b in builders { b.text.releaseDeferredKeys() }
        }
        return Column(type: .text, values: .text(codes: codes, dictionary: dictionary), validity: validity)
    }

    /// The partitions' bitmaps end to end; nil when no row is null.
    static func concatenateValidity(_ builders: [ColumnBuilder], total: Int) -> Validity? {
        if builders.allSatisfy({ $0.nullCount == 0 }) { return nil }
        var words = [UInt64](repeating: 0, count: (total + 63) >> 6)
        var offset = 0
        for b in builders {
            let source = b.validWords.base
            let shift = UInt64(offset & 63)
            var w = offset >> 6
            let sourceWords = (b.rows + 63) >> 6
            for i in 0..<sourceWords {
                var word = source[i]
                if i == sourceWords - 1, b.rows & 63 != 0 { word &= (1 << UInt64(b.rows & 63)) - 1 }
                words[w] |= word << shift
                if shift != 0, w + 1 < words.count { words[w + 1] |= word >> (64 - shift) }
                w += 1
            }
            offset += b.rows
        }
        return Validity(words: words, count: total)
    }
}

