import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a saved session file holds, read back and checked.
struct SavedSession {
    var datasets: [Dataset]
    var kpis: KPIState
    var asOf: Int64?
    var fileBytes: Int
}

/// Reads a saved session file (`open "q4.kpiq"`; the layout is in `SessionFileFormat`).
///
/// The file is memory-mapped; each buffer's checksum is verified and the buffer copied into
/// the column arrays the engine works on, a few MB at a time (the checksum reads a piece from
/// the mapping, the copy finds it in cache), on all cores. Nothing of the mapping is kept
/// once `read` returns: a session opened from a file does not change when the file does, and
/// the file may be replaced or deleted while the session runs. Every length, count, code and
/// offset is checked before use, so a damaged file is an error saying what is wrong and at
/// which byte, never a read out of bounds.
enum SessionFileReader {
    static func read(path: String, shownAs shown: String? = nil, cancel: CancellationToken? = nil) throws -> SavedSession {
        let name = shown ?? path
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let error as LoadError {
            throw SessionFileError(path: name, message: error.message)
        }
        let bytes = UnsafeRawBufferPointer(start: file.base, count: file.count)
        let sections = try contents(bytes, name: name)
        let manifest = try self.manifest(bytes, sections: sections, name: name)
        var buffers = try copyBuffers(manifest, bytes, sections: sections, name: name, cancel: cancel)
        let datasets = try assemble(manifest, buffers: &buffers, sections: sections, name: name)
        let kpis = try definitions(manifest, name: name)
        return SavedSession(datasets: datasets, kpis: kpis, asOf: manifest.asOf, fileBytes: file.count)
    }

    // MARK: - Header and table of contents

    private static func load<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ offset: Int, as _: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Checks the header and reads the table of contents.
    static func contents(_ bytes: UnsafeRawBufferPointer, name: String) throws -> [SessionFileFormat.Section] {
        func fail(_ message: String, _ offset: Int, _ section: String = "the header") -> SessionFileError {
            SessionFileError(path: name, message: message, offset: offset, section: section)
        }
        let magic = SessionFileFormat.magic
        guard SessionFileFormat.hasMagic(UnsafeRawBufferPointer(rebasing: bytes.prefix(magic.count))) else {
            if bytes.isEmpty { throw fail("the file is empty", 0) }
            if bytes.count < magic.count, bytes.elementsEqual(magic.prefix(bytes.count)) {
                throw fail("the file is cut short: \(bytes.count) bytes, less than a header", bytes.count)
            }
            throw SessionFileError(path: name, message: "not a kpiq session file (it does not start as one; `save` writes them)", offset: 0, section: "the header")
        }
        guard bytes.count >= SessionFileFormat.headerBytes else {
            throw fail("the file is cut short: \(bytes.count) bytes, less than the \(SessionFileFormat.headerBytes)-byte header", bytes.count)
        }
        let version = load(bytes, 8, as: UInt32.self)
        guard version == SessionFileFormat.version else {
            if version > SessionFileFormat.version {
                throw fail("the file is in session format \(version); this kpiq reads format \(SessionFileFormat.version) (open it with a newer kpiq)", 8)
            }
            throw fail("unknown session format \(version)", 8)
        }
        let stored = load(bytes, SessionFileFormat.headerChecksumOffset, as: UInt32.self)
        let computed = kpiq_crc32c(0, bytes.baseAddress, SessionFileFormat.headerChecksumOffset)
        guard stored == computed else { throw fail("the header is damaged (checksum mismatch)", 0) }
        guard load(bytes, 12, as: UInt32.self) == UInt32(SessionFileFormat.headerBytes) else { throw fail("the header's length is not \(SessionFileFormat.headerBytes)", 12) }
        let fileBytes = load(bytes, 16, as: UInt64.self)
        guard fileBytes == UInt64(bytes.count) else {
            if fileBytes > UInt64(bytes.count) {
                throw fail("the file is cut short: it has \(bytes.count) bytes, its header says \(fileBytes)", bytes.count, "the end of the file")
            }
            throw fail("the file has \(UInt64(bytes.count) - fileBytes) bytes after its end (\(fileBytes) bytes)", Int(fileBytes), "the end of the file")
        }
        let contentsOffset = load(bytes, 24, as: UInt64.self)
        let count = load(bytes, 32, as: UInt64.self)
        let entry = UInt64(SessionFileFormat.contentsEntryBytes)
        guard contentsOffset >= UInt64(SessionFileFormat.headerBytes), contentsOffset <= fileBytes, count >= 1,
              count <= (fileBytes - contentsOffset) / entry, contentsOffset + count * entry == fileBytes
        else {
            throw fail("the table of contents (\(count) entries at byte \(contentsOffset)) does not fit the file's \(fileBytes) bytes", 24)
        }
        let table = UnsafeRawBufferPointer(rebasing: bytes[Int(contentsOffset)...])
        guard load(bytes, 40, as: UInt32.self) == kpiq_crc32c(0, table.baseAddress, table.count) else {
            throw fail("the table of contents is damaged (checksum mismatch)", Int(contentsOffset), "the table of contents")
        }
        var sections: [SessionFileFormat.Section] = []
        for i in 0..<Int(count) {
            let at = Int(contentsOffset) + i * SessionFileFormat.contentsEntryBytes
            let offset = load(bytes, at, as: UInt64.self), length = load(bytes, at + 8, as: UInt64.self)
            let kindValue = load(bytes, at + 20, as: UInt32.self)
            guard offset >= UInt64(SessionFileFormat.headerBytes), offset <= contentsOffset, length <= contentsOffset - offset else {
                throw fail("section \(i) (\(length) bytes at byte \(offset)) lies outside the sections' part of the file", at, "the table of contents")
            }
            guard let kind = SessionFileFormat.SectionKind(rawValue: kindValue), (i == 0) == (kind == .manifest) else {
                throw fail("section \(i) has kind \(kindValue); section 0 is the manifest and the others buffers", at + 20, "the table of contents")
            }
            sections.append(SessionFileFormat.Section(offset: Int(offset), length: Int(length), checksum: load(bytes, at + 16, as: UInt32.self), kind: kind))
        }
        try checkGaps(bytes, sections, contentsOffset: Int(contentsOffset), name: name)
        return sections
    }

