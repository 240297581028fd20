/// Reads Thrift's compact protocol, the encoding of Parquet's footer and page headers.
///
/// Only what Parquet needs: structs read field by field (`nextField`), integers, doubles,
/// binary, lists, and skipping any value whose field the caller does not know. Every read is
/// bounds-checked and nesting is limited, so a corrupt footer is an error at a byte offset,
/// never a read past the buffer or a deep recursion.
struct ThriftCompactReader: VariableLengthIntegerReading {
    enum FieldType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6
        case double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    struct Failure: Error {
        /// Offset in the file of the byte that could not be read.
        var offset: Int
        var reason: String
    }

    let base: UnsafeRawPointer
    let end: Int
    /// Offset in the file of `base` (for messages).
    let fileOffset: Int
    private(set) var position = 0
    private var depth = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer, fileOffset: Int) {
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        end = bytes.count
        self.fileOffset = fileOffset
    }

    func failure(_ reason: String) -> Failure { Failure(offset: fileOffset + position, reason: reason) }

    mutating func byte() throws(Failure) -> UInt8 {
        guard position < end else { throw failure("the metadata ends early") }
        let b = base.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return b
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let narrow = Int32(exactly: v) else { throw failure("a 32-bit integer is out of range") }
        return narrow
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func double() throws -> Double {
        guard end - position >= 8 else { throw failure("the metadata ends early") }
        let bits = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    /// A binary or string value: its bytes, in place.
    mutating func binary() throws -> UnsafeRawBufferPointer {
        let length = try varint()
        guard length <= UInt64(end - position) else { throw failure("a string of \(length) bytes runs past the metadata") }
        let bytes = UnsafeRawBufferPointer(start: base + position, count: Int(length))
        position += Int(length)
        return bytes
    }

    mutating func string() throws -> String { String(decoding: try binary(), as: UTF8.self) }

    /// The next field of the current struct (nil at its end). `last` is the previous field's
    /// id, kept by the caller (one per struct being read).
    mutating func nextField(_ last: inout Int16) throws -> (id: Int16, type: FieldType)? {
        let header = try byte()
        guard let type = FieldType(rawValue: header & 0x0F) else { throw failure("unknown field type \(header & 0x0F)") }
        if type == .stop { return nil }
        let delta = header >> 4
        if delta == 0 {
            let id = try zigzag()
            guard let narrow = Int16(exactly: id) else { throw failure("a field id is out of range") }
            last = narrow
        } else {
            last &+= Int16(delta)
        }
        return (last, type)
    }

    /// A boolean field's value (booleans are in the field header).
    func bool(_ type: FieldType) throws -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw failure("expected a boolean")
        }
    }

    /// A list's header: element count and type.
    mutating func listHeader() throws -> (count: Int, type: FieldType) {
        let header = try byte()
        guard let type = FieldType(rawValue: header & 0x0F) else { throw failure("unknown list element type") }
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        // Each element takes at least a byte: a larger count is a corrupt file.
        guard count <= UInt64(end - position) else { throw failure("a list of \(count) elements runs past the metadata") }
        return (Int(count), type)
    }

    /// Reads a struct, calling `field` for each field; `field` reads the value or returns false
    /// to have it skipped.
    mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, FieldType) throws -> Bool) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("the metadata nests too deeply") }
        var last: Int16 = 0
        while let (id, type) = try nextField(&last) {
            if try !field(&self, id, type) { try skip(type) }
        }
    }

    /// Reads the outermost struct of a message (a footer, a page header): an error its fields
    /// throw that is not already a `Failure` becomes one at the reader's position.
    mutating func readMessage(_ field: (inout ThriftCompactReader, Int16, FieldType) throws -> Bool) throws(Failure) {
        do {
            try readStruct(field)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw self.failure("\(error)")
        }
    }

    /// Reads a list whose elements `element` reads.
    mutating func readList<T>(_ element: (inout ThriftCompactReader, FieldType) throws -> T) throws -> [T] {
        let (count, type) = try listHeader()
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self, type)) }
        return result
    }

    /// Checks that a field has the type the format gives it.
    func expect(_ type: FieldType, _ wanted: FieldType) throws {
        let same = type == wanted || (wanted == .boolTrue && type == .boolFalse) || (wanted == .byte && type == .i32)
        guard same else { throw failure("a field has type \(type) where \(wanted) was expected") }
    }

    /// Skips a value of `type`.
    mutating func skip(_ type: FieldType) throws {
        switch type {
        case .stop: throw failure("unexpected end of struct")
        case .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try double()
        case .binary: _ = try binary()
        case .list, .set:
            let (count, elementType) = try listHeader()
            try nested {
                for _ in 0..<count {
                    // Booleans in a list take a byte each.
                    if elementType == .boolTrue || elementType == .boolFalse { _ = try $0.byte() } else { try $0.skip(elementType) }
                }
            }
        case .map:
            let count = try varint()
            guard count <= UInt64(end - position) else { throw failure("a map of \(count) entries runs past the metadata") }
            if count == 0 { return }
            let types = try byte()
            guard let key = FieldType(rawValue: types >> 4), let value = FieldType(rawValue: types & 0x0F) else {
                throw failure("unknown map entry type")
            }
            try nested {
                for _ in 0..<count {
                    try $0.skip(key)
                    try $0.skip(value)
                }
            }
        case .structure:
            try readStruct { _, _, _ in false }
        }
    }

    private mutating func nested(_ body: (inout ThriftCompactReader) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("the metadata nests too deeply") }
        try body(&self)
    }
}
