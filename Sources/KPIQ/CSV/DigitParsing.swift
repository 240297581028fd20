/// Parses up to eight ASCII digits at once (SWAR): the digits are checked and combined with a
/// few multiplications on one 64-bit word, with no loop and no branch on the digit count.
///
/// The caller guarantees that eight bytes can be read at `p` (bytes past the field are
/// ignored). Anything but plain digits (a sign, spaces, more than eight digits) returns nil,
/// for `FieldParsing.parseInt`, which gives the same value for plain digits.
enum DigitParsing {
    @inline(__always)
    static func parseUpToEightDigits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 1, n <= 8 else { return nil }
        let shift = UInt64(64 - 8 * n)
        // The field's bytes at the top of the word, zero bytes (leading zero digits) below.
        let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) << shift
        // A byte is a digit when neither `b - '0'` nor `b + 0x46` sets its high bit. Valid
        // bytes neither borrow nor carry, so the lowest invalid byte is always seen.
        let checked: UInt64 = 0x8080_8080_8080_8080 << shift
        if ((word &- (0x3030_3030_3030_3030 << shift)) | (word &+ 0x4646_4646_4646_4646)) & checked != 0 { return nil }
        var v = word & 0x0F0F_0F0F_0F0F_0F0F
        v = (v &* (10 << 8 + 1)) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* (100 << 16 + 1)) >> 16
        v = ((v & 0x0000_FFFF_0000_FFFF) &* (10_000 << 32 + 1)) >> 32
        return Int64(v)
    }
}
