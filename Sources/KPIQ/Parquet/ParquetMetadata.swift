/// The parts of a Parquet file's footer (`FileMetaData`, parquet.thrift) that a flat reader
/// needs, decoded from Thrift's compact protocol. Field numbers are the format's.
struct ParquetMetadata {
    var rowCount: Int64 = 0
    var schema: [SchemaElement] = []
    var rowGroups: [RowGroup] = []
    var createdBy: String?

    enum PhysicalType: Int32 {
        case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
    }

    enum Repetition: Int32 { case required = 0, optional = 1, repeated = 2 }

    enum TimeUnit { case millis, micros, nanos }

    /// The logical type of a column, from `LogicalType` or the older `ConvertedType`.
    enum LogicalType: Equatable {
        case string, enumeration, json, bson, uuid, float16, unknown
        case date
        case time(TimeUnit)
        case timestamp(TimeUnit, adjustedToUTC: Bool)
        case decimal(scale: Int32, precision: Int32)
        case integer(bitWidth: Int8, signed: Bool)
        case interval
        /// A nested type's annotation (map, list): such columns are refused.
        case nested(String)
    }

    struct SchemaElement {
        var name = ""
        var type: PhysicalType?
        var typeLength: Int32 = 0
        var repetition: Repetition = .required
        var childCount: Int32 = 0
        var logical: LogicalType?
        var scale: Int32 = 0
        var precision: Int32 = 0
    }

    struct RowGroup {
        var columns: [ColumnChunk] = []
        var rowCount: Int64 = 0
    }

    struct ColumnChunk {
        var path: [String] = []
        var type: PhysicalType?
        var codec: Int32 = 0
        var valueCount: Int64 = 0
        var compressedSize: Int64 = 0
        var dataPageOffset: Int64 = -1
        var dictionaryPageOffset: Int64?
        /// Set when the chunk lives in another file (`file_path`): not supported.
        var externalFile: String?
    }

    /// Decodes the footer's bytes (`fileOffset`: where they start in the file).
    static func decode(_ bytes: UnsafeRawBufferPointer, fileOffset: Int) throws(ThriftCompactReader.Failure) -> ParquetMetadata {
        var reader = ThriftCompactReader(bytes, fileOffset: fileOffset)
        var metadata = ParquetMetadata()
        try reader.readMessage { r, id, type in
            switch id {
            case 2:
                try r.expect(type, .list)
                metadata.schema = try r.readList { r, _ in try schemaElement(&r) }
            case 3:
                try r.expect(type, .i64)
                metadata.rowCount = try r.i64()
            case 4:
                try r.expect(type, .list)
                metadata.rowGroups = try r.readList { r, _ in try rowGroup(&r) }
            case 6:
                try r.expect(type, .binary)
                metadata.createdBy = try r.string()
            default: return false
            }
            return true
        }
        return metadata
    }

    private static func schemaElement(_ r: inout ThriftCompactReader) throws -> SchemaElement {
        var element = SchemaElement()
        var converted: Int32?
        try r.readStruct { r, id, type in
            switch id {
            case 1:
                try r.expect(type, .i32)
                let raw = try r.i32()
                guard let physical = PhysicalType(rawValue: raw) else { throw r.failure("unknown physical type \(raw)") }
                element.type = physical
            case 2: try r.expect(type, .i32); element.typeLength = try r.i32()
            case 3:
                try r.expect(type, .i32)
                let raw = try r.i32()
                guard let repetition = Repetition(rawValue: raw) else { throw r.failure("unknown repetition \(raw)") }
                element.repetition = repetition
            case 4: try r.expect(type, .binary); element.name = try r.string()
            case 5: try r.expect(type, .i32); element.childCount = try r.i32()
            case 6: try r.expect(type, .i32); converted = try r.i32()
            case 7: try r.expect(type, .i32); element.scale = try r.i32()
            case 8: try r.expect(type, .i32); element.precision = try r.i32()
            case 10: try r.expect(type, .structure); element.logical = try logicalType(&r)
            default: return false
            }
            return true
        }
        if element.logical == nil, let converted {
            element.logical = convertedType(converted, scale: element.scale, precision: element.precision)
        }
        return element
    }

    /// The pre-2.4 annotations (`ConvertedType`), for files that have no `LogicalType`.
    private static func convertedType(_ raw: Int32, scale: Int32, precision: Int32) -> LogicalType? {
        switch raw {
        case 0: return .string
        case 1, 2: return .nested("map")
        case 3: return .nested("list")
        case 4: return .enumeration
        case 5: return .decimal(scale: scale, precision: precision)
        case 6: return .date
        case 7: return .time(.millis)
        case 8: return .time(.micros)
        case 9: return .timestamp(.millis, adjustedToUTC: true)
        case 10: return .timestamp(.micros, adjustedToUTC: true)
        case 11: return .integer(bitWidth: 8, signed: false)
        case 12: return .integer(bitWidth: 16, signed: false)
        case 13: return .integer(bitWidth: 32, signed: false)
        case 14: return .integer(bitWidth: 64, signed: false)
        case 15: return .integer(bitWidth: 8, signed: true)
        case 16: return .integer(bitWidth: 16, signed: true)
        case 17: return .integer(bitWidth: 32, signed: true)
        case 18: return .integer(bitWidth: 64, signed: true)
        case 19: return .json
        case 20: return .bson
        case 21: return .interval
        default: return nil
        }
    }

