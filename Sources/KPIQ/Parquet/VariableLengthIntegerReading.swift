/// A byte reader that also reads ULEB128 variable-length integers and their zigzag form, as
/// Thrift's compact protocol (footers, page headers) and Parquet's pages (RLE run headers,
/// DELTA_BINARY_PACKED) both write them. Each reader keeps its own bounds check and message
/// for a byte past its end; the decoding is written once here.
protocol VariableLengthIntegerReading {
    associatedtype Failure: Error
    mutating func byte() throws(Failure) -> UInt8
    /// A failure at the current position.
    func failure(_ reason: String) -> Failure
}

extension VariableLengthIntegerReading {
    @inline(__always)
    mutating func varint() throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw failure("a variable-length integer is too long") }
        }
    }

    /// A signed integer stored as a varint with its sign in the lowest bit.
    @inline(__always)
    mutating func zigzag() throws(Failure) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}
