import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation for big hash tables: 2 MB aligned and marked for transparent huge pages, so
/// random probes into tens of megabytes do not also miss the TLB on every access.
enum LargeAllocation {
    static let hugePage = 2 << 20

    /// Room for `count` values, 2 MB aligned when it is 2 MB or more. `hugePages: false` leaves
    /// it on small pages: for an array written all over at once but needed only little by little
    /// (a huge page is resident as soon as one byte of it is touched). Like any allocation, it
    /// holds no particular values: during a load it may be backed by pages another array has
    /// just given back (`PageRecycler`), so callers write before they read.
    static func allocate<T>(_ type: T.Type, count: Int, hugePages: Bool = true) -> UnsafeMutablePointer<T> {
        let bytes = max(1, count * MemoryLayout<T>.stride)
        if bytes < hugePage {
            return UnsafeMutablePointer<T>.allocate(capacity: count)
        }
        let rounded = (bytes + hugePage - 1) / hugePage * hugePage
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, hugePage, rounded) == 0, let raw else {
            return UnsafeMutablePointer<T>.allocate(capacity: count)
        }
        // Pages placed from the pool keep their own advice until it is given again here.
        PageRecycler.shared.fill(raw, byteCount: rounded)
        #if os(Linux)
        if hugePages { _ = madvise(raw, rounded, hugePageAdvice) }
        #endif
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// An array of `count` elements written by `body`, whose storage uses transparent huge
    /// pages where it can: first touches of recently freed 4 KB pages cost about three times
    /// more than of 2 MB ones (in virtual machines; `FreshMemory` has the exception), and a
    /// loaded column's arrays are tens of MB. `body` writes every element: during a load the
    /// storage may hold pages another array has just given back (`PageRecycler`).
    static func array<T>(of _: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let start = buffer.baseAddress {
                PageRecycler.shared.fill(UnsafeMutableRawPointer(start), byteCount: count * MemoryLayout<T>.stride)
                adviseHugePages(UnsafeMutableRawPointer(start), byteCount: count * MemoryLayout<T>.stride)
                body(start)
            }
            initialized = count
        }
    }

    /// `count` copies of `value` in memory marked for huge pages: state per group that
    /// millions of groups touch in random order misses the TLB far less.
    static func filled<T>(_ value: T, count: Int) -> [T] {
        array(of: T.self, count: count) { $0.initialize(repeating: value, count: count) }
    }

    /// Marks the whole 2 MB pages inside a range (not yet touched) for transparent huge pages
    /// (for small ones during a load that found fresh memory cold: see `FreshMemory`).
    static func adviseHugePages(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        adviseWholeHugePages(UnsafeRawPointer(start), byteCount: byteCount, hugePageAdvice)
        #endif
    }

    #if os(Linux)
    /// Huge pages, except during a load that found fresh memory cold (`FreshMemory`). Said
    /// explicitly either way: the C allocator may hand out memory that had the other advice.
    private static var hugePageAdvice: Int32 {
        FreshMemory.prefersSmallPages ? MADV_NOHUGEPAGE : MADV_HUGEPAGE
    }
    #endif

    /// Gives up the whole 2 MB pages inside a range of memory from `allocate` whose contents
    /// are no longer needed, while the rest of the allocation is still in use: during a load
    /// they go to the load's next arrays (`PageRecycler`), otherwise back to the system.
    ///
    /// Peak memory, not total, is what a load pays most for: on these virtual machines the
    /// first touch of a page the host has taken back costs about 1.3 ms per MB, several times
    /// the cost of reusing a page this process has just freed. Releasing an array's pages as
    /// soon as they have been read for the last time lets the next array reuse them. Only
    /// whole huge pages are released (a partial one would be split); reading a released page
    /// gives zeros.
    static func discard(_ start: UnsafeRawPointer, byteCount: Int) {
        if PageRecycler.shared.keep(start, byteCount: byteCount) { return }
        #if os(Linux)
        adviseWholeHugePages(start, byteCount: byteCount, MADV_DONTNEED)
        #endif
    }

    /// Discards the whole 2 MB pages between `released` and `end` of an array read front to
    /// back, and moves `released` to the last page boundary reached: called after each step of
    /// the reading, it gives back every page once, whatever the steps' sizes and alignment.
    static func discard(from released: inout UnsafeRawPointer, to end: UnsafeRawPointer) {
        guard end > released else { return }
        discard(released, byteCount: end - released)
        let boundary = UnsafeRawPointer(bitPattern: Int(bitPattern: end) / hugePage * hugePage)!
        if boundary > released { released = boundary }
    }

    #if os(Linux)
    /// `madvise` over the whole 2 MB pages inside a range (none when it holds no whole one).
    private static func adviseWholeHugePages(_ start: UnsafeRawPointer, byteCount: Int, _ advice: Int32) {
        let first = (Int(bitPattern: start) + hugePage - 1) / hugePage * hugePage
        let last = (Int(bitPattern: start) + byteCount) / hugePage * hugePage
        if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, advice) }
    }
    #endif

    /// Frees memory from `allocate` (both branches end in the C allocator). During a load its
    /// whole 2 MB pages go to the next arrays instead of back to the system (`PageRecycler`).
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        #if canImport(Glibc)
        _ = PageRecycler.shared.keep(pointer, byteCount: Int(kpiq_allocation_size(pointer)))
        Glibc.free(pointer)
        #else
        Darwin.free(pointer)
        #endif
    }
}
