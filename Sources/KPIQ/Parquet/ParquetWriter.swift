#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a table as a Parquet file (`export "result.parquet"`), for pyarrow, DuckDB, pandas,
/// Spark and the warehouses.
///
/// Every column is OPTIONAL (nulls as definition levels), uncompressed, one data page (v1) per
/// column per row group of up to `rowGroupRows` rows. Types: int -> INT64, decimal -> DOUBLE,
/// bool -> BOOLEAN, date -> INT32 DATE, timestamp -> INT64 TIMESTAMP(MICROS, not adjusted to
/// UTC: kpiq's timestamps are wall-clock times), text -> BYTE_ARRAY STRING, dictionary-encoded
/// with the codes the column already has (only the strings the row group uses are written).
package enum ParquetWriter {
    static let rowGroupRows = 1 << 20

    package static func write(_ table: Table, to path: String) throws {
        var file: [UInt8] = Array("PAR1".utf8)
        var rowGroups: [(columns: [ChunkInfo], rows: Int, bytes: Int)] = []
        var start = 0
        repeat {
            let rows = min(rowGroupRows, table.rowCount - start)
            let groupStart = file.count
            var chunks: [ChunkInfo] = []
            for column in table.columns {
                chunks.append(writeChunk(column, rows: start..<(start + rows), into: &file))
            }
            rowGroups.append((chunks, rows, file.count - groupStart))
            start += rows
        } while start < table.rowCount

        var footer = ThriftCompactWriter()
        footer.structBody { w in
            w.i32(1, 2)
            w.list(2, .structure, count: table.columnCount + 1) { w in
                w.structBody { w in
                    w.string(4, "schema")
                    w.i32(5, Int32(table.columnCount))
                }
                for (name, column) in zip(table.names, table.columns) {
                    w.structBody { w in schemaElement(&w, name: name, type: column.type) }
                }
            }
            w.i64(3, Int64(table.rowCount))
            w.list(4, .structure, count: rowGroups.count) { w in
                for group in rowGroups {
                    w.structBody { w in
                        w.list(1, .structure, count: group.columns.count) { w in
                            for (name, chunk) in zip(table.names, group.columns) {
                                w.structBody { w in
                                    w.i64(2, Int64(chunk.offset))
                                    w.structure(3) { w in
                                        w.i32(1, physicalType(of: chunk.type))
                                        let encodings: [Int32] = chunk.dictionaryOffset == nil ? [0, 3] : [0, 3, 8]
                                        w.list(2, .i32, count: encodings.count) { w in for e in encodings { w.zigzag(Int64(e)) } }
                                        w.list(3, .binary, count: 1) { w in
                                            w.varint(UInt64(name.utf8.count))
                                            w.raw(Array(name.utf8))
                                        }
                                        w.i32(4, 0)
                                        w.i64(5, Int64(group.rows))
                                        w.i64(6, Int64(chunk.size))
                                        w.i64(7, Int64(chunk.size))
                                        w.i64(9, Int64(chunk.dataOffset))
                                        if let dictionary = chunk.dictionaryOffset { w.i64(11, Int64(dictionary)) }
                                    }
                                }
                            }
                        }
                        w.i64(2, Int64(group.bytes))
                        w.i64(3, Int64(group.rows))
                    }
                }
            }
            w.string(6, "kpiq")
        }
        file.append(contentsOf: footer.bytes)
        appendUInt32(UInt32(footer.bytes.count), to: &file)
        file.append(contentsOf: Array("PAR1".utf8))
        try writeAtomically(file, to: path)
    }

    struct ChunkInfo {
        var type: DataType
        var offset: Int
        var dataOffset: Int
        var dictionaryOffset: Int?
        var size: Int
    }

    private static func physicalType(of type: DataType) -> Int32 {
        switch type {
        case .int, .timestamp: return 2
        case .date: return 1
        case .decimal: return 5
        case .bool: return 0
        case .text: return 6
        }
    }

    private static func schemaElement(_ w: inout ThriftCompactWriter, name: String, type: DataType) {
        w.i32(1, physicalType(of: type))
        w.i32(3, 1)  // OPTIONAL
        w.string(4, name)
        switch type {
        case .text:
            w.i32(6, 0)  // UTF8
            w.structure(10) { w in w.structure(1) { _ in } }
        case .date:
            w.i32(6, 6)
            w.structure(10) { w in w.structure(6) { _ in } }
        case .timestamp:
            // No ConvertedType: TIMESTAMP_MICROS would say the values are UTC instants.
            w.structure(10) { w in
                w.structure(8) { w in
                    w.bool(1, false)
                    w.structure(2) { w in w.structure(2) { _ in } }
                }
            }
        case .int:
            w.i32(6, 18)  // INT_64
            w.structure(10) { w in
                w.structure(10) { w in
                    w.fieldHeader(1, .byte)
                    w.raw([64])
                    w.bool(2, true)
                }
            }
        case .decimal, .bool: break
        }
    }

    /// Writes one column's rows as a dictionary page (text) and a data page; returns where.
    private static func writeChunk(_ column: Column, rows: Range<Int>, into file: inout [UInt8]) -> ChunkInfo {
        let offset = file.count
        var dictionaryOffset: Int?
        var values: [UInt8] = []
        let valid = rows.map { !column.isNull($0) }
        let present = valid.filter { $0 }.count

        switch column.values {
        case .integers(let packed):
            var buffer = [Int64](repeating: 0, count: rows.count)
            buffer.withUnsafeMutableBufferPointer { packed.decode(from: rows.lowerBound, count: rows.count, into: $0.baseAddress!) }
            values.reserveCapacity(present * 8)
            for (k, v) in buffer.enumerated() where valid[k] {
                if column.type == .date {
                    appendUInt32(UInt32(truncatingIfNeeded: v), to: &values)
                } else {
                    appendUInt64(UInt64(bitPattern: v), to: &values)
                }
            }
        case .doubles(let doubles):
            for (k, row) in rows.enumerated() where valid[k] { appendUInt64(doubles[row].bitPattern, to: &values) }
        case .bools(let bools):
            var bits = [UInt8](repeating: 0, count: (present + 7) / 8)
            var n = 0
            for (k, row) in rows.enumerated() where valid[k] {
                if bools[row] != 0 { bits[n >> 3] |= 1 << UInt8(n & 7) }
                n += 1
            }
            values = bits
        case .text(let codes, let dictionary):
            // The row group's own dictionary: the codes it uses, renumbered in first-use order.
            var renumbered = [Int32](repeating: -1, count: max(1, dictionary.count))
            var used: [Int] = []
            var indices: [UInt32] = []
            indices.reserveCapacity(present)
            for (k, row) in rows.enumerated() where valid[k] {
                let code = Int(codes[row])
                if renumbered[code] < 0 {
                    renumbered[code] = Int32(used.count)
                    used.append(code)
                }
                indices.append(UInt32(renumbered[code]))
            }
            var page: [UInt8] = []
            for code in used {
                dictionary.withBytes(code) { bytes in
                    appendUInt32(UInt32(bytes.count), to: &page)
                    page.append(contentsOf: bytes)
                }
            }
            dictionaryOffset = file.count
            appendPage(kind: 2, valueCount: used.count, encoding: 0, body: page, into: &file)
            let width = used.count <= 1 ? 1 : Int.bitWidth - (used.count - 1).leadingZeroBitCount
            values.append(UInt8(width))
            appendBitPacked(indices, width: width, to: &values)
        }

        // Definition levels: 1 for a value, 0 for a null, bit-packed (RLE hybrid), behind their length.
        var levels: [UInt8] = []
        appendBitPacked(valid.map { $0 ? 1 : 0 }, width: 1, to: &levels)
        var body: [UInt8] = []
        appendUInt32(UInt32(levels.count), to: &body)
        body.append(contentsOf: levels)
        body.append(contentsOf: values)
        let dataOffset = file.count
        let encoding: Int32 = dictionaryOffset == nil ? 0 : 8
        appendPage(kind: 0, valueCount: rows.count, encoding: encoding, body: body, into: &file)
        return ChunkInfo(type: column.type, offset: dictionaryOffset ?? dataOffset, dataOffset: dataOffset,
                         dictionaryOffset: dictionaryOffset, size: file.count - offset)
    }

    private static func appendPage(kind: Int32, valueCount: Int, encoding: Int32, body: [UInt8], into file: inout [UInt8]) {
        var header = ThriftCompactWriter()
        header.structBody { w in
            w.i32(1, kind)
            w.i32(2, Int32(body.count))
            w.i32(3, Int32(body.count))
            if kind == 2 {
                w.structure(7) { w in
                    w.i32(1, Int32(valueCount))
                    w.i32(2, encoding)
                }
            } else {
                w.structure(5) { w in
                    w.i32(1, Int32(valueCount))
                    w.i32(2, encoding)
                    w.i32(3, 3)
                    w.i32(4, 3)
                }
            }
        }
        file.append(contentsOf: header.bytes)
        file.append(contentsOf: body)
    }

    /// The RLE/bit-packed hybrid as one bit-packed run (groups of 8 values, zero-padded).
    private static func appendBitPacked(_ values: [UInt32], width: Int, to out: inout [UInt8]) {
        if values.isEmpty || width == 0 {
            if !values.isEmpty {  // a run of zeros
                var header = ThriftCompactWriter()
                header.varint(UInt64(values.count) << 1)
                out.append(contentsOf: header.bytes)
            }
            return
        }
        let groups = (values.count + 7) / 8
        var header = ThriftCompactWriter()
        header.varint(UInt64(groups) << 1 | 1)
        out.append(contentsOf: header.bytes)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: groups * width))
        var bit = 0
        for value in values {
            var v = UInt64(value)
            var remaining = width
            while remaining > 0 {
                let index = start + bit >> 3
                let shift = bit & 7
                let take = min(8 - shift, remaining)
                out[index] |= UInt8(truncatingIfNeeded: (v & ((1 << UInt64(take)) - 1)) << UInt64(shift))
                v >>= UInt64(take)
                remaining -= take
                bit += take
            }
        }
    }

    private static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: value >> UInt32(8 * k))) }
    }

    private static func appendUInt64(_ value: UInt64, to out: inout [UInt8]) {
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * k))) }
    }

    /// Writes through a temporary file in the same folder, renamed over `path` when complete.
    private static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "w") else {
            throw CSVWriter.WriteError(reason: String(cString: strerror(errno)).lowercased())
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let flushed = fflush(file) == 0
        fclose(file)
        guard written == bytes.count, flushed else {
            unlink(temporary)
            throw CSVWriter.WriteError(reason: "the disk refused the data (\(String(cString: strerror(errno)).lowercased()))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno)).lowercased()
            unlink(temporary)
            throw CSVWriter.WriteError(reason: reason)
        }
    }
}
