import Foundation

/// Loads a flat Parquet file into a `Table`.
///
/// The file is mapped; the footer gives the schema and the row groups; every (row group,
/// column) chunk is decoded on its own, all of them in parallel (`ParquetChunkDecoder`), then
/// each column's chunks are joined: integers packed, text dictionaries merged (each chunk's
/// dictionary is interned once into the column's, and the rows' codes translated through a
/// table, never rehashed). A nested column (a group, a repeated field, a list or map) is an
/// error naming it. Errors name the row group, column and byte offset.
package enum ParquetReader {
    package static func isParquet(path: String) -> Bool {
        path.lowercased().hasSuffix(".parquet") || path.lowercased().hasSuffix(".parq")
    }

    package static func load(path: String, cancel: CancellationToken? = nil, budget: MemoryBudget? = nil) throws -> (Table, LoadReport) {
        let started = Date()
        let file = try MappedFile(path: path)
        let bytes = UnsafeRawBufferPointer(start: file.base, count: file.count)
        func fail(_ message: String, offset: Int? = nil) -> LoadError {
            LoadError(path: path, message: offset.map { "byte \($0): \(message)" } ?? message)
        }

        // PAR1, pages, footer, its length (4 bytes), PAR1.
        let magic = Array("PAR1".utf8)
        guard file.count >= 12, Array(bytes[0..<4]) == magic, Array(bytes[(file.count - 4)...]) == magic else {
            throw LoadError(path: path, message: "not a Parquet file (it does not start and end with `PAR1`)",
                            hint: "a file cut short (an interrupted download) loses its footer; fetch it again")
        }
        let footerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: file.count - 8, as: UInt32.self)))
        let footerStart = file.count - 8 - footerLength
        guard footerStart >= 4 else {
            throw fail("the footer's length (\(footerLength) bytes) is more than the file holds", offset: file.count - 8)
        }
        let metadata: ParquetMetadata
        do {
            metadata = try ParquetMetadata.decode(UnsafeRawBufferPointer(rebasing: bytes[footerStart..<(file.count - 8)]), fileOffset: footerStart)
        } catch {
            throw fail("corrupt footer: \(error.reason)", offset: error.offset)
        }

        let mappings = try columns(of: metadata, path: path)
        var rowCount = 0
        for (index, group) in metadata.rowGroups.enumerated() {
            guard group.rowCount >= 0, group.columns.count == mappings.count else {
                throw fail("row group \(index + 1) has \(group.columns.count) columns and \(group.rowCount) rows where the schema has \(mappings.count) columns")
            }
            for (c, chunk) in group.columns.enumerated() {
                let name = mappings[c].name
                guard chunk.externalFile == nil else {
                    throw fail("row group \(index + 1), column `\(name)`: its data is in another file (`\(chunk.externalFile!)`), which kpiq does not follow")
                }
                guard let codec = ParquetCodec(rawValue: chunk.codec), codec.isSupported else {
                    let codecName = ParquetCodec(rawValue: chunk.codec)?.name ?? "codec \(chunk.codec)"
                    throw LoadError(path: path, message: "row group \(index + 1), column `\(name)`: \(codecName) compression, which kpiq does not read",
                                    hint: "write the file with snappy, gzip, zstd or no compression")
                }
                guard chunk.type == nil || chunk.type == mappings[c].physical else {
                    throw fail("row group \(index + 1), column `\(name)`: its chunk's type differs from the schema's")
                }
            }
            let (sum, overflow) = rowCount.addingReportingOverflow(Int(group.rowCount))
            guard !overflow else { throw fail("the row groups hold more rows than a table can") }
            rowCount = sum
        }
        try Table.checkRows(rowCount, of: "`\(path)`")
        if let budget {
            let bytesPerRow = mappings.reduce(0) { $0 + ($1.type == .bool ? 1 : 8) }
            try budget.check(MemoryBudget.bytes(rows: rowCount, bytesPerRow: bytesPerRow * 2), for: "the load",
                             detail: "\(Session.count(rowCount)) rows of \(mappings.count) columns",
                             remedy: "load a smaller file (fewer rows or columns)")
        }

        // Every chunk on its own, in parallel.
        let groups = metadata.rowGroups
        let tasks = groups.indices.flatMap { g in mappings.indices.map { (g, $0) } }
        let chunks: [ParquetChunkValues] = try Parallel.map(tasks.count) { t in
            try cancel?.check()
            let (g, c) = tasks[t]
            let chunk = groups[g].columns[c]
            let decoder = ParquetChunkDecoder(file: bytes, pagesEnd: footerStart, mapping: mappings[c], chunk: chunk,
                                              codec: ParquetCodec(rawValue: chunk.codec)!, rowCount: Int(groups[g].rowCount))
            do {
                return try decoder.decode()
            } catch let error as ParquetChunkFailure {
                throw LoadError(path: path, field: mappings[c].name,
                                message: "row group \(g + 1), column `\(mappings[c].name)`, byte \(error.offset): \(error.reason)")
            }
        }
        try cancel?.check()

        let columns = try Parallel.map(mappings.count) { c -> Column in
            try cancel?.check()
            let parts = groups.indices.map { chunks[$0 * mappings.count + c] }
            return assemble(parts, mapping: mappings[c], rowCount: rowCount)
        }
        var names: [String] = []
        var warnings: [String] = []
        var seen = Set<String>()
        for mapping in mappings {
            var name = mapping.name
            var k = 2
            while seen.contains(name) { name = "\(mapping.name)_\(k)"; k += 1 }
            if name != mapping.name { warnings.append("column `\(mapping.name)` appears twice; the second is `\(name)`") }
            seen.insert(name)
            names.append(name)
        }
        let table = Table(names: names, columns: columns, rowCount: rowCount)
        var report = LoadReport(path: path, bytes: file.count, rows: rowCount, delimiter: .byte(0), header: true,
                                seconds: Date().timeIntervalSince(started))
        report.warnings = warnings
        withExtendedLifetime(file) {}  // the chunks were read from its mapping
        return (table, report)
    }

    /// The leaf columns of a flat schema, mapped to kpiq types.
    static func columns(of metadata: ParquetMetadata, path: String) throws -> [ParquetColumnMapping] {
        guard let root = metadata.schema.first else {
            throw LoadError(path: path, message: "the footer has no schema")
        }
        var mappings: [ParquetColumnMapping] = []
        var index = 1
        while index < metadata.schema.count {
            let element = metadata.schema[index]
            if element.childCount > 0 || element.type == nil {
                var kind = "a group of \(element.childCount) field\(element.childCount == 1 ? "" : "s")"
                if case .nested(let annotated)? = element.logical { kind = "a \(annotated)" }
                throw LoadError(path: path, field: element.name,
                                message: "column `\(element.name)` is nested (\(kind)); kpiq reads flat Parquet files",
                                hint: "flatten it when writing the file (one column per field), or leave it out")
            }
            if element.repetition == .repeated {
                throw LoadError(path: path, field: element.name,
                                message: "column `\(element.name)` is nested (a repeated field); kpiq reads flat Parquet files",
                                hint: "write it as text (a JSON array in a string), or leave it out")
            }
            switch ParquetColumnMapping.of(element) {
            case .success(let mapping): mappings.append(mapping)
            case .failure(let error):
                throw LoadError(path: path, field: element.name, message: "column `\(element.name)` \(error.reason), which kpiq does not read")
            }
            index += 1
        }
        guard Int(root.childCount) == mappings.count else {
            throw LoadError(path: path, message: "the schema's root has \(root.childCount) fields where the footer lists \(mappings.count)")
        }
        return mappings
    }

    /// Joins a column's chunks, one per row group, into one column.
    static func assemble(_ parts: [ParquetChunkValues], mapping: ParquetColumnMapping, rowCount: Int) -> Column {
        let validity = Validity.concatenate(parts.map { ($0.validity, $0.count) })
        switch mapping.target {
        case .int:
            let buffers = parts.map { $0.ints }
            let scales: [Int64] = mapping.type == .timestamp ? [CivilCalendar.microsPerSecond, 1000] : []
            let packed = withBuffers(buffers) { PackedIntegers.pack(parts: $0, validity: validity, scales: scales) }
            return Column(type: mapping.type, values: .integers(packed), validity: validity)
        case .double:
            return Column(type: mapping.type, values: .doubles(parts.count == 1 ? parts[0].doubles : Array(parts.map(\.doubles).joined())), validity: validity)
        case .bool:
            return Column(type: .bool, values: .bools(parts.count == 1 ? parts[0].bools : Array(parts.map(\.bools).joined())), validity: validity)
        case .text:
            let (codes, dictionary) = mergeText(parts)
            let packed = codes.withUnsafeBufferPointer { PackedIntegers.packCodes($0, dictionarySize: dictionary.count) }
            return Column(type: .text, values: .text(codes: packed, dictionary: dictionary), validity: validity)
        }
    }

    /// One dictionary for the column: a single chunk keeps its own; several are merged
    /// (`DictionaryMerge`).
    private static func mergeText(_ parts: [ParquetChunkValues]) -> ([UInt32], StringDictionary) {
        if parts.count == 1 { return (parts[0].codes, parts[0].dictionary) }
        if parts.isEmpty { return ([], .empty) }
        return DictionaryMerge.merge(codes: parts.map(\.codes), dictionaries: parts.map(\.dictionary))
    }

    private static func withBuffers<R>(_ arrays: [[Int64]], _ body: ([UnsafeBufferPointer<Int64>]) -> R) -> R {
        func step(_ index: Int, _ collected: [UnsafeBufferPointer<Int64>]) -> R {
            if index == arrays.count { return body(collected) }
            return arrays[index].withUnsafeBufferPointer { step(index + 1, collected + [$0]) }
        }
        return step(0, [])
    }
}
