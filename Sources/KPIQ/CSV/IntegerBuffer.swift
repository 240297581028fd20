import CKPIQSupport

/// Integers appended one at a time while a column loads (int, bool, date and timestamp values),
/// kept as signed offsets from the first value in the narrowest width that holds every offset
/// so far: 1, 2, 4 or 8 bytes. The buffer widens itself when a value does not fit.
///
/// Ids, flags, counts and timestamps rarely need 64 bits, and the loader's cost is dominated
/// by the memory it touches: flags take one byte a row instead of eight, ids and timestamps four.
///
/// Timestamps are microseconds, but nearly always whole seconds: a buffer created with
/// `unit: 1_000_000` stores seconds until a value with a fraction arrives, then switches to
/// microseconds. Values are `(base + offset) * unit`.
///
/// Null rows hold a placeholder whose value is unspecified: readers check validity.
struct IntegerBuffer: ~Copyable {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0
    /// Bytes per offset: 1, 2, 4 or 8.
    private(set) var width = 1
    /// The first value appended (in units), so offsets stay small.
    private(set) var base: Int64 = 0
    private(set) var unit: Int64
    /// Smallest and largest value appended, in units (placeholders are not values).
    private(set) var minimum = Int64.max
    private(set) var maximum = Int64.min

    static let microsPerSecond: Int64 = 1_000_000

    init(unit: Int64 = 1, capacity: Int = 16) {
        precondition(unit == 1 || unit == Self.microsPerSecond)
        self.unit = unit
        self.capacity = max(16, capacity)
        storage = UnsafeMutableRawPointer(LargeAllocation.allocate(UInt8.self, count: self.capacity))
    }

    deinit { LargeAllocation.free(storage.assumingMemoryBound(to: UInt8.self)) }

    var hasValues: Bool { minimum <= maximum }

    // MARK: - Appending

    @inline(__always)
    mutating func append(_ value: Int64) {
        var v = value
        if unit != 1 {
            let (q, r) = value.quotientAndRemainder(dividingBy: 1_000_000)
            if r != 0 {
                switchToMicroseconds()
            } else {
                v = q
            }
        }
        appendInUnits(v)
    }

    /// Appends a value already expressed in the buffer's unit.
    @inline(__always)
    mutating func appendInUnits(_ v: Int64) {
        if count == capacity { grow() }
        if minimum > maximum { base = v }
        let d = v &- base
        switch width {
        case 1:
            if d == Int64(Int8(truncatingIfNeeded: d)) {
                storage.storeBytes(of: Int8(truncatingIfNeeded: d), toByteOffset: count, as: Int8.self)
            } else {
                widenAndStore(d)
            }
        case 2:
            if d == Int64(Int16(truncatingIfNeeded: d)) {
                storage.storeBytes(of: Int16(truncatingIfNeeded: d), toByteOffset: count &* 2, as: Int16.self)
            } else {
                widenAndStore(d)
            }
        case 4:
            if d == Int64(Int32(truncatingIfNeeded: d)) {
                storage.storeBytes(of: Int32(truncatingIfNeeded: d), toByteOffset: count &* 4, as: Int32.self)
            } else {
                widenAndStore(d)
            }
        default:
            storage.storeBytes(of: d, toByteOffset: count &* 8, as: Int64.self)
        }
        if v < minimum { minimum = v }
        if v > maximum { maximum = v }
        count += 1
    }

    /// Appends a run of values in units (`nulls[i]`: a placeholder instead), as many calls to
    /// `appendInUnits` and `appendPlaceholder` would, but with the width settled once for
    /// the run and the offsets stored by one narrowing loop.
    mutating func appendRun(_ values: UnsafePointer<Int64>, nulls: UnsafePointer<Bool>, count n: Int) {
        var low = Int64.max, high = Int64.min
        var firstValue: Int64?
        for i in 0..<n where !nulls[i] {
            let v = values[i]
            if firstValue == nil { firstValue = v }
            if v < low { low = v }
            if v > high { high = v }
        }
        appendRun(values, nulls: nulls, count: n, first: firstValue, low: low, high: high)
    }

