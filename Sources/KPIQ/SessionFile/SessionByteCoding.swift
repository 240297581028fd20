/// Little-endian encoding of the manifest's fields (`SessionManifest`).
struct SessionByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    mutating func f64(_ v: Double) { u64(v.bitPattern) }

    mutating func count(_ n: Int) { u64(UInt64(n)) }

    mutating func string(_ s: String) {
        count(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    mutating func optionalString(_ s: String?) {
        u8(s == nil ? 0 : 1)
        if let s { string(s) }
    }

    mutating func optionalDouble(_ v: Double?) {
        optional(v) { $0.f64($1) }
    }

    /// A flag, then the value as `write` writes it when there is one.
    mutating func optional<T>(_ value: T?, _ write: (inout SessionByteWriter, T) -> Void) {
        u8(value == nil ? 0 : 1)
        if let value { write(&self, value) }
    }

    /// The number of elements, then each as `write` writes it.
    mutating func list<T>(_ elements: some Collection<T>, _ write: (inout SessionByteWriter, T) -> Void) {
        count(elements.count)
        for element in elements { write(&self, element) }
    }
}

/// Reads what `SessionByteWriter` wrote, checking every length against what is left: a bad
/// manifest is an error at its byte offset, never a read past the end.
struct SessionByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Offset of `bytes` in the file, for messages.
    let fileOffset: Int
    let fail: (_ message: String, _ offset: Int) -> SessionFileError
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer, fileOffset: Int, fail: @escaping (String, Int) -> SessionFileError) {
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.fail = fail
    }

    var atEnd: Bool { position == bytes.count }

    /// An error at the current position.
    func error(_ message: String) -> SessionFileError { fail(message, fileOffset + position) }

    private mutating func take(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw error("the manifest ends inside \(what)")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + n])
    }

    mutating func u8(_ what: String) throws -> UInt8 { try take(1, what)[0] }

    mutating func u32(_ what: String) throws -> UInt32 {
        UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self))
    }

    mutating func u64(_ what: String) throws -> UInt64 {
        UInt64(littleEndian: try take(8, what).loadUnaligned(as: UInt64.self))
    }

    mutating func i64(_ what: String) throws -> Int64 { Int64(bitPattern: try u64(what)) }

    mutating func f64(_ what: String) throws -> Double { Double(bitPattern: try u64(what)) }

    mutating func flag(_ what: String) throws -> Bool {
        let at = position
        switch try u8(what) {
        case 0: return false
        case 1: return true
        case let v: throw fail("\(what) is \(v), expected 0 or 1", fileOffset + at)
        }
    }

    /// A count of things each at least `minimumBytes` long in the manifest: no more than the
    /// bytes left could hold, so a corrupt count cannot ask for a huge allocation.
    mutating func count(_ what: String, minimumBytes: Int = 1) throws -> Int {
        let at = position
        let n = try u64(what)
        guard n <= UInt64(max(0, bytes.count - position) / max(1, minimumBytes)) else {
            throw fail("\(what) is \(n), more than the manifest could hold", fileOffset + at)
        }
        return Int(n)
    }

    /// A number that must be at most `limit`.
    mutating func bounded(_ what: String, limit: Int) throws -> Int {
        let at = position
        let n = try u64(what)
        guard n <= UInt64(limit) else { throw fail("\(what) is \(n), more than \(limit)", fileOffset + at) }
        return Int(n)
    }

    mutating func string(_ what: String) throws -> String {
        let n = try count("the length of \(what)")
        let at = position
        let raw = try take(n, what)
        guard let s = String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw fail("\(what) is not valid UTF-8", fileOffset + at)
        }
        return s
    }

    mutating func optionalString(_ what: String) throws -> String? {
        try flag("whether there is \(what)") ? try string(what) : nil
    }

    mutating func optionalDouble(_ what: String) throws -> Double? {
        try flag("whether there is \(what)") ? try f64(what) : nil
    }

    /// What `SessionByteWriter.list` wrote: a count of elements (`what`), each at least
    /// `minimumBytes` long, then each as `read` reads it.
    mutating func list<T>(_ what: String, minimumBytes: Int, _ read: (inout SessionByteReader) throws -> T) throws -> [T] {
        let n = try count(what, minimumBytes: minimumBytes)
        var elements: [T] = []
        for _ in 0..<n { elements.append(try read(&self)) }
        return elements
    }

    /// A section number, which must be one of the `sections` the table of contents lists and
    /// not the manifest's own (0).
    mutating func section(_ what: String, sections: Int) throws -> Int {
        let at = position
        let n = try u64(what)
        guard n >= 1, n < UInt64(sections) else {
            throw fail("\(what) is section \(n); the file has sections 1 to \(sections - 1)", fileOffset + at)
        }
        return Int(n)
    }
}
