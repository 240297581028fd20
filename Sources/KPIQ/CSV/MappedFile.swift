#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes in memory: memory-mapped when it is a regular file, read whole otherwise
/// (pipes, /dev/stdin). Unmapped when released.
final class MappedFile {
    let path: String
    /// Changes only in `readCarriageReturnsAsLineEnds`, before any reader is made.
    private(set) var base: UnsafePointer<UInt8>
    let count: Int
    private var mapped: Bool

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw LoadError(path: path, message: "cannot open file: \(reason.lowercased())", code: .fileError)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw LoadError(path: path, message: "cannot read file: \(String(cString: strerror(errno)).lowercased())")
        }
        let mode = info.st_mode & S_IFMT
        if mode == S_IFDIR {
            throw LoadError(path: path, message: "is a directory, not a file")
        }
        if mode == S_IFREG {
            count = Int(info.st_size)
            if count == 0 {
                base = UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))
                mapped = false
                return
            }
            guard let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
                throw LoadError(path: path, message: "cannot map file: \(String(cString: strerror(errno)).lowercased())")
            }
            _ = madvise(address, count, MADV_SEQUENTIAL)
            base = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
            mapped = true
            return
        }
        // Not a regular file: read until end of input.
        var buffer = GrowableBuffer<UInt8>(capacity: 1 << 16)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                buffer.release()
                throw LoadError(path: path, message: "cannot read: \(String(cString: strerror(errno)).lowercased())")
            }
            if n == 0 { break }
            chunk.withUnsafeBufferPointer { buffer.append(contentsOf: $0.baseAddress!, count: n) }
        }
        count = buffer.count
        base = UnsafePointer(buffer.base)
        mapped = false
    }

    /// Bytes already in memory (decompressed, transcoded or joined from several files),
    /// owned from now on and freed when released. `path` names where they came from.
    init(path: String, owning bytes: UnsafeMutablePointer<UInt8>, count: Int) {
        self.path = path
        self.base = UnsafePointer(bytes)
        self.count = count
        mapped = false
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
    }

    /// Makes every carriage return not followed by a newline a newline, for a file whose
    /// lines end with CR alone (classic Mac OS; Excel's "CSV (Macintosh)"). The readers know
    /// only "\n" and "\r\n"; rewriting a private copy once keeps that so (their loops are the
    /// hot path of every load), and keeps every byte where it was, so offsets and the line
    /// numbers `location(of:)` counts stay right. A CR inside a quoted field becomes "\n"
    /// too: in such a file it is the line break of a multi-line value.
    func readCarriageReturnsAsLineEnds() {
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        copy.initialize(from: base, count: count)
        var p = 0
        while p < count {
            guard let found = memchr(copy + p, 13, count - p) else { break }
            let q = found.assumingMemoryBound(to: UInt8.self) - copy
            if q + 1 == count || copy[q + 1] != 10 { copy[q] = 10 }
            p = q + 1
        }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
        base = UnsafePointer(copy)
        mapped = false
    }

    /// 1-based line and column (in characters) of a byte offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        let target = min(max(offset, 0), count)
        var line = 1
        var lineStart = 0
        var p = 0
        while p < target {
            guard let found = memchr(base + p, 10, target - p) else { break }
            let q = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
            line += 1
            lineStart = q + 1
            p = q + 1
        }
        var column = 1
        var k = lineStart
        while k < target {
            if base[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return (line, column)
    }
}
