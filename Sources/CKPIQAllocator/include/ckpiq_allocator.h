#ifndef CKPIQ_ALLOCATOR_H
#define CKPIQ_ALLOCATOR_H

// Process-wide allocator settings for the `kpiq` executable only: the KPIQ library never
// changes them (a program that embeds it owns its allocator). Swift cannot see <malloc.h>.

/// Keeps freed memory in the process for reuse instead of returning it to the system (glibc:
/// no block gets a mapping of its own, and up to 1 GB of free heap is kept before it is
/// trimmed). Returns 1 when the settings were taken, 0 where there is no glibc.
int kpiq_keep_freed_memory(void);

#endif
