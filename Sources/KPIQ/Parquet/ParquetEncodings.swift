/// A cursor over a page's bytes: every read is bounds-checked and a failure names the byte
/// offset in the file.
struct ParquetByteCursor: VariableLengthIntegerReading {
    let base: UnsafeRawPointer
    let end: Int
    let fileOffset: Int
    var position = 0

    struct Failure: Error {
        var offset: Int
        var reason: String
    }

    init(_ bytes: UnsafeRawBufferPointer, fileOffset: Int) {
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        end = bytes.count
        self.fileOffset = fileOffset
    }

    var remaining: Int { end - position }

    func failure(_ reason: String) -> Failure { Failure(offset: fileOffset + position, reason: reason) }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(Failure) {
        guard count >= 0, count <= end - position else { throw failure("\(what()) runs past the end of the page") }
    }

    mutating func byte() throws(Failure) -> UInt8 {
        try need(1, "a byte")
        defer { position += 1 }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    mutating func uint32() throws(Failure) -> UInt32 {
        try need(4, "a length")
        defer { position += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    /// The next `count` bytes, in place.
    mutating func bytes(_ count: Int, _ what: @autoclosure () -> String) throws(Failure) -> UnsafeRawBufferPointer {
        try need(count, what())
        defer { position += count }
        return UnsafeRawBufferPointer(start: base + position, count: count)
    }
}

/// Parquet's integer encodings: the RLE/bit-packed hybrid (levels, dictionary indices,
/// booleans) and DELTA_BINARY_PACKED.
enum ParquetIntegerDecoding {
    /// Reads `count` values of `bitWidth` bits written by the RLE/bit-packed hybrid, calling
    /// `run(value, repeat)` for runs and `values` for bit-packed groups.
    static func hybrid(_ cursor: inout ParquetByteCursor, bitWidth: Int, count: Int, into out: UnsafeMutablePointer<UInt32>) throws(ParquetByteCursor.Failure) {
        guard bitWidth >= 0, bitWidth <= 32 else { throw cursor.failure("a bit width of \(bitWidth)") }
        var filled = 0
        let byteWidth = (bitWidth + 7) / 8
        while filled < count {
            let header = try cursor.varint()
            if header & 1 == 0 {
                let runLength = header >> 1
                var value: UInt32 = 0
                for k in 0..<byteWidth { value |= UInt32(try cursor.byte()) << UInt32(8 * k) }
                if bitWidth < 32, value >> UInt32(bitWidth) != 0 { throw cursor.failure("a run value is wider than \(bitWidth) bits") }
                let n = Int(min(UInt64(count - filled), runLength))
                if runLength == 0 { throw cursor.failure("an empty run") }
                (out + filled).initialize(repeating: value, count: n)
                filled += n
            } else {
                let groups = header >> 1
                guard groups > 0, groups <= UInt64(cursor.remaining + 1) else { throw cursor.failure("a bit-packed run runs past the end of the page") }
                let values = Int(groups) * 8
                let byteCount = Int(groups) * bitWidth
                // The last group may be cut short by the page's end when the writer padded it.
                let available = min(byteCount, cursor.remaining)
                let packed = try cursor.bytes(available, "a bit-packed run")
                let n = min(values, count - filled)
                unpack(packed, bitWidth: bitWidth, count: n, into: out + filled)
                filled += n
            }
        }
    }

    /// Unpacks `count` values of `bitWidth` bits, least significant bit first; bits past the
    /// end of `packed` read as 0.
    static func unpack(_ packed: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: UnsafeMutablePointer<UInt32>) {
        if bitWidth == 0 {
            out.initialize(repeating: 0, count: count)
            return
        }
        let bytes = packed.bindMemory(to: UInt8.self)
        let mask: UInt64 = (1 << UInt64(bitWidth)) - 1
        var bit = 0
        var i = 0
        // While eight bytes remain, one unaligned load holds the value (at most 32 bits at a
        // bit offset below 8); the tail is read byte by byte.
        if let base = packed.baseAddress {
            while i < count, (bit >> 3) + 8 <= bytes.count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                out[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
                bit += bitWidth
                i += 1
            }
        }
        while i < count {
            var word: UInt64 = 0
            let first = bit >> 3
            for k in 0..<5 where first + k < bytes.count { word |= UInt64(bytes[first + k]) << UInt64(8 * k) }
            out[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit += bitWidth
            i += 1
        }
    }

    /// Unpacks `count` values of up to 64 bits (DELTA_BINARY_PACKED miniblocks).
    static func unpack64(_ packed: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: UnsafeMutablePointer<UInt64>) {
        let bytes = packed.bindMemory(to: UInt8.self)
        let mask: UInt64 = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
        var bit = 0
        for i in 0..<count {
            if bitWidth == 0 { out[i] = 0; continue }
            var value: UInt64 = 0
            var got = 0
            var at = bit
            while got < bitWidth {
                let index = at >> 3
                let byte = index < bytes.count ? UInt64(bytes[index]) : 0
                let shift = at & 7
                let take = min(8 - shift, bitWidth - got)
                value |= ((byte >> UInt64(shift)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
                got += take
                at += take
            }
            out[i] = value & mask
            bit += bitWidth
        }
    }

    /// Decodes a DELTA_BINARY_PACKED run of integers (64-bit arithmetic, wrapping as the
    /// format specifies), appending them to `out`; returns how many it held.
    @discardableResult
    static func delta(_ cursor: inout ParquetByteCursor, into out: inout [Int64], limit: Int) throws(ParquetByteCursor.Failure) -> Int {
        let blockSize = try cursor.varint()
        let miniblocks = try cursor.varint()
        let total = try cursor.varint()
        var last = try cursor.zigzag()
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 16, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0
        else { throw cursor.failure("a delta header with block size \(blockSize) and \(miniblocks) miniblocks") }
        guard total <= UInt64(limit) else { throw cursor.failure("a delta run of \(total) values where at most \(limit) remain") }
        let count = Int(total)
        if count == 0 { return 0 }
        out.reserveCapacity(out.count + count)
        out.append(last)
        let perMiniblock = Int(blockSize / miniblocks)
        var scratch = [UInt64](repeating: 0, count: perMiniblock)
        var produced = 1
        while produced < count {
            let minDelta = try cursor.zigzag()
            let widths = try cursor.bytes(Int(miniblocks), "the miniblock widths")
            for m in 0..<Int(miniblocks) where produced < count {
                let width = Int(widths[m])
                guard width <= 64 else { throw cursor.failure("a miniblock width of \(width)") }
                let byteCount = perMiniblock * width / 8
                let packed = try cursor.bytes(min(byteCount, cursor.remaining), "a miniblock")
                scratch.withUnsafeMutableBufferPointer { unpack64(packed, bitWidth: width, count: perMiniblock, into: $0.baseAddress!) }
                let n = min(perMiniblock, count - produced)
                for k in 0..<n {
                    last = last &+ minDelta &+ Int64(bitPattern: scratch[k])
                    out.append(last)
                }
                produced += n
            }
        }
        return count
    }
}
