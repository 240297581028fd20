import CCompression

/// The compression of a column chunk's pages (`CompressionCodec`), and their decompression
/// through the system's Snappy, zlib and Zstandard libraries.
enum ParquetCodec: Int32 {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    var name: String {
        switch self {
        case .uncompressed: return "uncompressed"
        case .snappy: return "snappy"
        case .gzip: return "gzip"
        case .lzo: return "lzo"
        case .brotli: return "brotli"
        case .lz4, .lz4Raw: return "lz4"
        case .zstd: return "zstd"
        }
    }

    var isSupported: Bool { self == .uncompressed || self == .snappy || self == .gzip || self == .zstd }

    /// A page's size limit: a header claiming more is corrupt (writers cut pages at about 1 MB).
    static let maxPageBytes = 1 << 30

    /// Decompresses `input` into exactly `size` bytes; the reason on failure.
    func decompress(_ input: UnsafeRawBufferPointer, size: Int) -> Result<[UInt8], CodecFailure> {
        guard size >= 0, size <= Self.maxPageBytes else { return .failure(CodecFailure("a page of \(size) bytes")) }
        var failure: CodecFailure?
        let output = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, initialized in
            initialized = 0
            let out = buffer.baseAddress!
            let source = input.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            switch self {
            case .snappy:
                var length = 0
                guard snappy_uncompressed_length(source.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK, length == size else {
                    failure = CodecFailure("snappy data that does not hold \(size) bytes")
                    return
                }
                var written = size
                guard snappy_uncompress(source.assumingMemoryBound(to: CChar.self), input.count,
                                        UnsafeMutableRawPointer(out).assumingMemoryBound(to: CChar.self), &written) == SNAPPY_OK, written == size else {
                    failure = CodecFailure("corrupt snappy data")
                    return
                }
            case .gzip:
                var stream = z_stream()
                // 15 + 32: a gzip or zlib header, detected.
                guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                    failure = CodecFailure("zlib could not start")
                    return
                }
                defer { inflateEnd(&stream) }
                stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: UInt8.self))
                stream.avail_in = UInt32(input.count)
                stream.next_out = out
                stream.avail_out = UInt32(size)
                let status = inflate(&stream, Z_FINISH)
                guard status == Z_STREAM_END, Int(stream.total_out) == size else {
                    failure = CodecFailure(status == Z_BUF_ERROR ? "gzip data longer than the \(size) bytes the page header gives" : "corrupt gzip data")
                    return
                }
            case .zstd:
                let written = ZSTD_decompress(out, size, source, input.count)
                guard ZSTD_isError(written) == 0, written == size else {
                    failure = CodecFailure(ZSTD_isError(written) != 0 ? "corrupt zstd data (\(String(cString: ZSTD_getErrorName(written))))" : "zstd data that does not hold \(size) bytes")
                    return
                }
            case .uncompressed:
                guard input.count == size else {
                    failure = CodecFailure("an uncompressed page of \(input.count) bytes where its header gives \(size)")
                    return
                }
                if size > 0 { out.initialize(from: source.assumingMemoryBound(to: UInt8.self), count: size) }
            default:
                failure = CodecFailure("\(name) compression, which kpiq does not read")
                return
            }
            initialized = size
        }
        if let failure { return .failure(failure) }
        return .success(output)
    }

    struct CodecFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
