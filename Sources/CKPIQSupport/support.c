// The CPU hints are static inline in include/ckpiq_support.h; the allocator calls are here.
#include "ckpiq_support.h"
#include <stdlib.h> // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
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
