import KPIQ

/// How values read to a person: thousands separators, percentages, two decimals for money,
/// `n/a` for null. Machine formats do not use this (they print raw values).
package enum ValueFormatter {
    package static let nullText = "n/a"

    /// Decimal places that show a decimal column's values consistently: none when all are
    /// whole, two when any reaches 1, otherwise four significant digits of the smallest.
    package static func decimals(for values: [Double]) -> Int {
        let finite = values.filter { $0.isFinite }
        guard finite.contains(where: { $0 != $0.rounded() }) else { return 0 }
        let largest = finite.map { abs($0) }.max() ?? 0
        if largest >= 1 { return 2 }
        let smallest = finite.map { abs($0) }.filter { $0 > 0 }.min() ?? 1
        var decimals = 4
        var m = smallest
        while m < 0.001, decimals < 10 {
            m *= 10
            decimals += 1
        }
        return decimals
    }

    /// `decimals`: places for a plain decimal (from `decimals(for:)`) or a percentage (from
    /// `percentDecimals(for:)`); nil picks per value.
    package static func format(_ value: Scalar, type: DataType, format: ValueFormat?, decimals: Int?) -> String {
        if case .decimal(let v) = value, format == nil || format == .number, let decimals { return grouped(v, decimals: decimals) }
        if let decimals, let v = value.doubleValue, format == .percent || format == .percentPoints {
            let text = grouped(v * 100, decimals: decimals)
            return format == .percent ? text + "%" : (v > 0 ? "+" : "") + text + " pp"
        }
        return self.format(value, type: type, format: format)
    }

    /// Places that show a column of shares alike (1.60%, 3.50%, 0.80%, not 1.6%, 3.5%,
    /// 0.80%): as many as its smallest non-zero share needs (see `percent`).
    package static func percentDecimals(for values: [Double]) -> Int {
        values.filter { $0.isFinite && $0 != 0 }.map { percentPlaces($0) }.max() ?? 1
    }

    package static func format(_ value: Scalar, type: DataType, format: ValueFormat?) -> String {
        switch value {
        case .null: return nullText
        case .text(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .date(let d):
            switch format {
            case .week?: return periodLabel(d, .week)
            case .month?: return periodLabel(d, .month)
            case .quarter?: return periodLabel(d, .quarter)
            case .year?: return periodLabel(d, .year)
            default: return CivilCalendar.formatDate(d)
            }
        case .timestamp(let t): return CivilCalendar.formatTimestamp(t)
        case .int(let v):
            switch format {
            case .percent?: return percent(Double(v))
            case .percentPoints?: return points(Double(v))
            case .money?: return grouped(Double(v), decimals: 2)
            case .days?: return grouped(Double(v), decimals: 1)
            default: return grouped(v)
            }
        case .decimal(let v):
            switch format {
            case .percent?: return percent(v)
            case .percentPoints?: return points(v)
            case .money?: return grouped(v, decimals: 2)
            case .days?: return grouped(v, decimals: 1)
            case .count?: return grouped(v, decimals: 0)
            default: return number(v)
            }
        }
    }

    /// A period's start as the period: 2024-W05, 2024-03, 2024-Q1, 2024 (the engine's calendar).
    package static func periodLabel(_ day: Int64, _ grain: Grain) -> String { CivilCalendar.periodLabel(day, grain) }

    /// A difference of two ratios in percentage points: 0.0048 as "+0.48 pp".
    package static func points(_ v: Double) -> String {
        (v > 0 ? "+" : "") + percent(v).dropLast() + " pp"
    }

    /// 0.1234 as "12.3%"; small shares keep two significant digits (0.00018 as "0.018%").
    package static func percent(_ v: Double) -> String {
        grouped(v * 100, decimals: percentPlaces(v)) + "%"
    }

    /// Places for one share: one, or two significant digits below 1%.
    static func percentPlaces(_ v: Double) -> Int {
        let p = abs(v * 100)
        var decimals = 1
        if p > 0, p < 1 {
            var m = p
            decimals = 1
            while m < 10, decimals < 6 {
                m *= 10
                decimals += 1
            }
            decimals -= 1
            decimals = max(1, decimals)
        }
        return decimals
    }

    /// Whole numbers in a column named like an identifier or a year (`ad_id`, `year`) are shown
    /// without thousands separators: they are labels, not quantities.
    package static func isLabelColumn(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "id" || lower.hasSuffix("_id") || lower.hasSuffix("id") && lower.count <= 4
            || ["year", "yr", "code", "zip", "zipcode", "postcode"].contains(lower) || lower.hasSuffix("_year") || lower.hasSuffix("_code")
    }

    /// A decimal with as many digits as help: four significant below one, two above.
    package static func number(_ v: Double) -> String {
        if !v.isFinite { return nullText }
        if v == v.rounded(), abs(v) < 1e18 { return grouped(v, decimals: 0) }
        let magnitude = abs(v)
        if magnitude < 1 {
            // Four significant digits: 0.4373, 0.02029.
            var decimals = 4
            var m = magnitude
            while m < 0.1, m > 0, decimals < 12 {
                m *= 10
                decimals += 1
            }
            return trimmed(fixed(v, decimals: decimals))
        }
        return grouped(v, decimals: 2)
    }

    /// 1234567 as "1,234,567".
    package static func grouped(_ v: Int64) -> String {
        let digits = String(v.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return v < 0 ? "-" + out : out
    }

    /// A decimal rounded half away from zero, with thousands separators.
    package static func grouped(_ v: Double, decimals: Int) -> String {
        if !v.isFinite { return nullText }
        let text = fixed(v, decimals: decimals)
        if text.contains("e") { return text }  // beyond 10^18: scientific notation
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", maxSplits: 1)
        var out = groupDigits(String(parts[0]))
        if parts.count > 1 { out += "." + parts[1] }
        return negative && out.contains(where: { $0 != "0" && $0 != "." && $0 != "," }) ? "-" + out : out
    }

    /// "1234567" as "1,234,567".
    private static func groupDigits(_ digits: String) -> String {
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// Fixed-point text without thousands separators ("1234.50"). A double holds about 15
    /// significant digits, so places beyond them are dropped rather than shown as noise
    /// (1e15 + 0.5 is 1000000000000000.5, not ...000.48); magnitudes beyond 10^18 are written
    /// in scientific notation.
    package static func fixed(_ v: Double, decimals: Int) -> String {
        let magnitude = abs(v)
        guard magnitude < 1e18 else { return String(v) }
        var integerDigits = 1
        var bound = 10.0
        while magnitude >= bound { integerDigits += 1; bound *= 10 }
        let places = min(decimals, max(0, 16 - integerDigits))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (magnitude * scale).rounded(.toNearestOrAwayFromZero)
        var digits: String
        if scaled < 9.0e18 {
            digits = String(UInt64(scaled))
        } else {
            digits = String(UInt64(magnitude.rounded(.toNearestOrAwayFromZero)))
            for _ in 0..<places { digits += "0" }
        }
        if places > 0 {
            while digits.count <= places { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        let isZero = !digits.contains { $0 != "0" && $0 != "." }
        return (v < 0 && !isZero ? "-" : "") + digits
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = text
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
