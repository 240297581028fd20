/// How a Parquet leaf column becomes a kpiq column: which kpiq type, and how each physical
/// value converts to it.
///
/// - integers (int8 ... int64, uint8 ... uint32; uint64 up to 2^63 - 1) -> `int`
/// - float, double, float16 and decimals of any physical type -> `decimal` (kpiq's decimal is
///   a 64-bit double; a decimal's unscaled value is divided by 10^scale)
/// - boolean -> `bool`; date -> `date`
/// - timestamps (milli, micro, nano seconds; INT96) -> `timestamp` in microseconds (nanoseconds
///   are truncated toward earlier). An instant (`isAdjustedToUTC`) is kept as its UTC time, as
///   the CSV loader converts values with an offset to UTC; a local time is kept as written.
/// - strings, enums, JSON, byte arrays -> `text`; UUIDs -> `text` in 8-4-4-4-12 form; other
///   fixed-length byte arrays -> `text` in hex; times of day -> `text` (`HH:MM:SS[.ffffff]`)
struct ParquetColumnMapping {
    enum IntConversion: Equatable {
        case plain
        /// Zero-extends a 32-bit value (uint8 ... uint32 are stored in INT32).
        case unsigned32
        /// Fails past Int64.max.
        case unsigned64
        case multiply(Int64)
        /// Floors a nanosecond count to microseconds.
        case divideFloor(Int64)
        /// INT96 timestamps (nanoseconds of the day and a Julian day).
        case int96
    }

    enum DoubleConversion: Equatable {
        case plain
        /// Float32, through its shortest decimal text (0.1f reads as 0.1, not 0.100000001).
        case float32
        case float16
        /// An unscaled integer (INT32, INT64, or big-endian bytes) over 10^scale.
        case decimal(scale: Int32)
    }

    enum TextConversion: Equatable {
        case bytes
        case uuid
        case hex
        case time(ParquetMetadata.TimeUnit)
    }

    enum Target: Equatable {
        case int(IntConversion)
        case double(DoubleConversion)
        case bool
        case text(TextConversion)
    }

    let name: String
    let physical: ParquetMetadata.PhysicalType
    let typeLength: Int
    let optional: Bool
    let type: DataType
    let target: Target

    /// The mapping of a leaf, or why it cannot load (the reason names no column; the caller does).
    static func of(_ element: ParquetMetadata.SchemaElement) -> Result<ParquetColumnMapping, ParquetMapError> {
        guard let physical = element.type else { return .failure(.init("has no physical type")) }
        let type: DataType
        let target: Target
        let logical = element.logical
        switch (physical, logical) {
        case (_, .nested(let kind)?):
            return .failure(.init("is a \(kind)"))
        case (.boolean, _):
            (type, target) = (.bool, .bool)
        case (.int32, .date?):
            (type, target) = (.date, .int(.plain))
        case (.int32, .integer(_, false)?):
            (type, target) = (.int, .int(.unsigned32))
        case (.int64, .integer(64, false)?):
            (type, target) = (.int, .int(.unsigned64))
        case (.int32, .decimal(let scale, _)?), (.int64, .decimal(let scale, _)?),
             (.byteArray, .decimal(let scale, _)?), (.fixedLenByteArray, .decimal(let scale, _)?):
            guard scale >= 0, scale <= 38 else { return .failure(.init("has a decimal scale of \(scale)")) }
            (type, target) = (.decimal, .double(.decimal(scale: scale)))
        case (.int32, .time(let unit)?), (.int64, .time(let unit)?):
            (type, target) = (.text, .text(.time(unit)))
        case (.int64, .timestamp(let unit, _)?):
            switch unit {
            case .millis: (type, target) = (.timestamp, .int(.multiply(1000)))
            case .micros: (type, target) = (.timestamp, .int(.plain))
            case .nanos: (type, target) = (.timestamp, .int(.divideFloor(1000)))
            }
        case (.int32, _), (.int64, _):
            (type, target) = (.int, .int(.plain))
        case (.int96, _):
            (type, target) = (.timestamp, .int(.int96))
        case (.float, _):
            (type, target) = (.decimal, .double(.float32))
        case (.double, _):
            (type, target) = (.decimal, .double(.plain))
        case (.fixedLenByteArray, .float16?):
            guard element.typeLength == 2 else { return .failure(.init("is a float16 of \(element.typeLength) bytes")) }
            (type, target) = (.decimal, .double(.float16))
        case (.fixedLenByteArray, .uuid?):
            guard element.typeLength == 16 else { return .failure(.init("is a UUID of \(element.typeLength) bytes")) }
            (type, target) = (.text, .text(.uuid))
        case (.fixedLenByteArray, .string?):
            (type, target) = (.text, .text(.bytes))
        case (.fixedLenByteArray, _):
            (type, target) = (.text, .text(.hex))
        case (.byteArray, _):
            (type, target) = (.text, .text(.bytes))
        }
        if physical == .fixedLenByteArray, element.typeLength <= 0 || element.typeLength > 1 << 20 {
            return .failure(.init("is a fixed-length byte array of \(element.typeLength) bytes"))
        }
        if case .double(.decimal) = target, physical == .fixedLenByteArray || physical == .byteArray, element.typeLength > 32 {
            return .failure(.init("is a decimal of \(element.typeLength) bytes"))
        }
        return .success(ParquetColumnMapping(
            name: element.name, physical: physical, typeLength: Int(element.typeLength),
            optional: element.repetition == .optional, type: type, target: target))
    }

    struct ParquetMapError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
