import CKPIQSupport

/// Appends one column's field texts straight into typed buffers, inferring the type as it goes.
///
/// Inference walks up a small lattice and never guesses from a sample: every value is checked.
///   unknown -> bool | int | decimal | date | timestamp | text
///   int -> decimal (on a value with a fraction or exponent), date -> timestamp,
///   and anything -> text when a value fits neither.
/// A promotion to text cannot convert the values already parsed back into their original
/// text, so it records `textFromRow`; the loader re-reads those rows from the file.
final class ColumnBuilder {
    enum Kind: UInt8, Comparable {
        case unknown, bool, int, decimal, date, timestamp, text

        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }

        var dataType: DataType {
            switch self {
            case .unknown, .text: return .text
            case .bool: return .bool
            case .int: return .int
            case .decimal: return .decimal
            case .date: return .date
            case .timestamp: return .timestamp
            }
        }

        init(_ type: DataType) {
            switch type {
            case .bool: self = .bool
            case .int: self = .int
            case .decimal: self = .decimal
            case .date: self = .date
            case .timestamp: self = .timestamp
            case .text: self = .text
            }
        }
    }

    enum Outcome {
        case ok
        /// The value does not fit the column's forced type.
        case mismatch
        case invalidUTF8
        /// A timestamp whose zone offset puts it outside 0001-01-01 to 9999-12-31: never
        /// text instead, which would turn a column of timestamps into text for one value.
        case outOfRange
    }

    let forced: DataType?
    let settings: FieldSettings
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private(set) var kind: Kind
    @exclusivity(unchecked) private(set) var rows = 0
    /// int values, bools (0/1), dates (days), timestamps (microseconds).
    @exclusivity(unchecked) var ints = IntegerBuffer()
    @exclusivity(unchecked) var doubles = GrowableBuffer<Double>()
    @exclusivity(unchecked) var text: TextColumnStore
    /// Validity bitmap words (1 = value present).
    @exclusivity(unchecked) var validWords = GrowableBuffer<UInt64>()
    @exclusivity(unchecked) private(set) var nullCount = 0
    /// Every int so far was an 8-digit `YYYYMMDD` date: such a column is read as dates.
    @exclusivity(unchecked) private(set) var allCompactDates = true
    /// Rows before this one hold placeholders and must be re-read as text.
    @exclusivity(unchecked) private(set) var textFromRow: Int?
    /// File offset of the first integer beyond 64 bits that made this inferred column text
    /// (ids, usually: as decimals they would lose digits silently). The load says so.
    @exclusivity(unchecked) private(set) var oversizedIntegerOffset: Int?
    /// Rows to reserve room for once the column's kind is known.
    private let expectedRows: Int
    @exclusivity(unchecked) private var secondTimestamps = SecondTimestampParser()
    /// Loaded once: tested for every value.
    private let hasExtraNullMarkers: Bool
    /// Scratch for a batch's parsed values (`appendParsedRun`).
    private let runValues = UnsafeMutablePointer<Int64>.allocate(capacity: RowBatch.capacity)
    private let runNulls = UnsafeMutablePointer<Bool>.allocate(capacity: RowBatch.capacity)

    init(forced: DataType?, settings: FieldSettings, expectedRows: Int, fileBase: UnsafePointer<UInt8>, fileEnd: Int) {
        self.forced = forced
        self.settings = settings
        self.kind = forced.map(Kind.init) ?? .unknown
        let reserve = max(16, expectedRows)
        self.expectedRows = reserve
        hasExtraNullMarkers = settings.hasExtraNullMarkers
        text = TextColumnStore(fileBase: fileBase, fileEnd: fileEnd, expectedRows: kind == .text ? reserve : 16)
        switch kind {
        case .decimal: doubles.reserve(reserve)
        case .text, .unknown: break
        default: ints.removeAll(unit: Self.unit(of: kind)); ints.reserve(reserve)
        }
        validWords.reserve(reserve / 64 + 1)
    }

    /// Timestamps are stored as whole seconds while they are.
    private static func unit(of kind: Kind) -> Int64 { kind == .timestamp ? IntegerBuffer.microsPerSecond : 1 }

    deinit {
        doubles.release()
        validWords.release()
        runValues.deallocate()
        runNulls.deallocate()
    }

    /// About how many bytes the assembled column's values take: they are copied into a new
    /// array of roughly the builders' width.
    var valueBytes: Int {
        switch kind {
        case .decimal: return rows * 8
        case .text, .unknown: return rows * (text.codes.isWide ? 2 : 1)
        default: return rows * ints.width
        }
    }

    /// Gives back the memory of the values once the column is assembled, so the next
    /// columns' allocations reuse it (pages already mapped are much cheaper than new ones).
    func releaseStorage() {
        ints = IntegerBuffer()
        doubles.release()
        doubles = GrowableBuffer<Double>()
        validWords.release()
        validWords = GrowableBuffer<UInt64>()
        text = TextColumnStore(fileBase: text.fileBase, fileEnd: text.fileEnd, expectedRows: 16)
    }

    // MARK: - Appending

    @inline(__always)
    private func pushValidity(_ valid: Bool) {
        if rows & 63 == 0 { validWords.append(0) }
        if valid {
            validWords[rows >> 6] |= 1 << UInt64(rows & 63)
        } else {
            nullCount += 1
        }
    }

    /// The validity words, with room (zeroed) for `extra` more rows, for loops that set the
    /// bits directly and then call `didAppendRows`.
    private func validityWords(forMore extra: Int) -> UnsafeMutablePointer<UInt64> {
        let needed = (rows + extra + 63) >> 6
        if needed > validWords.count {
            validWords.reserve(needed)
            (validWords.base + validWords.count).initialize(repeating: 0, count: needed - validWords.count)
        }
        return validWords.base
    }

    private func didAppendRows(_ added: Int, nulls: Int) {
        rows += added
        nullCount += nulls
        validWords.setCount((rows + 63) >> 6)
    }

    @inline(__always)
    func appendNull() {
        switch kind {
        case .unknown: break
        case .decimal: doubles.append(0)
        case .text: text.appendPlaceholder()
        default: ints.appendPlaceholder()
        }
        pushValidity(false)
        rows += 1
    }

    /// Appends one field. `quoted` fields are never null markers unless empty.
    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ n: Int, quoted: Bool) -> Outcome {
        if n == 0 || (!quoted && settings.hasExtraNullMarkers && settings.isNullMarker(p, n)) {
            appendNull()
            return .ok
        }
        let outcome: Outcome
        switch kind {
        case .int: outcome = appendInt(p, n)
        case .text: outcome = appendText(p, n)
        case .timestamp: outcome = appendTimestamp(p, n)
        case .decimal: outcome = appendDecimal(p, n)
        case .date: outcome = appendDate(p, n)
        case .bool: outcome = appendBool(p, n)
        case .unknown: outcome = appendFirst(p, n)
        }
        if case .ok = outcome {
            pushValidity(true)
            rows += 1
        }
        return outcome
    }

    @inline(__always)
    private func appendInt(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var v: Int64 = 0
        if FieldParsing.parseInt(p, n, &v) {
            ints.append(v)
            if allCompactDates {
                var days: Int64 = 0
                allCompactDates = forced == nil && FieldParsing.parseCompactDate(p, n, &days) && p[0] != 43 && p[0] != 45
            }
            return .ok
        }
        if forced == .int { return .mismatch }
        if FieldParsing.isIntegerSyntax(p, n) { return promoteToText(oversizedInteger: p, n) }
        var d: Double = 0
        if settings.pointIsDecimal, FieldParsing.parseDouble(p, n, &d) {
            promoteIntToDecimal()
            doubles.append(d)
            return .ok
        }
        return promoteToText(p, n)
    }

    @inline(__always)
    private func appendDecimal(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var d: Double = 0
        if settings.pointIsDecimal, FieldParsing.parseDouble(p, n, &d) {
            // An integer of 19 digits or more may be beyond 64 bits (shorter ones never are).
            var v: Int64 = 0
            if n > 18, forced == nil, FieldParsing.isIntegerSyntax(p, n), !FieldParsing.parseInt(p, n, &v) {
                return promoteToText(oversizedInteger: p, n)
            }
            doubles.append(d)
            return .ok
        }
        if forced == .decimal {
            guard let number = settings.parseRegionalNumber(p, n) else { return .mismatch }
            doubles.append(number)
            return .ok
        }
        return promoteToText(p, n)
    }

    @inline(__always)
    private func appendBool(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var b = false
        if forced == .bool {
            guard FieldParsing.parseLooseBool(p, n, &b) else { return .mismatch }
        } else if !FieldParsing.parseBool(p, n, &b) {
            return promoteToText(p, n)
        }
        ints.append(b ? 1 : 0)
        return .ok
    }

    @inline(__always)
    private func appendDate(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var days: Int64 = 0
        if FieldParsing.parseISODate(p, n, &days) {
            ints.append(days)
            return .ok
        }
        if let micros = settings.parseWithFormats(p, n, wantTime: false) {
            ints.append(CivilCalendar.floorDiv(micros, CivilCalendar.microsPerDay))
            return .ok
        }
        if settings.isOutOfRangeTimestamp(p, n) { return .outOfRange }
        if forced == .date {
            if FieldParsing.parseCompactDate(p, n, &days) {
                ints.append(days)
                return .ok
            }
            return .mismatch
        }
        var micros: Int64 = 0
        if FieldParsing.parseISOTimestamp(p, n, &micros) || settings.parseWithFormats(p, n, wantTime: true).map({ micros = $0 }) != nil {
            promoteDateToTimestamp()
            ints.append(micros)
            return .ok
        }
        return promoteToText(p, n)
    }

    @inline(__always)
    private func appendTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var micros: Int64 = 0
        if FieldParsing.parseISOTimestamp(p, n, &micros) {
            ints.append(micros)
            return .ok
        }
        var days: Int64 = 0
        if FieldParsing.parseISODate(p, n, &days) {
            ints.append(days * CivilCalendar.microsPerDay)
            return .ok
        }
        if let parsed = settings.parseWithFormats(p, n, wantTime: true) ?? settings.parseWithFormats(p, n, wantTime: false) {
            ints.append(parsed)
            return .ok
        }
        if settings.isOutOfRangeTimestamp(p, n) { return .outOfRange }
        if forced == .timestamp { return .mismatch }
        return promoteToText(p, n)
    }

    @inline(__always)
    private func appendText(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        text.append(p, n) ? .ok : .invalidUTF8
    }

    /// The first non-null value decides the starting type.
    private func appendFirst(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        var v: Int64 = 0
        var d: Double = 0
        var b = false
        if FieldParsing.parseInt(p, n, &v) {
            becomeTyped(.int)
            return appendInt(p, n)
        } else if FieldParsing.isIntegerSyntax(p, n) {
            becomeTyped(.text)
            oversizedIntegerOffset = fileOffset(p)
        } else if settings.pointIsDecimal, FieldParsing.parseDouble(p, n, &d) {
            becomeTyped(.decimal)
        } else if FieldParsing.parseBool(p, n, &b) {
            becomeTyped(.bool)
        } else if FieldParsing.parseISODate(p, n, &v) || settings.parseWithFormats(p, n, wantTime: false) != nil {
            becomeTyped(.date)
        } else if FieldParsing.parseISOTimestamp(p, n, &v) || settings.parseWithFormats(p, n, wantTime: true) != nil {
            becomeTyped(.timestamp)
        } else if settings.isOutOfRangeTimestamp(p, n) {
            return .outOfRange
        } else {
            becomeTyped(.text)
        }
        switch kind {
        case .decimal: return appendDecimal(p, n)
        case .bool: return appendBool(p, n)
        case .date: return appendDate(p, n)
        case .timestamp: return appendTimestamp(p, n)
        default: return appendText(p, n)
        }
    }

    // MARK: - Batches

    /// Appends column `column` of the batch's rows `from..<batch.count`. Returns the batch
    /// row of the first value that does not fit, with why, after appending the rows before it.
    ///
    /// The common kinds have tight loops for the values they read directly; a value such a
    /// loop cannot read goes through `append`, which may promote the column, and the loop for
    /// the (possibly new) kind carries on with the next row.
    func appendBatch(_ batch: borrowing RowBatch, column: Int, from first: Int = 0) -> (row: Int, outcome: Outcome)? {
        var r = first
        while r < batch.count {
            switch kind {
            case .text: return appendTextRun(batch, column: column, from: r)
            case .int: r = appendIntRun(batch, column: column, from: r)
            case .timestamp: r = appendTimestampRun(batch, column: column, from: r)
            default: break
            }
            if r == batch.count { break }
            let f = batch.field(row: r, column: column)
            let outcome = append(batch.pointer(f), f.count, quoted: f.quoted)
            if case .ok = outcome {} else { return (r, outcome) }
            r += 1
        }
        return nil
    }

    /// True when the field is a null (empty, or an extra null marker when unquoted).
    @inline(__always)
    private func isNull(_ p: UnsafePointer<UInt8>, _ f: FieldRef) -> Bool {
        f.length == 0 || (hasExtraNullMarkers && !f.quoted && settings.isNullMarker(p, f.count))
    }

    /// Plain integers (and nulls) from row `first` on; returns the first row it left alone.
    private func appendIntRun(_ batch: borrowing RowBatch, column: Int, from first: Int) -> Int {
        // While every value may still be a YYYYMMDD date, `appendInt` keeps track.
        if allCompactDates { return first }
        var r = first
        if !hasExtraNullMarkers {
            // Nulls and values of up to eight digits, in C (int_run.c); the general parser
            // below takes the rest of the batch from the first other value on.
            let runLength = batch.count - first
            let words = validityWords(forMore: runLength)
            var nulls = 0
            var range = kpiq_run_range()
            r = kpiq_parse_int_run(batch.columnFields(column), first, batch.count, batch.fieldSource,
                                   runValues, runNulls, words, rows, &nulls, &range)
            ints.appendRun(runValues, nulls: runNulls, count: r - first, range: range)
            didAppendRows(r - first, nulls: nulls)
            if r == batch.count { return r }
        }
        var parser = IntegerFieldParser()
        return appendParsedRun(batch, column: column, from: r, &parser)
    }

    /// `YYYY-MM-DDTHH:MM:SS` timestamps (and nulls) from row `first` on; returns the first
    /// row it left alone.
    private func appendTimestampRun(_ batch: borrowing RowBatch, column: Int, from first: Int) -> Int {
        var parser = TimestampFieldParser(days: secondTimestamps, inSeconds: ints.unit == IntegerBuffer.microsPerSecond)
        defer { secondTimestamps = parser.days }
        if hasExtraNullMarkers { return appendParsedRun(batch, column: column, from: first, &parser) }
        // Times on the last date read, in C (timestamp_run.c); each row it leaves (a new date,
        // or another shape) goes through the parser here, one row, which learns the new date.
        // Rows out of time order change date at every row: after a short run, the parser
        // takes the rest of the batch.
        var r = first
        var shortRun = false
        while r < batch.count {
            if let date = parser.days.knownDate, !shortRun {
                let words = validityWords(forMore: batch.count - r)
                var nulls = 0
                var range = kpiq_run_range()
                let end = kpiq_parse_timestamp_run(batch.columnFields(column), r, batch.count, batch.fieldSource, date, parser.inSeconds,
                                                   runValues, runNulls, words, rows, &nulls, &range)
                ints.appendRun(runValues, nulls: runNulls, count: end - r, range: range)
                didAppendRows(end - r, nulls: nulls)
                shortRun = end - r < 16
                r = end
                if r == batch.count { break }
            }
            let next = appendParsedRun(batch, column: column, from: r, &parser, limit: shortRun ? RowBatch.capacity : 1)
            if next == r { break }
            r = next
        }
        return r
    }

    /// Parses values (in the integer buffer's unit) and nulls from row `first` on, until the
    /// parser gives up on a value or `limit` rows are done; appends them as one run. Returns
    /// the first row not appended.
    @inline(__always)
    private func appendParsedRun<Parser: RunFieldParser>(
        _ batch: borrowing RowBatch, column: Int, from first: Int, _ parser: inout Parser, limit: Int = RowBatch.capacity
    ) -> Int {
        let runLength = min(batch.count - first, limit)
        let words = validityWords(forMore: runLength)
        let values = runValues, nulls = runNulls
        var row = rows
        var nullRows = 0
        var k = 0
        while k < runLength {
            let f = batch.field(row: first &+ k, column: column)
            let p = batch.pointer(f)
            if isNull(p, f) {
                values[k] = 0
                nulls[k] = true
                nullRows += 1
            } else {
                guard let v = parser.parse(p, f.count, canOverread: batch.canOverread(f)) else { break }
                values[k] = v
                nulls[k] = false
                words[row >> 6] |= 1 << UInt64(row & 63)
            }
            row &+= 1
            k &+= 1
        }
        ints.appendRun(values, nulls: nulls, count: k)
        didAppendRows(k, nulls: nullRows)
        return first + k
    }

    /// Text values from row `first` on. Values already in a small dictionary take the tight
    /// loop of `appendKnownTexts`; a new value goes through `TextColumnStore.append`, which
    /// may switch the store to deferred mode. A large dictionary (before that switch) is
    /// probed with prefetches a few rows ahead, so its cache misses overlap.
    private func appendTextRun(_ batch: borrowing RowBatch, column: Int, from first: Int) -> (row: Int, outcome: Outcome)? {
        var r = first
        while r < batch.count {
            if text.isDeferred { return appendDeferredTexts(batch, column: column, from: r) }
            if text.interner.count > 2048 { return appendTextRunPrefetching(batch, column: column, from: r) }
            r = appendKnownTexts(batch, column: column, from: r)
            if r == batch.count { break }
            let f = batch.field(row: r, column: column)
            let p = batch.pointer(f)
            let key = batch.canOverread(f) ? StringInterner.keyOverreading(p, f.count) : StringInterner.key(p, f.count)
            if !text.append(key: key, p, f.count) { return (r, .invalidUTF8) }
            pushValidity(true)
            rows += 1
            r += 1
        }
        return nil
    }

    /// Nulls and values already in the dictionary, from row `first` on: the C loop of
    /// text_lookup.c when only empty fields are nulls, else the same loop here. Returns the
    /// first row with a value not in the dictionary (or the batch's end).
    private func appendKnownTexts(_ batch: borrowing RowBatch, column: Int, from first: Int) -> Int {
        let runLength = batch.count - first
        let words = validityWords(forMore: runLength)
        let (codes, isWide) = text.reserveCodes(runLength)
        let start = text.codes.count
        if !hasExtraNullMarkers {
            // The common case, in C (text_lookup.c): only empty fields are nulls.
            var nulls = 0
            let r = kpiq_append_known_texts(batch.columnFields(column), first, batch.count, batch.fieldSource, text.interner.cLookup,
                                            codes, isWide, start, words, rows, &nulls)
            text.didAppendCodes(r - first)
            didAppendRows(r - first, nulls: nulls)
            return r
        }
        let lookup = text.interner.lookup
        var row = rows
        var nulls = 0
        var r = first
        while r < batch.count {
            let f = batch.field(row: r, column: column)
            let p = batch.pointer(f)
            var code = 0
            if isNull(p, f) {
                nulls += 1
            } else {
                let key = batch.canOverread(f) ? StringInterner.keyOverreading(p, f.count) : StringInterner.key(p, f.count)
                code = lookup.code(of: key, p, f.count)
                if code < 0 { break }
                words[row >> 6] |= 1 << UInt64(row & 63)
            }
            let at = start &+ (r &- first)
            if isWide {
                codes.storeBytes(of: UInt16(truncatingIfNeeded: code), toByteOffset: at &* 2, as: UInt16.self)
            } else {
                codes.storeBytes(of: UInt8(truncatingIfNeeded: code), toByteOffset: at, as: UInt8.self)
            }
            row &+= 1
            r &+= 1
        }
        text.didAppendCodes(r - first)
        didAppendRows(r - first, nulls: nulls)
        return r
    }

    /// Values of a column in deferred mode: only their keys are kept.
    private func appendDeferredTexts(_ batch: borrowing RowBatch, column: Int, from first: Int) -> (row: Int, outcome: Outcome)? {
        var first = first
        if !hasExtraNullMarkers, let run = text.reserveDeferredRows(batch.count - first) {
            // Nulls and short ASCII values, in C (text_lookup.c); the loop below takes the
            // rest of the batch from the first other value on.
            let words = validityWords(forMore: batch.count - first)
            var nulls = 0
            let r = kpiq_append_deferred_keys(batch.columnFields(column), first, batch.count, batch.fieldSource,
                                              run.keys, run.hashTops, words, rows, &nulls)
            text.didAppendDeferredRows(r - first)
            didAppendRows(r - first, nulls: nulls)
            first = r
        }
        for r in first..<batch.count {
            let f = batch.field(row: r, column: column)
            let p = batch.pointer(f)
            if isNull(p, f) {
                appendNull()
                continue
            }
            let key = batch.canOverread(f) ? StringInterner.keyOverreading(p, f.count) : StringInterner.key(p, f.count)
            if !text.append(key: key, p, f.count) { return (r, .invalidUTF8) }
            pushValidity(true)
            rows += 1
        }
        return nil
    }

    private func appendTextRunPrefetching(_ batch: borrowing RowBatch, column: Int, from first: Int) -> (row: Int, outcome: Outcome)? {
        let count = batch.count - first
        let distance = 8
        return withUnsafeTemporaryAllocation(of: StringInterner.Key.self, capacity: count) { keys in
            for k in 0..<count {
                let f = batch.field(row: first + k, column: column)
                keys[k] = batch.canOverread(f)
                    ? StringInterner.keyOverreading(batch.pointer(f), f.count)
                    : StringInterner.key(batch.pointer(f), f.count)
            }
            for k in 0..<min(distance, count) { text.prefetch(keys[k]) }
            for k in 0..<count {
                if k + distance < count { text.prefetch(keys[k + distance]) }
                let f = batch.field(row: first + k, column: column)
                let p = batch.pointer(f)
                if isNull(p, f) {
                    appendNull()
                    continue
                }
                if !text.append(key: keys[k], p, f.count) { return (first + k, .invalidUTF8) }
                pushValidity(true)
                rows += 1
            }
            return nil
        }
    }

    // MARK: - Promotions

    /// Leaves `unknown` (all rows so far null) for a concrete kind, with placeholders for those rows.
    private func becomeTyped(_ newKind: Kind) {
        kind = newKind
        switch newKind {
        case .decimal:
            doubles.reserve(max(expectedRows, rows))
            for _ in 0..<rows { doubles.append(0) }
        case .text:
            text.reset(placeholders: rows, expectedRows: expectedRows)
        default:
            ints.removeAll(unit: Self.unit(of: newKind))
            ints.reserve(max(expectedRows, rows))
            ints.appendPlaceholders(rows)
        }
    }

    private func promoteIntToDecimal() {
        doubles.reserve(max(ints.capacity, expectedRows, 16))
        for i in 0..<ints.count { doubles.append(Double(ints[i])) }
        ints.removeAll()
        kind = .decimal
    }

    private func promoteDateToTimestamp() {
        ints.multiply(by: CivilCalendar.microsPerDay)
        kind = .timestamp
    }

    /// `promoteToText` for an integer beyond 64 bits, remembering where it is.
    private func promoteToText(oversizedInteger p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        if oversizedIntegerOffset == nil { oversizedIntegerOffset = fileOffset(p) }
        return promoteToText(p, n)
    }

    /// Offset in the file of a field's bytes (a field of digits is never unescaped into
    /// the row's scratch buffer, so it points into the file).
    private func fileOffset(_ p: UnsafePointer<UInt8>) -> Int? {
        let offset = p - text.fileBase
        return offset >= 0 && offset < text.fileEnd ? offset : nil
    }

    private func promoteToText(_ p: UnsafePointer<UInt8>, _ n: Int) -> Outcome {
        textFromRow = rows
        ints.removeAll()
        doubles.removeAll()
        kind = .text
        text.reset(placeholders: rows, expectedRows: expectedRows)
        return appendText(p, n)
    }

    /// Switches a typed column to text before re-reading all of it (another partition of the
    /// file turned text, so this one must hold text as well).
    func resetAsText() {
        ints.removeAll()
        doubles.removeAll()
        kind = .text
        textFromRow = rows
        text.reset(placeholders: rows, expectedRows: expectedRows)
    }

    /// Converts the values to a wider kind decided across partitions (int -> decimal,
    /// date -> timestamp, unknown -> anything). Text is handled by `resetAsText`.
    func convert(to target: Kind) {
        if target == kind { return }
        switch (kind, target) {
        case (.unknown, _): becomeTyped(target)
        case (.int, .decimal): promoteIntToDecimal()
        case (.date, .timestamp): promoteDateToTimestamp()
        default: resetAsText()
        }
    }

    /// Replaces the placeholder of row `row` (below `textFromRow`) with its re-read text.
    func fillText(row: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        text.fill(row: row, p, n)
    }

    /// The re-read finished: codes are final.
    func finishTextFill() { textFromRow = nil }

    /// Forgets rows after `count` (a row skipped in tolerant mode).
    func truncate(toRows count: Int) {
        guard count < rows else { return }
        for r in count..<rows where !isValid(r) { nullCount -= 1 }
        ints.truncate(to: count) { self.isValid($0) }
        rows = count
        doubles.truncate(to: count)
        text.truncate(to: count)
        validWords.truncate(to: (count + 63) >> 6)
        if count & 63 != 0 { validWords[count >> 6] &= (1 << UInt64(count & 63)) - 1 }
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool { (validWords[row >> 6] >> UInt64(row & 63)) & 1 == 1 }
}

