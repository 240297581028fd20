#ifndef CKPIQ_TIMESTAMP_RUN_H
#define CKPIQ_TIMESTAMP_RUN_H

// The CSV loader's loop over a batch's `YYYY-MM-DDTHH:MM:SS` timestamps on a known date.

#include <stdbool.h>
#include <stdint.h>

#include "ckpiq_split.h"
#include "ckpiq_int_run.h"
#include "ckpiq_text_lookup.h"

/// The date the Swift parser read last (SecondTimestampParser): the first 8 and next 2 bytes
/// of its `YYYY-MM-DD`, and its day number.
typedef struct kpiq_known_date {
    uint64_t word;
    uint16_t tail;
    int64_t days;
} kpiq_known_date;

/// Parses the values of rows `first ..< count` of one column (`fields[r]` is row r's field)
/// while each is empty (a null) or `YYYY-MM-DD(T| |t)HH:MM:SS` on `date`, into seconds since
/// the epoch (microseconds unless `in_seconds`). Value k of the run goes to `values[k]` (0 for
/// a null) and whether it is null to `nulls[k]`; a value's row sets bit `validity_row + k` of
/// `validity`. Stops at the first other field, a new date included: the Swift parser reads it
/// (and learns its date). Returns the first row not taken; `*null_count` counts the empty ones,
/// `*range` the values.
long kpiq_parse_timestamp_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_known_date date, bool in_seconds,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range);

#endif
