/// What a cell's number format says its number is. A workbook stores dates and times as
/// numbers (days since an epoch); only the format applied to the cell tells them apart from
/// plain numbers, so each cell style's format is classified once.
enum XLSXNumberFormat: Equatable {
    case number
    /// Days: shown as a calendar date.
    case date
    /// Days and a time of day.
    case dateTime
    /// A time of day or a duration (`h:mm`, `[h]:mm:ss`), with no date.
    case time

    /// The built-in formats (ECMA-376 part 1, 18.8.30), which styles name by id alone.
    /// 27-36 and 50-58 are the East Asian built-in date formats.
    init(builtinID id: Int) {
        switch id {
        case 14...17, 27...31, 34...36, 50...58: self = .date
        case 22: self = .dateTime
        case 18...21, 32, 33, 45...47: self = .time
        default: self = .number
        }
    }

    /// Classifies a custom format code (`yyyy-mm-dd`, `dd/mm/yyyy hh:mm`, `0.00%`).
    /// Only the first section (before `;`) counts; literal text in quotes, escaped
    /// characters (`\-`), fill and padding (`*x`, `_x`) and bracketed parts (colors,
    /// conditions, locales) are not date parts, except elapsed-time brackets (`[h]`).
    init(code: String) {
        var hasDate = false
        var hasTime = false
        var bytes = Array(code.utf8)[...]
        while let c = bytes.popFirst() {
            switch c {
            case UInt8(ascii: ";"):
                bytes = []
            case UInt8(ascii: "\""):
                while let d = bytes.popFirst(), d != UInt8(ascii: "\"") {}
            case UInt8(ascii: "\\"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                _ = bytes.popFirst()
            case UInt8(ascii: "["):
                var inside: [UInt8] = []
                while let d = bytes.popFirst(), d != UInt8(ascii: "]") { inside.append(d | 0x20) }
                // [h], [hh], [m], [mm], [s], [ss]: elapsed time.
                if let first = inside.first, [UInt8(ascii: "h"), UInt8(ascii: "m"), UInt8(ascii: "s")].contains(first),
                   inside.allSatisfy({ $0 == first }) {
                    hasTime = true
                }
            default:
                switch c | 0x20 {
                case UInt8(ascii: "y"), UInt8(ascii: "d"): hasDate = true
                case UInt8(ascii: "h"), UInt8(ascii: "s"): hasTime = true
                // `m` is a month or minutes: a date part unless next to hours or seconds,
                // which the other letters decide. `e` alone is the East Asian year.
                case UInt8(ascii: "m"): break
                default: break
                }
            }
        }
        if code.lowercased() == "general" || (!hasDate && !hasTime) {
            // A code of months alone (`mmm`, `mmmm`) is still a date.
            let letters = code.lowercased().filter { $0.isLetter }
            if !letters.isEmpty, letters.allSatisfy({ $0 == "m" }) {
                self = .date
                return
            }
            self = .number
        } else if hasDate {
            self = hasTime ? .dateTime : .date
        } else {
            self = .time
        }
    }
}