    /// As `appendRun(_:nulls:count:)`, for a run whose values were summed up while they were
    /// parsed (the loader's C loops): one pass over the run instead of two.
    mutating func appendRun(_ values: UnsafePointer<Int64>, nulls: UnsafePointer<Bool>, count n: Int, range: kpiq_run_range) {
        appendRun(values, nulls: nulls, count: n, first: range.count > 0 ? range.first : nil, low: range.low, high: range.high)
    }

    private mutating func appendRun(
        _ values: UnsafePointer<Int64>, nulls: UnsafePointer<Bool>, count n: Int, first firstValue: Int64?, low: Int64, high: Int64
    ) {
        reserve(count + n)
        if let firstValue {
            if minimum > maximum { base = firstValue }
            if low < minimum { minimum = low }
            if high > maximum { maximum = high }
            // Offsets grow with values unless a subtraction wraps; then only 8 bytes hold all.
            let (lowOffset, o1) = minimum.subtractingReportingOverflow(base)
            let (highOffset, o2) = maximum.subtractingReportingOverflow(base)
            var needed = width
            if o1 || o2 {
                needed = 8
            } else {
                while needed < 8, !(Self.fits(lowOffset, needed) && Self.fits(highOffset, needed)) { needed *= 2 }
            }
            if needed != width { reallocate(capacity: capacity, width: needed) }
        }
        let base = self.base
        switch width {
        case 1: Self.storeRun(values, nulls, n, base, (storage + count).assumingMemoryBound(to: Int8.self))
        case 2: Self.storeRun(values, nulls, n, base, (storage + count * 2).assumingMemoryBound(to: Int16.self))
        case 4: Self.storeRun(values, nulls, n, base, (storage + count * 4).assumingMemoryBound(to: Int32.self))
        default: Self.storeRun(values, nulls, n, base, (storage + count * 8).assumingMemoryBound(to: Int64.self))
        }
        count += n
    }

    @inline(__always)
    private static func storeRun<T: FixedWidthInteger>(
        _ values: UnsafePointer<Int64>, _ nulls: UnsafePointer<Bool>, _ n: Int, _ base: Int64, _ out: UnsafeMutablePointer<T>
    ) {
        for i in 0..<n { out[i] = nulls[i] ? 0 : T(truncatingIfNeeded: values[i] &- base) }
    }

    /// A null row's slot.
    @inline(__always)
    mutating func appendPlaceholder() {
        if count == capacity { grow() }
        store(0, at: count)
        count += 1
    }

    mutating func appendPlaceholders(_ n: Int) {
        reserve(count + n)
        (storage + count * width).initializeMemory(as: UInt8.self, repeating: 0, count: n * width)
        count += n
    }

    /// Room for `total` offsets, growing as `GrowableBuffer` does.
    mutating func reserve(_ total: Int) {
        if total > capacity { reallocate(capacity: GrowableBuffer<Int64>.grownCapacity(capacity, toHold: total), width: width) }
    }

    private mutating func grow() {
        reallocate(capacity: capacity * 2, width: width)
    }

    @inline(never)
    private mutating func widenAndStore(_ d: Int64) {
        var newWidth = width * 2
        while newWidth < 8, !Self.fits(d, newWidth) { newWidth *= 2 }
        reallocate(capacity: capacity, width: newWidth)
        store(d, at: count)
    }

    @inline(__always)
    static func fits(_ d: Int64, _ width: Int) -> Bool {
        switch width {
        case 1: return d == Int64(Int8(truncatingIfNeeded: d))
        case 2: return d == Int64(Int16(truncatingIfNeeded: d))
        case 4: return d == Int64(Int32(truncatingIfNeeded: d))
        default: return true
        }
    }

