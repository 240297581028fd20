import CKPIQSupport

/// The layout of a saved session file (`save "q4.kpiq"`, read back by `open`).
///
/// ```
/// offset 0    header, 64 bytes (little-endian):
///              0  magic          8 bytes: 0x89 "KPIQ" CR LF 0x1A (a text-mode copy or a
///                                truncated transfer changes them)
///              8  version        u32: SessionFileFormat.version
///             12  header bytes   u32: 64
///             16  file bytes     u64: the whole file's length (a cut file is caught here)
///             24  contents at    u64: offset of the table of contents
///             32  sections       u64: how many entries it has
///             40  contents CRC   u32: CRC-32C of the table of contents
///             44  (zero)         16 bytes
///             60  header CRC     u32: CRC-32C of bytes 0 ..< 60
/// offset 64   sections, each starting on a 64-byte boundary (4096 for those of a page or
///             more), so that every typed buffer is aligned for its type in a mapping
/// at the end  table of contents: per section 32 bytes: offset u64, length u64, CRC-32C u32,
///             kind u32, zero u64
/// ```
///
/// Section 0 is the manifest (`SessionManifest`): the datasets with their columns' types and
/// encodings, and the metrics, targets, relationships and library bindings. Every other
/// section is one buffer exactly as a column holds it in memory: packed integers at their
/// width, doubles, bool bytes, null bitmap words, a dictionary's string bytes and offsets.
/// Opening is thus a checksum and a copy per buffer, with no parsing and no interning.
enum SessionFileFormat {
    static let magic: [UInt8] = [0x89, 0x4B, 0x50, 0x49, 0x51, 0x0D, 0x0A, 0x1A]
    /// Raised on any change a reader of the previous version could not read.
    static let version: UInt32 = 1
    static let headerBytes = 64
    static let contentsEntryBytes = 32
    /// Where the header's own checksum starts.
    static let headerChecksumOffset = 60

    enum SectionKind: UInt32 {
        case manifest = 1
        case buffer = 2
    }

    /// A section's place in the file, as the table of contents lists it.
    struct Section {
        var offset: Int
        var length: Int
        var checksum: UInt32
        var kind: SectionKind
    }

    /// Sections of a page or more start on a page, others on a cache line.
    static func alignment(forLength length: Int) -> Int { length >= 4096 ? 4096 : 64 }

    /// True when `bytes` start like a saved session (for `save`'s overwrite check and for
    /// telling a session file from a script on the command line).
    static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && zip(bytes.prefix(magic.count), magic).allSatisfy { $0 == $1 }
    }
}

/// Why a saved session file could not be read: what is wrong, and where (the byte offset in
/// the file, and the section and what it holds when known).
package struct SessionFileError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var message: String
    /// Byte offset in the file of the problem.
    package var offset: Int?
    /// "section 3 (values of `events`.`ts`)", "the header", "the table of contents".
    package var section: String?

    package init(path: String, message: String, offset: Int? = nil, section: String? = nil) {
        self.path = path
        self.message = message
        self.offset = offset
        self.section = section
    }

    /// `q4.kpiq: byte 4096 (section 3, values of `events`.`ts`): checksum mismatch`.
    package var description: String {
        var place: [String] = []
        if let offset { place.append("byte \(offset)") }
        if let section { place.append(section) }
        return place.isEmpty ? "\(path): \(message)" : "\(path): \(message) at \(place.joined(separator: ", "))"
    }
}


extension SessionFileFormat {
    /// CRC-32C of some bytes (`kpiq_crc32c`).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { kpiq_crc32c(0, bytes.baseAddress, bytes.count) }

    /// Recomputes every checksum of a file's bytes (and its recorded length) after they were
    /// changed on purpose, so that tests and the fuzzer (`Fuzz/SessionFileFuzz.swift`) reach
    /// the checks behind the checksums: the manifest's decoding and the buffers' validation.
    /// Sections the table of contents places outside the file are left as they are.
    static func reseal(_ file: inout [UInt8]) {
        guard file.count >= headerBytes, file.starts(with: magic) else { return }
        file.withUnsafeMutableBytes { bytes in
            func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            bytes.storeBytes(of: UInt64(bytes.count).littleEndian, toByteOffset: 16, as: UInt64.self)
            let contents = u64(24), count = u64(32)
            if contents <= UInt64(bytes.count), count <= (UInt64(bytes.count) - contents) / UInt64(contentsEntryBytes) {
                for i in 0..<Int(count) {
                    let at = Int(contents) + i * contentsEntryBytes
                    let offset = u64(at), length = u64(at + 8)
                    guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { continue }
                    let crc = checksum(UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + length)]))
                    bytes.storeBytes(of: crc.littleEndian, toByteOffset: at + 16, as: UInt32.self)
                }
                let table = UnsafeRawBufferPointer(rebasing: bytes[Int(contents)..<Int(contents) + Int(count) * contentsEntryBytes])
                bytes.storeBytes(of: checksum(table).littleEndian, toByteOffset: 40, as: UInt32.self)
            }
            let header = checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<headerChecksumOffset]))
            bytes.storeBytes(of: header.littleEndian, toByteOffset: headerChecksumOffset, as: UInt32.self)
        }
    }
}
