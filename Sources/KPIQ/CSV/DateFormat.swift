/// A strptime-like date or timestamp format such as `%d/%m/%Y` or `%m/%d/%Y %H:%M`.
///
/// Supported: `%Y` (4-digit year), `%y` (2-digit year: 69-99 -> 19xx, 00-68 -> 20xx),
/// `%m`, `%d`, `%e` (1 or 2 digits), `%H`, `%I` + `%p` (AM/PM), `%M`, `%S`, `%f` (fraction of
/// a second), `%b` / `%B` (month name or abbreviation, any case), `%z` (`Z`, `+HH:MM`,
/// `+HHMM`), `%%`. Other characters must match literally.
package struct DateFormat: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(UInt8)
        case year4, year2, month, day, hour24, hour12, minute, second, fraction, monthName, amPm, zone
    }

    package let pattern: String
    let pieces: [Piece]

    /// True when the format carries a time of day (so it parses timestamps).
    package var hasTime: Bool {
        pieces.contains { [.hour24, .hour12, .minute, .second].contains($0) }
    }

    package enum FormatError: Error, Equatable {
        case unknownDirective(String)
    }

    package init(_ pattern: String) throws {
        self.pattern = pattern
        var pieces: [Piece] = []
        var bytes = Array(pattern.utf8)[...]
        while let c = bytes.popFirst() {
            if c != 37 { pieces.append(.literal(c)); continue }  // %
            guard let d = bytes.popFirst() else { throw FormatError.unknownDirective("%") }
            switch d {
            case UInt8(ascii: "Y"): pieces.append(.year4)
            case UInt8(ascii: "y"): pieces.append(.year2)
            case UInt8(ascii: "m"): pieces.append(.month)
            case UInt8(ascii: "d"), UInt8(ascii: "e"): pieces.append(.day)
            case UInt8(ascii: "H"): pieces.append(.hour24)
            case UInt8(ascii: "I"): pieces.append(.hour12)
            case UInt8(ascii: "M"): pieces.append(.minute)
            case UInt8(ascii: "S"): pieces.append(.second)
            case UInt8(ascii: "f"): pieces.append(.fraction)
            case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"): pieces.append(.monthName)
            case UInt8(ascii: "p"): pieces.append(.amPm)
            case UInt8(ascii: "z"): pieces.append(.zone)
            case UInt8(ascii: "%"): pieces.append(.literal(37))
            default: throw FormatError.unknownDirective("%" + String(UnicodeScalar(d)))
            }
        }
        self.pieces = pieces
    }

    private static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december",
    ].map { Array($0.utf8) }

    /// Microseconds since the epoch of the text at `start`, or nil when it does not match or
    /// (a `%z` offset applied) falls outside 0001-01-01 to 9999-12-31.
    func parse(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        parseUnchecked(start, count).flatMap { CivilCalendar.contains(micros: $0) ? $0 : nil }
    }

    /// True when the text matches but its zone offset moves it out of the calendar.
    func isOutOfRange(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        parseUnchecked(start, count).map { !CivilCalendar.contains(micros: $0) } ?? false
    }

    /// `parse` without the range check.
    private func parseUnchecked(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var p = start, n = count
        FieldParsing.trim(&p, &n)
        var i = 0
        var year: Int64 = 1970, month: Int64 = 1, day: Int64 = 1
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, micros: Int64 = 0
        var pm: Bool?
        var offsetMinutes: Int64 = 0

        func number(maxDigits: Int, minDigits: Int = 1) -> Int64? {
            var v: Int64 = 0
            var k = 0
            while k < maxDigits, i < n, FieldParsing.isDigit(p[i]) {
                v = v * 10 + Int64(p[i] - 48)
                i += 1
                k += 1
            }
            return k >= minDigits ? v : nil
        }

        for piece in pieces {
            switch piece {
            case .literal(let c):
                guard i < n, p[i] == c else { return nil }
                i += 1
            case .year4:
                guard let v = number(maxDigits: 4, minDigits: 4) else { return nil }
                year = v
            case .year2:
                guard let v = number(maxDigits: 2, minDigits: 2) else { return nil }
                year = v < 69 ? 2000 + v : 1900 + v
            case .month:
                guard let v = number(maxDigits: 2) else { return nil }
                month = v
            case .day:
                guard let v = number(maxDigits: 2) else { return nil }
                day = v
            case .hour24, .hour12:
                guard let v = number(maxDigits: 2) else { return nil }
                hour = v
            case .minute:
                guard let v = number(maxDigits: 2) else { return nil }
                minute = v
            case .second:
                guard let v = number(maxDigits: 2) else { return nil }
                second = v
            case .fraction:
                var digits = 0
                micros = 0
                while i < n, FieldParsing.isDigit(p[i]) {
                    if digits < 6 { micros = micros * 10 + Int64(p[i] - 48) }
                    digits += 1
                    i += 1
                }
                if digits == 0 { return nil }
                while digits < 6 { micros *= 10; digits += 1 }
            case .monthName:
                var found = false
                for (index, name) in Self.monthNames.enumerated() {
                    // Full name first, then the three-letter abbreviation.
                    for length in [name.count, 3] where i + length <= n {
                        var same = true
                        for k in 0..<length where p[i + k] | 0x20 != name[k] { same = false; break }
                        if same {
                            month = Int64(index + 1)
                            i += length
                            found = true
                            break
                        }
                    }
                    if found { break }
                }
                if !found { return nil }
            case .amPm:
                guard i + 2 <= n, p[i + 1] | 0x20 == 109 else { return nil }
                switch p[i] | 0x20 {
                case 97: pm = false
                case 112: pm = true
                default: return nil
                }
                i += 2
            case .zone:
                if i < n, p[i] == 90 || p[i] == 122 {
                    i += 1
                } else {
                    guard i < n, p[i] == 43 || p[i] == 45 else { return nil }
                    let sign: Int64 = p[i] == 45 ? -1 : 1
                    i += 1
                    guard let hh = number(maxDigits: 2, minDigits: 2) else { return nil }
                    if i < n, p[i] == 58 { i += 1 }
                    let mm = number(maxDigits: 2, minDigits: 2) ?? 0
                    offsetMinutes = sign * (hh * 60 + mm)
                }
            }
        }
        if i != n { return nil }
        if let pm {
            guard hour >= 1, hour <= 12 else { return nil }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard CivilCalendar.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60) * 1_000_000 + micros
    }
}
