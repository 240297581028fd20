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

    /// Frees memory from `allocate` (both branches end in the C allocator).
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        Glibc.free(pointer)
    }
}
