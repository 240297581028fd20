#ifndef CKPIQ_SUPPORT_H
#define CKPIQ_SUPPORT_H

// CPU hints and allocator calls Swift has no spelling for. Kept to the minimum: the engine is Swift.

#include "ckpiq_scan.h"
#include "ckpiq_split.h"
#include "ckpiq_text_lookup.h"
#include "ckpiq_int_run.h"
#include "ckpiq_timestamp_run.h"
#include "ckpiq_scatter.h"
#include "ckpiq_crc32c.h"

/// Asks the CPU to start loading the cache line at `address` for writing, so that a hash
/// table probe a few iterations later does not stall on memory.
static inline void kpiq_prefetch_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

static inline void kpiq_prefetch_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// glibc allocator tuning (see MemoryPolicy.swift); no-ops elsewhere.
void kpiq_malloc_thresholds(int mmap_threshold, int trim_threshold);
void kpiq_malloc_trim(void);

/// The usable size of a block from the C allocator (0 where it cannot tell).
unsigned long kpiq_allocation_size(void *block);

/// Page moves for `PageRecycler.swift` (`mremap` is variadic, which Swift cannot call).
/// Moves the pages of `[from, from + bytes)` to an address the kernel picks and returns it,
/// leaving the old range mapped but empty (it reads as zeros, as after MADV_DONTNEED).
/// NULL where that is not possible (kernels before 5.7, systems other than Linux).
void *kpiq_pages_take(void *from, unsigned long bytes);
/// Moves the pages of `[from, from + bytes)` to `to`, replacing what was mapped there, and
/// unmaps `from`. Returns 0, or -1 where it cannot.
int kpiq_pages_place(void *from, unsigned long bytes, void *to);

#endif
