import CKPIQSupport

/// Parses up to eight ASCII digits at once (SWAR): the digits are checked and combined with a
/// few multiplications on one 64-bit word, with no loop and no branch on the digit count.
///
/// The caller guarantees that eight bytes can be read at `p` (bytes past the field are
/// ignored). Anything but plain digits (a sign, spaces, more than eight digits) returns nil,
/// for `FieldParsing.parseInt`, which gives the same value for plain digits. Defined in C
/// (`kpiq_parse_eight_digits`), where the loader's integer loop uses it too.
enum DigitParsing {
    @inline(__always)
    static func parseUpToEightDigits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        let value = kpiq_parse_eight_digits(p, n)
        return value >= 0 ? value : nil
    }
}
