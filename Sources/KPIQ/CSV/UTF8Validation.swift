/// Checks that bytes are well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
enum UTF8Validation {
    @inline(__always)
    static func isValid(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        // ASCII fast path, eight bytes at a time.
        while i + 8 <= n {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n {
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            if c & 0xE0 == 0xC0 { length = 2; minimum = 0x80; scalar = UInt32(c & 0x1F) }
            else if c & 0xF0 == 0xE0 { length = 3; minimum = 0x800; scalar = UInt32(c & 0x0F) }
            else if c & 0xF8 == 0xF0 { length = 4; minimum = 0x10000; scalar = UInt32(c & 0x07) }
            else { return false }
            if i + length > n { return false }
            for k in 1..<length {
                let cc = p[i + k]
                if cc & 0xC0 != 0x80 { return false }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF) { return false }
            i += length
        }
        return true
    }

    /// Offset of the first invalid byte, or nil when all are valid.
    static func firstInvalidOffset(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        var i = 0
        while i < n {
            var length = 1
            let c = p[i]
            if c >= 0x80 {
                if c & 0xE0 == 0xC0 { length = 2 } else if c & 0xF0 == 0xE0 { length = 3 } else if c & 0xF8 == 0xF0 { length = 4 } else { return i }
                if i + length > n || !isValid(p + i, length) { return i }
            }
            i += length
        }
        return nil
    }
}
