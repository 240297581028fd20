#include "ckpiq_timestamp_run.h"

// Event exports are in time order: ten million timestamps at scale 10 on 730 dates, so all
// but one row in thousands is on the date of the row before. Same checks and arithmetic as
// SecondTimestampParser (its date parsing stays in Swift, reached at each new date).

/// Two ASCII digits as a number, or -1.
static inline int64_t two_digits(const uint8_t *p) {
    unsigned a = (unsigned)p[0] - '0', b = (unsigned)p[1] - '0';
    return a < 10 && b < 10 ? (int64_t)(a * 10 + b) : -1;
}

long kpiq_parse_timestamp_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_known_date date, bool in_seconds,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range) {
    long empty = 0;
    kpiq_run_range seen = {0, INT64_MAX, INT64_MIN, 0};
    long r = first;
    for (; r < count; r++) {
        kpiq_field f = fields[r];
        long k = r - first;
        if (f.length == 0) {
            values[k] = 0;
            nulls[k] = true;
            empty++;
            continue;
        }
        if (f.length != 19) break;
        const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
        uint16_t tail;
        memcpy(&tail, p + 8, 2);
        if (kpiq_load64(p) != date.word || tail != date.tail) break;
        uint8_t separator = p[10];
        if ((separator != 'T' && separator != ' ' && separator != 't') || p[13] != ':' || p[16] != ':') break;
        int64_t hh = two_digits(p + 11), mi = two_digits(p + 14), ss = two_digits(p + 17);
        if (hh < 0 || mi < 0 || ss < 0 || hh >= 24 || mi >= 60 || ss >= 60) break;
        int64_t seconds = date.days * 86400 + hh * 3600 + mi * 60 + ss;
        values[k] = in_seconds ? seconds : seconds * 1000000;
        nulls[k] = false;
        kpiq_run_range_add(&seen, values[k]);
        long row = validity_row + k;
        validity[row >> 6] |= 1ull << (row & 63);
    }
    *null_count = empty;
    *range = seen;
    return r;
}
