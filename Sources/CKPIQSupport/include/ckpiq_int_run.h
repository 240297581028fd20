#ifndef CKPIQ_INT_RUN_H
#define CKPIQ_INT_RUN_H

// The CSV loader's loop over a batch's plain integers (ids, flags, counts).

#include <stdbool.h>
#include <stdint.h>

#include "ckpiq_split.h"
#include "ckpiq_text_lookup.h"

/// The values a run parsed (nulls aside): the first, the smallest and the largest; `count` 0
/// when it parsed none. IntegerBuffer.appendRun takes it instead of scanning the run again.
typedef struct kpiq_run_range {
    int64_t first;
    int64_t low;
    int64_t high;
    long count;
} kpiq_run_range;

/// Parses the values of rows `first ..< count` of one column (`fields[r]` is row r's field)
/// while each is empty (a null) or one to eight plain ASCII digits with 8 bytes readable from
/// its start. Value k of the run goes to `values[k]` (0 for a null) and whether it is null to
/// `nulls[k]`; a value's row sets bit `validity_row + k` of `validity`. Stops at the first other
/// field (a sign, more digits, anything else), which the caller's general parser takes.
/// Returns the first row not taken; `*null_count` counts the empty ones taken, `*range` the
/// values.
long kpiq_parse_int_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range);

/// Adds `v` to `range`.
static inline void kpiq_run_range_add(kpiq_run_range *range, int64_t v) {
    if (range->count == 0) range->first = v;
    range->low = v < range->low ? v : range->low;
    range->high = v > range->high ? v : range->high;
    range->count++;
}

#endif
