/// Turns a workbook's date serial number into the text a CSV export would hold
/// (`2024-01-31`, `2024-01-31 09:30:00`), which the CSV inference then reads as a date or
/// timestamp.
///
/// Two epochs exist. In the 1900 system (the default) serial 1 is 1900-01-01 (0 is Excel's
/// "1900-01-00", read as 1899-12-31) and serial 60 is 1900-02-29, a day that never was: Lotus
/// 1-2-3 took 1900 for a leap year and Excel kept it, so from serial 61 (1900-03-01) on,
/// serials count days from 1899-12-30. Negative serials (LibreOffice writes dates before 1900
/// that way) count from 1899-12-30 as well. In the 1904 system (`date1904`, old Mac
/// workbooks) serial 0 is 1904-01-01.
enum XLSXSerialDate {
    enum Problem: Error, Equatable {
        case leapDay1900
        case outOfRange
    }

    /// Days from 1970-01-01 of 1899-12-30 and of 1904-01-01.
    static let epoch1900 = CivilCalendar.days(year: 1899, month: 12, day: 30)
    static let epoch1904 = CivilCalendar.days(year: 1904, month: 1, day: 1)

    /// The text of `serial` shown as `format` (a date, a date and time, or a time).
    static func text(_ serial: Double, format: XLSXNumberFormat, date1904: Bool) throws -> String {
        guard serial.isFinite, abs(serial) < 3_000_000 else { throw Problem.outOfRange }
        // Milliseconds: the serial is a binary fraction of a day, so a time typed as 09:30
        // comes back a few nanoseconds off; no spreadsheet shows finer than milliseconds.
        let totalMillis = (serial * 86_400_000).rounded()
        var dayNumber = Int64((totalMillis / 86_400_000).rounded(.down))
        let millis = Int64(totalMillis) - dayNumber * 86_400_000
        if format == .time, dayNumber == 0 || serial < 1 {
            return clock(millis)
        }
        if format == .time {
            // A duration of a day or more (`[h]:mm`): hours past 24.
            let hours = dayNumber * 24 + millis / 3_600_000
            return "\(hours):" + clock(millis % 3_600_000).dropFirst(3)
        }
        let days: Int64
        if date1904 {
            days = epoch1904 + dayNumber
        } else {
            if dayNumber == 60 { throw Problem.leapDay1900 }
            if dayNumber < 60, dayNumber >= 0 { dayNumber += 1 }
            days = epoch1900 + dayNumber
        }
        let (year, month, day) = CivilCalendar.civil(days)
        guard year >= 1, year <= 9999 else { throw Problem.outOfRange }
        let date = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        // A date format on a serial with a time keeps the time: it is in the data.
        if format == .date, millis == 0 { return date }
        return date + " " + clock(millis)
    }

    /// `HH:MM:SS` (with `.fff` when there are milliseconds).
    private static func clock(_ millis: Int64) -> String {
        let seconds = millis / 1000
        var text = pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if millis % 1000 != 0 { text += "." + pad(millis % 1000, 3) }
        return text
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
