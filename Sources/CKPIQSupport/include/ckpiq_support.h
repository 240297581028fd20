#ifndef CKPIQ_SUPPORT_H
#define CKPIQ_SUPPORT_H

// CPU hints Swift has no spelling for. Kept to the minimum: the engine is Swift.

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

#endif