    /// Sections may not overlap, and the padding between them (which no checksum covers) must
    /// be zeros: then every byte of the file is checked, by a checksum or by this.
    private static func checkGaps(_ bytes: UnsafeRawBufferPointer, _ sections: [SessionFileFormat.Section], contentsOffset: Int, name: String) throws {
        var end = SessionFileFormat.headerBytes
        for (index, section) in sections.enumerated().sorted(by: { ($0.element.offset, $0.element.length) < ($1.element.offset, $1.element.length) }) {
            guard section.offset >= end else {
                throw SessionFileError(path: name, message: "section \(index) overlaps the section before it", offset: section.offset, section: "the table of contents")
            }
            try checkZeros(bytes, end..<section.offset, name: name)
            end = section.offset + section.length
        }
        try checkZeros(bytes, end..<contentsOffset, name: name)
    }

    private static func checkZeros(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, name: String) throws {
        if let nonzero = range.first(where: { bytes[$0] != 0 }) {
            throw SessionFileError(path: name, message: "the padding between sections is damaged (not zeros)", offset: nonzero, section: "between sections")
        }
    }

    private static func manifest(_ bytes: UnsafeRawBufferPointer, sections: [SessionFileFormat.Section], name: String) throws -> SessionManifest {
        let section = sections[0]
        let manifestBytes = UnsafeRawBufferPointer(rebasing: bytes[section.offset..<section.offset + section.length])
        guard kpiq_crc32c(0, manifestBytes.baseAddress, manifestBytes.count) == section.checksum else {
            throw SessionFileError(path: name, message: "the manifest is damaged (checksum mismatch)", offset: section.offset, section: "section 0 (the manifest)")
        }
        var reader = SessionByteReader(manifestBytes, fileOffset: section.offset) { message, offset in
            SessionFileError(path: name, message: message, offset: offset, section: "section 0 (the manifest)")
        }
        return try SessionManifest.decode(&reader, sections: sections.count)
    }

    // MARK: - Buffers

    /// One buffer section as the engine's array.
    enum Buffer {
        case u8([UInt8]), u16([UInt16]), u32([UInt32]), i64([Int64]), doubles([Double]), words([UInt64]), ints([Int])
    }

    private enum Element { case u8, u16, u32, i64, doubles, words, ints }

    /// A buffer to read: which section, as what, how many elements, and what it is (for messages).
    private struct Job {
        var section: Int
        var element: Element
        var count: Int
        var what: String
    }

