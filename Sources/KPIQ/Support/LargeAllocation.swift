#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation for big hash tables: 2 MB aligned and marked for transparent huge pages, so
/// random probes into tens of megabytes do not also miss the TLB on every access.
enum LargeAllocation {
    static let hugePage = 2 << 20

    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
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
        _ = madvise(raw, rounded, MADV_HUGEPAGE)
        #endif
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// An array of `count` elements written by `body`, whose storage uses transparent huge
    /// pages where it can: first touches of fresh 4 KB pages cost several times more than of
    /// 2 MB ones (notably in virtual machines), and a loaded column's arrays are tens of MB.
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
        let first = (Int(bitPattern: start) + hugePage - 1) / hugePage * hugePage
        let last = (Int(bitPattern: start) + byteCount) / hugePage * hugePage
        if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_HUGEPAGE) }
        #endif
    }

    /// Frees memory from `allocate` (both branches end in the C allocator).
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        Glibc.free(pointer)
    }
}
