// The CPU hints are static inline in include/ckpiq_support.h; the allocator calls are here.
#define _GNU_SOURCE // mremap
#include "ckpiq_support.h"
#include <stdlib.h> // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

void kpiq_malloc_thresholds(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__)
    /* A threshold of 0 means: never map blocks of their own (glibc caps the threshold at
       32 MB, so this is the only way to keep larger blocks for reuse). */
    mallopt(M_MMAP_MAX, mmap_threshold == 0 ? 0 : 65536);
    if (mmap_threshold > 0) mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
#else
    (void)mmap_threshold;
    (void)trim_threshold;
#endif
}

void kpiq_malloc_trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

unsigned long kpiq_allocation_size(void *block) {
#if defined(__GLIBC__)
    return malloc_usable_size(block);
#else
    (void)block;
    return 0;
#endif
}

void *kpiq_pages_take(void *from, unsigned long bytes) {
#if defined(__linux__) && defined(MREMAP_DONTUNMAP)
    /* The fifth argument must be given: with MREMAP_DONTUNMAP the kernel reads it as a hint
       for the new address, and fails on whatever unaligned value the register held. */
    void *to = mremap(from, bytes, bytes, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, (void *)0);
    return to == MAP_FAILED ? 0 : to;
#else
    (void)from;
    (void)bytes;
    return 0;
#endif
}

int kpiq_pages_place(void *from, unsigned long bytes, void *to) {
#if defined(__linux__)
    return mremap(from, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED ? -1 : 0;
#else
    (void)from;
    (void)bytes;
    (void)to;
    return -1;
#endif
}