    private static func jobs(_ manifest: SessionManifest) -> [Job] {
        var jobs: [Job] = []
        func element(width: Int) -> Element { [1: .u8, 2: .u16, 4: .u32][width] ?? .i64 }
        for (index, dictionary) in manifest.dictionaries.enumerated() {
            // The string bytes' length is whatever the section holds (checked against the offsets).
            jobs.append(Job(section: dictionary.bytesSection, element: .u8, count: -1, what: "the strings of dictionary \(index)"))
            jobs.append(Job(section: dictionary.offsetsSection, element: .ints, count: dictionary.count + 1, what: "the string offsets of dictionary \(index)"))
        }
        for dataset in manifest.datasets {
            for column in dataset.columns {
                let name = "`\(dataset.name)`.`\(column.name)`"
                switch column.storage {
                case .packed(_, _, let width, let section): jobs.append(Job(section: section, element: element(width: width), count: dataset.rows, what: "the values of \(name)"))
                case .doubles(let section): jobs.append(Job(section: section, element: .doubles, count: dataset.rows, what: "the values of \(name)"))
                case .bools(let section): jobs.append(Job(section: section, element: .u8, count: dataset.rows, what: "the values of \(name)"))
                case .text(_, _, let width, let section, _): jobs.append(Job(section: section, element: element(width: width), count: dataset.rows, what: "the codes of \(name)"))
                }
                if let validity = column.validity {
                    jobs.append(Job(section: validity, element: .words, count: (dataset.rows + 63) >> 6, what: "the null bitmap of \(name)"))
                }
            }
        }
        return jobs
    }

    /// Every buffer the manifest names, checked and copied, by section number.
    private static func copyBuffers(
        _ manifest: SessionManifest, _ bytes: UnsafeRawBufferPointer, sections: [SessionFileFormat.Section], name: String, cancel: CancellationToken?
    ) throws -> [Int: Buffer] {
        var jobs = jobs(manifest)
        var seen = Set<Int>()
        for job in jobs where !seen.insert(job.section).inserted {
            throw SessionFileError(path: name, message: "section \(job.section) is named twice in the manifest (again for \(job.what))",
                                   offset: sections[0].offset, section: "section 0 (the manifest)")
        }
        // Biggest first, so the cores finish together.
        jobs.sort { sections[$0.section].length > sections[$1.section].length }
        let file = UncheckedSendableBytes(bytes)
        let copied = try Parallel.map(jobs.count) { i -> Buffer in
            try copy(jobs[i], from: file.bytes, section: sections[jobs[i].section], name: name, cancel: cancel)
        }
        var buffers: [Int: Buffer] = [:]
        for (job, buffer) in zip(jobs, copied) { buffers[job.section] = buffer }
        return buffers
    }

