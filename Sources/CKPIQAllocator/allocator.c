#include "ckpiq_allocator.h"
#include <stdlib.h> // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int kpiq_keep_freed_memory(void) {
#if defined(__GLIBC__)
    /* glibc caps its mmap threshold at 32 MB: blocks above it are mapped on their own and
       unmapped when freed, whatever the threshold says. Only no mappings at all keeps them. */
    return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
#else
    return 0;
#endif
}
