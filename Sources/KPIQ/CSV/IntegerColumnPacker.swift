/// Packs the `IntegerBuffer`s of a column's partitions into one `PackedIntegers`, exactly as
/// `PackedIntegers.pack(parts:validity:scales:)` would pack their values, without widening
/// them to 64 bits first: each buffer's narrow offsets are shifted onto the column's minimum
/// in one pass.
enum IntegerColumnPacker {
    /// The packed column, or nil when the fast path does not apply (some partition stores
    /// values in a unit other than the scale chosen), for the caller to pack plain values.
    static func pack(_ builders: [ColumnBuilder], validity: Validity?, scales: [Int64]) -> PackedIntegers? {
        let total = builders.reduce(0) { $0 + $1.rows }
        var minimum = Int64.max, maximum = Int64.min
        var units = Set<Int64>()
        for b in builders where b.ints.hasValues {
            minimum = min(minimum, b.ints.minimum &* b.ints.unit)
            maximum = max(maximum, b.ints.maximum &* b.ints.unit)
            units.insert(b.ints.unit)
        }
        if minimum > maximum { minimum = 0; maximum = 0 }
        // Every value is a multiple of the common unit, and so is the minimum: a candidate
        // scale that divides the unit is one `PackedIntegers.pack` would accept, and it takes
        // the first acceptable one. A candidate that does not divide the unit may or may not be
        // acceptable: only the general path can tell.
        guard units.count <= 1 else { return nil }
        let unit = units.first ?? 1
        var scale: Int64 = 1
        for candidate in scales where candidate > 1 {
            guard unit % candidate == 0 else { return nil }
            scale = candidate
            break
        }
        guard scale == unit else { return nil }

        let (span, overflow) = maximum.subtractingReportingOverflow(minimum)
        let range = overflow ? UInt64.max : UInt64(span) / UInt64(scale)
        let minimumInUnits = minimum / unit
        func narrow<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            LargeAllocation.array(of: T.self, count: total) { buffer in
                var k = 0
                for b in builders {
                    let delta = b.ints.base &- minimumInUnits
                    convert(b.ints.storage, width: b.ints.width, count: b.rows, adding: delta, into: buffer + k)
                    k += b.rows
                }
                if let validity {
                    for i in 0..<total where !validity.isValid(i) { buffer[i] = 0 }
                }
            }
        }
        if range <= UInt64(UInt8.max) { return PackedIntegers(base: minimum, scale: scale, storage: .u8(narrow(UInt8.self))) }
        if range <= UInt64(UInt16.max) { return PackedIntegers(base: minimum, scale: scale, storage: .u16(narrow(UInt16.self))) }
        if range <= UInt64(UInt32.max) { return PackedIntegers(base: minimum, scale: scale, storage: .u32(narrow(UInt32.self))) }
        var flat = [Int64]()
        flat.reserveCapacity(total)
        for b in builders {
            for i in 0..<b.rows { flat.append(b.ints[i]) }
        }
        if let validity { for i in 0..<total where !validity.isValid(i) { flat[i] = 0 } }
        return PackedIntegers(flat: flat)
    }

    /// `out[i] = offset[i] + delta`, truncated to `T`, for offsets of the given width.
    private static func convert<T: FixedWidthInteger>(
        _ storage: UnsafeMutableRawPointer, width: Int, count: Int, adding delta: Int64, into out: UnsafeMutablePointer<T>
    ) {
        switch width {
        case 1: convert(storage.assumingMemoryBound(to: Int8.self), count, delta, out)
        case 2: convert(storage.assumingMemoryBound(to: Int16.self), count, delta, out)
        case 4: convert(storage.assumingMemoryBound(to: Int32.self), count, delta, out)
        default: convert(storage.assumingMemoryBound(to: Int64.self), count, delta, out)
        }
    }

    @inline(__always)
    private static func convert<S: FixedWidthInteger, T: FixedWidthInteger>(
        _ source: UnsafePointer<S>, _ count: Int, _ delta: Int64, _ out: UnsafeMutablePointer<T>
    ) {
        for i in 0..<count { out[i] = T(truncatingIfNeeded: Int64(source[i]) &+ delta) }
    }
}
