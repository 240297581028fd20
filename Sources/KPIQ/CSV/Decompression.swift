import CCompression

/// Compressed files (`.gz`, `.zst`), recognised by their magic bytes whatever their name,
/// decompressed chunk by chunk from the mapped file into one buffer the reader then parses
/// like any other (gzip and a single zstd frame cannot be split for parallel inflation
/// without an index; the parse that follows is parallel).
enum Decompression {
    enum Format: Sendable {
        case gzip, zstd

        var name: String { self == .gzip ? "gzip" : "zstd" }
    }

    static func detect(_ base: UnsafePointer<UInt8>, count: Int) -> Format? {
        if count >= 2, base[0] == 0x1F, base[1] == 0x8B { return .gzip }
        if count >= 4, base[0] == 0x28, base[1] == 0xB5, base[2] == 0x2F, base[3] == 0xFD { return .zstd }
        return nil
    }

    struct Failure: Error {
        /// Byte offset in the compressed file where decompression stopped.
        var offset: Int
        var message: String
    }

    /// The decompressed bytes in a buffer the caller owns. `budget`: what the output may take;
    /// a file that inflates past it (a corrupt size, a decompression bomb) stops with the
    /// budget's error before the allocation.
    static func decompress(_ format: Format, _ base: UnsafePointer<UInt8>, count: Int, cancel: CancellationToken?,
                           budget: MemoryBudget?) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        switch format {
        case .gzip: return try gunzip(base, count: count, cancel: cancel, budget: budget)
        case .zstd: return try unzstd(base, count: count, cancel: cancel, budget: budget)
        }
    }

    private static let chunk = 1 << 20

    /// The first reservation: the size the file declares, when it is one the compressed bytes
    /// could give (`ratio`: the format's largest expansion) and the budget allows; the buffer
    /// grows past it as the data says.
    private static func firstReservation(declared: Int?, count: Int, ratio: Int, budget: MemoryBudget?) -> Int {
        let (plausible, overflow) = count.multipliedReportingOverflow(by: ratio)
        var size = max(count * 4, min(declared ?? 0, overflow ? Int.max : plausible))
        if let budget { size = min(size, budget.available) }
        return max(size, chunk)
    }

    /// Room for one more chunk of output, within the budget.
    private static func reserveChunk(_ output: inout GrowableBuffer<UInt8>, _ format: Format, budget: MemoryBudget?) throws {
        let needed = output.count + chunk
        if needed > output.capacity, let budget {
            do {
                try budget.check(needed, for: "decompressing the \(format.name) file", detail: "\(ByteSize.text(output.count)) so far",
                                 remedy: "decompress a part of the file")
            } catch {
                output.release()
                throw error
            }
        }
        output.reserve(needed)
    }

    private static func gunzip(_ base: UnsafePointer<UInt8>, count: Int, cancel: CancellationToken?, budget: MemoryBudget?) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        // A gzip member ends with its size modulo 2^32, a good first reservation when
        // deflate could give it (1032 bytes out per byte in at most).
        var declared: Int?
        if count >= 18 {
            let tail = base + count - 4
            declared = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        }
        var output = GrowableBuffer<UInt8>(capacity: firstReservation(declared: declared, count: count, ratio: 1032, budget: budget))
        var stream = z_stream()
        guard kpiq_inflate_init(&stream) == Z_OK else {
            output.release()
            throw Failure(offset: 0, message: "cannot start gzip decompression")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = 0
        var consumed = 0
        while true {
            if cancel?.isCancelled == true { output.release(); throw Cancelled() }
            if stream.avail_in == 0 {
                let take = min(count - consumed, Int(UInt32.max / 2))
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = UInt32(take)
                consumed += take
            }
            try reserveChunk(&output, .gzip, budget: budget)
            stream.next_out = output.base + output.count
            stream.avail_out = UInt32(chunk)
            let status = inflate(&stream, Z_NO_FLUSH)
            output.setCount(output.count + chunk - Int(stream.avail_out))
            let position = consumed - Int(stream.avail_in)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // Concatenated members (`cat a.gz b.gz`) are one stream to `gunzip`: read on.
                if position >= count { return (output.base, output.count) }
                if base[position] == 0 {
                    // Zero padding after the last member (tape-style writers) ends the data.
                    if (position..<count).allSatisfy({ base[$0] == 0 }) { return (output.base, output.count) }
                }
                inflateReset(&stream)
            case Z_BUF_ERROR where stream.avail_in == 0 && consumed < count:
                continue
            case Z_BUF_ERROR:
                output.release()
                throw Failure(offset: position, message: "the gzip data ends early (the file is truncated)")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "corrupt data"
                output.release()
                throw Failure(offset: position, message: "corrupt gzip data: \(reason)")
            }
        }
    }

    private static func unzstd(_ base: UnsafePointer<UInt8>, count: Int, cancel: CancellationToken?, budget: MemoryBudget?) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        let content = ZSTD_getFrameContentSize(base, count)
        var declared: Int?
        if content != ZSTD_CONTENTSIZE_UNKNOWN, content != ZSTD_CONTENTSIZE_ERROR, content < UInt64(Int.max / 2) {
            declared = Int(content)
        }
        // A zstd block of one repeated byte gives 128 KB from 4 bytes: 32768 out per byte in.
        var output = GrowableBuffer<UInt8>(capacity: firstReservation(declared: declared, count: count, ratio: 32768, budget: budget))
        guard let stream = ZSTD_createDStream() else {
            output.release()
            throw Failure(offset: 0, message: "cannot start zstd decompression")
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var input = ZSTD_inBuffer(src: base, size: count, pos: 0)
        var lastResult = 0
        while input.pos < input.size || lastResult != 0 {
            if cancel?.isCancelled == true { output.release(); throw Cancelled() }
            try reserveChunk(&output, .zstd, budget: budget)
            var out = ZSTD_outBuffer(dst: output.base + output.count, size: chunk, pos: 0)
            let before = input.pos
            let result = ZSTD_decompressStream(stream, &out, &input)
            output.setCount(output.count + out.pos)
            if ZSTD_isError(result) != 0 {
                let reason = String(cString: ZSTD_getErrorName(result))
                output.release()
                throw Failure(offset: before, message: "corrupt zstd data: \(reason.lowercased())")
            }
            lastResult = result
            if input.pos == input.size, out.pos < chunk, result != 0 {
                output.release()
                throw Failure(offset: count, message: "the zstd data ends early (the file is truncated)")
            }
        }
        return (output.base, output.count)
    }
}
