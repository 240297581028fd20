/// Integers stored in the narrowest width that holds them: `value = base + offset * scale`.
///
/// Used for int, date and timestamp columns and for the codes of text columns. A column of
/// 0/1 flags takes one byte per row, ids up to four billion four bytes, and timestamps that
/// fall on whole seconds are kept as 32-bit second offsets instead of 64-bit microseconds.
/// Kernels decode a batch at a time into a flat `Int64` buffer (`decode`), so operators never
/// see the packing.
package struct PackedIntegers: Sendable {
    enum Storage: Sendable {
        case u8([UInt8])
        case u16([UInt16])
        case u32([UInt32])
        case i64([Int64])
    }

    package let base: Int64
    package let scale: Int64
    let storage: Storage

    package var count: Int {
        switch storage {
        case .u8(let a): return a.count
        case .u16(let a): return a.count
        case .u32(let a): return a.count
        case .i64(let a): return a.count
        }
    }

    /// Bytes held by the values.
    package var byteCount: Int {
        switch storage {
        case .u8(let a): return a.count
        case .u16(let a): return a.count * 2
        case .u32(let a): return a.count * 4
        case .i64(let a): return a.count * 8
        }
    }

    /// Width in bytes of one stored value (1, 2, 4 or 8).
    package var width: Int {
        switch storage {
        case .u8: return 1
        case .u16: return 2
        case .u32: return 4
        case .i64: return 8
        }
    }

    init(base: Int64, scale: Int64, storage: Storage) {
        self.base = base
        self.scale = scale
        self.storage = storage
    }

    /// Unpacked 64-bit values (used for computed columns, which are not worth packing).
    package init(flat values: [Int64]) {
        self.init(base: 0, scale: 1, storage: .i64(values))
    }

    @inline(__always)
    package subscript(i: Int) -> Int64 {
        switch storage {
        case .u8(let a): return base &+ Int64(a[i]) &* scale
        case .u16(let a): return base &+ Int64(a[i]) &* scale
        case .u32(let a): return base &+ Int64(a[i]) &* scale
        case .i64(let a): return base &+ a[i] &* scale
        }
    }

    /// Writes values `start ..< start + count` into `out`.
    package func decode(from start: Int, count n: Int, into out: UnsafeMutablePointer<Int64>) {
        if n == 0 { return }
        let base = self.base, scale = self.scale
        switch storage {
        case .u8(let a):
            a.withUnsafeBufferPointer { p in
                let src = p.baseAddress! + start
                for k in 0..<n { out[k] = base &+ Int64(src[k]) &* scale }
            }
        case .u16(let a):
            a.withUnsafeBufferPointer { p in
                let src = p.baseAddress! + start
                for k in 0..<n { out[k] = base &+ Int64(src[k]) &* scale }
            }
        case .u32(let a):
            a.withUnsafeBufferPointer { p in
                let src = p.baseAddress! + start
                for k in 0..<n { out[k] = base &+ Int64(src[k]) &* scale }
            }
        case .i64(let a):
            a.withUnsafeBufferPointer { p in
                let src = p.baseAddress! + start
                if base == 0, scale == 1 {
                    out.update(from: src, count: n)
                } else {
                    for k in 0..<n { out[k] = base &+ src[k] &* scale }
                }
            }
        }
    }

    /// Writes the values at `indices` into `out`.
    package func decode(indices: UnsafePointer<Int32>, count n: Int, into out: UnsafeMutablePointer<Int64>) {
        if n == 0 { return }
        let base = self.base, scale = self.scale
        switch storage {
        case .u8(let a):
            a.withUnsafeBufferPointer { p in
                for k in 0..<n { out[k] = base &+ Int64(p[Int(indices[k])]) &* scale }
            }
        case .u16(let a):
            a.withUnsafeBufferPointer { p in
                for k in 0..<n { out[k] = base &+ Int64(p[Int(indices[k])]) &* scale }
            }
        case .u32(let a):
            a.withUnsafeBufferPointer { p in
                for k in 0..<n { out[k] = base &+ Int64(p[Int(indices[k])]) &* scale }
            }
        case .i64(let a):
            a.withUnsafeBufferPointer { p in
                for k in 0..<n { out[k] = base &+ p[Int(indices[k])] &* scale }
            }
        }
    }

    /// Packs values, ignoring the slots that `validity` marks null (they decode as `base`).
    ///
    /// `scales` lists multipliers worth trying, largest first (for timestamps: whole seconds,
    /// then milliseconds); the first that divides every offset is used.
    package static func pack(
        _ values: UnsafeBufferPointer<Int64>, validity: Validity?, scales: [Int64] = []
    ) -> PackedIntegers {
        pack(parts: [values], validity: validity, scales: scales)
    }

    /// Packs a Swift array (convenience for tests and small computed columns).
    package static func pack(_ values: [Int64], validity: Validity? = nil, scales: [Int64] = []) -> PackedIntegers {
        values.withUnsafeBufferPointer { pack($0, validity: validity, scales: scales) }
    }

    /// `pack` of millions of values without nulls or scales (a count per visitor), on all
    /// cores: the range first, then the narrowing, a range of values per core.
    private static func packLarge(_ values: UnsafeBufferPointer<Int64>) -> PackedIntegers {
        let pieces = Parallel.ranges(values.count, parts: Parallel.threadCount)
        let extremes = Parallel.map(pieces.count) { p -> (Int64, Int64) in
            var low = Int64.max, high = Int64.min
            for i in pieces[p] {
                low = Swift.min(low, values[i])
                high = Swift.max(high, values[i])
            }
            return (low, high)
        }
        let base = extremes.map(\.0).min()!, maximum = extremes.map(\.1).max()!
        let (span, overflow) = maximum.subtractingReportingOverflow(base)
        func narrow<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            LargeAllocation.array(of: T.self, count: values.count) { out in
                let shared = UncheckedBox(out)
                _ = Parallel.map(pieces.count) { p in
                    for i in pieces[p] { shared.value[i] = T(truncatingIfNeeded: values[i] &- base) }
                }
            }
        }
        if !overflow, span <= Int64(UInt8.max) { return PackedIntegers(base: base, scale: 1, storage: .u8(narrow(UInt8.self))) }
        if !overflow, span <= Int64(UInt16.max) { return PackedIntegers(base: base, scale: 1, storage: .u16(narrow(UInt16.self))) }
        if !overflow, span <= Int64(UInt32.max) { return PackedIntegers(base: base, scale: 1, storage: .u32(narrow(UInt32.self))) }
        return PackedIntegers(flat: Array(values))
    }

    /// The values at `indices`, at the same width (`Gather`: stops with `Cancelled` between
    /// pieces once `cancel` is raised).
    func gather(_ indices: UnsafeBufferPointer<Int32>, cancel: CancellationToken?) throws -> PackedIntegers {
        switch storage {
        case .u8(let a): return PackedIntegers(base: base, scale: scale, storage: .u8(try Gather.values(a, at: indices, cancel: cancel)))
        case .u16(let a): return PackedIntegers(base: base, scale: scale, storage: .u16(try Gather.values(a, at: indices, cancel: cancel)))
        case .u32(let a): return PackedIntegers(base: base, scale: scale, storage: .u32(try Gather.values(a, at: indices, cancel: cancel)))
        case .i64(let a): return PackedIntegers(base: base, scale: scale, storage: .i64(try Gather.values(a, at: indices, cancel: cancel)))
        }
    }

    /// The values at `indices`, at the same width.
    package func gather(_ indices: UnsafeBufferPointer<Int32>) -> PackedIntegers {
        try! gather(indices, cancel: nil)  // without a token nothing throws
    }

    /// All values, unpacked.
    package func unpacked() -> [Int64] {
        [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let start = buffer.baseAddress { decode(from: 0, count: count, into: start) }
            initialized = count
        }
    }
    /// Packs values held in several buffers as if they were one (see `pack(_:validity:scales:)`).
    package static func pack(parts: [UnsafeBufferPointer<Int64>], validity: Validity?, scales: [Int64]) -> PackedIntegers {
        if parts.count == 1, validity == nil, scales.isEmpty, parts[0].count >= 1 << 20 { return packLarge(parts[0]) }
        let total = parts.reduce(0) { $0 + $1.count }
        var minimum = Int64.max, maximum = Int64.min
        var row = 0
        for part in parts {
            if let validity {
                for i in 0..<part.count where validity.isValid(row + i) {
                    minimum = Swift.min(minimum, part[i])
                    maximum = Swift.max(maximum, part[i])
                }
            } else {
                for v in part {
                    minimum = Swift.min(minimum, v)
                    maximum = Swift.max(maximum, v)
                }
            }
            row += part.count
        }
        if minimum > maximum { minimum = 0; maximum = 0 }
        var scale: Int64 = 1
        candidates: for candidate in scales where candidate > 1 {
            row = 0
            for part in parts {
                for i in 0..<part.count where validity?.isValid(row + i) ?? true {
                    if (part[i] &- minimum) % candidate != 0 { continue candidates }
                }
                row += part.count
            }
            scale = candidate
            break
        }
        let (span, overflow) = maximum.subtractingReportingOverflow(minimum)
        let range = overflow ? UInt64.max : UInt64(span) / UInt64(scale)
        let base = minimum
        func narrow<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                var k = 0
                for part in parts {
                    if scale == 1 {
                        for i in 0..<part.count { buffer[k + i] = T(truncatingIfNeeded: part[i] &- base) }
                    } else {
                        for i in 0..<part.count { buffer[k + i] = T(truncatingIfNeeded: (part[i] &- base) / scale) }
                    }
                    if let validity {
                        for i in 0..<part.count where !validity.isValid(k + i) { buffer[k + i] = 0 }
                    }
                    k += part.count
                }
                initialized = total
            }
        }
        if range <= UInt64(UInt8.max) { return PackedIntegers(base: base, scale: scale, storage: .u8(narrow(UInt8.self))) }
        if range <= UInt64(UInt16.max) { return PackedIntegers(base: base, scale: scale, storage: .u16(narrow(UInt16.self))) }
        if range <= UInt64(UInt32.max) { return PackedIntegers(base: base, scale: scale, storage: .u32(narrow(UInt32.self))) }
        var flat = [Int64]()
        flat.reserveCapacity(total)
        for part in parts { flat.append(contentsOf: part) }
        if let validity { for i in 0..<total where !validity.isValid(i) { flat[i] = 0 } }
        return PackedIntegers(flat: flat)
    }

    /// Dictionary codes in the narrowest unsigned width for the dictionary's size.
    static func packCodes(_ codes: UnsafeBufferPointer<UInt32>, dictionarySize: Int) -> PackedIntegers {
        if dictionarySize <= 256 { return PackedIntegers(base: 0, scale: 1, storage: .u8(codes.map { UInt8(truncatingIfNeeded: $0) })) }
        if dictionarySize <= 65_536 { return PackedIntegers(base: 0, scale: 1, storage: .u16(codes.map { UInt16(truncatingIfNeeded: $0) })) }
        return PackedIntegers(base: 0, scale: 1, storage: .u32(Array(codes)))
    }
}
