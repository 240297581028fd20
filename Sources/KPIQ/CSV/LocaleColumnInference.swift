/// Types the text columns the CSV builders could not: numbers written the regional way
/// (`1 234,56`, `€ 12,50`, `12,5 %`) and dates with day and month in either order
/// (`31/01/2024`).
///
/// It runs after the load, on the dictionary of each text column: every distinct value is
/// read, so the decision is over the whole column (a column is numeric only if every value
/// reads the same way: one decimal mark, one thousands separator, percent on all or none),
/// and plain UTF-8 files whose columns typed themselves pay nothing but a glance at their
/// text columns' first values.
struct LocaleColumnInference {
    /// `with (decimal ",")`; nil to decide from the file.
    var givenMark: LocaleNumber.Mark?
    /// The file's delimiter: with `;` (a French or German Excel export), a decimal comma is
    /// what a value such as `1,234` most likely means.
    var delimiter: CSVOptions.Delimiter

    struct Outcome {
        var table: Table
        /// What was read the regional way, for the load message (`decimal comma`, `day-first dates`).
        var detected: [String] = []
        var warnings: [String] = []
    }

    /// A text column's reading as numbers under one decimal mark.
    private struct NumberReading {
        var values: [LocaleNumber]
        var separator: UInt32?
    }

    private enum Reading {
        case numbers(mark: LocaleNumber.Mark, [LocaleNumber])
        case dates(NumericDate.Order, [NumericDate])
    }

    func apply(to table: Table, skipping forced: Set<Int>) -> Outcome {
        var outcome = Outcome(table: table)
        var numberCandidates: [Int: [LocaleNumber.Mark: NumberReading]] = [:]
        var dateCandidates: [Int: [NumericDate]] = [:]
        for c in 0..<table.columnCount where !forced.contains(c) {
            let column = table.columns[c]
            guard column.type == .text, !column.isUntyped, let dictionary = column.dictionary, dictionary.count > 0,
                  Self.mayBeTyped(dictionary) else { continue }
            var readings: [LocaleNumber.Mark: NumberReading] = [:]
            for mark in givenMark.map({ [$0] }) ?? [.comma, .point] {
                if let reading = Self.readNumbers(dictionary, mark: mark) { readings[mark] = reading }
            }
            if !readings.isEmpty {
                numberCandidates[c] = readings
            } else if let dates = Self.readDates(dictionary) {
                dateCandidates[c] = dates
            }
        }
        if numberCandidates.isEmpty && dateCandidates.isEmpty { return outcome }

        // The file's decimal mark: given, or the one its unambiguous columns use, or the
        // delimiter's hint.
        let unambiguous = numberCandidates.values.filter { $0.count == 1 }.map { $0.keys.first! }
        let commas = unambiguous.filter { $0 == .comma }.count
        let preferred: LocaleNumber.Mark = givenMark
            ?? (commas * 2 > unambiguous.count ? .comma : commas * 2 < unambiguous.count ? .point
                : delimiter == .byte(59) ? .comma : .point)

        var readings: [Int: Reading] = [:]
        for (c, byMark) in numberCandidates {
            let mark = byMark.count == 1 ? byMark.keys.first! : preferred
            readings[c] = .numbers(mark: mark, byMark[mark]!.values)
        }
        for (c, dates) in dateCandidates {
            let dayFirstPossible = dates.allSatisfy { $0.days(.dayFirst) != nil }
            let monthFirstPossible = dates.allSatisfy { $0.days(.monthFirst) != nil }
            switch (dayFirstPossible, monthFirstPossible) {
            case (true, false): readings[c] = .dates(.dayFirst, dates)
            case (false, true): readings[c] = .dates(.monthFirst, dates)
            case (true, true) where preferred == .comma: readings[c] = .dates(.dayFirst, dates)
            case (true, true):
                let sample = table.columns[c].dictionary!.string(0)
                outcome.warnings.append(
                    "column `\(table.names[c])` is read as text: its dates (`\(sample)`) read as day-first and as month-first; "
                        + "`dates \"%d/%m/%Y\"` or `dates \"%m/%d/%Y\"` says which")
            case (false, false): break
            }
        }

        var columns = table.columns
        var detected: [String] = []
        for c in readings.keys.sorted() {
            switch readings[c]! {
            case .numbers(let mark, let values):
                columns[c] = Self.numberColumn(table.columns[c], values)
                if mark == .comma, values.contains(where: \.hasFraction) { detected.append(mark.name) }
                if values.contains(where: { $0.groupSeparator != nil }) { detected.append("thousands separators") }
                if values.contains(where: \.isPercent) { detected.append("percentages") }
                if values.contains(where: { $0.currency != nil }) { detected.append("currency signs") }
            case .dates(let order, let dates):
                columns[c] = Self.dateColumn(table.columns[c], dates, order)
                detected.append(order.name)
            }
        }
        outcome.table = Table(names: table.names, columns: columns, rowCount: table.rowCount)
        var seen = Set<String>()
        outcome.detected = detected.filter { seen.insert($0).inserted }
        return outcome
    }

