#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The values of one column chunk, a slot per row in kpiq's representation (null rows hold 0),
/// with the chunk's own dictionary for text.
struct ParquetChunkValues {
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [UInt8] = []
    var codes: [UInt32] = []
    var dictionary: StringDictionary = .empty
    var validity: Validity?
    var count = 0
}

/// Why a chunk could not be read: the byte offset in the file of the page (or of the byte
/// inside an uncompressed page) where it went wrong.
struct ParquetChunkFailure: Error {
    var offset: Int
    var reason: String
}

/// Reads one column chunk's pages (dictionary, data v1 and v2) into `ParquetChunkValues`.
///
/// Values are decoded straight into the kpiq representation: a dictionary page is converted
/// once (text interned, integers scaled), and data pages that index it copy the converted
/// entries, so dictionary-encoded text never hashes a row. Pages with nulls are decoded dense
/// and spread to their rows afterwards, in place.
final class ParquetChunkDecoder {
    private let file: UnsafeRawBufferPointer
    /// Where the footer starts: no page may reach past it.
    private let pagesEnd: Int
    private let mapping: ParquetColumnMapping
    private let chunk: ParquetMetadata.ColumnChunk
    private let codec: ParquetCodec
    private let rowCount: Int

    static let maxPageValues = 1 << 24

    private var out = ParquetChunkValues()
    private var interner = StringInterner()
    /// The dictionary page in kpiq form (the array of the target's kind).
    private var dictionaryCount: Int?
    private var dictionaryInts: [Int64] = []
    private var dictionaryDoubles: [Double] = []
    private var dictionaryBools: [UInt8] = []
    private var dictionaryCodes: [UInt32] = []
    /// Reused between pages.
    private var levels: [UInt32] = []
    private var indices: [UInt32] = []
    private var scratchInts: [Int64] = []
    private var textScratch: [UInt8] = []

    init(file: UnsafeRawBufferPointer, pagesEnd: Int, mapping: ParquetColumnMapping, chunk: ParquetMetadata.ColumnChunk,
         codec: ParquetCodec, rowCount: Int) {
        self.file = file
        self.pagesEnd = pagesEnd
        self.mapping = mapping
        self.chunk = chunk
        self.codec = codec
        self.rowCount = rowCount
    }

    func decode() throws(ParquetChunkFailure) -> ParquetChunkValues {
        var start = Int(clamping: chunk.dataPageOffset)
        if let dictionary = chunk.dictionaryPageOffset, dictionary > 0, dictionary < chunk.dataPageOffset { start = Int(dictionary) }
        guard start >= 4, start < pagesEnd else {
            throw ParquetChunkFailure(offset: start, reason: "the column chunk starts at byte \(start), outside the file's pages")
        }
        reserve()
        var offset = start
        while out.count < rowCount {
            guard offset < pagesEnd else {
                throw ParquetChunkFailure(offset: offset, reason: "the column chunk ends after \(out.count) of its \(rowCount) values")
            }
            let header: ParquetPageHeader, headerLength: Int
            do {
                (header, headerLength) = try ParquetPageHeader.decode(UnsafeRawBufferPointer(rebasing: file[offset..<pagesEnd]), fileOffset: offset)
            } catch {
                throw ParquetChunkFailure(offset: error.offset, reason: "bad page header: \(error.reason)")
            }
            let pageStart = offset + headerLength
            let size = Int(header.compressedSize)
            guard size >= 0, size <= pagesEnd - pageStart else {
                throw ParquetChunkFailure(offset: offset, reason: "a page of \(size) bytes runs past the column data")
            }
            let body = UnsafeRawBufferPointer(rebasing: file[pageStart..<(pageStart + size)])
            do {
                switch header.kind {
                case .dictionary?: try readDictionaryPage(header, body, at: pageStart)
                case .data?: try readDataPageV1(header, body, at: pageStart)
                case .dataV2?: try readDataPageV2(header, body, at: pageStart)
                case .index?, nil: break
                }
            } catch let failure as ParquetByteCursor.Failure {
                throw ParquetChunkFailure(offset: failure.offset, reason: failure.reason)
            } catch let failure as ParquetChunkFailure {
                throw failure
            } catch {
                throw ParquetChunkFailure(offset: pageStart, reason: "\(error)")
            }
            offset = pageStart + size
        }
        if case .text = mapping.target { out.dictionary = interner.finish() }
        return out
    }

