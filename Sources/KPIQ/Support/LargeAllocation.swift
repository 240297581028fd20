#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation for big arrays and hash tables: 2 MB aligned and marked for transparent huge
/// pages, so that random probes into tens of megabytes do not also miss the TLB on every access,
/// and so that the first touch of a big array costs one fault per 2 MB instead of one per 4 KB.
enum LargeAllocation {
    static let hugePage = 2 << 20

    /// Room for `count` values, 2 MB aligned when it is 2 MB or more. `hugePages: false` leaves
    /// it on small pages: for an array written all over at once but needed only little by little
    /// (a huge page is resident as soon as one byte of it is touched). Free it with `free`.
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
        #if os(Linux)
        if hugePages { _ = madvise(raw, rounded, MADV_HUGEPAGE) }
        #endif
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// An array of `count` elements, all written by `body`, whose storage uses transparent huge
    /// pages where it can: a loaded column's arrays are tens of MB.
    static func array<T>(of _: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let start = buffer.baseAddress {
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

    /// Marks the whole 2 MB pages inside a range (not yet touched) for transparent huge pages.
    static func adviseHugePages(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        adviseWholeHugePages(UnsafeRawPointer(start), byteCount: byteCount, MADV_HUGEPAGE)
        #endif
    }

    /// Gives the whole 2 MB pages inside a range of memory from `allocate` back to the system
    /// while the rest of the allocation is still in use: for an array read front to back for
    /// the last time, whose pages the next arrays can then take without raising the peak.
    /// Only whole huge pages are released (a partial one would be split); reading a released
    /// page gives zeros.
    static func discard(_ start: UnsafeRawPointer, byteCount: Int) {
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

    /// Frees memory from `allocate` (both of its branches end in the C allocator).
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        #if canImport(Glibc)
        Glibc.free(pointer)
        #else
        Darwin.free(pointer)
        #endif
    }
}
