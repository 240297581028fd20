#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsers for one field's bytes. Each returns false when the bytes are not of its type,
/// and never allocates on the success path.
enum FieldParsing {
    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

    /// Strips ASCII spaces and tabs on both sides.
    @inline(__always)
    static func trim(_ p: inout UnsafePointer<UInt8>, _ n: inout Int) {
        while n > 0, p[0] == 32 || p[0] == 9 { p += 1; n -= 1 }
        while n > 0, p[n - 1] == 32 || p[n - 1] == 9 { n -= 1 }
    }

    /// `[+-]digits`, no overflow.
    @inline(__always)
    static func parseInt(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Int64) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        if n == 0 { return false }
        var i = 0
        var negative = false
        if p[0] == 45 || p[0] == 43 {  // - +
            negative = p[0] == 45
            i = 1
            if n == 1 { return false }
        }
        if n - i <= 18 {
            var v: Int64 = 0
            while i < n {
                let d = p[i] &- 48
                if d >= 10 { return false }
                v = v &* 10 &+ Int64(d)  // at most 18 digits: cannot overflow
                i += 1
            }
            out = negative ? -v : v
            return true
        }
        var v: Int64 = 0
        while i < n {
            let d = p[i] &- 48
            if d >= 10 { return false }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return false }
            v = s
            i += 1
        }
        out = v
        return true
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// `[+-]digits[.digits][(e|E)[+-]digits]` or `[+-].digits...`.
    /// Exact fast path when the digits fit in 2^53 and the power of ten is exact (Clinger);
    /// otherwise `strtod`, which rounds correctly.
    static func parseDouble(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Double) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        if n == 0 { return false }
        var i = 0
        var negative = false
        if p[0] == 45 || p[0] == 43 { negative = p[0] == 45; i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var scale = 0
        var exact = true
        while i < n, isDigit(p[i]) {
            if significant < 19 {
                mantissa = mantissa * 10 + UInt64(p[i] - 48)
                if mantissa != 0 { significant += 1 }
            } else {
                scale += 1
                exact = false
            }
            digits += 1
            i += 1
        }
        if i < n, p[i] == 46 {  // .
            i += 1
            while i < n, isDigit(p[i]) {
                if significant < 19 {
                    mantissa = mantissa * 10 + UInt64(p[i] - 48)
                    if mantissa != 0 { significant += 1 }
                    scale -= 1
                } else {
                    exact = false
                }
                digits += 1
                i += 1
            }
        }
        if digits == 0 { return false }
        if i < n, p[i] == 101 || p[i] == 69 {  // e E
            i += 1
            var expNegative = false
            if i < n, p[i] == 45 || p[i] == 43 { expNegative = p[i] == 45; i += 1 }
            var exponent = 0
            var expDigits = 0
            while i < n, isDigit(p[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] - 48) }
                expDigits += 1
                i += 1
            }
            if expDigits == 0 { return false }
            scale += expNegative ? -exponent : exponent
        }
        if i != n { return false }
        if exact, mantissa < (1 << 53), scale >= -22, scale <= 22 {
            var v = Double(mantissa)
            if scale < 0 { v /= exactPowersOfTen[-scale] } else if scale > 0 { v *= exactPowersOfTen[scale] }
            out = negative ? -v : v
            return true
        }
        // Slow path: strtod on a NUL-terminated copy.
        var buffer = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { buffer[k] = CChar(bitPattern: p[k]) }
        out = buffer.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
        return out.isFinite
    }

    /// `true` / `false` in any letter case.
    @inline(__always)
    static func parseBool(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Bool) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        if n == 4, p[0] | 0x20 == 116, p[1] | 0x20 == 114, p[2] | 0x20 == 117, p[3] | 0x20 == 101 {
            out = true
            return true
        }
        if n == 5, p[0] | 0x20 == 102, p[1] | 0x20 == 97, p[2] | 0x20 == 108, p[3] | 0x20 == 115,
            p[4] | 0x20 == 101
        {
            out = false
            return true
        }
        return false
    }

    /// The wider vocabulary accepted when a column is forced to `bool`:
    /// true/false, yes/no, y/n, t/f, 1/0 (any letter case).
    static func parseLooseBool(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Bool) -> Bool {
        if parseBool(start, count, &out) { return true }
        var p = start, n = count
        trim(&p, &n)
        let word = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased()
        switch word {
        case "yes", "y", "t", "1": out = true
        case "no", "n", "f", "0": out = false
        default: return false
        }
        return true
    }

    @inline(__always)
    static func twoDigits(_ p: UnsafePointer<UInt8>) -> Int64? {
        let a = p[0] &- 48, b = p[1] &- 48
        if a >= 10 || b >= 10 { return nil }
        return Int64(a) * 10 + Int64(b)
    }

    @inline(__always)
    static func fourDigits(_ p: UnsafePointer<UInt8>) -> Int64? {
        guard let hi = twoDigits(p), let lo = twoDigits(p + 2) else { return nil }
        return hi * 100 + lo
    }

    /// ISO `YYYY-MM-DD` into a day number.
    @inline(__always)
    static func parseISODate(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Int64) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        guard n == 10, p[4] == 45, p[7] == 45, let y = fourDigits(p), let m = twoDigits(p + 5),
            let d = twoDigits(p + 8), CivilCalendar.isValid(year: y, month: m, day: d)
        else { return false }
        out = CivilCalendar.days(year: y, month: m, day: d)
        return true
    }

    /// `YYYYMMDD` (eight digits) into a day number, for years 1900...2100 only.
    @inline(__always)
    static func parseCompactDate(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Int64) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        guard n == 8, let y = fourDigits(p), let m = twoDigits(p + 4), let d = twoDigits(p + 6),
            y >= 1900, y <= 2100, CivilCalendar.isValid(year: y, month: m, day: d)
        else { return false }
        out = CivilCalendar.days(year: y, month: m, day: d)
        return true
    }

    /// `[+-]digits` (as `parseInt` reads, without its range): with `parseInt` false, an
    /// integer beyond 64 bits.
    static func isIntegerSyntax(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        if n == 0 { return false }
        var i = p[0] == 45 || p[0] == 43 ? 1 : 0
        if i == n { return false }
        while i < n {
            if !isDigit(p[i]) { return false }
            i += 1
        }
        return true
    }

    /// ISO 8601 date and time: `YYYY-MM-DD(T| )HH:MM[:SS[.fraction]][Z|(+|-)HH[:MM]|(+|-)HHMM]`,
    /// into microseconds since the epoch; a zone offset converts the value to UTC. False too
    /// when the offset moves the value out of 0001-01-01 to 9999-12-31 (see
    /// `isOutOfRangeISOTimestamp`): kpiq holds no instant outside its calendar.
    static func parseISOTimestamp(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Int64) -> Bool {
        var micros: Int64 = 0
        guard parseISOTimestampFields(start, count, &micros), CivilCalendar.contains(micros: micros) else { return false }
        out = micros
        return true
    }

    /// True when the text is an ISO timestamp whose zone offset puts it before 0001-01-01 or
    /// after 9999-12-31 in UTC: well formed, but out of range (an error, not text, to the loader).
    static func isOutOfRangeISOTimestamp(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var micros: Int64 = 0
        return parseISOTimestampFields(start, count, &micros) && !CivilCalendar.contains(micros: micros)
    }

    /// `parseISOTimestamp` without the range check.
    private static func parseISOTimestampFields(_ start: UnsafePointer<UInt8>, _ count: Int, _ out: inout Int64) -> Bool {
        var p = start, n = count
        trim(&p, &n)
        guard n >= 16, p[4] == 45, p[7] == 45, p[10] == 84 || p[10] == 32 || p[10] == 116,
            let y = fourDigits(p), let mo = twoDigits(p + 5), let d = twoDigits(p + 8),
            CivilCalendar.isValid(year: y, month: mo, day: d),
            let hh = twoDigits(p + 11), p[13] == 58, let mi = twoDigits(p + 14), hh < 24, mi < 60
        else { return false }
        var i = 16
        var ss: Int64 = 0
        var micros: Int64 = 0
        if i < n, p[i] == 58 {
            guard i + 3 <= n, let s = twoDigits(p + i + 1), s < 60 else { return false }
            ss = s
            i += 3
            if i < n, p[i] == 46 || p[i] == 44 {
                i += 1
                var digits = 0
                while i < n, isDigit(p[i]) {
                    if digits < 6 { micros = micros * 10 + Int64(p[i] - 48) }
                    digits += 1
                    i += 1
                }
                if digits == 0 { return false }
                var d = digits
                while d < 6 { micros *= 10; d += 1 }
            }
        }
        var offsetMinutes: Int64 = 0
        if i < n {
            if p[i] == 90 || p[i] == 122 {  // Z z
                i += 1
            } else if p[i] == 43 || p[i] == 45 {
                let sign: Int64 = p[i] == 45 ? -1 : 1
                i += 1
                guard i + 2 <= n, let oh = twoDigits(p + i) else { return false }
                i += 2
                var om: Int64 = 0
                if i < n, p[i] == 58 { i += 1 }
                if i + 2 <= n, let m = twoDigits(p + i) { om = m; i += 2 }
                offsetMinutes = sign * (oh * 60 + om)
            }
            if i != n { return false }
        }
        let days = CivilCalendar.days(year: y, month: mo, day: d)
        let seconds = days * 86_400 + hh * 3600 + mi * 60 + ss - offsetMinutes * 60
        out = seconds * 1_000_000 + micros
        return true
    }
}