    private struct UncheckedSendableBytes: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    }

    private static func copy(_ job: Job, from bytes: UnsafeRawBufferPointer, section: SessionFileFormat.Section, name: String, cancel: CancellationToken?) throws -> Buffer {
        let place = "section \(job.section) (\(job.what))"
        let width: Int
        switch job.element {
        case .u8: width = 1
        case .u16: width = 2
        case .u32: width = 4
        case .i64, .doubles, .words, .ints: width = 8
        }
        let count = job.count < 0 ? section.length : job.count
        guard count.multipliedReportingOverflow(by: width) == (section.length, false) else {
            throw SessionFileError(path: name, message: "the section has \(section.length) bytes; \(count) values of \(width) bytes take \(count &* width)",
                                   offset: section.offset, section: place)
        }
        let source = bytes.baseAddress! + section.offset
        func filled<T>(_: T.Type) throws -> [T] {
            var failure: (any Error)?
            let array = LargeAllocation.array(of: T.self, count: count) { destination in
                do {
                    try checkAndCopy(source, into: UnsafeMutableRawPointer(destination), section.length, expected: section.checksum, cancel: cancel)
                } catch {
                    failure = error
                    UnsafeMutableRawPointer(destination).initializeMemory(as: UInt8.self, repeating: 0, count: section.length)
                }
            }
            if let failure {
                if failure is Cancelled { throw failure }
                throw SessionFileError(path: name, message: "the section is damaged (checksum mismatch)", offset: section.offset, section: place)
            }
            return array
        }
        switch job.element {
        case .u8: return .u8(try filled(UInt8.self))
        case .u16: return .u16(try filled(UInt16.self))
        case .u32: return .u32(try filled(UInt32.self))
        case .i64: return .i64(try filled(Int64.self))
        case .doubles: return .doubles(try filled(Double.self))
        case .words: return .words(try filled(UInt64.self))
        case .ints: return .ints(try filled(Int.self))
        }
    }

    private struct ChecksumMismatch: Error {}

    /// Copies `length` bytes in pieces that stay in cache between the checksum and the copy.
    private static func checkAndCopy(_ source: UnsafeRawPointer, into destination: UnsafeMutableRawPointer, _ length: Int, expected: UInt32, cancel: CancellationToken?) throws {
        let piece = 256 << 10
        var checksum: UInt32 = 0
        var done = 0
        while done < length {
            if done & ((64 << 20) - 1) == 0 { try cancel?.check() }
            let n = min(piece, length - done)
            checksum = kpiq_crc32c(checksum, source + done, n)
            memcpy(destination + done, source + done, n)
            done += n
        }
        guard checksum == expected else { throw ChecksumMismatch() }
    }

    // MARK: - Datasets

    /// The smallest and largest value of packed integers (nil when there are none).
    static func range(of packed: PackedIntegers) -> (low: Int64, high: Int64)? {
        guard packed.count > 0 else { return nil }
        func extremes<T: FixedWidthInteger>(_ a: [T]) -> (T, T) {
            var low = a[0], high = a[0]
            for v in a {
                low = min(low, v)
                high = max(high, v)
            }
            return (low, high)
        }
        let stored: (Int64, Int64)
        switch packed.storage {
        case .u8(let a): let (l, h) = extremes(a); stored = (Int64(l), Int64(h))
        case .u16(let a): let (l, h) = extremes(a); stored = (Int64(l), Int64(h))
        case .u32(let a): let (l, h) = extremes(a); stored = (Int64(l), Int64(h))
        case .i64(let a): stored = extremes(a)
        }
        // Values are base + stored * scale (wrapping, as `PackedIntegers` reads them).
        if packed.scale == 0 { return (packed.base, packed.base) }
        // A wrapped product or sum could put the extremes anywhere: report the widest range then.
        let (product1, overflow1) = stored.0.multipliedReportingOverflow(by: packed.scale)
        let (product2, overflow2) = stored.1.multipliedReportingOverflow(by: packed.scale)
        let (a, overflow3) = packed.base.addingReportingOverflow(product1)
        let (b, overflow4) = packed.base.addingReportingOverflow(product2)
        if overflow1 || overflow2 || overflow3 || overflow4 { return (Int64.min, Int64.max) }
        return (min(a, b), max(a, b))
    }

    private static func assemble(_ manifest: SessionManifest, buffers: inout [Int: Buffer], sections: [SessionFileFormat.Section], name: String) throws -> [Dataset] {
        func fail(_ message: String, section: Int) -> SessionFileError {
            let what = jobs(manifest).first { $0.section == section }?.what ?? "a buffer"
            return SessionFileError(path: name, message: message, offset: sections[section].offset, section: "section \(section) (\(what))")
        }
        var dictionaries: [StringDictionary] = []
        for entry in manifest.dictionaries {
            guard case .u8(let bytes)? = buffers.removeValue(forKey: entry.bytesSection), case .ints(let offsets)? = buffers.removeValue(forKey: entry.offsetsSection) else {
                preconditionFailure("every dictionary's buffers were read")
            }
            var previous = 0
            var ordered = offsets.first == 0
            for offset in offsets {
                if offset < previous { ordered = false; break }
                previous = offset
            }
            guard ordered, offsets.last == bytes.count else {
                throw fail("the string offsets do not run from 0 up to the \(bytes.count) string bytes", section: entry.offsetsSection)
            }
            dictionaries.append(StringDictionary(bytes: bytes, offsets: offsets))
        }
        func packed(base: Int64, scale: Int64, section: Int) -> PackedIntegers {
            switch buffers.removeValue(forKey: section) {
            case .u8(let a)?: return PackedIntegers(base: base, scale: scale, storage: .u8(a))
            case .u16(let a)?: return PackedIntegers(base: base, scale: scale, storage: .u16(a))
            case .u32(let a)?: return PackedIntegers(base: base, scale: scale, storage: .u32(a))
            case .i64(let a)?: return PackedIntegers(base: base, scale: scale, storage: .i64(a))
            default: preconditionFailure("every column's buffers were read as their width says")
            }
        }
        var datasets: [Dataset] = []
        var names = Set<String>()
        for entry in manifest.datasets {
            guard names.insert(entry.name).inserted else {
                throw SessionFileError(path: name, message: "two datasets are named `\(entry.name)`", offset: entry.fileOffset, section: "section 0 (the manifest)")
            }
            var columnNames = Set<String>()
            var columns: [Column] = []
            for column in entry.columns {
                guard columnNames.insert(column.name).inserted else {
                    throw SessionFileError(path: name, message: "`\(entry.name)` has two columns named `\(column.name)`", offset: entry.fileOffset,
                                           section: "section 0 (the manifest)")
                }
                var validity: Validity?
                if let section = column.validity {
                    guard case .words(let words)? = buffers.removeValue(forKey: section) else { preconditionFailure("bitmaps are read as words") }
                    // Bits past the last row must be 0, or the null count would be wrong.
                    if entry.rows & 63 != 0, let last = words.last, last >> UInt64(entry.rows & 63) != 0 {
                        throw fail("the null bitmap has bits set past the last row", section: section)
                    }
                    validity = Validity(words: words, count: entry.rows)
                }
                let values: Column.Values
                switch column.storage {
                case .packed(let base, let scale, _, let section):
                    let integers = packed(base: base, scale: scale, section: section)
                    // Dates and times stay inside the calendar (0001-01-01 to 9999-12-31), as a
                    // load keeps them: calendar arithmetic relies on that bound to never overflow.
                    if column.type.isTemporal, let (low, high) = range(of: integers) {
                        let (lowest, highest) = column.type == .date
                            ? (CivilCalendar.minDay, CivilCalendar.maxDay) : (CivilCalendar.minMicros, CivilCalendar.maxMicros)
                        if low < lowest || high > highest {
                            throw fail("`\(entry.name)`.`\(column.name)` has \(column.type.name) values outside 0001-01-01 .. 9999-12-31", section: section)
                        }
                    }
                    values = .integers(integers)
                case .doubles(let section):
                    guard case .doubles(let a)? = buffers.removeValue(forKey: section) else { preconditionFailure("doubles are read as doubles") }
                    values = .doubles(a)
                case .bools(let section):
                    guard case .u8(let a)? = buffers.removeValue(forKey: section) else { preconditionFailure("bools are read as bytes") }
                    guard a.allSatisfy({ $0 <= 1 }) else { throw fail("a bool value is neither 0 nor 1", section: section) }
                    values = .bools(a)
                case .text(let base, let scale, _, let section, let index):
                    let codes = packed(base: base, scale: scale, section: section)
                    let dictionary = dictionaries[index]
                    if let (low, high) = range(of: codes), low < 0 || high >= Int64(max(dictionary.count, 1)) {
                        throw fail("codes run from \(low) to \(high) but the dictionary has \(dictionary.count) strings", section: section)
                    }
                    values = .text(codes: codes, dictionary: dictionary)
                }
                columns.append(Column(type: column.type, values: values, validity: validity, untyped: column.isUntyped))
            }
            let table = Table(names: entry.columns.map(\.name), columns: columns, rowCount: entry.rows)
            for time in [entry.timeColumn, entry.endTimeColumn].compactMap({ $0 }) {
                guard let column = table.column(named: time), column.type.isTemporal else {
                    throw SessionFileError(path: name, message: "the time column `\(time)` of `\(entry.name)` is not one of its date or timestamp columns",
                                           offset: entry.fileOffset, section: "section 0 (the manifest)")
                }
            }
            var dataset = Dataset(name: entry.name, table: table, timeColumn: entry.timeColumn, origin: entry.origin,
                                  formats: Dictionary(entry.formats, uniquingKeysWith: { $1 }))
            dataset.endTimeColumn = entry.endTimeColumn
            datasets.append(dataset)
        }
        return datasets
    }

    // MARK: - Definitions

    /// Metrics are parsed again from their text; a library metric is the library's own.
    private static func definitions(_ manifest: SessionManifest, name: String) throws -> KPIState {
        var kpis = KPIState()
        for entry in manifest.metrics {
            if let library = KPILibrary.definition(entry.name), library.text == entry.text,
               library.format?.name == entry.format, library.timeColumn?.name == entry.timeColumn {
                kpis.define(library)
                continue
            }
            var text = "metric \(Identifier.quote(entry.name)) = \(entry.text)"
            if let format = entry.format { text += " as \(Identifier.quote(format))" }
            if let time = entry.timeColumn { text += " time \(Identifier.quote(time))" }
            let parsed = Parser.parse(SourceText(name: "\(name) (metric \(entry.name))", text: text))
            guard parsed.diagnostics.isEmpty, parsed.statements.count == 1, case .metric(let definition) = parsed.statements[0].kind,
                  definition.name.name == entry.name
            else {
                throw SessionFileError(path: name, message: "the saved definition of metric `\(entry.name)` does not read as a metric: \(entry.text)",
                                       offset: entry.fileOffset, section: "section 0 (the manifest)")
            }
            kpis.define(definition)
        }
        kpis.targets = manifest.targets
        kpis.relationships = manifest.relationships
        kpis.binding = manifest.binding
        kpis.unavailable = manifest.unavailable
        return kpis
    }
}
