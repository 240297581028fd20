import CKPIQSupport

/// Keeps the resident size close to what the datasets hold.
///
/// A CSV load allocates and frees hundreds of megabytes of scratch (partition builders,
/// dictionary shards). glibc raises its mmap threshold each time a large block is freed, so
/// later scratch comes from heap arenas that are never given back, and the process keeps the
/// peak of every load. A fixed threshold sends big blocks straight to mmap (returned on free),
/// and a trim after each load releases what the arenas still hold.
enum MemoryPolicy {
    /// Called once per process, before the first load.
    static let configure: Void = {
        kpiq_malloc_fixed_mmap_threshold(256 << 10)
    }()

    /// Gives freed heap memory back to the system.
    static func releaseFreeMemory() {
        kpiq_malloc_trim()
    }
}
