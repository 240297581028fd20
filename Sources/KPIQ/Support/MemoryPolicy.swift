import CKPIQSupport

/// Keeps the resident size close to what the datasets hold, without making queries pay for
/// fresh memory on every run.
///
/// A CSV load allocates and frees hundreds of megabytes of scratch (partition builders,
/// dictionary shards). Left to itself, glibc raises its mmap threshold each time a large block
/// is freed, so that scratch ends up in heap arenas that are never given back and the process
/// keeps the peak of every load. So a load sends big blocks straight to mmap (returned on
/// free) and trims the arenas when it ends.
///
/// Queries are the opposite case: they allocate the same large buffers (group tables,
/// selection vectors) run after run, and a fresh mapping costs a page fault and a zeroed page
/// per 4 KB, which measured at 40% of a grouping query. Between loads no block gets a mapping
/// of its own (glibc caps its mmap threshold at 32 MB, and a grouping by visitor allocates
/// 50 MB arrays), so freed blocks stay in the heap and the next query reuses them; up to 1 GB
/// of free heap is kept before it is trimmed.
enum MemoryPolicy {
    /// Runs a load under the load policy, then gives its scratch back and returns to the
    /// query policy.
    static func load<T>(_ body: () throws -> T) rethrows -> T {
        kpiq_malloc_thresholds(256 << 10, 128 << 10)
        defer {
            kpiq_malloc_trim()
            kpiq_malloc_thresholds(0, 1 << 30)
        }
        return try body()
    }
}