    /// A cheap first look: a column whose first value starts with a letter other than a
    /// currency sign is left alone without reading the rest.
    private static func mayBeTyped(_ dictionary: StringDictionary) -> Bool {
        dictionary.withBytes(0) { bytes in
            guard let first = bytes.first else { return true }
            return first >= 0x80 || !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20) || first == UInt8(ascii: "C") || first == UInt8(ascii: "R")
        }
    }

    /// Every distinct value read with `mark`, with one grouping separator, one currency
    /// sign and percent on all or none; nil otherwise. Large dictionaries (a column of
    /// amounts) are read in ranges on all cores.
    private static func readNumbers(_ dictionary: StringDictionary, mark: LocaleNumber.Mark) -> NumberReading? {
        let ranges = dictionary.count < 1 << 16 ? [0..<dictionary.count] : Parallel.ranges(dictionary.count, parts: Parallel.threadCount)
        let parts = Parallel.map(ranges.count) { k in readNumbers(dictionary, ranges[k], mark: mark) }
        var merged = NumberReading(values: [], separator: nil)
        merged.values.reserveCapacity(dictionary.count)
        var currency: Int?
        var percent: Bool?
        for part in parts {
            guard let part else { return nil }
            if let s = part.separator {
                if let separator = merged.separator, separator != s { return nil }
                merged.separator = s
            }
            if let p = part.percent {
                if let percent, percent != p { return nil }
                percent = p
            }
            if let c = part.currency {
                if let currency, currency != c { return nil }
                currency = c
            }
            merged.values += part.values
        }
        return merged
    }

    private struct NumberRange {
        var values: [LocaleNumber]
        var separator: UInt32?
        var currency: Int?
        var percent: Bool?
    }

    private static func readNumbers(_ dictionary: StringDictionary, _ codes: Range<Int>, mark: LocaleNumber.Mark) -> NumberRange? {
        var part = NumberRange(values: [])
        part.values.reserveCapacity(codes.count)
        for code in codes {
            guard let number = dictionary.withBytes(code, { LocaleNumber.parse($0, mark: mark) }) else { return nil }
            if let s = number.groupSeparator {
                if let separator = part.separator, separator != s { return nil }
                part.separator = s
            }
            if let percent = part.percent, percent != number.isPercent { return nil }
            part.percent = number.isPercent
            if let sign = number.currency {
                if let currency = part.currency, currency != sign { return nil }
                part.currency = sign
            }
            part.values.append(number)
        }
        return part
    }

    private static func readDates(_ dictionary: StringDictionary) -> [NumericDate]? {
        var dates: [NumericDate] = []
        dates.reserveCapacity(dictionary.count)
        for code in 0..<dictionary.count {
            guard let date = dictionary.withBytes(code, { NumericDate.parse($0) }) else { return nil }
            if let first = dates.first, first.separator != date.separator { return nil }
            dates.append(date)
        }
        return dates
    }

    /// Per-code values mapped over the rows.
    private static func mapCodes<T>(_ column: Column, _ byCode: [T], placeholder: T) -> [T] {
        guard case .text(let codes, _) = column.values else { return [] }
        var out = [T](repeating: placeholder, count: codes.count)
        let chunk = 65_536
        var scratch = [Int64](repeating: 0, count: chunk)
        var start = 0
        while start < codes.count {
            let n = min(chunk, codes.count - start)
            scratch.withUnsafeMutableBufferPointer { codes.decode(from: start, count: n, into: $0.baseAddress!) }
            for k in 0..<n where !column.isNull(start + k) { out[start + k] = byCode[Int(scratch[k])] }
            start += n
        }
        return out
    }

    private static func numberColumn(_ column: Column, _ values: [LocaleNumber]) -> Column {
        let integers = values.compactMap(\.integer)
        if integers.count == values.count {
            let rows = mapCodes(column, integers, placeholder: 0)
            return Column(type: .int, values: .integers(PackedIntegers.pack(rows, validity: column.validity)), validity: column.validity)
        }
        let rows = mapCodes(column, values.map(\.value), placeholder: 0.0)
        return Column(type: .decimal, values: .doubles(rows), validity: column.validity)
    }

    private static func dateColumn(_ column: Column, _ dates: [NumericDate], _ order: NumericDate.Order) -> Column {
        let hasTime = dates.contains { $0.seconds != nil }
        let byCode = dates.map { date -> Int64 in
            let days = date.days(order)!
            return hasTime ? (days * 86_400 + (date.seconds ?? 0)) * 1_000_000 : days
        }
        let rows = mapCodes(column, byCode, placeholder: 0)
        let packed = PackedIntegers.pack(rows, validity: column.validity, scales: hasTime ? [1_000_000] : [])
        return Column(type: hasTime ? .timestamp : .date, values: .integers(packed), validity: column.validity)
    }
}
