#include "ckpiq_int_run.h"

// Ids, flags and counts are four of the benchmark's eleven events columns: forty million
// values at scale 10, parsed by kpiq_parse_eight_digits in a loop that keeps the batch's
// fields in registers.

long kpiq_parse_int_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range) {
    long empty = 0;
    int64_t low = INT64_MAX, high = INT64_MIN;
    // Indexed by a field's inScratch: where its bytes are, and how far they may be read.
    const uint8_t *const bases[2] = {source.base, source.scratch};
    const long ends[2] = {source.end, source.scratch_capacity};
    long r = first;
    for (; r < count; r++) {
        kpiq_field f = fields[r];
        long k = r - first;
        long n = f.length;
        if (n == 0) {
            values[k] = 0;
            nulls[k] = true;
            empty++;
            continue;
        }
        if (f.offset + 8 > ends[f.inScratch]) break;
        const uint8_t *p = bases[f.inScratch] + f.offset;
        int64_t v;
        if (n == 1) {
            // Flags and small counts: one digit, a column's every value (so the branch is
            // predicted) in half of the benchmark's integer columns.
            v = (int64_t)p[0] - '0';
            if ((uint64_t)v > 9) break;
        } else {
            v = kpiq_parse_eight_digits(p, n);
            if (v < 0) break;
        }
        values[k] = v;
        nulls[k] = false;
        low = v < low ? v : low;
        high = v > high ? v : high;
        long row = validity_row + k;
        validity[row >> 6] |= 1ull << (row & 63);
    }
    *null_count = empty;
    // The first value and the count, after the loop: fewer registers for it.
    long taken = r - first;
    kpiq_run_range seen = {0, low, high, taken - empty};
    for (long k = 0; k < taken; k++) {
        if (!nulls[k]) {
            seen.first = values[k];
            break;
        }
    }
    *range = seen;
    return r;
}
