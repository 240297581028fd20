#include "ckpiq_int_run.h"

// Ids, flags and counts are four of the benchmark's eleven events columns: forty million
// values at scale 10. Same arithmetic as DigitParsing.parseUpToEightDigits (SWAR: eight bytes
// checked and combined in one word, no loop over digits), in a loop that keeps the batch's
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
        if (n > 8 || !overread) break;
        const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
        unsigned shift = (unsigned)(64 - 8 * n);
        // The field's bytes at the top of the word, zero bytes (leading zero digits) below.
        uint64_t word = kpiq_load64(p) << shift;
        // A byte is a digit when neither `b - '0'` nor `b + 0x46` sets its high bit.
        uint64_t checked = 0x8080808080808080ull << shift;
        if (((word - (0x3030303030303030ull << shift)) | (word + 0x4646464646464646ull)) & checked) break;
        uint64_t v = word & 0x0F0F0F0F0F0F0F0Full;
        v = (v * (10 << 8 | 1)) >> 8;
        v = ((v & 0x00FF00FF00FF00FFull) * (100 << 16 | 1)) >> 16;
        v = ((v & 0x0000FFFF0000FFFFull) * (10000ull << 32 | 1)) >> 32;
        values[k] = (int64_t)v;
        nulls[k] = false;
        kpiq_run_range_add(&seen, (int64_t)v);
        long row = validity_row + k;
        validity[row >> 6] |= 1ull << (row & 63);
    }
    *null_count = empty;
    *range = seen;
    return r;
}