    private static func logicalType(_ r: inout ThriftCompactReader) throws -> LogicalType? {
        var result: LogicalType?
        try r.readStruct { r, id, type in
            try r.expect(type, .structure)
            switch id {
            case 1: result = .string
            case 2: result = .nested("map")
            case 3: result = .nested("list")
            case 4: result = .enumeration
            case 5:
                var scale: Int32 = 0, precision: Int32 = 0
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: try r.expect(type, .i32); scale = try r.i32()
                    case 2: try r.expect(type, .i32); precision = try r.i32()
                    default: return false
                    }
                    return true
                }
                result = .decimal(scale: scale, precision: precision)
                return true
            case 6: result = .date
            case 7, 8:
                var utc = false
                var unit = TimeUnit.micros
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: utc = try r.bool(type)
                    case 2:
                        try r.expect(type, .structure)
                        try r.readStruct { r, id, type in
                            switch id {
                            case 1: unit = .millis
                            case 2: unit = .micros
                            case 3: unit = .nanos
                            default: break
                            }
                            return false
                        }
                    default: return false
                    }
                    return true
                }
                result = id == 7 ? .time(unit) : .timestamp(unit, adjustedToUTC: utc)
                return true
            case 10:
                var width: Int8 = 64, signed = true
                try r.readStruct { r, id, type in
                    switch id {
                    case 1:
                        try r.expect(type, .byte)
                        width = type == .byte ? Int8(bitPattern: try r.byte()) : Int8(truncatingIfNeeded: try r.i32())
                    case 2: signed = try r.bool(type)
                    default: return false
                    }
                    return true
                }
                result = .integer(bitWidth: width, signed: signed)
                return true
            case 11: result = .unknown
            case 12: result = .json
            case 13: result = .bson
            case 14: result = .uuid
            case 15: result = .float16
            default: break
            }
            return false  // the empty struct of the kind is skipped
        }
        return result
    }

    private static func rowGroup(_ r: inout ThriftCompactReader) throws -> RowGroup {
        var group = RowGroup()
        try r.readStruct { r, id, type in
            switch id {
            case 1:
                try r.expect(type, .list)
                group.columns = try r.readList { r, _ in try columnChunk(&r) }
            case 3: try r.expect(type, .i64); group.rowCount = try r.i64()
            default: return false
            }
            return true
        }
        return group
    }

    private static func columnChunk(_ r: inout ThriftCompactReader) throws -> ColumnChunk {
        var chunk = ColumnChunk()
        try r.readStruct { r, id, type in
            switch id {
            case 1: try r.expect(type, .binary); chunk.externalFile = try r.string()
            case 3:
                try r.expect(type, .structure)
                try r.readStruct { r, id, type in
                    switch id {
                    case 1:
                        try r.expect(type, .i32)
                        chunk.type = PhysicalType(rawValue: try r.i32())
                    case 3:
                        try r.expect(type, .list)
                        chunk.path = try r.readList { r, _ in try r.string() }
                    case 4: try r.expect(type, .i32); chunk.codec = try r.i32()
                    case 5: try r.expect(type, .i64); chunk.valueCount = try r.i64()
                    case 7: try r.expect(type, .i64); chunk.compressedSize = try r.i64()
                    case 9: try r.expect(type, .i64); chunk.dataPageOffset = try r.i64()
                    case 11: try r.expect(type, .i64); chunk.dictionaryPageOffset = try r.i64()
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        return chunk
    }
}

/// A page header (`PageHeader`): what kind of page follows and how to read it.
struct ParquetPageHeader {
    enum Kind: Int32 { case data = 0, index = 1, dictionary = 2, dataV2 = 3 }

    var kind: Kind?
    var uncompressedSize: Int32 = 0
    var compressedSize: Int32 = 0
    var valueCount: Int32 = 0
    var encoding: Int32 = 0
    var definitionEncoding: Int32 = 3
    // Data page v2 only.
    var nullCount: Int32 = 0
    var rowCount: Int32 = 0
    var definitionLevelsLength: Int32 = 0
    var repetitionLevelsLength: Int32 = 0
    var isCompressed = true

    /// Decodes a header at the start of `bytes`; returns it and its length in bytes.
    static func decode(_ bytes: UnsafeRawBufferPointer, fileOffset: Int) throws(ThriftCompactReader.Failure) -> (ParquetPageHeader, Int) {
        var reader = ThriftCompactReader(bytes, fileOffset: fileOffset)
        var header = ParquetPageHeader()
        try reader.readMessage { r, id, type in
            switch id {
            case 1: try r.expect(type, .i32); header.kind = Kind(rawValue: try r.i32())
            case 2: try r.expect(type, .i32); header.uncompressedSize = try r.i32()
            case 3: try r.expect(type, .i32); header.compressedSize = try r.i32()
            case 5, 7:  // data page, dictionary page
                try r.expect(type, .structure)
                try r.readStruct { r, field, type in
                    switch field {
                    case 1: try r.expect(type, .i32); header.valueCount = try r.i32()
                    case 2: try r.expect(type, .i32); header.encoding = try r.i32()
                    case 3 where id == 5: try r.expect(type, .i32); header.definitionEncoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case 8:
                try r.expect(type, .structure)
                try r.readStruct { r, field, type in
                    switch field {
                    case 1: try r.expect(type, .i32); header.valueCount = try r.i32()
                    case 2: try r.expect(type, .i32); header.nullCount = try r.i32()
                    case 3: try r.expect(type, .i32); header.rowCount = try r.i32()
                    case 4: try r.expect(type, .i32); header.encoding = try r.i32()
                    case 5: try r.expect(type, .i32); header.definitionLevelsLength = try r.i32()
                    case 6: try r.expect(type, .i32); header.repetitionLevelsLength = try r.i32()
                    case 7: header.isCompressed = try r.bool(type)
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        return (header, reader.position)
    }
}
