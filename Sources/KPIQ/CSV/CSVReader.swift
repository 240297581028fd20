#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Loads a delimited text file into a `Table`, in parallel, straight into typed columns.
///
/// 1. Map the file; skip a UTF-8 byte-order mark; read CR-only line ends as newlines (in a
///    private copy); detect the delimiter and header if not given.
/// 2. Cut the data into one range per core at row starts. A cut is a guess (a newline inside a
///    quoted field looks like a row end), checked afterwards: each range must end exactly where
///    the next one began, or the next one is parsed again from the right place.
/// 3. Parse each range into per-column builders that infer types over every value.
/// 4. Agree on each column's type across ranges, re-read text where a range had guessed a
///    narrower type, merge dictionaries and pack integers.
/// Nothing is returned unless the whole file loaded (or, in `on_error skip` mode, every bad
/// row was set aside and reported).
package enum CSVReader {
    /// `budget`: what the load may take (`MemoryBudget`), checked before values are parsed.
    package static func load(
        path: String, options: CSVOptions = CSVOptions(),
        cancel: CancellationToken? = nil, progress: LoadProgress? = nil, budget: MemoryBudget? = nil
    ) throws -> (table: Table, report: LoadReport) {
        try load(path: path, options: options, partitions: nil, cancel: cancel, progress: progress, budget: budget)
    }

    /// `partitions` overrides how many ranges the file is cut into (tests use it to put
    /// range boundaries in small files).
    static func load(
        path: String, options: CSVOptions, partitions: Int?,
        cancel: CancellationToken? = nil, progress: LoadProgress? = nil, budget: MemoryBudget? = nil
    ) throws -> (table: Table, report: LoadReport) {
        let started = DispatchTime.now()
        var opened: LoadInput? = try LoadInput.open(path: path, options: options, cancel: cancel, budget: budget)
        do {
            return try loadOpened(opened!, path: path, options: options, partitions: partitions, started: started,
                                  cancel: cancel, progress: progress, budget: budget)
        } catch is Cancelled {
            // Unmapping a file of a gigabyte takes tens of milliseconds: done off
            // this thread, with the last reference, so Ctrl-C is answered at once.
            ReleaseLater.release(opened.take())
            throw Cancelled()
        }
    }

    /// `load` of opened input; several files joined have their lines named in each file.
    private static func loadOpened(
        _ input: LoadInput, path: String, options: CSVOptions, partitions: Int?, started: DispatchTime,
        cancel: CancellationToken?, progress: LoadProgress?, budget: MemoryBudget?
    ) throws -> (table: Table, report: LoadReport) {
        guard !input.segments.isEmpty else {
            return try load(input, path: path, options: options, partitions: partitions, started: started,
                            cancel: cancel, progress: progress, budget: budget)
        }
        // Several files joined: lines are counted in the joined bytes; name the file and line.
        do {
            var (table, report) = try load(input, path: path, options: options, partitions: partitions, started: started,
                                           cancel: cancel, progress: progress, budget: budget)
            report.skipped = report.skipped.map { row in
                guard let (file, line) = input.locate(joinedLine: row.line) else { return row }
                return SkippedRow(line: line, reason: row.reason, path: file)
            }
            return (table, report)
        } catch var error as LoadError {
            if let line = error.line, let (file, fileLine) = input.locate(joinedLine: line) {
                error.path = file
                error.line = fileLine
            }
            throw error
        }
    }

    private static func load(
        _ input: LoadInput, path: String, options: CSVOptions, partitions: Int?, started: DispatchTime,
        cancel: CancellationToken?, progress: LoadProgress?, budget: MemoryBudget?
    ) throws -> (table: Table, report: LoadReport) {
        var phases: [(name: String, seconds: Double)] = []
        var phaseStart = started
        /// The memory after each phase (`PhaseTrace.memoryNote`), when the load is traced.
        var phaseMemory: [String] = []
        var faults = PhaseTrace.loadEnabled ? PhaseTrace.minorFaults() : 0
        func phase(_ name: String) {
            let now = DispatchTime.now()
            phases.append((name, Double(now.uptimeNanoseconds - phaseStart.uptimeNanoseconds) / 1e9))
            if PhaseTrace.loadEnabled { phaseMemory.append(PhaseTrace.memoryNote(faultsSince: &faults)) }
            phaseStart = DispatchTime.now()
        }
        let file = input.file
        progress?.start(totalBytes: file.count)
        var start = 0
        if file.count >= 3, file.base[0] == 0xEF, file.base[1] == 0xBB, file.base[2] == 0xBF { start = 3 }
        guard file.count > start else {
            throw LoadError(path: path, message: "the file is empty", hint: "a CSV file needs at least a header line")
        }
        if CSVSniffer.endsLinesWithCarriageReturn(file.base, start: start, end: sampleEnd(file, from: start)) {
            file.readCarriageReturnsAsLineEnds()
        }
        let settings = FieldSettings(options: options)
        let sniffer = CSVSniffer(base: file.base, start: start, end: sampleEnd(file, from: start), quote: options.quote)
        let delimiter = options.delimiter ?? sniffer.detectDelimiter()
        let hasHeader = options.header ?? sniffer.detectHeader(delimiter, settings: settings)

        // Header (or the first row's field count when there is none).
        let probe = CSVTokenizer(base: file.base, end: file.count, delimiter: delimiter, quote: options.quote, capacity: 1 << 16)
        var names: [String] = []
        var dataStart = start
        var warnings: [String] = []
        do {
            let fields = UnsafeMutablePointer<FieldRef>.allocate(capacity: 1 << 16)
            var scratch = GrowableBuffer<UInt8>(capacity: 1024)
            defer { fields.deallocate(); scratch.release() }
            var p = start
            var n = 0
            var status = CSVTokenizer.RowStatus.blank
            var next = p
            while p < file.count {
                scratch.removeAll()
                (next, status) = probe.parseRow(at: p, fields: fields, fieldCount: &n, scratch: &scratch)
                if status != .blank { break }
                p = next
            }
            if case .unclosedQuote(let offset) = status {
                let (line, column) = file.location(of: offset)
                throw LoadError(path: path, line: line, column: column, message: "unclosed quote: the quoted field starting here never ends")
            }
            if n > 1 << 16 { throw LoadError(path: path, line: 1, message: "too many columns (\(n)); at most 65536") }
            // A first data row that is too long is reported (or skipped) with the other rows.
            if hasHeader, case .textBeyondWidths(let offset) = status {
                throw loadError(CSVPartitionParser.textBeyondWidths(rowStart: p, offset: offset, tokenizer: probe), file: file, names: [])
            }
            if hasHeader {
                for k in 0..<n {
                    let f = fields[k]
                    let pointer = f.inScratch ? UnsafePointer(scratch.base) + f.offset : file.base + f.offset
                    guard UTF8Validation.isValid(pointer, f.count) else {
                        let (line, column) = file.location(of: f.offset)
                        throw LoadError(path: path, line: line, column: column, message: "invalid UTF-8 in the header",
                                        hint: "the file is not UTF-8: give its encoding, e.g. `with (encoding \"windows-1252\")` or `\"latin1\"`")
                    }
                    names.append(String(decoding: UnsafeBufferPointer(start: pointer, count: f.count), as: UTF8.self))
                }
                dataStart = next
            } else {
                names = (1...max(n, 1)).map { "col\($0)" }
                dataStart = p
            }
        }
        if let given = options.columnNames {
            guard given.count == names.count else {
                throw LoadError(path: path, message: "`names` lists \(given.count) columns but the file has \(names.count)")
            }
            names = given
        }
        names = uniqueNames(names, warnings: &warnings)

        let forced = try TextCellTyping.forcedTypes(names: names, options: options, path: path)

        // Before the builders take anything: the file is read whole (its mapped pages count),
        // and each field is parsed into 8 bytes until the columns are packed.
        if let budget {
            let rows = estimatedRows(file, from: dataStart)
            let bytes = file.count + MemoryBudget.bytes(rows: rows, bytesPerRow: 8 * names.count)
            try budget.check(bytes, for: "the load",
                             detail: "a file of \(ByteSize.text(file.count)), about \(Session.count(rows)) rows of \(names.count) columns",
                             remedy: "load a smaller export (fewer rows or columns)")
        }

        // Parse the ranges in parallel.
        let tokenizer = CSVTokenizer(base: file.base, end: file.count, delimiter: delimiter, quote: options.quote, capacity: names.count + 1)
        let parser = CSVPartitionParser(
            tokenizer: tokenizer, columnCount: names.count, columnNames: names, forcedTypes: forced,
            settings: settings, tolerant: options.onError == .skip, cancel: cancel, progress: progress)
        let dataBytes = file.count - dataStart
        let nominalPartitions = max(1, partitions ?? (dataBytes < (1 << 20) ? 1 : Parallel.threadCount))
        var cuts = [dataStart]
        for k in 1..<nominalPartitions {
            let nominal = dataStart + dataBytes / nominalPartitions * k
            cuts.append(max(cuts.last!, tokenizer.nextRowStart(after: nominal)))
        }
        cuts.append(file.count)
        // Joined files: a range never spans two of them, so each range's rows belong to one file.
        let fileStarts = input.segments.dropFirst().map(\.start)
        if !fileStarts.isEmpty { cuts = Array(Set(cuts + fileStarts)).sorted() }
        let partitionCount = cuts.count - 1
        phase("sniff")
        var results = Parallel.map(partitionCount) { k in parser.parse(from: cuts[k], to: cuts[k + 1]) }
        phase("parse")
        if cancel?.isCancelled == true || results.contains(where: { $0.cancelled }) { throw Cancelled() }

        // A range that did not end where the next began means the cut fell inside a quoted
        // field: parse the next range again from where the previous one really ended.
        var starts = Array(cuts.dropLast())
        for k in 1..<partitionCount where results[k - 1].fatal == nil {
            let actualStart = results[k - 1].endOffset
            if actualStart != starts[k] {
                starts[k] = actualStart
                results[k] = parser.parse(from: actualStart, to: max(actualStart, cuts[k + 1]))
            }
        }

        // The first fatal problem in file order stops the load.
        for result in results {
            if let problem = result.fatal {
                throw loadError(problem, file: file, names: names)
            }
            if result.cancelled { throw Cancelled() }
        }
        let rowCount = results.reduce(0) { $0 + $1.rows }
        if rowCount > Table.maxRows {
            throw LoadError(path: path, message: "the file has \(rowCount) rows; a dataset holds at most \(Table.maxRows)",
                            hint: "split the file, or load the columns and rows you need from a filtered export")
        }

        // One kind per column across ranges; re-read text where needed.
        for c in 0..<names.count {
            let kind = CSVColumnAssembler.unifiedKind(results.map { $0.builders[c].kind })
            for result in results { result.builders[c].convert(to: kind) }
        }
        _ = Parallel.map(results.count) { k in
            let result = results[k]
            let pending = (0..<names.count).filter { result.builders[$0].textFromRow != nil }
            if !pending.isEmpty { parser.rereadText(result, columns: pending, from: starts[k]) }
        }
        if cancel?.isCancelled == true { throw Cancelled() }
        phase("unify")

        // Columns are assembled side by side, except those with many distinct strings, which
        // build their dictionaries on all cores, one at a time, last: by then the other
        // columns' builders have given their memory back for the dictionaries' scratch.
        let deferred = (0..<names.count).filter { c in results.contains { $0.builders[c].text.isDeferred } }
        var assembled = [Column?](repeating: nil, count: names.count)
        // Smallest first: each assembled column is a new array, and once the first few have
        // given back their builders' memory, the larger ones reuse those pages instead of
        // touching fresh ones (the costliest part of assembling; see `LargeAllocation.discard`).
        let valueBytes = (0..<names.count).map { c in results.reduce(0) { $0 + $1.builders[c].valueBytes } }
        let rest = (0..<names.count).filter { !deferred.contains($0) }
            .sorted { a, b in valueBytes[a] != valueBytes[b] ? valueBytes[a] < valueBytes[b] : a < b }
        let restColumns = try Parallel.map(rest.count) { k -> Column in
            let builders = results.map { $0.builders[rest[k]] }
            defer { for b in builders { b.releaseStorage() } }
            return try CSVColumnAssembler.assemble(builders)
        }
        for (c, column) in zip(rest, restColumns) { assembled[c] = column }
        phase("assemble")
        for c in deferred {
            if cancel?.isCancelled == true { throw Cancelled() }
            let builders = results.map { $0.builders[c] }
            defer { for b in builders { b.releaseStorage() } }
            assembled[c] = try CSVColumnAssembler.assemble(builders, cancel: cancel)
        }
        let columns = assembled.map { $0! }
        phase("dictionaries")
        for c in 0..<names.count where forced[c] == nil && columns[c].type == .text {
            guard let offset = results.compactMap({ $0.builders[c].oversizedIntegerOffset }).min() else { continue }
            warnings.append(oversizedIntegerNote(column: names[c], at: offset, file: file))
        }
        var table = Table(names: names, columns: columns, rowCount: rowCount)
        var detected = input.notes
        let regional = LocaleColumnInference(givenMark: options.decimalComma.map { $0 ? .comma : .point }, delimiter: delimiter)
            .apply(to: table, skipping: Set((0..<names.count).filter { forced[$0] != nil }))
        table = regional.table
        detected += regional.detected
        warnings += regional.warnings
        if let name = options.fileColumn {
            table = try withFileColumn(table, name: name, input: input, cuts: cuts, results: results.map(\.rows))
        }
        phase("regional")

        var report = LoadReport(
            path: path, bytes: file.count, rows: table.rowCount, delimiter: delimiter, header: hasHeader,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        report.warnings = warnings
        report.detected = detected
        report.phases = phases
        if PhaseTrace.loadEnabled {
            let line = zip(phases, phaseMemory).map { phase, memory in
                "\(phase.name) \(Int(phase.seconds * 1000)) ms" + memory
            }.joined(separator: ", ")
            let text = "load \(path): \(line)\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
        report.skippedCount = results.reduce(0) { $0 + $1.skippedCount }
        for problem in results.flatMap(\.skipped).prefix(CSVPartitionParser.maxRecordedSkips) {
            let (line, _) = file.location(of: problem.rowStart)
            report.skipped.append(SkippedRow(line: line, reason: problem.message))
        }
        return (table, report)
    }

    /// `table` with a text column `name` giving each row's file: a range's rows come from the
    /// file its start is in.
    private static func withFileColumn(_ table: Table, name: String, input: LoadInput, cuts: [Int], results rows: [Int]) throws -> Table {
        guard !table.names.contains(name) else {
            throw LoadError(path: input.file.path, message: "`file_column` would add a column `\(name)`, which the file already has",
                            hint: "give it another name: `file_column \"source_file\"`")
        }
        let paths = input.segments.isEmpty ? [input.file.path] : input.segments.map(\.path)
        var codes: [Int64] = []
        codes.reserveCapacity(table.rowCount)
        for (k, count) in rows.enumerated() {
            let file = input.segments.lastIndex { $0.start <= cuts[k] } ?? 0
            codes.append(contentsOf: repeatElement(Int64(file), count: count))
        }
        let names = paths.map { path -> String in
            guard let slash = path.lastIndex(of: "/") else { return path }
            return String(path[path.index(after: slash)...])
        }
        let column = Column(type: .text, values: .text(codes: PackedIntegers.pack(codes), dictionary: StringDictionary(strings: names)), validity: nil)
        return Table(names: table.names + [name], columns: table.columns + [column], rowCount: table.rowCount)
    }

    /// End of the part of the file used to detect the dialect: about 256 KB, cut after a newline.
    /// The rows of the file from `start`, estimated from the line ends in its first 256 KB.
    private static func estimatedRows(_ file: MappedFile, from start: Int) -> Int {
        let end = min(file.count, start + (1 << 18))
        guard end > start else { return 0 }
        var lines = 0
        for p in start..<end where file.base[p] == 10 { lines += 1 }
        if end == file.count { return lines + 1 }
        return Int((Double(file.count - start) / Double(end - start) * Double(max(lines, 1))).rounded(.up))
    }

    private static func sampleEnd(_ file: MappedFile, from start: Int) -> Int {
        let limit = min(file.count, start + (1 << 18))
        if limit == file.count { return limit }
        var p = limit
        while p > start, file.base[p - 1] != 10 { p -= 1 }
        return p > start ? p : limit
    }

    private static func loadError(_ problem: RowProblem, file: MappedFile, names: [String]) -> LoadError {
        let (line, column) = file.location(of: problem.offset)
        return LoadError(
            // A field past the names (a row longer than the header) is named by its position;
            // none is named when the problem comes before the row's first field ended.
            path: file.path, line: line, column: column,
            field: problem.field.flatMap { names.indices.contains($0) ? names[$0] : $0 >= 0 ? "column \($0 + 1)" : nil },
            message: problem.message, hint: problem.hint)
    }

    /// Why a column of what look like integers is text: one does not fit 64 bits, and as a
    /// decimal it would lose digits (ids, usually, which must stay exact).
    private static func oversizedIntegerNote(column: String, at offset: Int, file: MappedFile) -> String {
        var start = offset
        while start < file.count, file.base[start] == 32 || file.base[start] == 9 { start += 1 }
        var end = start
        while end < file.count, end - start < 40, FieldParsing.isDigit(file.base[end]) || (end == start && (file.base[end] == 43 || file.base[end] == 45)) {
            end += 1
        }
        let value = String(decoding: UnsafeBufferPointer(start: file.base + start, count: end - start), as: UTF8.self)
        let (line, _) = file.location(of: offset)
        return "column `\(column)` is read as text: `\(value)\(end - start == 40 ? "..." : "")` (line \(line)) is an integer beyond 64 bits, "
            + "which would lose digits as a decimal; `types (\(Identifier.quote(column)) decimal)` reads it as approximate numbers"
    }

    /// Empty names become `colN`; repeated ones get `_2`, `_3`... (with a warning).
    static func uniqueNames(_ names: [String], warnings: inout [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for (index, raw) in names.enumerated() {
            var name = raw.isEmpty ? "col\(index + 1)" : raw
            if seen.contains(name) {
                var k = 2
                while seen.contains("\(name)_\(k)") { k += 1 }
                warnings.append("column name `\(name)` appears more than once; column \(index + 1) is named `\(name)_\(k)`")
                name = "\(name)_\(k)"
            }
            seen.insert(name)
            result.append(name)
        }
        return result
    }
}
