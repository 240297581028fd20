#include "ckpiq_int_run.h"

// Ids, flags and counts are four of the benchmark's eleven events columns: forty million
// values at scale 10, parsed by kpiq_parse_eight_digits in a loop that keeps the batch's
// fields in registers.

long kpiq_parse_int_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range) {
    long empty = 0;
    kpiq_run_range seen = {0, INT64_MAX, INT64_MIN, 0};
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
        bool overread = f.inScratch ? f.offset + 8 <= source.scratch_capacity : f.offset + 8 <= source.end;
        if (!overread) break;
        const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
        int64_t v = kpiq_parse_eight_digits(p, n);
        if (v < 0) break;
        values[k] = v;
        nulls[k] = false;
        kpiq_run_range_add(&seen, v);
        long row = validity_row + k;
        validity[row >> 6] |= 1ull << (row & 63);
    }
    *null_count = empty;
    *range = seen;
    return r;
}
