#ifndef CKPIQ_INT_RUN_H
#define CKPIQ_INT_RUN_H

// The CSV loader's loop over a batch's plain integers (ids, flags, counts).

#include <stdbool.h>
#include <stdint.h>

#include "ckpiq_split.h"
#include "ckpiq_text_lookup.h"

/// Parses the values of rows `first ..< count` of one column (`fields[r]` is row r's field)
/// while each is empty (a null) or one to eight plain ASCII digits with 8 bytes readable from
/// its start. Value k of the run goes to `values[k]` (0 for a null) and whether it is null to
/// `nulls[k]`; a value's row sets bit `validity_row + k` of `validity`. Stops at the first other
/// field (a sign, more digits, anything else), which the caller's general parser takes.
/// Returns the first row not taken; `*null_count` counts the empty ones taken.
long kpiq_parse_int_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count);

#endif