    /// Room for the row group's rows, up to a bound: a corrupt footer may claim any count.
    private func reserve() {
        let rows = min(rowCount, 1 << 22)
        switch mapping.target {
        case .int: out.ints.reserveCapacity(rows)
        case .double: out.doubles.reserveCapacity(rows)
        case .bool: out.bools.reserveCapacity(rows)
        case .text: out.codes.reserveCapacity(rows)
        }
    }

    private func decompress(_ body: UnsafeRawBufferPointer, size: Int, at offset: Int) throws -> [UInt8] {
        switch codec.decompress(body, size: size) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw ParquetChunkFailure(offset: offset, reason: "cannot decompress the page: \(failure.reason)")
        }
    }

    // MARK: Pages

    private func readDictionaryPage(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer, at offset: Int) throws {
        guard dictionaryCount == nil else { throw ParquetChunkFailure(offset: offset, reason: "a second dictionary page") }
        guard header.encoding == 0 || header.encoding == 2 else {
            throw ParquetChunkFailure(offset: offset, reason: "a dictionary page in encoding \(header.encoding) (only PLAIN is defined)")
        }
        let page = try decompress(body, size: Int(header.uncompressedSize), at: offset)
        let count = Int(header.valueCount)
        guard count >= 0 else { throw ParquetChunkFailure(offset: offset, reason: "a dictionary of \(count) values") }
        try page.withUnsafeBytes { bytes in
            var cursor = ParquetByteCursor(bytes, fileOffset: offset)
            // Decoded as if they were rows, then moved aside.
            try appendPlain(&cursor, count: count)
        }
        switch mapping.target {
        case .int: dictionaryInts = out.ints; out.ints.removeAll(keepingCapacity: true)
        case .double: dictionaryDoubles = out.doubles; out.doubles.removeAll(keepingCapacity: true)
        case .bool: dictionaryBools = out.bools; out.bools.removeAll(keepingCapacity: true)
        case .text: dictionaryCodes = out.codes; out.codes.removeAll(keepingCapacity: true)
        }
        dictionaryCount = count
    }

    private func readDataPageV1(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer, at offset: Int) throws {
        let page = try decompress(body, size: Int(header.uncompressedSize), at: offset)
        let count = try pageValueCount(header, at: offset)
        try page.withUnsafeBytes { bytes in
            var cursor = ParquetByteCursor(bytes, fileOffset: offset)
            var present = count
            if mapping.optional {
                guard header.definitionEncoding == 3 else {
                    throw cursor.failure("definition levels in encoding \(header.definitionEncoding) (kpiq reads RLE levels)")
                }
                let length = Int(try cursor.uint32())
                var levelCursor = ParquetByteCursor(try cursor.bytes(length, "the definition levels"), fileOffset: offset + 4)
                present = try readLevels(&levelCursor, count: count)
            }
            try appendValues(&cursor, encoding: header.encoding, count: present, at: offset)
            spread(count: count, present: present)
        }
    }

    private func readDataPageV2(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer, at offset: Int) throws {
        let count = try pageValueCount(header, at: offset)
        let repetition = Int(header.repetitionLevelsLength), definition = Int(header.definitionLevelsLength)
        guard repetition == 0 else { throw ParquetChunkFailure(offset: offset, reason: "repetition levels in a flat column") }
        guard definition >= 0, definition <= body.count else {
            throw ParquetChunkFailure(offset: offset, reason: "definition levels of \(definition) bytes in a page of \(body.count)")
        }
        var present = count
        if mapping.optional {
            var levelCursor = ParquetByteCursor(UnsafeRawBufferPointer(rebasing: body[0..<definition]), fileOffset: offset)
            present = try readLevels(&levelCursor, count: count)
        } else if definition > 0 {
            throw ParquetChunkFailure(offset: offset, reason: "definition levels in a required column")
        }
        let values = UnsafeRawBufferPointer(rebasing: body[definition...])
        let page: [UInt8]
        if header.isCompressed {
            page = try decompress(values, size: Int(header.uncompressedSize) - definition, at: offset + definition)
        } else {
            page = Array(values)
        }
        try page.withUnsafeBytes { bytes in
            var cursor = ParquetByteCursor(bytes, fileOffset: offset + definition)
            try appendValues(&cursor, encoding: header.encoding, count: present, at: offset)
            spread(count: count, present: present)
        }
    }

    private func pageValueCount(_ header: ParquetPageHeader, at offset: Int) throws -> Int {
        let count = Int(header.valueCount)
        guard count >= 0, count <= rowCount - out.count else {
            throw ParquetChunkFailure(offset: offset, reason: "a page of \(count) values where \(rowCount - out.count) remain in the row group")
        }
        // Its levels are decoded into memory first: a count no writer uses (they cut pages at
        // about 20,000 rows or 1 MB) is a corrupt header, not a reason to allocate gigabytes.
        guard count <= max(Self.maxPageValues, Int(header.uncompressedSize) * 8) else {
            throw ParquetChunkFailure(offset: offset, reason: "a page of \(count) values in \(header.uncompressedSize) bytes")
        }
        return count
    }

    /// Reads `count` definition levels (0 null, 1 present) and returns how many are present.
    private func readLevels(_ cursor: inout ParquetByteCursor, count: Int) throws -> Int {
        if levels.count < count { levels = [UInt32](repeating: 0, count: count) }
        var present = 0
        try levels.withUnsafeMutableBufferPointer { levels in
            try ParquetIntegerDecoding.hybrid(&cursor, bitWidth: 1, count: count, into: levels.baseAddress!)
            for k in 0..<count { present += Int(levels[k]) }
        }
        return present
    }

    /// Spreads the `present` values just appended over the page's `count` rows, by its levels.
    private func spread(count: Int, present: Int) {
        let first = out.count
        out.count += count
        guard present < count else { return }
        if out.validity == nil { out.validity = Validity(allValid: rowCount) }
        for k in 0..<count where levels[k] == 0 { out.validity!.setNull(first + k) }
        func expand<T>(_ array: inout [T], zero: T) {
            array.append(contentsOf: repeatElement(zero, count: count - present))
            var from = first + present - 1
            var to = first + count - 1
            while to >= first {
                if levels[to - first] != 0 {
                    array[to] = array[from]
                    from -= 1
                } else {
                    array[to] = zero
                }
                to -= 1
            }
        }
        switch mapping.target {
        case .int: expand(&out.ints, zero: 0)
        case .double: expand(&out.doubles, zero: 0)
        case .bool: expand(&out.bools, zero: 0)
        case .text: expand(&out.codes, zero: 0)
        }
    }

    // MARK: Values

    private func appendValues(_ cursor: inout ParquetByteCursor, encoding: Int32, count: Int, at offset: Int) throws {
        switch encoding {
        case 0: try appendPlain(&cursor, count: count)
        case 2, 8: try appendDictionaryIndices(&cursor, count: count, at: offset)
        case 3:
            guard mapping.physical == .boolean else { throw cursor.failure("RLE values in a \(mapping.physical) column") }
            let length = Int(try cursor.uint32())
            var inner = ParquetByteCursor(try cursor.bytes(length, "the RLE booleans"), fileOffset: cursor.fileOffset + cursor.position - length)
            try withScratchIndices(count) { buffer in
                try ParquetIntegerDecoding.hybrid(&inner, bitWidth: 1, count: count, into: buffer.baseAddress!)
                for k in 0..<count { out.bools.append(UInt8(truncatingIfNeeded: buffer[k])) }
            }
        case 5:
            guard mapping.physical == .int32 || mapping.physical == .int64 else {
                throw cursor.failure("DELTA_BINARY_PACKED values in a \(mapping.physical) column")
            }
            scratchInts.removeAll(keepingCapacity: true)
            let got = try ParquetIntegerDecoding.delta(&cursor, into: &scratchInts, limit: count)
            guard got == count else { throw cursor.failure("\(got) delta values where the page has \(count)") }
            if mapping.physical == .int32 { for k in 0..<count { scratchInts[k] = Int64(Int32(truncatingIfNeeded: scratchInts[k])) } }
            try scratchInts.withUnsafeBufferPointer { try appendIntegers($0, cursor: cursor) }
        case 6:
            guard mapping.physical == .byteArray else { throw cursor.failure("DELTA_LENGTH_BYTE_ARRAY values in a \(mapping.physical) column") }
            scratchInts.removeAll(keepingCapacity: true)
            let got = try ParquetIntegerDecoding.delta(&cursor, into: &scratchInts, limit: count)
            guard got == count else { throw cursor.failure("\(got) lengths where the page has \(count) values") }
            for k in 0..<count {
                let length = scratchInts[k]
                guard length >= 0, length <= Int64(cursor.remaining) else { throw cursor.failure("a value of \(length) bytes runs past the page") }
                let bytes = try cursor.bytes(Int(length), "a value")
                try appendBytes(bytes, cursor: cursor)
            }
        case 7:
            guard mapping.physical == .byteArray || mapping.physical == .fixedLenByteArray else {
                throw cursor.failure("DELTA_BYTE_ARRAY values in a \(mapping.physical) column")
            }
            scratchInts.removeAll(keepingCapacity: true)
            guard try ParquetIntegerDecoding.delta(&cursor, into: &scratchInts, limit: count) == count else {
                throw cursor.failure("prefix lengths that do not match the page's \(count) values")
            }
            let prefixes = scratchInts
            scratchInts.removeAll(keepingCapacity: true)
            guard try ParquetIntegerDecoding.delta(&cursor, into: &scratchInts, limit: count) == count else {
                throw cursor.failure("suffix lengths that do not match the page's \(count) values")
            }
            textScratch.removeAll(keepingCapacity: true)
            for k in 0..<count {
                let prefix = prefixes[k], suffixLength = scratchInts[k]
                guard prefix >= 0, prefix <= Int64(textScratch.count) else { throw cursor.failure("a prefix of \(prefix) bytes of a value of \(textScratch.count)") }
                guard suffixLength >= 0, suffixLength <= Int64(cursor.remaining) else { throw cursor.failure("a value of \(suffixLength) bytes runs past the page") }
                let suffix = try cursor.bytes(Int(suffixLength), "a value")
                textScratch.removeSubrange(Int(prefix)...)
                textScratch.append(contentsOf: suffix)
                let current = textScratch
                try current.withUnsafeBytes { try appendBytes($0, cursor: cursor) }
            }
        case 9: try appendByteStreamSplit(&cursor, count: count)
        default:
            throw cursor.failure("values in encoding \(encoding), which kpiq does not read")
        }
    }

    private func withScratchIndices(_ count: Int, _ body: (UnsafeMutableBufferPointer<UInt32>) throws -> Void) throws {
        if indices.count < count { indices = [UInt32](repeating: 0, count: count) }
        try indices.withUnsafeMutableBufferPointer { try body($0) }
    }

    private func appendDictionaryIndices(_ cursor: inout ParquetByteCursor, count: Int, at offset: Int) throws {
        guard let dictionarySize = dictionaryCount else {
            throw ParquetChunkFailure(offset: offset, reason: "a dictionary-encoded page without a dictionary page")
        }
        if count == 0 { return }
        let width = Int(try cursor.byte())
        try withScratchIndices(count) { buffer in
            try ParquetIntegerDecoding.hybrid(&cursor, bitWidth: width, count: count, into: buffer.baseAddress!)
            for k in 0..<count where Int(buffer[k]) >= dictionarySize {
                throw cursor.failure("dictionary index \(buffer[k]) in a dictionary of \(dictionarySize)")
            }
            let used = UnsafeBufferPointer(rebasing: buffer[0..<count])
            switch mapping.target {
            case .int: dictionaryInts.withUnsafeBufferPointer { d in out.ints.append(contentsOf: used.lazy.map { d[Int($0)] }) }
            case .double: dictionaryDoubles.withUnsafeBufferPointer { d in out.doubles.append(contentsOf: used.lazy.map { d[Int($0)] }) }
            case .bool: dictionaryBools.withUnsafeBufferPointer { d in out.bools.append(contentsOf: used.lazy.map { d[Int($0)] }) }
            case .text: dictionaryCodes.withUnsafeBufferPointer { d in out.codes.append(contentsOf: used.lazy.map { d[Int($0)] }) }
            }
        }
    }

    private func appendPlain(_ cursor: inout ParquetByteCursor, count: Int) throws {
        switch mapping.physical {
        case .boolean:
            let bytes = try cursor.bytes((count + 7) / 8, "the booleans")
            for k in 0..<count { out.bools.append((bytes[k >> 3] >> UInt8(k & 7)) & 1) }
        case .int32:
            let bytes = try cursor.bytes(count * 4, "\(count) 32-bit values")
            scratchInts.removeAll(keepingCapacity: true)
            for k in 0..<count { scratchInts.append(Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self)))) }
            try scratchInts.withUnsafeBufferPointer { try appendIntegers($0, cursor: cursor) }
        case .int64:
            let bytes = try cursor.bytes(count * 8, "\(count) 64-bit values")
            if let base = bytes.baseAddress, Int(bitPattern: base) % 8 == 0 {
                try appendIntegers(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int64.self), count: count), cursor: cursor)
            } else {
                scratchInts.removeAll(keepingCapacity: true)
                for k in 0..<count { scratchInts.append(bytes.loadUnaligned(fromByteOffset: 8 * k, as: Int64.self)) }
                try scratchInts.withUnsafeBufferPointer { try appendIntegers($0, cursor: cursor) }
            }
        case .float:
            let bytes = try cursor.bytes(count * 4, "\(count) floats")
            for k in 0..<count {
                let value = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                out.doubles.append(Self.shortestDouble(value))
            }
        case .double:
            let bytes = try cursor.bytes(count * 8, "\(count) doubles")
            for k in 0..<count {
                out.doubles.append(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))))
            }
        case .int96:
            let bytes = try cursor.bytes(count * 12, "\(count) INT96 values")
            for k in 0..<count { try appendBytes(UnsafeRawBufferPointer(rebasing: bytes[(12 * k)..<(12 * k + 12)]), cursor: cursor) }
        case .byteArray:
            for _ in 0..<count {
                let length = Int(try cursor.uint32())
                try appendBytes(try cursor.bytes(length, "a value of \(length) bytes"), cursor: cursor)
            }
        case .fixedLenByteArray:
            let width = mapping.typeLength
            let bytes = try cursor.bytes(count * width, "\(count) values of \(width) bytes")
            for k in 0..<count { try appendBytes(UnsafeRawBufferPointer(rebasing: bytes[(width * k)..<(width * k + width)]), cursor: cursor) }
        }
    }

    /// BYTE_STREAM_SPLIT: byte `b` of value `k` is at `b * count + k`.
    private func appendByteStreamSplit(_ cursor: inout ParquetByteCursor, count: Int) throws {
        let width: Int
        switch mapping.physical {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray: width = mapping.typeLength
        default: throw cursor.failure("BYTE_STREAM_SPLIT values in a \(mapping.physical) column")
        }
        let bytes = try cursor.bytes(count * width, "\(count) split values")
        var joined = [UInt8](repeating: 0, count: count * width)
        for k in 0..<count { for b in 0..<width { joined[k * width + b] = bytes[b * count + k] } }
        try joined.withUnsafeBytes { joined in
            var inner = ParquetByteCursor(joined, fileOffset: cursor.fileOffset)
            try appendPlain(&inner, count: count)
        }
    }

    // MARK: Conversions

    /// Appends INT32/INT64 values (INT32 sign-extended), converted to the target.
    private func appendIntegers(_ values: UnsafeBufferPointer<Int64>, cursor: ParquetByteCursor) throws {
        switch mapping.target {
        case .int(.plain): out.ints.append(contentsOf: values)
        case .int(.unsigned32): out.ints.append(contentsOf: values.lazy.map { $0 & 0xFFFF_FFFF })
        case .int(.unsigned64):
            for v in values where v < 0 {
                throw cursor.failure("the unsigned value \(UInt64(bitPattern: v)) is past kpiq's largest integer")
            }
            out.ints.append(contentsOf: values)
        case .int(.multiply(let factor)):
            for v in values {
                let (product, overflow) = v.multipliedReportingOverflow(by: factor)
                if overflow { throw cursor.failure("the timestamp \(v) is out of range") }
                out.ints.append(product)
            }
        case .int(.divideFloor(let divisor)):
            out.ints.append(contentsOf: values.lazy.map { v in
                let q = v / divisor
                return (v % divisor < 0) ? q - 1 : q
            })
        case .double(.decimal(let scale)):
            for v in values { out.doubles.append(Self.decimalValue(UInt128(v.magnitude), negative: v < 0, scale: scale)) }
        case .text(.time(let unit)):
            for v in values { internString(Self.timeOfDay(v, unit)) }
        default:
            throw cursor.failure("integer values in a column read as \(mapping.type.name)")
        }
    }

    /// Appends one byte-array, fixed-length or INT96 value, converted to the target.
    private func appendBytes(_ bytes: UnsafeRawBufferPointer, cursor: ParquetByteCursor) throws {
        switch mapping.target {
        case .text(.bytes):
            var isNew = false
            let start = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            out.codes.append(UInt32(truncatingIfNeeded: interner.intern(start, bytes.count, isNew: &isNew)))
        case .text(.uuid):
            let hex = Self.hex(bytes)
            let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
            internString(parts.joined(separator: "-"))
        case .text(.hex):
            internString(Self.hex(bytes))
        case .double(.decimal(let scale)):
            guard bytes.count <= 16 else { throw cursor.failure("a decimal of \(bytes.count) bytes") }
            // Big-endian two's complement, up to 128 bits.
            var high: Int64 = bytes.isEmpty ? 0 : (bytes[0] & 0x80 != 0 ? -1 : 0)
            var low: UInt64 = UInt64(bitPattern: high)
            for b in bytes {
                high = (high << 8) | Int64(low >> 56)
                low = (low << 8) | UInt64(b)
            }
            let negative = high < 0
            if negative {  // the magnitude, so that small negatives convert exactly
                low = ~low &+ 1
                high = ~high &+ (low == 0 ? 1 : 0)
            }
            let magnitude = UInt128(UInt64(bitPattern: high)) << 64 | UInt128(low)
            out.doubles.append(Self.decimalValue(magnitude, negative: negative, scale: scale))
        case .double(.float16):
            guard bytes.count == 2 else { throw cursor.failure("a float16 of \(bytes.count) bytes") }
            let bits = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
            out.doubles.append(Self.shortestDouble(Float(floatFromHalf(bits))))
        case .int(.int96):
            let nanos = Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian)
            let julianDay = Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self)))
            let days = julianDay - 2_440_588  // the Julian day of 1970-01-01
            let (micros, overflow) = days.multipliedReportingOverflow(by: 86_400_000_000)
            guard !overflow else { throw cursor.failure("an INT96 timestamp out of range") }
            out.ints.append(micros &+ nanos / 1000)
        default:
            throw cursor.failure("byte values in a column read as \(mapping.type.name)")
        }
    }

    private func internString(_ string: String) {
        out.codes.append(UInt32(truncatingIfNeeded: interner.intern(string)))
    }

    /// The double nearest to magnitude / 10^scale. Below 2^53 both operands are exact and one
    /// division rounds once; larger values go through their decimal text, which `Double`
    /// parses correctly rounded (dividing a rounded value would round twice).
    static func decimalValue(_ magnitude: UInt128, negative: Bool, scale: Int32) -> Double {
        let value: Double
        if magnitude < 1 << 53, scale <= 22 {
            value = Double(UInt64(magnitude)) / powerOfTen(scale)
        } else {
            var digits = String(magnitude)
            let places = Int(scale)
            if places > 0 {
                if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
                digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
            }
            value = Double(digits) ?? .nan
        }
        return negative ? -value : value
    }

    static func powerOfTen(_ scale: Int32) -> Double {
        var result = 1.0
        for _ in 0..<max(0, Int(scale)) { result *= 10 }
        return result
    }

    /// A float's value as the double its shortest decimal text reads as (what the writer meant).
    static func shortestDouble(_ value: Float) -> Double {
        guard value.isFinite else { return Double(value) }
        return Double(value.description) ?? Double(value)
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for b in bytes {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func timeOfDay(_ value: Int64, _ unit: ParquetMetadata.TimeUnit) -> String {
        let perSecond: Int64 = unit == .millis ? 1000 : unit == .micros ? 1_000_000 : 1_000_000_000
        let seconds = value / perSecond, fraction = value % perSecond
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if fraction != 0 {
            let digits = unit == .millis ? 3 : unit == .micros ? 6 : 9
            let raw = String(abs(fraction))
            text += "." + String(repeating: "0", count: max(0, digits - raw.count)) + raw
        }
        return text
    }
}

/// Half-precision bits to a Float (Float16 is not available on every platform Swift runs on).
private func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = Float(bits & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * Float(sign: .plus, exponent: -24, significand: 1)
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}
