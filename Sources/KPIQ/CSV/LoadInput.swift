#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes a CSV load parses, as UTF-8: the file mapped as it is (the common case, no
/// copy), or decompressed (`.gz`, `.zst`), transcoded (Latin-1, Windows-1252, UTF-16), or
/// several files joined into one (`load "exports/sessions-*.csv"`).
struct LoadInput {
    let file: MappedFile
    /// What was done to the bytes, for the load message (`gzip`, `UTF-16 LE`, `3 files`).
    var notes: [String] = []
    /// One per file when several were joined, in order.
    var segments: [Segment] = []

    /// Where one file's rows are in the joined bytes.
    struct Segment {
        var path: String
        /// Offset in the joined bytes of the file's first data row, and its line there.
        var start: Int
        var joinedLine: Int
        /// The line of that row in the file itself (2 after a header).
        var fileLine: Int
    }

    /// True when `path` is a pattern (`*`, `?` or `[...]`) rather than a file's name: a
    /// file of that exact name, if there is one, is read as it is.
    static func isPattern(_ path: String) -> Bool {
        path.contains { $0 == "*" || $0 == "?" || $0 == "[" } && access(path, F_OK) != 0
    }

    static func open(path: String, options: CSVOptions, cancel: CancellationToken?, budget: MemoryBudget? = nil) throws -> LoadInput {
        if isPattern(path) { return try openMatches(of: path, options: options, cancel: cancel, budget: budget) }
        return try openOne(path: path, options: options, cancel: cancel, budget: budget)
    }

    /// One file, decompressed and transcoded as needed.
    static func openOne(path: String, options: CSVOptions, cancel: CancellationToken?, budget: MemoryBudget? = nil) throws -> LoadInput {
        var file = try MappedFile(path: path)
        var notes: [String] = []
        if let format = Decompression.detect(file.base, count: file.count) {
            do {
                let (bytes, count) = try Decompression.decompress(format, file.base, count: file.count, cancel: cancel, budget: budget)
                file = MappedFile(path: path, owning: bytes, count: count)
            } catch let failure as Decompression.Failure {
                throw LoadError(path: path, message: "\(failure.message) (byte \(failure.offset) of the compressed file)",
                                hint: "check the download or decompress the file with `\(format == .gzip ? "gunzip" : "zstd -d")` to see what is wrong")
            }
            notes.append(format.name)
        }
        let encoding = options.encoding ?? TextEncoding.detect(file.base, count: file.count)
        if let encoding, encoding != .utf8 {
            do {
                let (bytes, count) = try encoding.transcode(file.base, count: file.count)
                file = MappedFile(path: path, owning: bytes, count: count)
            } catch let invalid as TextEncoding.InvalidUTF16 {
                throw LoadError(path: path, message: "\(invalid.message) (byte \(invalid.offset))",
                                hint: "the file may not be UTF-16: try `with (encoding \"utf-8\")` or `\"windows-1252\"`")
            }
            notes.append(encoding.name)
        }
        return LoadInput(file: file, notes: notes)
    }

    /// Every file the pattern matches, in name order, as one: the header of the first, then
    /// the rows of each. Each file must have the same header.
    private static func openMatches(of pattern: String, options: CSVOptions, cancel: CancellationToken?, budget: MemoryBudget?) throws -> LoadInput {
        let paths = try matches(of: pattern)
        var joined = GrowableBuffer<UInt8>(capacity: 1 << 16)
        var segments: [Segment] = []
        var firstHeader: [UInt8]?
        var joinedLines = 1
        var notes: [String] = []
        let hasHeader = options.header ?? true
        do {
            for path in paths {
                if cancel?.isCancelled == true { throw Cancelled() }
                let one = try openOne(path: path, options: options, cancel: cancel, budget: budget)
                for note in one.notes where !notes.contains(note) { notes.append(note) }
                let file = one.file
                var start = 0
                if file.count >= 3, file.base[0] == 0xEF, file.base[1] == 0xBB, file.base[2] == 0xBF { start = 3 }
                var dataStart = start
                var fileLine = 1
                var headerLength = 0
                if hasHeader {
                    var lineEnd = start
                    while lineEnd < file.count, file.base[lineEnd] != 10 { lineEnd += 1 }
                    var headerEnd = lineEnd
                    if headerEnd > start, file.base[headerEnd - 1] == 13 { headerEnd -= 1 }
                    let header = Array(UnsafeBufferPointer(start: file.base + start, count: headerEnd - start))
                    if let firstHeader {
                        guard header == firstHeader else {
                            throw LoadError(path: path, line: 1, message: "the header differs from the first file's (\(paths[0].split(separator: "/").last.map(String.init) ?? paths[0]))",
                                            hint: "every file a pattern matches needs the same header; the first has `\(Self.preview(firstHeader))`, this one `\(Self.preview(header))`")
                        }
                        dataStart = min(file.count, lineEnd + 1)
                    } else {
                        // The first file keeps its header: the reader takes the names from it.
                        firstHeader = header
                        headerLength = min(file.count, lineEnd + 1) - start
                    }
                    fileLine = 2
                }
                let before = joined.count
                let count = file.count - dataStart
                joined.append(contentsOf: file.base + dataStart, count: count)
                if count > 0, file.base[file.count - 1] != 10 { joined.append(10) }
                segments.append(Segment(path: path, start: before + headerLength,
                                        joinedLine: joinedLines + (headerLength > 0 ? 1 : 0), fileLine: fileLine))
                var p = before
                while p < joined.count, let found = memchr(joined.base + p, 10, joined.count - p) {
                    joinedLines += 1
                    p = UnsafeMutablePointer(found.assumingMemoryBound(to: UInt8.self)) - joined.base + 1
                }
            }
        } catch {
            joined.release()
            throw error
        }
        notes.append("\(paths.count) file\(paths.count == 1 ? "" : "s")")
        let file = MappedFile(path: pattern, owning: joined.base, count: joined.count)
        return LoadInput(file: file, notes: notes, segments: segments)
    }

    private static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self)
        return bytes.count > 120 ? text + "..." : text
    }

    /// The files a pattern matches, sorted by name.
    static func matches(of pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, 0, nil, &result)
        guard status == 0 else {
            throw LoadError(path: pattern, message: "no file matches this pattern",
                            hint: "`*` matches any characters within a folder name, `?` one character, `[...]` one of those listed")
        }
        var paths: [String] = []
        for k in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[k] { paths.append(String(cString: p)) }
        }
        paths = paths.filter { path in
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR
        }
        guard !paths.isEmpty else { throw LoadError(path: pattern, message: "no file matches this pattern (only folders do)") }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The file and line of a line of the joined bytes.
    func locate(joinedLine line: Int) -> (path: String, line: Int)? {
        guard let segment = segments.last(where: { $0.joinedLine <= line }) else { return nil }
        return (segment.path, line - segment.joinedLine + segment.fileLine)
    }
}