/// Per-load settings the builders share: null markers and user formats.
struct FieldSettings {
    let extraNullMarkers: [[UInt8]]
    let dateFormats: [DateFormat]
    let timestampFormats: [DateFormat]

    /// False with `decimal ","`: a value such as `1.234` is then left to
    /// `LocaleColumnInference`, which reads `.` as a thousands separator.
    let pointIsDecimal: Bool
    let decimalComma: Bool?

    var hasExtraNullMarkers: Bool { !extraNullMarkers.isEmpty }

    init(options: CSVOptions) {
        decimalComma = options.decimalComma
        pointIsDecimal = options.decimalComma != true
        extraNullMarkers = options.nullMarkers.filter { !$0.isEmpty }.map { Array($0.utf8) }
        dateFormats = options.formats.filter { !$0.hasTime }
        timestampFormats = options.formats.filter { $0.hasTime }
    }

    /// A value of a column forced to `decimal` that the plain parser refused: `1 234,56`,
    /// `€ 12`, `12,5 %`, with the given decimal mark (or a comma, then a point).
    func parseRegionalNumber(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        let bytes = UnsafeRawBufferPointer(start: p, count: n)
        let marks: [LocaleNumber.Mark] = decimalComma.map { [$0 ? .comma : .point] } ?? [.comma, .point]
        for mark in marks {
            if let number = LocaleNumber.parse(bytes, mark: mark) { return number.value }
        }
        return nil
    }

    @inline(__always)
    func isNullMarker(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for marker in extraNullMarkers where marker.count == n {
            if marker.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p, n) == 0 }) { return true }
        }
        return false
    }

    /// True when the text is a timestamp (ISO, or a user format with a zone) that its zone
    /// offset moves out of 0001-01-01 to 9999-12-31. Only asked of values that failed to parse.
    func isOutOfRangeTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        FieldParsing.isOutOfRangeISOTimestamp(p, n) || timestampFormats.contains { $0.isOutOfRange(p, n) }
    }

    /// Microseconds of the first user format of the wanted kind that matches.
    @inline(__always)
    func parseWithFormats(_ p: UnsafePointer<UInt8>, _ n: Int, wantTime: Bool) -> Int64? {
        let formats = wantTime ? timestampFormats : dateFormats
        if formats.isEmpty { return nil }
        for format in formats {
            if let micros = format.parse(p, n) { return micros }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
