/// A manually managed, growable buffer of plain values for the hottest append loops (CSV
/// parsing, interning), where Swift arrays' uniqueness and bounds checks cost too much.
///
/// It has no deinit: the owning class calls `release()` exactly once. Copies share storage,
/// so it is only ever held as a stored property of one owner.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count: Int = 0
    private(set) var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = max(16, capacity)
        base = LargeAllocation.allocate(Element.self, count: self.capacity)
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = value
        count += 1
    }

    mutating func append(contentsOf source: UnsafePointer<Element>, count n: Int) {
        if count + n > capacity { grow(to: Self.grownCapacity(capacity, toHold: count + n)) }
        (base + count).update(from: source, count: n)
        count += n
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    mutating func reserve(_ total: Int) {
        if total > capacity { grow(to: Self.grownCapacity(capacity, toHold: total)) }
    }

    /// The capacity a buffer of `capacity` grows to when it must hold `total`: at least double.
    /// Loaders reserve a batch at a time past a row estimate; growing to the exact total would
    /// copy the whole buffer for every batch (quadratic in the rows beyond the estimate). The
    /// loader's narrow buffers (`IntegerBuffer`, `CodeBuffer`) grow by the same rule.
    static func grownCapacity(_ capacity: Int, toHold total: Int) -> Int { max(total, capacity * 2) }

    /// Declares the first `newCount` elements initialized (after writing them through `base`).
    mutating func setCount(_ newCount: Int) {
        precondition(newCount <= capacity)
        count = newCount
    }

    mutating func truncate(to newCount: Int) {
        count = min(count, newCount)
    }

    mutating func removeAll() { count = 0 }

    private mutating func grow(to newCapacity: Int) {
        let fresh = LargeAllocation.allocate(Element.self, count: newCapacity)
        fresh.update(from: base, count: count)
        LargeAllocation.free(base)
        base = fresh
        capacity = newCapacity
    }

    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    func toArray() -> [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    func release() { LargeAllocation.free(base) }
}
