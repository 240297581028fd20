/// The dictionary codes of an interned text column while it loads: one byte per row while the
/// codes fit, two after. An interned column never needs more (`TextColumnStore` defers long
/// before 65,536 distinct values), and most hold a few dozen: sources, devices, countries.
struct CodeBuffer: ~Copyable {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0
    /// Two bytes per code instead of one.
    private(set) var isWide = false

    static let maximumCode: UInt32 = 0xFFFF

    init(capacity: Int = 16) {
        self.capacity = max(16, capacity)
        storage = UnsafeMutableRawPointer(LargeAllocation.allocate(UInt8.self, count: self.capacity))
    }

    deinit { LargeAllocation.free(storage.assumingMemoryBound(to: UInt8.self)) }

    @inline(__always)
    mutating func append(_ code: UInt32) {
        if count == capacity { reallocate(capacity: capacity * 2, wide: isWide) }
        if isWide {
            storage.storeBytes(of: UInt16(truncatingIfNeeded: code), toByteOffset: count &* 2, as: UInt16.self)
        } else if code <= 0xFF {
            storage.storeBytes(of: UInt8(truncatingIfNeeded: code), toByteOffset: count, as: UInt8.self)
        } else {
            reallocate(capacity: capacity, wide: true)
            storage.storeBytes(of: UInt16(truncatingIfNeeded: code), toByteOffset: count &* 2, as: UInt16.self)
        }
        count += 1
    }

    @inline(__always)
    subscript(i: Int) -> UInt32 {
        get {
            isWide ? UInt32(storage.load(fromByteOffset: i &* 2, as: UInt16.self)) : UInt32(storage.load(fromByteOffset: i, as: UInt8.self))
        }
        set {
            precondition(newValue <= Self.maximumCode)
            if !isWide, newValue > 0xFF { reallocate(capacity: capacity, wide: true) }
            if isWide {
                storage.storeBytes(of: UInt16(truncatingIfNeeded: newValue), toByteOffset: i &* 2, as: UInt16.self)
            } else {
                storage.storeBytes(of: UInt8(truncatingIfNeeded: newValue), toByteOffset: i, as: UInt8.self)
            }
        }
    }

    /// Room for `total` codes, growing as `GrowableBuffer` does.
    mutating func reserve(_ total: Int) {
        if total > capacity { reallocate(capacity: GrowableBuffer<UInt16>.grownCapacity(capacity, toHold: total), wide: isWide) }
    }

    mutating func truncate(to newCount: Int) { count = min(count, newCount) }

    /// Declares codes up to `newCount` written through `storage` (after `reserve`).
    mutating func setCount(_ newCount: Int) {
        precondition(newCount <= capacity)
        count = newCount
    }

    mutating func removeAll() { count = 0 }

    /// Gives the memory back (the column switched to deferred mode).
    mutating func releaseStorage() {
        reallocate(capacity: 16, wide: false, keep: 0)
        count = 0
    }

    private mutating func reallocate(capacity newCapacity: Int, wide: Bool, keep: Int? = nil) {
        let kept = keep ?? count
        let fresh = UnsafeMutableRawPointer(LargeAllocation.allocate(UInt8.self, count: newCapacity * (wide ? 2 : 1)))
        if wide == isWide {
            fresh.copyMemory(from: storage, byteCount: kept * (wide ? 2 : 1))
        } else {
            let target = fresh.assumingMemoryBound(to: UInt16.self)
            for i in 0..<kept { target[i] = UInt16(storage.load(fromByteOffset: i, as: UInt8.self)) }
        }
        LargeAllocation.free(storage.assumingMemoryBound(to: UInt8.self))
        storage = fresh
        capacity = newCapacity
        isWide = wide
    }
}