    /// Moves the offsets to storage of the given capacity and width (at least the current one).
    private mutating func reallocate(capacity newCapacity: Int, width newWidth: Int) {
        let fresh = UnsafeMutableRawPointer(LargeAllocation.allocate(UInt8.self, count: newCapacity * newWidth))
        if newWidth == width {
            fresh.copyMemory(from: storage, byteCount: count * width)
        } else {
            for i in 0..<count { Self.store(offset(i), at: i, width: newWidth, in: fresh) }
        }
        LargeAllocation.free(storage.assumingMemoryBound(to: UInt8.self))
        storage = fresh
        capacity = newCapacity
        width = newWidth
    }

    @inline(__always)
    private func store(_ d: Int64, at i: Int) { Self.store(d, at: i, width: width, in: storage) }

    @inline(__always)
    private static func store(_ d: Int64, at i: Int, width: Int, in storage: UnsafeMutableRawPointer) {
        switch width {
        case 1: storage.storeBytes(of: Int8(truncatingIfNeeded: d), toByteOffset: i, as: Int8.self)
        case 2: storage.storeBytes(of: Int16(truncatingIfNeeded: d), toByteOffset: i &* 2, as: Int16.self)
        case 4: storage.storeBytes(of: Int32(truncatingIfNeeded: d), toByteOffset: i &* 4, as: Int32.self)
        default: storage.storeBytes(of: d, toByteOffset: i &* 8, as: Int64.self)
        }
    }

    // MARK: - Reading

    /// Offset `i` from `base`, in units.
    @inline(__always)
    func offset(_ i: Int) -> Int64 {
        switch width {
        case 1: return Int64(storage.load(fromByteOffset: i, as: Int8.self))
        case 2: return Int64(storage.loadUnaligned(fromByteOffset: i &* 2, as: Int16.self))
        case 4: return Int64(storage.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self))
        default: return storage.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)
        }
    }

    /// Value `i` (unspecified for a null row).
    @inline(__always)
    subscript(i: Int) -> Int64 { (base &+ offset(i)) &* unit }

    /// All values, for the rare conversions that need them as plain integers.
    func values() -> [Int64] { (0..<count).map { self[$0] } }

    // MARK: - Changes of representation

    /// A value with a fraction of a second arrived: store microseconds from now on.
    private mutating func switchToMicroseconds() {
        multiplyUnits(by: Self.microsPerSecond)
        unit = 1
    }

    /// Multiplies every value by `factor` (dates to timestamps), storing whole seconds when
    /// the products are.
    mutating func multiply(by factor: Int64) {
        let total = unit &* factor
        if total % Self.microsPerSecond == 0 {
            multiplyUnits(by: total / Self.microsPerSecond)
            unit = Self.microsPerSecond
        } else {
            multiplyUnits(by: total)
            unit = 1
        }
    }

    /// Multiplies base, offsets and range by `m` (the values' unit shrinks by `m`).
    private mutating func multiplyUnits(by m: Int64) {
        guard m != 1 else { return }
        if hasValues {
            var newWidth = width
            while newWidth < 8, !(Self.fits((minimum &- base) &* m, newWidth) && Self.fits((maximum &- base) &* m, newWidth)) {
                newWidth *= 2
            }
            if newWidth != width { reallocate(capacity: capacity, width: newWidth) }
            for i in 0..<count { store(offset(i) &* m, at: i) }
            minimum = minimum &* m
            maximum = maximum &* m
        }
        base = base &* m
    }

    /// Forgets everything (the column became another kind).
    mutating func removeAll(unit newUnit: Int64 = 1) {
        count = 0
        width = 1
        base = 0
        unit = newUnit
        minimum = .max
        maximum = .min
    }

    /// Keeps the first `newCount` rows; `isValid` tells which rows hold values, to recompute
    /// the range without the rows dropped.
    mutating func truncate(to newCount: Int, isValid: (Int) -> Bool) {
        guard newCount < count else { return }
        count = newCount
        minimum = .max
        maximum = .min
        for i in 0..<count where isValid(i) {
            let v = base &+ offset(i)
            if v < minimum { minimum = v }
            if v > maximum { maximum = v }
        }
    }
}
