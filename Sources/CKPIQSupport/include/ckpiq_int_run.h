#ifndef CKPIQ_INT_RUN_H
#define CKPIQ_INT_RUN_H

// The CSV loader's loop over a batch's plain integers (ids, flags, counts).

#include <stdbool.h>
#include <stdint.h>

#include "ckpiq_split.h"
#include "ckpiq_text_lookup.h"

/// One to eight ASCII digits at `p` as a number, or -1 for anything else (a sign, spaces, more
/// digits), with 8 bytes readable from `p` (bytes past the field are ignored). SWAR: the bytes
/// are checked and combined in one word, with no loop and no branch on the digit count.
/// DigitParsing.parseUpToEightDigits in Swift is this function.
static inline int64_t kpiq_parse_eight_digits(const uint8_t *p, long n) {
    if (n < 1 || n > 8) return -1;
    unsigned shift = (unsigned)(64 - 8 * n);
    // The field's bytes at the top of the word, zero bytes (leading zero digits) below.
    uint64_t word = kpiq_load64(p) << shift;
    // A byte is a digit when neither `b - '0'` nor `b + 0x46` sets its high bit. Valid bytes
    // neither borrow nor carry, so the lowest invalid byte is always seen.
    uint64_t checked = 0x8080808080808080ull << shift;
    if (((word - (0x3030303030303030ull << shift)) | (word + 0x4646464646464646ull)) & checked) return -1;
    uint64_t v = word & 0x0F0F0F0F0F0F0F0Full;
    v = (v * (10 << 8 | 1)) >> 8;
    v = ((v & 0x00FF00FF00FF00FFull) * (100 << 16 | 1)) >> 16;
    v = ((v & 0x0000FFFF0000FFFFull) * (10000ull << 32 | 1)) >> 32;
    return (int64_t)v;
}

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
