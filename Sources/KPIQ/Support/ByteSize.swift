/// Sizes of memory as people write and read them: `4GB`, `512 MB`, `1.5GiB`, `80%`.
///
/// Decimal units (KB, MB, GB, TB: powers of 1000) and binary ones (KiB, MiB, GiB, TiB: powers
/// of 1024), as DuckDB reads its `memory_limit`; a bare number is bytes. Sizes are printed in
/// decimal units with one decimal, so a limit reads back the way it was typed.
package enum ByteSize {
    /// Bytes for `text`; a percentage is of `total`. Nil when the text is not a size.
    package static func parse(_ text: String, percentOf total: Int) -> Int? {
        let trimmed = strip(text.lowercased())
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == ".") } ?? trimmed.endIndex
        guard let number = Double(trimmed[..<numberEnd]), number.isFinite, number >= 0 else { return nil }
        let unit = strip(trimmed[numberEnd...])
        let multiplier: Double
        switch unit {
        case "", "b", "byte", "bytes": multiplier = 1
        case "k", "kb": multiplier = 1e3
        case "m", "mb": multiplier = 1e6
        case "g", "gb": multiplier = 1e9
        case "t", "tb": multiplier = 1e12
        case "kib": multiplier = 1024
        case "mib": multiplier = 1024 * 1024
        case "gib": multiplier = 1024 * 1024 * 1024
        case "tib": multiplier = 1024 * 1024 * 1024 * 1024
        case "%":
            guard number <= 100 else { return nil }
            multiplier = Double(total) / 100
        default: return nil
        }
        let bytes = (number * multiplier).rounded()
        guard bytes < 9e18 else { return nil }
        return Int(bytes)
    }

    /// The text without spaces at either end.
    private static func strip(_ text: some StringProtocol) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// `1234567890` as "1.2 GB".
    package static func text(_ bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let tenths = (value * 10).rounded()
        let whole = Int(tenths) / 10, fraction = Int(tenths) % 10
        return fraction == 0 ? "\(whole) \(units[unit])" : "\(whole).\(fraction) \(units[unit])"
    }
}
