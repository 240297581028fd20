#ifndef CKPIQ_SCATTER_H
#define CKPIQ_SCATTER_H

// The dictionary builder's scatter of a many-valued column's keys into bucket order
// (PartitionedDictionaryBuilder), with write-combining buffers.

#include <stdint.h>

#include "ckpiq_text_lookup.h"

/// One task's scatter state: per bucket, the next position to write, the first position the
/// task owns, and a 64-byte line of keys not yet written.
typedef struct kpiq_scatter {
    long *cursor;
    const long *owned_from;
    kpiq_key *lines;  // 4 keys per bucket, 64-byte aligned
    kpiq_key *entries;  // 64-byte aligned
} kpiq_scatter;

/// Copies the keys of rows [0, rows) to `entries[cursor[bucket]++]`, where a row's bucket is
/// `hash_tops[row] >> top_shift`, skipping null rows (bit `validity_row + row` of `validity`
/// clear; `validity` may be NULL). Keys gather in the bucket's line and go to memory four at
/// a time with one non-temporal 64-byte store when the line is the task's alone; positions in
/// a line shared with the bucket before, or with another task, are written one by one.
/// Call `kpiq_scatter_finish` once after the last rows.
void kpiq_scatter_keys(
    kpiq_scatter state, const kpiq_key *keys, const uint16_t *hash_tops, long rows,
    const uint64_t *validity, long validity_row, unsigned top_shift);

/// Writes the keys still held in the lines of buckets [0, buckets).
void kpiq_scatter_finish(kpiq_scatter state, long buckets);

#endif
