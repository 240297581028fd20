import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a session's datasets and KPI definitions to one file (`save "q4.kpiq"`); the layout
/// is described in `SessionFileFormat`. The file is written beside its final name and renamed
/// over it at the end, so an interrupted save leaves the previous file whole, and a session
/// opened from the old file (which `open` copies) is not affected either way.
struct SessionFileWriter {
    /// One column buffer as it is in memory, kept alive until written.
    private enum Buffer {
        case u8([UInt8]), u16([UInt16]), u32([UInt32]), i64([Int64]), doubles([Double]), words([UInt64]), ints([Int])

        func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            switch self {
            case .u8(let a): return try a.withUnsafeBytes(body)
            case .u16(let a): return try a.withUnsafeBytes(body)
            case .u32(let a): return try a.withUnsafeBytes(body)
            case .i64(let a): return try a.withUnsafeBytes(body)
            case .doubles(let a): return try a.withUnsafeBytes(body)
            case .words(let a): return try a.withUnsafeBytes(body)
            case .ints(let a): return try a.withUnsafeBytes(body)
            }
        }
    }

    private var manifest = SessionManifest()
    /// Section i + 1's contents (section 0 is the manifest).
    private var buffers: [Buffer] = []
    private var dictionaryIndex: [ObjectIdentifier: Int] = [:]

    /// Writes the session; returns the file's size in bytes.
    static func write(catalog: Catalog, kpis: KPIState, asOf: Int64?, to path: String, cancel: CancellationToken? = nil) throws -> Int {
        var writer = SessionFileWriter()
        writer.manifest.asOf = asOf
        for dataset in catalog.datasets { writer.add(dataset) }
        writer.add(kpis)
        return try writer.writeFile(path, cancel: cancel)
    }

    private mutating func section(_ buffer: Buffer) -> Int {
        buffers.append(buffer)
        return buffers.count
    }

    private mutating func add(_ dataset: Dataset) {
        var entry = SessionManifest.DatasetEntry(
            name: dataset.name, timeColumn: dataset.timeColumn, endTimeColumn: dataset.endTimeColumn, origin: dataset.origin,
            formats: dataset.formats.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, rows: dataset.table.rowCount, columns: [])
        for (name, column) in zip(dataset.table.names, dataset.table.columns) {
            let storage: SessionManifest.Storage
            switch column.values {
            case .integers(let packed):
                let (width, section) = add(packed)
                storage = .packed(base: packed.base, scale: packed.scale, width: width, section: section)
            case .doubles(let values):
                storage = .doubles(section: section(.doubles(values)))
            case .bools(let values):
                storage = .bools(section: section(.u8(values)))
            case .text(let codes, let dictionary):
                let codes = Self.codesInRange(codes, of: dictionary)
                let (width, section) = add(codes)
                storage = .text(base: codes.base, scale: codes.scale, width: width, section: section, dictionary: add(dictionary))
            }
            let validity = column.validity.map { section(.words($0.words)) }
            entry.columns.append(SessionManifest.ColumnEntry(name: name, type: column.type, isUntyped: column.isUntyped, storage: storage, validity: validity))
        }
        manifest.datasets.append(entry)
    }

    private mutating func add(_ packed: PackedIntegers) -> (width: Int, section: Int) {
        switch packed.storage {
        case .u8(let a): return (1, section(.u8(a)))
        case .u16(let a): return (2, section(.u16(a)))
        case .u32(let a): return (4, section(.u32(a)))
        case .i64(let a): return (8, section(.i64(a)))
        }
    }

    private mutating func add(_ dictionary: StringDictionary) -> Int {
        if let index = dictionaryIndex[ObjectIdentifier(dictionary)] { return index }
        let bytes = section(.u8(dictionary.bytes))
        let offsets = section(.ints(dictionary.offsets))
        manifest.dictionaries.append(SessionManifest.DictionaryEntry(count: dictionary.count, bytesSection: bytes, offsetsSection: offsets))
        dictionaryIndex[ObjectIdentifier(dictionary)] = manifest.dictionaries.count - 1
        return manifest.dictionaries.count - 1
    }

    /// The codes, with any outside the dictionary (only null rows could hold one) made 0:
    /// `open` refuses codes outside their dictionary, so what is saved must have none.
    private static func codesInRange(_ codes: PackedIntegers, of dictionary: StringDictionary) -> PackedIntegers {
        let limit = Int64(max(dictionary.count, 1))
        guard let (low, high) = SessionFileReader.range(of: codes), low < 0 || high >= limit else { return codes }
        return PackedIntegers(flat: (0..<codes.count).map { codes[$0] >= 0 && codes[$0] < limit ? codes[$0] : 0 })
    }

    private mutating func add(_ kpis: KPIState) {
        manifest.metrics = kpis.metricOrder.compactMap { name in
            kpis.metrics[name].map { SessionManifest.MetricEntry(name: name, text: $0.text, format: $0.format?.name, timeColumn: $0.timeColumn?.name) }
        }
        manifest.targets = kpis.targets
        manifest.relationships = kpis.relationships
        manifest.binding = kpis.binding
        manifest.unavailable = kpis.unavailable
    }

    // MARK: - The file

    private func writeFile(_ path: String, cancel: CancellationToken?) throws -> Int {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SessionFileError(path: path, message: "cannot write: \(Self.lastError())") }
        var file = OutputFile(fd: fd, path: path)
        do {
            try file.write(zeros: SessionFileFormat.headerBytes)
            var sections: [SessionFileFormat.Section] = []
            let manifestBytes = manifest.encoded()
            sections.append(try manifestBytes.withUnsafeBytes { try file.writeSection($0, kind: .manifest, cancel: cancel) })
            for buffer in buffers {
                sections.append(try buffer.withBytes { try file.writeSection($0, kind: .buffer, cancel: cancel) })
            }
            try file.align(8)
            let contentsOffset = file.offset
            var contents = SessionByteWriter()
            for section in sections {
                contents.count(section.offset)
                contents.count(section.length)
                contents.u32(section.checksum)
                contents.u32(section.kind.rawValue)
                contents.u64(0)
            }
            try contents.bytes.withUnsafeBytes { try file.write($0) }
            var header = SessionByteWriter()
            for byte in SessionFileFormat.magic { header.u8(byte) }
            header.u32(SessionFileFormat.version)
            header.u32(UInt32(SessionFileFormat.headerBytes))
            header.count(file.offset)
            header.count(contentsOffset)
            header.count(sections.count)
            header.u32(contents.bytes.withUnsafeBytes { kpiq_crc32c(0, $0.baseAddress, $0.count) })
            for _ in 0..<16 { header.u8(0) }
            header.u32(header.bytes.withUnsafeBytes { kpiq_crc32c(0, $0.baseAddress, $0.count) })
            try header.bytes.withUnsafeBytes { try file.write($0, at: 0) }
            let size = file.offset
            guard close(fd) == 0 else { throw SessionFileError(path: path, message: "cannot write: \(Self.lastError())") }
            guard rename(temporary, path) == 0 else { throw SessionFileError(path: path, message: "cannot replace the file: \(Self.lastError())") }
            return size
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)).lowercased() }

    /// Sequential writes with the offset and each section's checksum kept on the way.
    private struct OutputFile {
        let fd: Int32
        let path: String
        private(set) var offset = 0
        private static let zeros = [UInt8](repeating: 0, count: 4096)

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw SessionFileError(path: path, message: "cannot write: \(SessionFileWriter.lastError())", offset: offset + done) }
                done += n
            }
            offset += bytes.count
        }

        func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
            guard pwrite(fd, bytes.baseAddress, bytes.count, off_t(position)) == bytes.count else {
                throw SessionFileError(path: path, message: "cannot write: \(SessionFileWriter.lastError())", offset: position)
            }
        }

        mutating func write(zeros count: Int) throws {
            var left = count
            while left > 0 {
                let n = min(left, Self.zeros.count)
                try Self.zeros.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                left -= n
            }
        }

        mutating func align(_ alignment: Int) throws {
            try write(zeros: (alignment - offset % alignment) % alignment)
        }

        mutating func writeSection(_ bytes: UnsafeRawBufferPointer, kind: SessionFileFormat.SectionKind, cancel: CancellationToken?) throws -> SessionFileFormat.Section {
            try align(SessionFileFormat.alignment(forLength: bytes.count))
            let start = offset
            var checksum: UInt32 = 0
            var done = 0
            let chunk = 8 << 20
            while done < bytes.count {
                try cancel?.check()
                let piece = UnsafeRawBufferPointer(rebasing: bytes[done..<min(bytes.count, done + chunk)])
                checksum = kpiq_crc32c(checksum, piece.baseAddress, piece.count)
                try write(piece)
                done += piece.count
            }
            return SessionFileFormat.Section(offset: start, length: bytes.count, checksum: checksum, kind: kind)
        }
    }
}

/// `write(2)` (the writer's own `write` methods hide the system's name inside it).
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
